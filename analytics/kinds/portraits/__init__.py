"""Resident portraits: segments of residents and each community's mix of them."""

from analytics.kinds.base import Partitioned, RunKind
from analytics.kinds.portraits import params, report, result, runner, tables

KIND = RunKind(
    name="portraits",
    result_type=result.PortraitsResult,
    run=runner.portraits_run,
    scope=result.scope,
    form=params.PortraitsStartForm,
    serializer=params.PortraitsParamsSerializer,
    template="analytics/portraits.html",
    page=report.page,
    tables=tables.TABLES,
    partitioned=Partitioned(part=runner.portraits_part, merge=runner.portraits_merge),
)
