"""The forecast run's downloads: every forecast of the communities in the reader's scope, and
the backtest errors (city-wide)."""

from __future__ import annotations

from collections.abc import Iterator

from analytics import queries
from analytics.exports import Table, count, num
from analytics.kinds.base import Audience
from analytics.kinds.forecast.report import backtest_rows
from analytics.kinds.forecast.result import ForecastResult
from analytics.models import AnalysisRun
from analytics.reports import names

FORECAST_COLUMNS = (
    "community",
    "community_name",
    "category",
    "category_name",
    "month",
    "forecast",
    "lower",
    "upper",
)


BACKTEST_METRICS = (
    "n",
    "wape_model",
    "wape_naive",
    "wape_seasonal_naive",
    "mase_model",
    "mase_naive",
    "mase_seasonal_naive",
    "coverage",
    "mean_interval_width",
)


BACKTEST_COLUMNS = ("group", "group_name", *BACKTEST_METRICS, "wape_reduction_vs_seasonal_naive")


def forecasts(*, run: AnalysisRun, audience: Audience, **_: object) -> Table:
    """Every forecast of the run for the communities in scope, with its 80% interval; read
    row by row, as a city has hundreds of thousands."""
    category_names = names()[1]

    def rows() -> Iterator[tuple]:
        for community, name, category, period, forecast, lower, upper in queries.forecast_rows(
            run=run, codes=audience.codes
        ).iterator(chunk_size=2000):
            yield (
                community,
                name,
                category,
                category_names.get(category, ""),
                period.strftime("%Y-%m"),
                forecast,
                lower,
                upper,
            )

    return Table(FORECAST_COLUMNS, rows())


def backtest(*, result: ForecastResult, **_: object) -> Table:
    """The backtest errors, city-wide: ``overall`` first, then one row per category."""
    return Table(
        BACKTEST_COLUMNS,
        [
            (
                "overall" if row["overall"] else row.get("group", ""),
                str(row["label"]),
                count(row.get("n")),
                *(num(row.get(m)) for m in BACKTEST_METRICS[1:]),
                row["improvement"],
            )
            for row in backtest_rows(result)
        ],
    )


TABLES = {"forecasts": forecasts, "backtest": backtest}
