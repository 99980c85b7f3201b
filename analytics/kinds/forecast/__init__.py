"""Demand forecasts per community and service, with their backtest."""

from analytics.kinds.base import Partitioned, RunKind
from analytics.kinds.forecast import params, report, result, runner, tables

KIND = RunKind(
    name="forecast",
    result_type=result.ForecastResult,
    run=runner.forecast_run,
    scope=result.scope,
    form=params.ForecastStartForm,
    serializer=params.ForecastParamsSerializer,
    template="analytics/forecast.html",
    page=report.page,
    tables=tables.TABLES,
    partitioned=Partitioned(part=runner.forecast_part, merge=runner.forecast_merge),
)
