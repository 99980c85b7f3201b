"""Allocation of next month's supply across communities and services, with a fairness audit."""

from analytics.kinds.allocation import params, report, result, runner, tables
from analytics.kinds.base import Partitioned, RunKind

KIND = RunKind(
    name="allocation",
    result_type=result.AllocationResult,
    run=runner.allocation_run,
    scope=result.scope,
    form=params.AllocationStartForm,
    serializer=params.AllocationParamsSerializer,
    template="analytics/allocation.html",
    page=report.page,
    tables=tables.TABLES,
    partitioned=Partitioned(part=runner.allocation_part, merge=runner.allocation_merge),
)
