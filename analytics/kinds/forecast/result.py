"""The typed result of a forecast run and what a reader may see of it.

The forecasts themselves are rows (``DemandForecast``), read per community through
``analytics.queries``; the result holds the backtest, city-wide, and its errors per community
and service (``backtest_cells``, which the fairness audit of an allocation reads).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from analytics.kinds.base import Audience
from analytics.kinds.schema import Result


@dataclass(kw_only=True)
class Backtest:
    """The rolling-origin backtest of the ensemble and each member (``wape_<member>``,
    ``mase_<member>`` beside ``wape_model``) against the naive baselines, city-wide
    (overall, by service, by months ahead), and the weights at its last origin."""

    method: str = ""
    members: dict[str, str] = field(default_factory=dict)
    baselines: dict[str, str] = field(default_factory=dict)
    origins: list[str] = field(default_factory=list)
    horizon: int | None = None
    interval: float | None = None
    group_column: str | None = None
    overall: dict[str, float | None] = field(default_factory=dict)
    improvement_over_seasonal_naive: float | None = None
    best_member: str | None = None
    gap_to_best_member: float | None = None
    weights: list[dict[str, Any]] = field(default_factory=list)
    by_group: list[dict[str, Any]] = field(default_factory=list)
    by_horizon: list[dict[str, Any]] = field(default_factory=list)
    seconds: float | None = None


@dataclass(kw_only=True)
class BacktestCell:
    """Requests in one community and service over the backtest's months, and their forecast.
    ``suppressed``: the count is too small for the reader to see (both figures are ``None``)."""

    community: str = ""
    category: str = ""
    actual: float | None = None
    forecast: float | None = None
    suppressed: bool = False


@dataclass(kw_only=True)
class ForecastResult(Result):
    SCHEMA_VERSION = 3
    KIND = "forecast"

    backtest: Backtest = field(default_factory=Backtest)
    backtest_cells: list[BacktestCell] = field(default_factory=list)
    # Per months ahead: each member's weight in the forecasts, and how weights and interval
    # were found (learnt, best single member; conformal, Poisson).
    ensemble_weights: list[dict[str, Any]] = field(default_factory=list)
    horizon: int | None = None
    last_month: str | None = None
    n_series: int | None = None
    data_fingerprint: str = ""
    synthetic: bool = False


def scope(result: ForecastResult, audience: Audience) -> ForecastResult:
    """The backtest stays whole (city-wide errors describe no one); the cells are cut to the
    communities the reader serves, and a cell of fewer requests than the public export shows
    is suppressed."""
    if audience.sees_all:
        return result
    cells = [
        replace(cell, actual=None, forecast=None, suppressed=True)
        if audience.too_small(cell.actual)
        else cell
        for cell in result.backtest_cells
        if audience.sees(cell.community)
    ]
    return replace(result, backtest_cells=cells)
