"""The paper's city-level equalization evidence and the equity weights it gives allocations."""

from analytics.kinds.base import RunKind
from analytics.kinds.equalization import params, report, result, runner, tables

KIND = RunKind(
    name="equalization",
    result_type=result.EqualizationResult,
    run=runner.equalization_run,
    scope=result.scope,
    form=params.EqualizationStartForm,
    serializer=params.EqualizationParamsSerializer,
    template="analytics/equalization.html",
    page=report.page,
    tables=tables.TABLES,
)
