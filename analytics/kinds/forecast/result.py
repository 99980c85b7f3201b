"""The typed result of a forecast run and what a reader may see of it.

The forecasts themselves are rows (``DemandForecast``), read per community through
``analytics.queries``; the result holds the backtest, city-wide, and its errors per community
and service (``backtest_cells``, which the fairness audit of an allocation reads).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar, Self

from analytics.engine.supply.forecast import NO_WAPE_REASONS, EnsembleWeights
from analytics.kinds.base import Audience
from analytics.kinds.schema import Result, SchemaError, to_json


@dataclass(kw_only=True)
class BacktestErrors:
    """The backtest's errors over one slice (all of it, one service, one month ahead): how
    many predictions, the WAPE, MASE and RMSSE (scaled squared error) of each forecaster by
    name (``model`` for the ensemble, ``naive``, and each member, ``seasonal_naive`` among
    them), and the interval's coverage and mean width. Where the slice's months had no
    demand, WAPE (error over demand) is not defined: ``None``, and ``no_wape_reason`` says
    why (one of ``NO_WAPE_REASONS``). Runs stored before RMSSE have none.

    Stored flat, as the engine writes it (``wape_<name>``, ``mase_<name>``,
    ``rmsse_<name>``), so a member the engine adds needs no new field; any other key is
    refused."""

    FIXED: ClassVar[tuple[str, ...]] = ("n", "coverage", "mean_interval_width", "no_wape_reason")
    PREFIXES: ClassVar[tuple[str, ...]] = ("wape_", "mase_", "rmsse_")

    n: float | None = None
    wape: dict[str, float | None] = field(default_factory=dict)
    mase: dict[str, float | None] = field(default_factory=dict)
    rmsse: dict[str, float | None] = field(default_factory=dict)
    coverage: float | None = None
    mean_interval_width: float | None = None
    no_wape_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            **self._own_json(),
            "n": to_json(self.n),
            **{f"wape_{name}": to_json(v) for name, v in self.wape.items()},
            **{f"mase_{name}": to_json(v) for name, v in self.mase.items()},
            **{f"rmsse_{name}": to_json(v) for name, v in self.rmsse.items()},
            "coverage": to_json(self.coverage),
            "mean_interval_width": to_json(self.mean_interval_width),
            "no_wape_reason": self.no_wape_reason,
        }

    def _own_json(self) -> dict[str, Any]:
        return {}

    def as_row(self) -> dict[str, Any]:
        """The flat figures by their stored names (``wape_model``, ``coverage``, ...)."""
        return self.to_json()

    @classmethod
    def _fields_from(cls, data: Mapping, where: str) -> dict[str, Any]:
        own = {f.name for f in fields(cls)} - {"wape", "mase", "rmsse", *cls.FIXED}
        values: dict[str, Any] = {"wape": {}, "mase": {}, "rmsse": {}}
        for key, value in data.items():
            number = None if value is None else value
            if key in cls.FIXED or key in own:
                values[key] = value
            elif key.startswith(cls.PREFIXES) and (
                number is None or isinstance(number, int | float)
            ):
                prefix, name = key.split("_", 1)
                values[prefix][name] = None if number is None else float(number)
            else:
                raise SchemaError(f"{where}: unknown key {key}")
        reason = values.get("no_wape_reason")
        if reason is not None and reason not in NO_WAPE_REASONS:
            raise SchemaError(f"{where}: no_wape_reason: unknown {reason!r}")
        return values

    @classmethod
    def from_json(cls, data: Mapping, *, where: str = "backtest") -> Self:
        return cls(**cls._fields_from(data, where))


@dataclass(kw_only=True)
class BacktestGroup(BacktestErrors):
    """The errors of one service (``group``: its category code)."""

    group: str = ""

    def _own_json(self) -> dict[str, Any]:
        return {"group": self.group}


@dataclass(kw_only=True)
class BacktestHorizon(BacktestErrors):
    """The errors of the forecasts made ``horizon`` months ahead."""

    horizon: int = 0

    def _own_json(self) -> dict[str, Any]:
        return {"horizon": self.horizon}


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
    overall: BacktestErrors | None = None
    improvement_over_seasonal_naive: float | None = None
    best_member: str | None = None
    gap_to_best_member: float | None = None
    weights: list[StoredEnsembleWeights] = field(default_factory=list)
    by_group: list[BacktestGroup] = field(default_factory=list)
    by_horizon: list[BacktestHorizon] = field(default_factory=list)
    seconds: float | None = None


@dataclass(frozen=True, kw_only=True)
class StoredEnsembleWeights(EnsembleWeights):
    """The engine's ``EnsembleWeights`` read from a stored result: a part that does not fit
    is a ``SchemaError`` naming where, like every other part of a result."""

    @classmethod
    def from_json(cls, data: Mapping, *, where: str = "weights") -> Self:
        try:
            parsed = EnsembleWeights.parse(data)
        except ValueError as error:
            raise SchemaError(f"{where}: {error}") from None
        return cls(**{f.name: getattr(parsed, f.name) for f in fields(parsed)})

    @classmethod
    def of(cls, weights: EnsembleWeights) -> Self:
        return cls(**{f.name: getattr(weights, f.name) for f in fields(weights)})


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
    # 4: the backtest's errors are typed (``BacktestErrors``), stored as before.
    SCHEMA_VERSION = 4
    KIND = "forecast"

    backtest: Backtest = field(default_factory=Backtest)
    backtest_cells: list[BacktestCell] = field(default_factory=list)
    # Per months ahead: each member's weight in the forecasts, and how weights and interval
    # were found (learnt, best single member; conformal, Poisson).
    ensemble_weights: list[StoredEnsembleWeights] = field(default_factory=list)
    horizon: int | None = None
    last_month: str | None = None
    n_series: int | None = None
    # How many series' demand is intermittent at the last month (they use the intermittent
    # mix of ``ensemble_weights``); None in runs stored before it was counted.
    intermittent_series: int | None = None
    # Months of history the run had; where they were too few to backtest (the backtest is
    # then empty), the months a backtest needs.
    history_months: int | None = None
    backtest_months_needed: int | None = None
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
