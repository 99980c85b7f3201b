"""What-if scenarios: one community re-forecast with planned changes."""

from analytics.kinds.base import RunKind
from analytics.kinds.what_if import params, report, result, runner, tables

KIND = RunKind(
    name="what_if",
    result_type=result.WhatIfResult,
    run=runner.what_if_run,
    scope=result.scope,
    form=params.WhatIfStartForm,
    serializer=params.WhatIfParamsSerializer,
    template="analytics/what_if.html",
    page=report.page,
    tables=tables.TABLES,
)
