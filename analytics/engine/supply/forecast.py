"""Monthly demand forecasts per series (community × service category): an ensemble of a
global gradient-boosting model and per-series statistical methods, with conformal intervals.

Method (also in docs/forecasting.md):

* **Global gradient-boosting member**: scikit-learn ``HistGradientBoostingRegressor`` with
  Poisson loss across all series. Every training row is a (series, forecast origin, horizon)
  triple; features are taken at the origin: lags 1, 2, 3, 6 and 12 months back, rolling means
  over 3/6/12 months, the value in the target month a year and two years earlier,
  year-on-year change, share of zero months, the calendar month of the target, the horizon, a
  seasonal index of the series' group (e.g. category) estimated from the training window, and
  the series' attributes as of the origin (community population, urban/rural, category,
  segment mix, ...). The model predicts the ratio of the target to the series' recent level
  with the level as sample weight (Poisson regression with ``log(level)`` as offset), one
  model for every horizon (direct multi-step). Early stopping watches the last months before
  the origin (a split in time).
* **Statistical members** (:mod:`analytics.engine.supply.statistical`): damped-trend
  exponential smoothing and the Theta method on seasonally adjusted series, each reconciled
  to its forecast of the series' group's total; the seasonal naive; and the seasonal naive
  times the year-on-year change, that change shrunk toward the group's.
* **Ensemble weights learnt on the rolling-origin backtest**: the members are refitted at
  earlier origins (``backtest_step`` months apart) on the data up to each; per horizon the
  weights (a grid on the simplex, so every single member is a candidate) minimise the
  absolute error of those forecasts, each origin counting equally. Too few backtest rows
  for a horizon: the best single member; none at all: equal weights.
* **Conformal intervals**: the same backtest residuals of the ensemble, divided by each
  series' scale (mean absolute month-to-month change over the two years before the origin),
  give per horizon the lower and upper quantiles of a split-conformal interval at the
  requested level (80% by default).
* **Rolling-origin backtest**: at each backtest origin everything above is redone with data
  up to it only (weights and interval from still earlier origins) and compared with naive
  (last month) and seasonal-naive (same month last year) forecasts by WAPE and MASE, overall,
  per member, per group and per horizon, plus interval coverage.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.stats import poisson
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from analytics.engine.errors import EngineContractError, EngineInputError
from analytics.engine.partitions import MIXED
from analytics.engine.supply import statistical
from analytics.engine.supply.catalogue import CATEGORIES
from analytics.engine.supply.frames import (
    RowNumbers,
    jsonable,
    require_columns,
    require_numeric,
    row_named,
    strip_identifiers,
    to_month,
)

MAX_HORIZON = 12  # the same-month-last-year feature needs the target within a year
MAX_CATEGORICAL_LEVELS = 250  # histogram gradient boosting's limit on categories per feature
SERIES_SEPARATOR = "|"
# The one group of a history without a group column (every series in it).
UNGROUPED = "all"


@dataclass(frozen=True)
class ForecastConfig:
    """Settings of the forecast model and its backtest."""

    horizon: int = 6
    lags: tuple[int, ...] = (1, 2, 3, 6, 12)
    interval: float = 0.8
    backtest_origins: int = 3
    backtest_step: int = 3
    min_training_origins: int = 3
    calibration_origins: int = 3
    max_calibration_origins: int = 12
    min_calibration_rows: int = 1000
    validation_months: int = 3
    max_train_rows: int = 60_000
    max_iter: int = 160
    learning_rate: float = 0.12
    max_leaf_nodes: int = 31
    min_samples_leaf: int = 40
    l2_regularization: float = 1.0
    seed: int = 0
    # The airline model (``statistical.airline``) as a seventh member: tried on the earlier
    # years against a rule stated beforehand (docs/forecasting.md), off unless it is kept.
    airline_member: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.horizon <= MAX_HORIZON:
            raise EngineContractError(
                f"horizon must be between 1 and {MAX_HORIZON} months, got {self.horizon}"
            )
        if not self.lags or min(self.lags) < 1 or max(self.lags) > 24:
            raise EngineContractError("lags must be whole months between 1 and 24")
        if not 0.5 <= self.interval <= 0.99:
            raise EngineContractError(f"interval must be between 0.5 and 0.99, got {self.interval}")
        if self.backtest_origins < 1 or self.backtest_step < 1:
            raise EngineContractError("backtest_origins and backtest_step must be at least 1")
        if not 1 <= self.calibration_origins <= self.max_calibration_origins:
            raise EngineContractError(
                "calibration_origins must be at least 1 and at most max_calibration_origins"
            )
        if self.validation_months < 1:
            raise EngineContractError("validation_months must be at least 1")
        if self.min_training_origins < 1 or self.max_train_rows < 1000:
            raise EngineContractError("min_training_origins >= 1 and max_train_rows >= 1000")

    @property
    def window(self) -> int:
        """Months of history a forecast origin needs for its longest lag and the 12-month level."""
        return max(*self.lags, 12)

    def months_needed(self, *, backtest: bool) -> int:
        """Months of history needed to fit (and, with ``backtest``, to backtest) the model."""
        fit = self.window + self.horizon + self.min_training_origins - 1
        if not backtest:
            return fit
        return fit + self.horizon + (self.backtest_origins - 1) * self.backtest_step

    def describe(self) -> str:
        return (
            "ensemble of a global HistGradientBoostingRegressor(loss='poisson') on lag/rolling/"
            "calendar/attribute features, damped-trend exponential smoothing, the Theta method, "
            "the seasonal naive, the seasonal naive times the latest year-on-year change and, for "
            "intermittent series, the Teunter-Syntetos-Babai method, "
            "weighted per horizon by their rolling-origin backtest errors; "
            f"{self.interval:.0%} conformal intervals from the backtest residuals per horizon, "
            "scaled per series"
        )


# A run this long with no row inside one series is said by name: it may be a count that
# stopped and came back (rodent captures do, for up to ten years), or a year mistyped by a
# decade or a century, which fills every month between with zero and only the person can tell.
LONG_GAP_MONTHS = 120


@dataclass(frozen=True)
class LongGap:
    """``months`` months (at least :data:`LONG_GAP_MONTHS`) with no row inside ``series``,
    between the rows for ``before`` and ``after``, numbered as the caller numbers them."""

    series: str
    months: int
    before: str
    before_row: int
    after: str
    after_row: int


@dataclass(frozen=True)
class MonthsFilled:
    """The months a history's rows did not give and that count as zero (no request that
    month): ``gaps`` months missing inside ``series_with_gaps`` series (between a series' first
    and last rows), and the series whose last row is before the history's last month (the
    month the forecasts start after), each with its last month given, earliest first; their
    ``after_last_row`` later months count as zero too. ``long_gaps``: the gaps of ten years or
    more, longest first."""

    gaps: int
    series_with_gaps: int
    ended_early: tuple[tuple[str, str], ...]
    after_last_row: int
    long_gaps: tuple[LongGap, ...] = ()


@dataclass
class History:
    """Validated monthly counts as a dense series × month matrix plus per-series attributes.

    ``values`` is NaN before a series' first observation; later months missing from the input
    are zero (no request that month).
    """

    series: pd.Index
    periods: pd.PeriodIndex
    values: np.ndarray
    attributes: pd.DataFrame
    group_column: str | None
    groups: np.ndarray
    categorical: list[str]
    numeric: list[str]
    labels: list[str] = field(default_factory=list)
    unused_attributes: list[str] = field(default_factory=list)
    attribute_history: dict[str, np.ndarray] = field(default_factory=dict)
    filled: MonthsFilled = field(default_factory=lambda: MonthsFilled(0, 0, (), 0))

    @property
    def n_months(self) -> int:
        return len(self.periods)

    def attributes_at(self, cutoff: int) -> pd.DataFrame:
        """Attributes as they were in month position ``cutoff`` (the latest value given at or
        before it; the first one given before that): no backtest sees a later value."""
        if not self.attribute_history or cutoff >= self.n_months - 1:
            return self.attributes
        out = self.attributes.copy()
        for name, values in self.attribute_history.items():
            column = values[:, cutoff]
            if isinstance(out[name].dtype, pd.CategoricalDtype):
                categories = out[name].cat.categories
                out[name] = pd.Categorical.from_codes(column.astype(int), categories=categories)
            else:
                out[name] = column
        return out

    def month_of(self, index: np.ndarray | int) -> np.ndarray:
        """Calendar month (1-12) of period position(s), also beyond the last period."""
        return (self.periods[0].month - 1 + np.asarray(index)) % 12 + 1


def prepare_history(
    frame: pd.DataFrame,
    *,
    group_column: str | None = "auto",
    series_column: str = "series",
    period_column: str = "period",
    count_column: str = "count",
    label_columns: Sequence[str] = ("community",),
    rows: RowNumbers = None,
    latest_month: pd.Period | None = None,
) -> History:
    """Validate a long frame of monthly counts and turn it into a :class:`History`.

    Columns: ``series``, ``period`` (YYYY-MM), ``count`` and optional attribute columns
    (per series; where they vary over time, the forecast uses the latest value and each
    backtest origin the value as of that month). Numeric attributes are
    features as they are, text attributes categorical features (at most 250 distinct values).
    Text attributes are also carried into the forecasts as labels; ``label_columns`` (and
    text columns with too many values) are labels only, never features: a community code is
    an identity, not a property. Identifier-like columns (name, phone, ...) are dropped.
    ``group_column`` names the attribute by which the backtest is broken down and the
    seasonal index pooled ("auto": ``category`` when present). ``rows``: each row's number as
    the refusals name it (default: from 1, the first row after a file's header being row 1).
    ``latest_month``: the last month a count can be for (the current month): a later one is
    refused, naming its row (a mistyped year would otherwise make every series end early).

    A series starts at its first row. A month missing between its first row and the history's
    last month (a gap, or months after the series' last row) is zero: no request that month,
    as the platform's own series count them (:func:`build_series_frame`); ``History.filled``
    says how many such months there were.
    """
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        raise EngineInputError(
            "the demand history is empty; expected rows of series, period, count",
            code="history_empty",
        )
    require_columns(frame, [series_column, period_column, count_column], what="demand history")
    frame, identifiers = strip_identifiers(frame)
    series = frame[series_column].astype("string")
    empty = series.isna() | (series.str.strip() == "")
    if empty.any():
        row = row_named(int(empty.to_numpy().nonzero()[0][0]), rows)
        raise EngineInputError(
            f"demand history: column {series_column!r} is empty in row {row}; every row needs "
            "the name of its series",
            code="value_empty",
            params={"table": "demand history", "column": str(series_column), "row": row},
        )
    periods = to_month(frame[period_column], what="demand history", column=period_column, rows=rows)
    counts = require_numeric(frame, count_column, what="demand history", minimum=0, rows=rows)
    if latest_month is not None:
        future = periods > latest_month
        if future.any():
            position = int(np.flatnonzero(future)[0])
            row = row_named(position, rows)
            raise EngineInputError(
                f"demand history: column {period_column!r} has {periods[position]} in row {row}, "
                f"after the current month {latest_month}; a history holds no month still to come",
                code="history_future_month",
                params={"month": str(periods[position]), "latest": str(latest_month), "row": row},
            )

    keyed = pd.DataFrame({"series": series.to_numpy(), "period": periods, "count": counts})
    duplicated = keyed.duplicated(["series", "period"])
    if duplicated.any():
        row = int(duplicated.to_numpy().nonzero()[0][0])
        raise EngineInputError(
            f"demand history: series {keyed['series'].iloc[row]!r} has more than one row for "
            f"{keyed['period'].iloc[row]} (row {row_named(row, rows)}); give one count per "
            "series and month",
            code="history_duplicate_month",
            params={
                "series": str(keyed["series"].iloc[row]),
                "month": str(keyed["period"].iloc[row]),
                "row": row_named(row, rows),
            },
        )

    all_periods = pd.period_range(periods.min(), periods.max(), freq="M")
    series_index = pd.Index(pd.unique(keyed["series"]), name="series")
    s_idx = series_index.get_indexer(keyed["series"])
    t_idx = np.asarray(periods.asi8 - all_periods[0].ordinal, dtype=np.int64)
    values = np.zeros((len(series_index), len(all_periods)), dtype=float)
    values[s_idx, t_idx] = keyed["count"].to_numpy()
    first = np.full(len(series_index), len(all_periods), dtype=np.int64)
    np.minimum.at(first, s_idx, t_idx)
    values[np.arange(len(all_periods))[None, :] < first[:, None]] = np.nan
    filled = _months_filled(series_index, all_periods, s_idx, t_idx, first, rows)

    attribute_names = [
        c for c in frame.columns if c not in (series_column, period_column, count_column)
    ]
    unused = list(identifiers)
    categorical: list[str] = []
    numeric: list[str] = []
    labels: list[str] = []
    if attribute_names:
        order = np.argsort(t_idx, kind="stable")
        latest = (
            frame.iloc[order][attribute_names]
            .assign(_series=keyed["series"].to_numpy()[order])
            .groupby("_series", sort=False)
            .last()
            .reindex(series_index)
        )
        attributes = pd.DataFrame(index=series_index)
        for name in attribute_names:
            column = latest[name]
            if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
                levels = column.astype("string")
                attributes[name] = pd.Categorical(levels.astype(object))
                labels.append(name)
                if name in label_columns or levels.nunique() > MAX_CATEGORICAL_LEVELS:
                    unused.append(name)
                else:
                    categorical.append(name)
            else:
                attributes[name] = column.astype(float)
                numeric.append(name)
    else:
        attributes = pd.DataFrame(index=series_index)
    attribute_history = _attribute_history(
        frame, attributes, s_idx, t_idx, len(series_index), len(all_periods)
    )

    if group_column == "auto":
        group_column = "category" if "category" in labels else None
    if group_column is not None and group_column not in attributes.columns:
        raise EngineInputError(
            f"demand history has no attribute column {group_column!r} to group by",
            code="history_group_column_missing",
            params={"column": str(group_column)},
        )
    groups = (
        attributes[group_column].astype(str).to_numpy()
        if group_column
        else np.full(len(series_index), UNGROUPED, dtype=object)
    )
    return History(
        series=series_index,
        periods=all_periods,
        values=values,
        attributes=attributes,
        group_column=group_column,
        groups=groups,
        categorical=categorical,
        numeric=numeric,
        labels=labels,
        unused_attributes=unused,
        attribute_history=attribute_history,
        filled=filled,
    )


def _months_filled(
    series: pd.Index,
    periods: pd.PeriodIndex,
    s_idx: np.ndarray,
    t_idx: np.ndarray,
    first: np.ndarray,
    rows: RowNumbers = None,
) -> MonthsFilled:
    """The months no row gave between each series' first row and the history's last month."""
    last = np.full(len(series), -1, dtype=np.int64)
    np.maximum.at(last, s_idx, t_idx)
    given = np.bincount(s_idx, minlength=len(series))
    inside = (last - first + 1) - given
    ended = np.flatnonzero(last < len(periods) - 1)
    return MonthsFilled(
        gaps=int(inside.sum()),
        series_with_gaps=int((inside > 0).sum()),
        ended_early=tuple(
            (str(series[i]), str(periods[last[i]])) for i in ended[np.argsort(last[ended])]
        ),
        after_last_row=int((len(periods) - 1 - last[ended]).sum()),
        long_gaps=_long_gaps(series, periods, s_idx, t_idx, rows),
    )


def _long_gaps(
    series: pd.Index,
    periods: pd.PeriodIndex,
    s_idx: np.ndarray,
    t_idx: np.ndarray,
    rows: RowNumbers,
) -> tuple[LongGap, ...]:
    order = np.lexsort((t_idx, s_idx))
    same_series = s_idx[order][1:] == s_idx[order][:-1]
    missing = t_idx[order][1:] - t_idx[order][:-1] - 1
    found = np.flatnonzero(same_series & (missing >= LONG_GAP_MONTHS))
    found = found[np.argsort(-missing[found], kind="stable")]
    return tuple(
        LongGap(
            series=str(series[s_idx[order[k]]]),
            months=int(missing[k]),
            before=str(periods[t_idx[order[k]]]),
            before_row=row_named(int(order[k]), rows),
            after=str(periods[t_idx[order[k + 1]]]),
            after_row=row_named(int(order[k + 1]), rows),
        )
        for k in found
    )


def _attribute_history(
    frame: pd.DataFrame,
    attributes: pd.DataFrame,
    s_idx: np.ndarray,
    t_idx: np.ndarray,
    n_series: int,
    n_months: int,
) -> dict[str, np.ndarray]:
    """Series × month values of the attributes that change over time within a series
    (category codes for text attributes), carried forward from each month given and back
    to the months before the first."""
    out: dict[str, np.ndarray] = {}
    order = np.lexsort((t_idx, s_idx))
    for name in attributes.columns:
        column = attributes[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            raw = pd.Categorical(
                frame[name].astype("string").astype(object), categories=column.cat.categories
            ).codes.astype(float)
            raw[raw < 0] = np.nan
        else:
            raw = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
        values = raw[order]
        series = s_idx[order]
        same = series[1:] == series[:-1]
        changed = same & ~(
            (values[1:] == values[:-1]) | (np.isnan(values[1:]) & np.isnan(values[:-1]))
        )
        if not changed.any():
            continue
        grid = np.full((n_series, n_months), np.nan)
        grid[series, t_idx[order]] = values
        grid = pd.DataFrame(grid.T).ffill().bfill().to_numpy().T
        out[name] = grid
    return out


def _require_history(history: History, config: ForecastConfig, *, backtest: bool) -> None:
    needed = config.months_needed(backtest=backtest)
    if history.n_months < needed:
        task = "forecast and backtest" if backtest else "forecast"
        raise EngineInputError(
            f"too little history to {task} {config.horizon} month(s) ahead: need at least "
            f"{needed} months ({config.window} months of lags, the horizon, "
            f"{config.min_training_origins} training origins"
            + (
                f", {config.backtest_origins} backtest origins {config.backtest_step} months apart"
                if backtest
                else ""
            )
            + f"); the data covers {history.n_months} months "
            f"({history.periods[0]} to {history.periods[-1]})",
            code="history_too_short",
            params={"needed": needed, "months": history.n_months},
        )


# ---------------------------------------------------------------------------------------------
# Features


class _FeatureContext:
    """Precomputed sums for fast window statistics on the history up to a cut-off."""

    def __init__(self, history: History, cutoff: int, config: ForecastConfig) -> None:
        self.history = history
        self.config = config
        self.attributes = history.attributes_at(cutoff)
        values = history.values[:, : cutoff + 1]
        self.values = values
        observed = ~np.isnan(values)
        zero_col = np.zeros((values.shape[0], 1))
        self.csum = np.concatenate([zero_col, np.cumsum(np.nan_to_num(values), axis=1)], axis=1)
        self.ccount = np.concatenate([zero_col, np.cumsum(observed, axis=1)], axis=1)
        self.czero = np.concatenate([zero_col, np.cumsum(values == 0, axis=1)], axis=1)
        self.group_codes, self.group_index = self._group_seasonal_index(values)

    def _group_seasonal_index(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Seasonal index per group and calendar month from the training window only
        (ratio to a centred 12-month moving average, averaged by month, mean 1)."""
        codes, uniques = pd.factorize(self.history.groups)
        n_groups, n_t = len(uniques), values.shape[1]
        totals = np.zeros((n_groups, n_t))
        np.add.at(totals, codes, np.nan_to_num(values))
        index = np.ones((n_groups, 12))
        if n_t >= 13:
            weights = np.r_[0.5, np.ones(11), 0.5] / 12
            centred = np.stack(
                [totals[:, t - 6 : t + 7] @ weights for t in range(6, n_t - 6)], axis=1
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = totals[:, 6 : n_t - 6] / centred
            months = self.history.month_of(np.arange(6, n_t - 6)) - 1
            for m in range(12):
                cols = ratio[:, months == m]
                if cols.shape[1]:
                    index[:, m] = _finite_mean(cols)
            index = np.where(np.isfinite(index), index, 1.0)
            index = index / index.mean(axis=1, keepdims=True)
        return codes, index

    def _window_mean(self, s: np.ndarray, end: np.ndarray, length: int) -> np.ndarray:
        start = np.maximum(end - length + 1, 0)
        valid = end >= 0
        end_c = np.clip(end, -1, self.values.shape[1] - 1)
        total = self.csum[s, end_c + 1] - self.csum[s, start]
        count = self.ccount[s, end_c + 1] - self.ccount[s, start]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / count
        return np.where(valid & (count > 0), mean, np.nan)

    def _value(self, s: np.ndarray, t: np.ndarray) -> np.ndarray:
        inside = (t >= 0) & (t < self.values.shape[1])
        out = np.full(len(s), np.nan)
        out[inside] = self.values[s[inside], t[inside]]
        return out

    def build(
        self, s: np.ndarray, origin: np.ndarray, horizon: np.ndarray
    ) -> tuple[pd.DataFrame, np.ndarray]:
        """Features for (series, origin, horizon) rows and the level each is scaled by."""
        target = origin + horizon
        mean12 = self._window_mean(s, origin, 12)
        level = mean12 + 0.1
        columns: dict[str, np.ndarray] = {
            "horizon": horizon.astype(np.float32),
            "level": level,
        }
        for lag in self.config.lags:
            columns[f"lag_{lag}"] = self._value(s, origin - lag + 1) / level
        columns["mean_3"] = self._window_mean(s, origin, 3) / level
        columns["mean_6"] = self._window_mean(s, origin, 6) / level
        columns["same_month_last_year"] = self._value(s, target - 12) / level
        columns["same_month_two_years_ago"] = self._value(s, target - 24) / level
        previous = self._window_mean(s, origin - 12, 12)
        columns["year_on_year"] = (mean12 + 0.1) / (previous + 0.1)
        start = np.maximum(origin - 11, 0)
        zeros = self.czero[s, origin + 1] - self.czero[s, start]
        seen = self.ccount[s, origin + 1] - self.ccount[s, start]
        with np.errstate(invalid="ignore", divide="ignore"):
            columns["zero_share"] = np.where(seen > 0, zeros / seen, np.nan)
        columns["months_observed"] = np.minimum(self.ccount[s, origin + 1], 36)
        g = self.group_codes[s]
        target_month = self.history.month_of(target)
        columns["group_season_target"] = self.group_index[g, target_month - 1]
        recent = np.zeros(len(s))
        for back in range(3):
            recent += self.group_index[g, self.history.month_of(origin - back) - 1]
        columns["group_season_recent"] = recent / 3
        features = pd.DataFrame({k: np.asarray(v, dtype=np.float32) for k, v in columns.items()})
        features["target_month"] = pd.Categorical(target_month, categories=range(1, 13))
        attributes = self.attributes
        for name in self.history.numeric:
            features[f"attr_{name}"] = attributes[name].to_numpy(dtype=np.float32)[s]
        for name in self.history.categorical:
            column = attributes[name]
            features[f"attr_{name}"] = pd.Categorical.from_codes(
                column.cat.codes.to_numpy()[s], categories=column.cat.categories
            )
        return features, level


@dataclass
class _Models:
    """The fitted global gradient-boosting member (point forecasts; the intervals are
    conformal, from the ensemble's backtest residuals)."""

    mean: HistGradientBoostingRegressor | DummyRegressor  # a constant zero: nothing to learn
    columns: list[str]
    training_rows: int
    fit_seconds: float
    validation_rows: int = 0
    edges: dict[str, np.ndarray] = field(default_factory=dict)  # per feature: its bin edges
    # The largest target (count over level) the model was trained on: the most a forecast
    # of a mean can be (below).
    max_ratio: float = np.inf


def _training_rows(
    history: History, cutoff: int, config: ForecastConfig, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A uniform sample of (series, origin, horizon) triples whose target is known at cutoff."""
    first_origin = config.window - 1
    n_series = len(history.series)
    per_h = np.array([max(0, cutoff - h - first_origin + 1) for h in range(1, config.horizon + 1)])
    blocks = n_series * per_h
    total = int(blocks.sum())
    if total == 0:
        return (np.empty(0, np.int64),) * 3
    take = min(total, config.max_train_rows)
    flat = rng.choice(total, size=take, replace=False) if take < total else np.arange(total)
    flat.sort()
    edges = np.concatenate([[0], np.cumsum(blocks)])
    h_pos = np.searchsorted(edges, flat, side="right") - 1
    within = flat - edges[h_pos]
    n_origins = per_h[h_pos]
    s = within // n_origins
    origin = first_origin + within % n_origins
    return s.astype(np.int64), origin.astype(np.int64), (h_pos + 1).astype(np.int64)


def _regressor(config: ForecastConfig, *, early_stopping: bool) -> HistGradientBoostingRegressor:
    return HistGradientBoostingRegressor(
        loss="poisson",
        max_iter=config.max_iter,
        learning_rate=config.learning_rate,
        max_leaf_nodes=config.max_leaf_nodes,
        min_samples_leaf=config.min_samples_leaf,
        l2_regularization=config.l2_regularization,
        categorical_features="from_dtype",
        early_stopping=early_stopping,
        n_iter_no_change=15,
        random_state=config.seed,
    )


SMALL_FIT_ROWS = 100_000
MIN_VALIDATION_ROWS = 50


def _threads_for(rows: int) -> threadpool_limits | contextlib.nullcontext:
    """Small fits run on one thread: OpenMP synchronisation costs more than it saves there,
    and its spinning threads slow to a crawl on a machine busy with other work."""
    return threadpool_limits(limits=1) if rows < SMALL_FIT_ROWS else contextlib.nullcontext()


def _fit(history: History, cutoff: int, config: ForecastConfig) -> tuple[_Models, _FeatureContext]:
    """Fit the global model on data up to ``cutoff``. Early stopping watches the rows whose
    target month is among the last ``validation_months`` before the cutoff, all later than
    every training target: a split in time, never a random split of overlapping windows."""
    started = time.perf_counter()
    rng = np.random.default_rng(config.seed + cutoff)
    context = _FeatureContext(history, cutoff, config)
    s, origin, horizon = _training_rows(history, cutoff, config, rng)
    target = history.values[s, origin + horizon]
    features, level = context.build(s, origin, horizon)
    keep = np.isfinite(target) & np.isfinite(level)
    if keep.sum() < 50:
        raise EngineInputError(
            f"too few usable training rows ({int(keep.sum())}) up to {history.periods[cutoff]}: "
            "most series start too late; give longer histories",
            code="too_few_training_rows",
            params={"rows": int(keep.sum()), "month": str(history.periods[cutoff])},
        )
    features = features.loc[keep].reset_index(drop=True)
    # A feature with no value in the training window (e.g. two years back in a short history)
    # carries nothing and cannot be binned.
    columns = [c for c in features.columns if features[c].notna().any()]
    features = features[columns]
    edges = _bin_edges(features)
    features = _binned(features, edges)
    ratio = target[keep] / level[keep]
    weight = level[keep]
    late = (origin + horizon)[keep] > cutoff - config.validation_months
    # The Poisson loss cannot score a validation split whose every target is zero (a seasonal
    # service with no requests in the months before the cutoff, storms in spring): such a fit
    # runs without early stopping, as one with too few validation rows does.
    early_stopping = (
        late.sum() >= MIN_VALIDATION_ROWS
        and (~late).sum() >= 4 * late.sum()
        and ratio[late].sum() > 0
        and ratio[~late].sum() > 0
    )
    with _threads_for(len(ratio)):
        model = _regressor(config, early_stopping=early_stopping)
        if not ratio.sum() > 0:
            # No request in any training month (an all-zero file, or one whose counts all lie
            # before the training window): nothing to learn, and the Poisson loss refuses a
            # target that sums to zero. The member forecasts zero, as the history says.
            model = DummyRegressor(strategy="constant", constant=0.0)
            model.fit(features, ratio)
        elif early_stopping:
            model.fit(
                features.loc[~late],
                ratio[~late],
                sample_weight=weight[~late],
                X_val=features.loc[late],
                y_val=ratio[late],
                sample_weight_val=weight[late],
            )
        else:
            model.fit(features, ratio, sample_weight=weight)
    models = _Models(
        model,
        columns,
        int((~late).sum() if early_stopping else keep.sum()),
        time.perf_counter() - started,
        int(late.sum()) if early_stopping else 0,
        edges,
        float(ratio.max()),
    )
    return models, context


MAX_BINS = 255


def _bin_edges(features: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per numeric feature, the edges of up to 255 bins at its (unweighted) quantiles.

    The model bins every feature before it learns; given sample weights, scikit-learn finds
    the bins with one weighted-percentile sort per bin edge and feature (254 sorts of every
    column), which was most of the fit's time. Coding the features into their bins here
    (one sort per column) leaves it nothing to search: it keeps each distinct code as a bin.
    """
    edges: dict[str, np.ndarray] = {}
    quantiles = np.linspace(0, 100, MAX_BINS + 1)[1:-1]
    for name in features.columns:
        column = features[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            continue
        values = column.to_numpy(dtype=np.float64)
        values = values[np.isfinite(values)]
        if len(np.unique(values)) <= MAX_BINS:
            continue  # few distinct values: binned exactly as they are
        edges[name] = np.unique(np.percentile(values, quantiles, method="midpoint"))
    return edges


def _binned(features: pd.DataFrame, edges: dict[str, np.ndarray]) -> pd.DataFrame:
    """The features with each numeric column replaced by its bin number (NaN stays NaN)."""
    if not edges:
        return features
    out = features.copy()
    for name, edge in edges.items():
        values = out[name].to_numpy(dtype=np.float64)
        codes = np.searchsorted(edge, values, side="left").astype(np.float32)
        codes[np.isnan(values)] = np.nan
        out[name] = codes
    return out


def _predict(models: _Models, features: pd.DataFrame, level: np.ndarray) -> np.ndarray:
    usable = np.isfinite(level)
    forecast = np.full(len(level), np.nan)
    if usable.any():
        rows = _binned(features.loc[usable, models.columns], models.edges)
        # A mean is never above the largest target it is estimated from, but Newton boosting of
        # the Poisson loss can overshoot it: where a leaf's rows are predicted near zero its
        # hessian vanishes and the step explodes (a series back after a year of zeros, its
        # level 0.1, trained the model to forecast 10^8 sales, or an overflow to infinity, for
        # a Texas city selling 300 homes a month). Such a forecast is held to that largest one.
        with _threads_for(len(rows)), np.errstate(over="ignore"):
            ratio = np.clip(models.mean.predict(rows), 0, models.max_ratio)
        forecast[usable] = ratio * level[usable]
    return forecast


# ---------------------------------------------------------------------------------------------
# Ensemble members at a forecast origin, learnt weights and conformal intervals

MEMBERS = ("gbm", "ets", "theta", "seasonal_naive", "seasonal_growth", "tsb")
MEMBER_METHODS = {
    "gbm": "global gradient boosting (Poisson loss) on lag, calendar and attribute features",
    "ets": "damped-trend exponential smoothing on the seasonally adjusted series (by AIC), "
    "reconciled to the same forecast of the series' group's total",
    "theta": "Theta method (simple exponential smoothing with half the linear drift), "
    "reconciled to the same forecast of the series' group's total",
    "seasonal_naive": "same month one year earlier",
    "seasonal_growth": "same month one year earlier times the year-on-year change of the "
    "last three months, shrunk toward the series' group's change (calendar-adjusted)",
    "tsb": "Teunter-Syntetos-Babai: the probability of a month with demand times the size of "
    "its demand, each smoothed; weighted for the series whose demand is intermittent only",
}
# The intermittent member is weighted for intermittent series only
# (:func:`statistical.intermittent`): the other series keep the five members they had.
INTERMITTENT_MEMBER = MEMBERS.index("tsb")
# The member behind ``ForecastConfig.airline_member``, after the others where it is on.
AIRLINE_MEMBER = "airline"
REGULAR_MEMBERS = np.arange(len(MEMBERS)) != INTERMITTENT_MEMBER
MIN_WEIGHT_ROWS = 100  # below this per horizon, the best single member (pooled) is used
MIN_FALLBACK_ROWS = 30  # below this in all, equal weights and no calibrated interval
MIN_CONFORMAL_ROWS = 30
WEIGHT_GRID_STEP = 0.2
MAX_WEIGHT_ROWS = 2_000  # a weight search on more rows changes the weights little


@dataclass
class _AtOrigin:
    """Every member's forecasts made at one origin from the data up to it."""

    origin: int
    members: np.ndarray  # member × series × horizon
    scale: np.ndarray  # per series: the interval's scale, known at the origin
    models: _Models | None
    context: _FeatureContext | None
    intermittent: np.ndarray  # per series: intermittent demand at the origin
    whole: np.ndarray  # per series: whole numbers only (counts) up to the origin


COUNT_SCALE_FLOOR = 0.1  # a tenth of one request: the least scale of a series of counts
LEVEL_SCALE_FLOOR = 0.01  # of its mean level: the least scale of a series in other units


def _interval_scale(values: np.ndarray) -> np.ndarray:
    """Per series, the mean absolute month-to-month change over the last two years: the
    unit in which the conformal residuals are measured, so that one quantile fits series of
    one request a month and of thousands.

    A series that barely moved still gets a scale: a tenth of one request for whole numbers
    (counts, where one request is the least change), and for a series with fractions (a
    price, thousands of employees) at most 1% of its mean level. That floor must follow the
    series' unit: a fixed 0.1 gave a sugar price of 0.36 a kilogram, moving 0.005 a month, an
    80% interval 0.40 wide, 77 times its monthly change, where the other commodities of the
    same file (coffee, tea, oil) got about four times theirs."""
    recent = values[:, -25:]
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        change = np.nanmean(np.abs(np.diff(recent, axis=1)), axis=1)
        level = np.nanmean(np.abs(recent), axis=1)
    whole = _whole_numbers(recent)
    floor = np.where(
        whole, COUNT_SCALE_FLOOR, np.fmin(COUNT_SCALE_FLOOR, LEVEL_SCALE_FLOOR * level)
    )
    return np.where(np.isfinite(change), np.fmax(change, floor), 1.0)


def _whole_numbers(values: np.ndarray) -> np.ndarray:
    """Per series: whether every value given is a whole number (a series of counts)."""
    return ~np.any(np.isfinite(values) & (values != np.round(values)), axis=1)


MAX_CALIBRATION_SERIES = 5_000  # series whose backtest forecasts learn weights and intervals


class _OriginCache:
    """Member forecasts per origin, computed once and shared by the calibration, the
    backtest and the final forecast.

    The weights and the interval are learnt on at most :data:`MAX_CALIBRATION_SERIES`
    series (a fixed random sample): 5,000 series at three origins give 15,000 residuals per
    horizon, more than the weights and the interval's quantiles need, and an origin used only
    for that calibration is forecast for those series alone (55,000 series took most of a
    city's forecast run there). The backtest's and the final forecast's origins cover every
    series."""

    def __init__(self, history: History, config: ForecastConfig) -> None:
        self.history = history
        self.config = config
        self._at: dict[int, _AtOrigin] = {}
        self._complete: set[int] = set()  # origins forecast for every series
        n_series = len(history.series)
        if n_series > MAX_CALIBRATION_SERIES:
            rng = np.random.default_rng(config.seed)
            self.calibration_series = np.sort(
                rng.choice(n_series, MAX_CALIBRATION_SERIES, replace=False)
            )
        else:
            self.calibration_series = np.arange(n_series)
        self.regressors = statistical.calendar_regressors(
            history.periods[0], history.n_months + MAX_HORIZON
        )
        self.gbm_seconds = 0.0
        self.statistical_seconds = 0.0

    def at(self, origin: int, *, require_gbm: bool = False, every_series: bool = True) -> _AtOrigin:
        """Every member's forecasts at ``origin``: for every series, or with
        ``every_series=False`` at least for the calibration series (NaN for the others)."""
        cached = self._at.get(origin)
        if (
            cached is not None
            and (cached.models is not None or not require_gbm)
            and (origin in self._complete or not every_series)
        ):
            return cached
        history, config = self.history, self.config
        horizon = config.horizon
        n_series = len(history.series)
        rows = np.arange(n_series) if every_series else self.calibration_series
        members = np.full((len(_member_names(config)), n_series, horizon), np.nan)
        values = history.values[:, : origin + 1]
        # Every member forecasts the counts adjusted for trading days and leap years (effects
        # estimated from the data up to the origin); the target months' calendar is known in
        # advance and multiplied back.
        started = time.perf_counter()
        effects = statistical.calendar_effects(values, self.regressors)
        factors = statistical.calendar_factors(
            effects, self.regressors[: history.n_months + horizon]
        )
        adjusted = values / factors[:, : origin + 1]
        ahead = factors[:, origin + 1 : origin + 1 + horizon]
        self.statistical_seconds += time.perf_counter() - started
        started = time.perf_counter()
        predicted, models, context = self._global_model(origin, adjusted, rows, require_gbm)
        if predicted is not None:
            members[0, rows] = predicted * ahead[rows]
        self.gbm_seconds += time.perf_counter() - started
        started = time.perf_counter()
        first_month = int(history.periods[0].month)
        # Both smoothers take the level of each group's total (top-down reconciliation):
        # series of one market move together, and the total shows it first.
        groups = np.asarray(history.groups)[rows]
        for m, method in ((1, statistical.ets_damped), (2, statistical.theta)):
            members[m, rows] = (
                statistical.reconciled(method, adjusted[rows], horizon, first_month, groups)
                * ahead[rows]
            )
        # The seasonal naive stays the plain baseline it is compared with everywhere.
        members[3] = statistical.seasonal_naive(values, horizon)
        # The growth is shrunk toward the series' group's, measured on every series of the
        # group (not only the sampled ones), so that it is the same whichever rows are
        # forecast.
        members[4, rows] = (
            statistical.seasonal_naive_growth(adjusted, horizon, groups=history.groups)[rows]
            * ahead[rows]
        )
        members[INTERMITTENT_MEMBER, rows] = statistical.tsb(adjusted[rows], horizon) * ahead[rows]
        if config.airline_member:
            airline = _member_names(config).index(AIRLINE_MEMBER)
            members[airline, rows] = statistical.airline(adjusted[rows], horizon) * ahead[rows]
        self.statistical_seconds += time.perf_counter() - started
        result = _AtOrigin(
            origin,
            members,
            _interval_scale(values),
            models,
            context,
            intermittent=statistical.intermittent(values, first_month),
            whole=_whole_numbers(values),
        )
        self._at[origin] = result
        if every_series:
            self._complete.add(origin)
        return result

    def _global_model(
        self, origin: int, adjusted: np.ndarray, rows: np.ndarray, require: bool
    ) -> tuple[np.ndarray | None, _Models | None, _FeatureContext | None]:
        """The global model fitted on the calendar-adjusted counts up to ``origin`` and its
        forecasts (``rows`` × horizon, calendar-adjusted) for ``rows``; ``None`` where it
        cannot be fitted and is not ``require``d."""
        history, config = self.history, self.config
        horizon = config.horizon
        padded = np.full(history.values.shape, np.nan)
        padded[:, : origin + 1] = adjusted
        try:
            models, context = _fit(replace(history, values=padded), origin, config)
        except EngineInputError:
            if require:
                raise
            return None, None, None
        s = np.repeat(rows, horizon)
        h = np.tile(np.arange(1, horizon + 1), len(rows))
        features, level = context.build(s, np.full(len(s), origin), h)
        predicted = _predict(models, features, level).reshape(len(rows), horizon)
        # A horizon the global model had (almost) no training rows for at this origin (an
        # early backtest origin of a short history) is extrapolated, not learnt: such
        # forecasts would teach the weights that the model is worse than it is where the
        # forecast is made (there it always has enough).
        trained = origin - np.arange(1, horizon + 1) - (config.window - 1) + 1
        predicted[:, trained < config.min_training_origins] = np.nan
        return predicted, models, context

    def calibration_origins(self, cutoff: int, h: int) -> list[int]:
        """The latest origins (``backtest_step`` apart, counted back from the last month) whose
        ``h``-month-ahead target is known at ``cutoff``; enough of them for about
        ``min_calibration_rows`` residuals per horizon."""
        config = self.config
        n_series = len(self.calibration_series)
        wanted = int(
            np.clip(
                np.ceil(config.min_calibration_rows / max(n_series, 1)),
                config.calibration_origins,
                config.max_calibration_origins,
            )
        )
        anchor = self.history.n_months - 1
        earliest = config.window  # the smoothers and the seasonal naive need a year
        out: list[int] = []
        origin = anchor - config.backtest_step
        while origin >= earliest and len(out) < wanted:
            if origin + h <= cutoff:
                out.append(origin)
            origin -= config.backtest_step
        return out


def _combine(forecasts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean of the members (rows × members), re-weighted over the members that have
    a forecast for the row; the plain mean of the available members where none of the
    weighted ones has."""
    available = np.isfinite(forecasts)
    mass = (available * weights).sum(axis=1)
    weighted = np.nansum(np.where(available, forecasts, 0.0) * weights, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(mass > 0, weighted / mass, np.nan)
    plain = _finite_mean(forecasts)
    return np.where(np.isfinite(out), out, plain)


def _finite_mean(values: np.ndarray) -> np.ndarray:
    """Each row's mean over its finite values; NaN for a row with none. Without the
    RuntimeWarning ``np.nanmean`` prints for such a row (a series of zeros or of one month in
    a user's file), which ``np.errstate`` does not silence."""
    finite = np.isfinite(values)
    count = finite.sum(axis=1)
    total = np.where(finite, values, 0.0).sum(axis=1)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _member_names(config: ForecastConfig) -> tuple[str, ...]:
    """The members a run with ``config`` forecasts, in the order of every member array's
    member axis: those of every run, then the airline model where
    ``ForecastConfig.airline_member`` adds it. The one source of how many members there are
    and what each column is."""
    return (*MEMBERS, AIRLINE_MEMBER) if config.airline_member else MEMBERS


def _simplex_grid(n_members: int, step: float) -> np.ndarray:
    units = round(1 / step)
    points = [c for c in np.ndindex(*(units + 1,) * (n_members - 1)) if sum(c) <= units]
    grid = np.array([[*c, units - sum(c)] for c in points], dtype=float) / units
    return grid


SHRINKAGE_CANDIDATES = (0.0, 0.25, 0.5, 0.75, 1.0)  # share of the learnt weights kept
GROUP_CANDIDATES = (0.0, 0.5, 1.0)  # share of a group's own weights kept
MIN_GROUP_WEIGHT_ROWS = 300  # backtest rows a group needs for weights of its own


# How one horizon's weights were found: learnt on its backtest rows, the best single member
# (too few rows for the horizon), equal weights (hardly any backtest), or a group's own.
# A province run merged from its cities' runs says MIXED where the cities differ.
WEIGHT_BASES = ("learnt", "best_member", "equal", "group", MIXED)
# How its interval was found: conformal on its own residuals, on all horizons' residuals
# pooled (too few of its own), or a Poisson interval around the forecast (too few in all).
INTERVAL_BASES = ("conformal", "conformal_pooled", "poisson", MIXED)
# Which series a mix is for: the regular series, or those whose demand is intermittent
# (``statistical.intermittent``), which learn a mix of their own on another error.
SERIES_KINDS = ("regular", "intermittent")
# The texts runs stored before the codes above (read back as the codes).
_LEGACY_BASES = {
    "best single member": "best_member",
    "equal (no backtest)": "equal",
    "conformal (pooled horizons)": "conformal_pooled",
}


@dataclass(frozen=True, kw_only=True)
class EnsembleWeights:
    """The ensemble's mix at one horizon (months ahead), overall (``group`` None) or for one
    group with weights of its own: each member's weight (summing to 1), how the weights were
    found (``basis``, one of ``WEIGHT_BASES``), the share of the learnt weights kept (the rest
    equal weights, or for a group the overall ones), and how the interval was found
    (``interval``, one of ``INTERVAL_BASES``). ``series`` says which series use the mix
    (one of ``SERIES_KINDS``): the intermittent series have a mix of their own.

    Stored flat, one key per member beside the others, as runs have always stored it; a run
    stored before the intermittent mix was reported has no ``series`` and reads as
    ``regular`` (its weights were the regular series')."""

    FIXED = ("horizon", "group", "basis", "learnt_share", "interval", "series")

    horizon: int
    group: str | None
    weights: dict[str, float]
    basis: str
    learnt_share: float
    interval: str
    series: str = "regular"

    def to_json(self) -> dict[str, object]:
        return {
            "horizon": self.horizon,
            "group": self.group,
            **{name: float(weight) for name, weight in self.weights.items()},
            "basis": self.basis,
            "learnt_share": float(self.learnt_share),
            "interval": self.interval,
            "series": self.series,
        }

    @classmethod
    def parse(cls, data: Mapping[str, object]) -> EnsembleWeights:
        """From its stored form; a ``ValueError`` names the key that does not fit (an
        unknown member, a basis that is no code, a weight that is no number)."""
        weights: dict[str, float] = {}
        for key, value in data.items():
            if key in cls.FIXED:
                continue
            if key not in MEMBERS:
                raise ValueError(f"unknown key {key}")
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{key}: expected a number")
            weights[key] = float(value)
        basis = _LEGACY_BASES.get(str(data.get("basis")), data.get("basis"))
        interval = _LEGACY_BASES.get(str(data.get("interval")), data.get("interval"))
        if basis not in WEIGHT_BASES:
            raise ValueError(f"basis: unknown {basis!r}")
        if interval not in INTERVAL_BASES:
            raise ValueError(f"interval: unknown {interval!r}")
        horizon, share = data.get("horizon"), data.get("learnt_share")
        if isinstance(horizon, bool) or not isinstance(horizon, int):
            raise ValueError("horizon: expected a whole number")
        if isinstance(share, bool) or not isinstance(share, int | float):
            raise ValueError("learnt_share: expected a number")
        group = data.get("group")
        series = data.get("series", "regular")
        if series not in SERIES_KINDS:
            raise ValueError(f"series: unknown {series!r}")
        return cls(
            horizon=horizon,
            group=None if group is None else str(group),
            weights=weights,
            basis=str(basis),
            learnt_share=float(share),
            interval=str(interval),
            series=str(series),
        )


@dataclass
class _Calibration:
    """What the rolling-origin residuals before a cutoff say: member weights and conformal
    residual quantiles per horizon."""

    weights: np.ndarray  # horizon × member
    weight_basis: list[str]  # per horizon: one of WEIGHT_BASES
    lower: np.ndarray  # per horizon: scaled residual quantile for the lower bound
    upper: np.ndarray
    interval_basis: list[str]  # per horizon: one of INTERVAL_BASES
    rows: int
    origins: list[int]
    kept: float = 1.0  # share of the learnt weights kept (the rest: equal weights)
    group_weights: dict[str, np.ndarray] = field(default_factory=dict)
    group_kept: float = 0.0  # share of a group's own weights kept (the rest: the overall ones)
    # The same learnt on the intermittent series' backtest rows, for those series.
    intermittent: _Calibration | None = None
    # The name of each column of the weights (``_member_names`` of the run's config).
    member_names: tuple[str, ...] = MEMBERS

    def table(self, *, intermittent: bool = False) -> list[EnsembleWeights]:
        """Per horizon: each member's weight, how the weights and the interval were found;
        then per group with weights of its own, the same; then, with ``intermittent`` (some
        series are), the intermittent series' own mix per horizon."""
        rows = [
            EnsembleWeights(
                horizon=k + 1,
                group=None,
                weights=dict(zip(self.member_names, map(float, self.weights[k]), strict=True)),
                basis=self.weight_basis[k],
                learnt_share=self.kept,
                interval=self.interval_basis[k],
            )
            for k in range(len(self.weights))
        ]
        for group, weights in sorted(self.group_weights.items()):
            rows.extend(
                EnsembleWeights(
                    horizon=k + 1,
                    group=group,
                    weights=dict(zip(self.member_names, map(float, weights[k]), strict=True)),
                    basis="group",
                    learnt_share=self.group_kept,
                    interval=self.interval_basis[k],
                )
                for k in range(len(weights))
            )
        if intermittent and self.intermittent is not None:
            rows.extend(replace(row, series="intermittent") for row in self.intermittent.table())
        return rows

    def without(self, member: int) -> _Calibration:
        """The same with ``member`` given no weight (the others' shares scaled up to sum to
        one; equal shares where it had all of them)."""

        def drop(weights: np.ndarray) -> np.ndarray:
            out = weights.copy()
            out[:, member] = 0.0
            total = out.sum(axis=1, keepdims=True)
            rest = np.ones(out.shape[1])
            rest[member] = 0.0
            return np.where(total > 0, out / np.where(total > 0, total, 1), rest / rest.sum())

        return replace(
            self,
            weights=drop(self.weights),
            group_weights={g: drop(w) for g, w in self.group_weights.items()},
            intermittent=self.intermittent and self.intermittent.without(member),
        )

    def for_series(
        self, groups: np.ndarray, k: int, intermittent: np.ndarray | None = None
    ) -> np.ndarray:
        """Series × member weights at horizon ``k + 1``: the group's where it has its own,
        the intermittent mix for the ``intermittent`` series."""
        out = np.tile(self.weights[k], (len(groups), 1))
        for group, weights in self.group_weights.items():
            out[groups == group] = weights[k]
        if self.intermittent is not None and intermittent is not None:
            out[intermittent] = self.intermittent.weights[k]
        return out


def _calibrate(cache: _OriginCache, cutoff: int) -> _Calibration:
    config = cache.config
    history = cache.history
    horizon = config.horizon
    n_members = len(_member_names(config))
    chosen = cache.calibration_series
    n_chosen = len(chosen)
    forecasts, actual, scale, horizons, from_origin, series, kinds = [], [], [], [], [], [], []
    for h in range(1, horizon + 1):
        for origin in cache.calibration_origins(cutoff, h):
            at = cache.at(origin, every_series=False)
            forecasts.append(_members_for(at, h - 1)[chosen])
            actual.append(history.values[chosen, origin + h])
            scale.append(at.scale[chosen])
            horizons.append(np.full(n_chosen, h))
            from_origin.append(np.full(n_chosen, origin))
            series.append(chosen)
            kinds.append(at.intermittent[chosen])
    if forecasts:
        f = np.concatenate(forecasts)
        y = np.concatenate(actual)
        sc = np.concatenate(scale)
        hz = np.concatenate(horizons)
        org = np.concatenate(from_origin)
        sr = np.concatenate(series)
        sparse = np.concatenate(kinds)
        keep = np.isfinite(y) & np.isfinite(f).any(axis=1)
        f, y, sc, hz, org, sr = f[keep], y[keep], sc[keep], hz[keep], org[keep], sr[keep]
        sparse = sparse[keep]
    else:
        f = np.empty((0, n_members))
        y = sc = np.empty(0)
        hz = org = sr = np.empty(0, dtype=int)
        sparse = np.zeros(0, dtype=bool)
    codes, names = pd.factorize(np.asarray(history.groups))
    # The other series learn the mix they always had, on their own rows; on every row (the
    # intermittent member left out) where they have hardly any (series intermittent at the
    # earlier origins only).
    mine = ~sparse if (~sparse).sum() >= MIN_FALLBACK_ROWS else np.ones(len(y), dtype=bool)
    regular_f = f[mine].copy()
    regular_f[:, INTERMITTENT_MEMBER] = np.nan
    regular = _learn(
        _CalibrationRows(regular_f, y[mine], hz[mine], org[mine], config),
        sc[mine],
        codes[sr[mine]],
        names,
    )
    # Intermittent series learn their own mix (no weights per group: they are few) on the
    # scaled squared error, which a forecast of zero does not win: the absolute error is
    # least for the median, and the median month of a series mostly zero is zero.
    intermittent = _learn(
        _CalibrationRows(
            f[sparse], y[sparse], hz[sparse], org[sparse], config, squared_scale=sc[sparse]
        ),
        sc[sparse],
        np.zeros(int(sparse.sum()), dtype=int),
        names,
    )
    return replace(
        regular,
        rows=len(y),
        origins=sorted(int(o) for o in np.unique(org)),
        intermittent=intermittent,
    )


def _members_for(at: _AtOrigin, k: int) -> np.ndarray:
    """Series × member forecasts at horizon ``k + 1`` as the series' kind uses them: the
    intermittent member only for the series intermittent at the origin (NaN for the
    others, which the weights then leave out)."""
    out = at.members[:, :, k].T.copy()
    out[~at.intermittent, INTERMITTENT_MEMBER] = np.nan
    return out


def _learn(
    rows: _CalibrationRows, sc: np.ndarray, groups: np.ndarray, names: pd.Index
) -> _Calibration:
    """Weights (overall, and per group where a group has enough rows) and conformal residual
    quantiles learnt on the backtest ``rows``, ``sc`` their series' scales and ``groups``
    their group codes (into ``names``)."""
    config = rows.config
    horizon = config.horizon
    f, y, hz, org = rows.f, rows.y, rows.hz, rows.org
    everything = np.ones(len(y), dtype=bool)
    weights, basis = rows.weights(everything)
    equal = rows.equal()
    origins = np.unique(org)

    # Weights learnt on each origin's complement (cross-fitting): what the weights would
    # have been without that origin. They choose how far the learnt weights are shrunk
    # toward equal weights (learnt weights chase noise when the backtest is short or the
    # members are alike) and give the conformal residuals below.
    held_out = {o: rows.weights(org != o)[0] for o in origins} if len(origins) > 1 else {}
    kept = 1.0
    if held_out:
        errors = np.zeros(len(SHRINKAGE_CANDIDATES))
        for o, w in held_out.items():
            for h in range(1, horizon + 1):
                at_h = (org == o) & (hz == h) & rows.complete
                if at_h.any():
                    for c, share in enumerate(SHRINKAGE_CANDIDATES):
                        mix = share * w[h - 1] + (1 - share) * equal
                        errors[c] += rows.loss(at_h, _combine(f[at_h], mix))
        kept = SHRINKAGE_CANDIDATES[int(np.argmin(errors))]
    weights = kept * weights + (1 - kept) * equal
    held_out = {o: kept * w + (1 - kept) * equal for o, w in held_out.items()}

    # Weights per group (e.g. service category) where a group has enough backtest rows,
    # shrunk toward the overall weights by the share that did best across origins.
    group_names = [
        g
        for g in np.unique(groups)
        if (groups == g).sum() >= MIN_GROUP_WEIGHT_ROWS and len(np.unique(groups)) > 1
    ]
    group_weights: dict[str, np.ndarray] = {}
    group_kept = 0.0
    if group_names and held_out:
        own = {g: rows.weights(groups == g)[0] for g in group_names}
        own_held = {
            (g, o): rows.weights((groups == g) & (org != o))[0]
            for g in group_names
            for o in origins
        }
        errors = np.zeros(len(GROUP_CANDIDATES))
        for (g, o), w in own_held.items():
            for h in range(1, horizon + 1):
                at_h = (org == o) & (hz == h) & (groups == g) & rows.complete
                if at_h.any():
                    for c, share in enumerate(GROUP_CANDIDATES):
                        mix = share * w[h - 1] + (1 - share) * held_out[o][h - 1]
                        errors[c] += rows.loss(at_h, _combine(f[at_h], mix))
        group_kept = GROUP_CANDIDATES[int(np.argmin(errors))]
        if group_kept > 0:
            group_weights = {g: group_kept * own[g] + (1 - group_kept) * weights for g in own}
            own_held = {
                (g, o): group_kept * w + (1 - group_kept) * held_out[o]
                for (g, o), w in own_held.items()
            }
        else:
            own_held = {}
    else:
        own_held = {}

    # Conformal residuals of each origin's ensemble forecasts, with the weights learnt on the
    # other origins: residuals of weights fitted to the same rows would be optimistic and
    # the interval too narrow.
    ensemble = np.full(len(y), np.nan)
    for origin in origins:
        mine = org == origin
        base = held_out.get(origin, weights)
        for h in range(1, horizon + 1):
            at_h = mine & (hz == h)
            if not at_h.any():
                continue
            w = np.tile(base[h - 1], (int(at_h.sum()), 1))
            row_groups = groups[at_h]
            for g in group_weights:
                w[row_groups == g] = own_held.get((g, origin), group_weights[g])[h - 1]
            ensemble[at_h] = _combine(f[at_h], w)
    score = (y - ensemble) / sc
    usable = np.isfinite(score)
    tail = (1 - config.interval) / 2
    lower = np.full(horizon, np.nan)
    upper = np.full(horizon, np.nan)
    interval_basis: list[str] = []
    for h in range(1, horizon + 1):
        own_scores = score[usable & (hz == h)]
        if len(own_scores) >= MIN_CONFORMAL_ROWS:
            lower[h - 1], upper[h - 1] = _conformal_quantiles(own_scores, tail)
            interval_basis.append("conformal")
        elif usable.sum() >= MIN_CONFORMAL_ROWS:
            lower[h - 1], upper[h - 1] = _conformal_quantiles(score[usable], tail)
            interval_basis.append("conformal_pooled")
        else:
            interval_basis.append("poisson")
    return _Calibration(
        weights=weights,
        weight_basis=basis,
        lower=lower,
        upper=upper,
        interval_basis=interval_basis,
        rows=len(y),
        origins=sorted(int(o) for o in origins),
        kept=float(kept),
        group_weights={str(names[g]): w for g, w in group_weights.items()},
        group_kept=float(group_kept),
        member_names=_member_names(config),
    )


def _origin_weights(f: np.ndarray, y: np.ndarray, org: np.ndarray) -> np.ndarray:
    """Per backtest row, one over its origin's typical error (the mean absolute difference
    between the actual and the members' median forecast at that origin): every origin then
    counts about equally in the weights' error sums.

    The rows of one origin are not independent: a market-wide month makes every series'
    error large together, and in plain pooled errors that one origin would choose the
    weights. The origins, not the rows, are the independent samples of how the members do."""
    weight = np.ones(len(y))
    if not len(y):
        return weight
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        typical = np.abs(y - np.nanmedian(f, axis=1))
    for origin in np.unique(org):
        mine = org == origin
        scale = np.nanmean(typical[mine]) if np.isfinite(typical[mine]).any() else np.nan
        if np.isfinite(scale) and scale > 0:
            weight[mine] = 1.0 / scale
    return weight


class _CalibrationRows:
    """Backtest forecasts (rows × members), actuals and horizons, and the weight search.

    The weights minimise the absolute error, each origin counting equally; or, given
    ``squared_scale`` (each row's series scale), the squared error divided by the squared
    scale (as the M5 competition's RMSSE scores intermittent sales): the absolute error is
    least for the median, and for a series mostly zero that is a forecast of zero."""

    def __init__(
        self,
        f: np.ndarray,
        y: np.ndarray,
        hz: np.ndarray,
        org: np.ndarray,
        config: ForecastConfig,
        *,
        squared_scale: np.ndarray | None = None,
    ):
        self.f, self.y, self.hz, self.org, self.config = f, y, hz, org, config
        self.squared = squared_scale is not None
        self.row_weight = (
            1.0 / np.square(squared_scale) if self.squared else _origin_weights(f, y, org)
        )
        n_members = f.shape[1]
        # A member counts where it has forecasts for most rows (the global model needs more
        # history than the smoothers); complete rows over those members.
        self.present = (
            np.isfinite(f).mean(axis=0) >= 0.5 if len(f) else np.zeros(n_members, dtype=bool)
        )
        self.complete = (
            np.isfinite(f[:, self.present]).all(axis=1) if len(f) else np.zeros(0, dtype=bool)
        )
        self.grid = (
            _simplex_grid(int(self.present.sum()), WEIGHT_GRID_STEP) if self.present.any() else None
        )

    def _error(self, residual: np.ndarray) -> np.ndarray:
        return np.square(residual) if self.squared else np.abs(residual)

    def loss(self, rows: np.ndarray, forecast: np.ndarray) -> float:
        """The error of ``forecast`` on ``rows`` as the choices between weights score it:
        the absolute error (unweighted), or the scaled squared error."""
        if self.squared:
            return float((self.row_weight[rows] * np.square(self.y[rows] - forecast)).sum())
        return float(np.abs(self.y[rows] - forecast).sum())

    def equal(self) -> np.ndarray:
        """Equal weights over the members that count (all of them with no backtest)."""
        if not self.present.any():
            return np.full(self.f.shape[1], 1.0 / self.f.shape[1])
        return self.present / self.present.sum()

    def _grid_best(self, rows: np.ndarray) -> np.ndarray:
        if len(rows) > MAX_WEIGHT_ROWS:
            rows = np.random.default_rng(self.config.seed).choice(
                rows, MAX_WEIGHT_ROWS, replace=False
            )
        # Single precision: the search is memory-bound, and the errors need no more digits.
        f = self.f[np.ix_(rows, self.present)].astype(np.float32)
        grid = self.grid.astype(np.float32)
        y = self.y[rows, None].astype(np.float32)
        weight = self.row_weight[rows, None].astype(np.float32)
        errors = (weight * self._error(y - f @ grid.T)).sum(axis=0)
        full = np.zeros(self.f.shape[1])
        full[self.present] = self.grid[int(np.argmin(errors))]
        return full

    def weights(self, among: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Per horizon: weights learnt on the rows (of ``among``) within one month of the
        horizon; the best single member on all rows where those are too few; equal weights
        where there is hardly any backtest."""
        n_members = self.f.shape[1]
        horizon = self.config.horizon
        usable = self.complete & among
        pooled = np.nonzero(usable)[0]
        single = None
        if len(pooled) >= MIN_FALLBACK_ROWS:
            errors = (
                self.row_weight[pooled, None]
                * self._error(self.y[pooled, None] - self.f[pooled][:, self.present])
            ).sum(axis=0)
            single = np.zeros(n_members)
            single[np.nonzero(self.present)[0][int(np.argmin(errors))]] = 1.0
        weights = np.zeros((horizon, n_members))
        basis: list[str] = []
        for h in range(1, horizon + 1):
            near = np.nonzero(usable & (np.abs(self.hz - h) <= 1))[0]
            if len(near) >= MIN_WEIGHT_ROWS:
                weights[h - 1] = self._grid_best(near)
                basis.append("learnt")
            elif single is not None:
                weights[h - 1] = single
                basis.append("best_member")
            else:
                weights[h - 1] = 1.0 / n_members
                basis.append("equal")
        return weights, basis


def _conformal_quantiles(scores: np.ndarray, tail: float) -> tuple[float, float]:
    """Split-conformal quantiles of signed scaled residuals, each tail at ``tail``, with the
    finite-sample rank ceil((n + 1)(1 - tail))."""
    ordered = np.sort(scores)
    n = len(ordered)
    upper_rank = min(int(np.ceil((n + 1) * (1 - tail))), n)
    lower_rank = max(int(np.floor((n + 1) * tail)), 1)
    return float(ordered[lower_rank - 1]), float(ordered[upper_rank - 1])


def _ensemble_at(
    at: _AtOrigin, calibration: _Calibration, config: ForecastConfig, history: History
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ensemble forecast and conformal interval (series × horizon) at one origin."""
    n_series = at.members.shape[1]
    forecast = np.full((n_series, config.horizon), np.nan)
    lower = np.full_like(forecast, np.nan)
    upper = np.full_like(forecast, np.nan)
    last = history.values[:, at.origin]
    groups = np.asarray(history.groups)
    tail = (1 - config.interval) / 2
    sparse = at.intermittent if calibration.intermittent is not None else np.zeros_like(last, bool)
    for k in range(config.horizon):
        weights = calibration.for_series(groups, k, sparse)
        point = _combine(_members_for(at, k), weights)
        point = np.where(np.isfinite(point), point, last)
        forecast[:, k] = np.maximum(point, 0.0)
        for mine, quantiles in ((~sparse, calibration), (sparse, calibration.intermittent)):
            if not mine.any():
                continue
            if np.isfinite(quantiles.lower[k]):
                lower[mine, k] = forecast[mine, k] + quantiles.lower[k] * at.scale[mine]
                upper[mine, k] = forecast[mine, k] + quantiles.upper[k] * at.scale[mine]
            else:
                lower[mine, k] = poisson.ppf(tail, np.maximum(forecast[mine, k], 1e-9))
                upper[mine, k] = poisson.ppf(1 - tail, np.maximum(forecast[mine, k], 1e-9))
    lower = np.maximum(np.minimum(lower, forecast), 0.0)
    upper = np.maximum(upper, forecast)
    # Intermittent counts: an interval of whole numbers, its upper end at least the next one
    # above the forecast. Their backtest residuals are mostly below the forecast (most
    # months have none), so the upper quantile falls below the forecast and the interval
    # was [0, forecast]: "at most 0.4 requests" where one request is the least that comes.
    # Rounded inward, the ends cover the same counts as before (a count is at most 2.7 when
    # it is at most 2); only holding the forecast and the next whole number widens them.
    counts = sparse & at.whole
    whole_forecast = np.floor(forecast[counts])
    lower[counts] = np.minimum(np.ceil(lower[counts] - 1e-9), whole_forecast)
    upper[counts] = np.maximum(np.floor(upper[counts] + 1e-9), whole_forecast + 1)
    return forecast, lower, upper


# ---------------------------------------------------------------------------------------------
# Fitted model and forecasts beyond the data


@dataclass
class DemandForecaster:
    """The ensemble fitted on all the history, ready to forecast beyond its last month."""

    history: History
    config: ForecastConfig
    models: _Models | None  # None: too few training rows for the global model
    context: _FeatureContext | None
    members: np.ndarray
    calibration: _Calibration
    scale: np.ndarray
    intermittent: np.ndarray  # per series: intermittent demand at the last month
    whole: np.ndarray  # per series: whole numbers only

    @property
    def last_period(self) -> pd.Period:
        return self.history.periods[-1]

    @property
    def intermittent_series(self) -> int:
        """How many series' demand is intermittent at the last month (they use the
        intermittent mix)."""
        return int(self.intermittent.sum())

    def weights(self) -> list[EnsembleWeights]:
        """The ensemble's member weights per horizon and how they were found: the regular
        series' mix, and the intermittent series' where there are any."""
        return self.calibration.table(intermittent=bool(self.intermittent.any()))

    def forecast(self) -> pd.DataFrame:
        """Forecasts for months 1..horizon after the last period: the ensemble with its
        conformal interval, then each member's forecast (``member_<name>``)."""
        history = self.history
        n_series, horizon = len(history.series), self.config.horizon
        at = _AtOrigin(
            history.n_months - 1,
            self.members,
            self.scale,
            self.models,
            self.context,
            intermittent=self.intermittent,
            whole=self.whole,
        )
        forecast, lower, upper = _ensemble_at(at, self.calibration, self.config, history)
        s = np.repeat(np.arange(n_series), horizon)
        out = pd.DataFrame(
            {
                "series": history.series.to_numpy()[s],
                "period": [str(history.periods[-1] + int(k)) for k in range(1, horizon + 1)]
                * n_series,
                "horizon": np.tile(np.arange(1, horizon + 1), n_series),
                "forecast": forecast.ravel(),
                "lower": lower.ravel(),
                "upper": upper.ravel(),
            }
        )
        for name in history.labels:
            out[name] = history.attributes[name].astype(str).to_numpy()[s]
        for m, name in enumerate(_member_names(self.config)):
            out[f"member_{name}"] = self.members[m].ravel()
        return out


def _forecaster(cache: _OriginCache) -> DemandForecaster:
    history = cache.history
    cutoff = history.n_months - 1
    at = cache.at(cutoff)
    calibration = _calibrate(cache, cutoff)
    if at.models is None:
        # Too few training rows for the global model (a handful of short series): the
        # smoothers and the seasonal forecasts carry the forecast, and the weights say so.
        calibration = calibration.without(MEMBERS.index("gbm"))
    return DemandForecaster(
        history=history,
        config=cache.config,
        models=at.models,
        context=at.context,
        members=at.members,
        calibration=calibration,
        scale=at.scale,
        intermittent=at.intermittent,
        whole=at.whole,
    )


def _as_history(frame: pd.DataFrame | History, group_column: str | None) -> History:
    return (
        frame if isinstance(frame, History) else prepare_history(frame, group_column=group_column)
    )


def fit_forecaster(
    frame: pd.DataFrame | History,
    *,
    config: ForecastConfig | None = None,
    group_column: str | None = "auto",
) -> DemandForecaster:
    """Fit the ensemble on all the history (see :func:`prepare_history` for the frame): the
    members at the last month, and their weights and interval from the rolling origins
    before it."""
    config = config or ForecastConfig()
    history = _as_history(frame, group_column)
    _require_history(history, config, backtest=False)
    return _forecaster(_OriginCache(history, config))


def forecast_demand(
    frame: pd.DataFrame | History,
    *,
    horizon: int = 6,
    config: ForecastConfig | None = None,
    group_column: str | None = "auto",
) -> pd.DataFrame:
    """Forecast ``horizon`` months beyond the last period given.

    Returns one row per series and future month: ``series``, ``period`` (YYYY-MM),
    ``horizon``, ``forecast``, ``lower``, ``upper`` (the 80% interval by default), the
    series' text attributes (e.g. ``community``, ``category``) and each member's forecast.
    """
    config = _with_horizon(config, horizon)
    return fit_forecaster(frame, config=config, group_column=group_column).forecast()


def forecast_with_backtest(
    frame: pd.DataFrame | History,
    *,
    config: ForecastConfig | None = None,
    group_column: str | None = "auto",
) -> tuple[DemandForecaster, BacktestResult]:
    """The fitted ensemble and its rolling-origin backtest, sharing the member fits at the
    origins both need (what a forecast run and ``forecast_demand --data`` do)."""
    config = config or ForecastConfig()
    history = _as_history(frame, group_column)
    _require_history(history, config, backtest=True)
    cache = _OriginCache(history, config)
    backtest = _backtest(cache)
    forecaster = _forecaster(cache)
    return forecaster, backtest


def forecast_with_optional_backtest(
    frame: pd.DataFrame | History,
    *,
    config: ForecastConfig | None = None,
    group_column: str | None = "auto",
) -> tuple[DemandForecaster, BacktestResult | None]:
    """As :func:`forecast_with_backtest`, but a history long enough to forecast and too short
    to backtest (``config.months_needed``) still gets its forecasts, without a backtest
    (``None``). A new installation or a user's short file has a year or two of months: they
    want the forecasts, told plainly that they were not checked against past months. The
    weights and the interval then come from what little backtest fits inside the history
    (the best single member or equal weights; the interval pooled over horizons or Poisson),
    as the weights table says."""
    config = config or ForecastConfig()
    history = _as_history(frame, group_column)
    if history.n_months >= config.months_needed(backtest=True):
        return forecast_with_backtest(history, config=config)
    return fit_forecaster(history, config=config), None


def _with_horizon(config: ForecastConfig | None, horizon: int | None) -> ForecastConfig:
    config = config or ForecastConfig()
    if horizon is not None and horizon != config.horizon:
        config = ForecastConfig(**{**asdict(config), "horizon": horizon})
    return config


# ---------------------------------------------------------------------------------------------
# Backtest


@dataclass
class BacktestResult:
    """Rolling-origin backtest of the ensemble and each of its members against the naive and
    seasonal-naive baselines. At every origin the ensemble's weights and interval come only
    from the residuals of earlier origins whose targets were known by then."""

    predictions: pd.DataFrame
    overall: dict[str, float]
    by_group: pd.DataFrame
    by_horizon: pd.DataFrame
    group_column: str | None
    origins: list[str]
    config: ForecastConfig
    seconds: float
    weights: list[EnsembleWeights] = field(default_factory=list)

    @property
    def improvement_over_seasonal_naive(self) -> float:
        """1 - WAPE(ensemble) / WAPE(seasonal naive): 0.15 means 15% lower error."""
        return 1 - self.overall["wape_model"] / self.overall["wape_seasonal_naive"]

    @property
    def best_member(self) -> str | None:
        """The member with the lowest WAPE among those scored (a member without forecasts
        has none, and NaN compares as neither lower nor higher); None where no WAPE is
        defined (no demand in the backtest's months)."""
        scored = [name for name in MEMBERS if np.isfinite(self.overall[f"wape_{name}"])]
        return min(scored, key=lambda name: self.overall[f"wape_{name}"]) if scored else None

    @property
    def gap_to_best_member(self) -> float:
        """WAPE(ensemble) / WAPE(best member) - 1: 0.01 means 1% worse than the best member;
        NaN without a best member."""
        best = self.best_member
        if best is None:
            return float("nan")
        return self.overall["wape_model"] / self.overall[f"wape_{best}"] - 1

    def table(self) -> str:
        """The backtest as a plain-text table (overall row first, then one row per group)."""
        rows = [("overall", self.overall)] + [
            (str(name), row.to_dict()) for name, row in self.by_group.iterrows()
        ]
        width = max(len(name) for name, _ in rows) + 2
        head = (
            f"{'group':<{width}}{'n':>8}{'WAPE ens':>10}{'gbm':>8}{'ets':>8}{'theta':>8}"
            f"{'s-growth':>9}{'tsb':>8}{'s-naive':>9}{'naive':>8}{'MASE ens':>10}{'coverage':>10}"
        )
        lines = [head, "-" * len(head)]

        def figure(value: float, width: int, spec: str = ".3f") -> str:
            return f"{value:>{width}{spec}}" if np.isfinite(value) else f"{'n/a':>{width}}"

        for name, m in rows:
            lines.append(
                f"{name:<{width}}{int(m['n']):>8}{figure(m['wape_model'], 10)}"
                f"{figure(m['wape_gbm'], 8)}{figure(m['wape_ets'], 8)}{figure(m['wape_theta'], 8)}"
                f"{figure(m['wape_seasonal_growth'], 9)}{figure(m['wape_tsb'], 8)}"
                f"{figure(m['wape_seasonal_naive'], 9)}{figure(m['wape_naive'], 8)}"
                f"{figure(m['mase_model'], 10)}{figure(m['coverage'], 10, '.1%')}"
                + ("  (WAPE not defined: no demand)" if m["no_wape_reason"] else "")
            )
        compared = (
            "WAPE not defined: no demand in the backtest's months"
            if self.best_member is None
            else f"ensemble WAPE vs seasonal naive: {self.improvement_over_seasonal_naive:+.1%} "
            f"better; vs the best member ({self.best_member}): {-self.gap_to_best_member:+.1%}"
        )
        lines.append(
            f"{compared}; "
            f"{self.config.interval:.0%} interval coverage {self.overall['coverage']:.1%}; "
            f"origins {', '.join(self.origins)}, horizon 1-{self.config.horizon}"
        )
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return jsonable(
            {
                "method": self.config.describe(),
                "members": dict(MEMBER_METHODS),
                "baselines": {
                    "naive": "last observed month",
                    "seasonal_naive": "same month one year earlier",
                },
                "origins": self.origins,
                "horizon": self.config.horizon,
                "interval": self.config.interval,
                "group_column": self.group_column,
                "overall": self.overall,
                "improvement_over_seasonal_naive": float(self.improvement_over_seasonal_naive),
                "best_member": self.best_member,
                "gap_to_best_member": float(self.gap_to_best_member),
                "weights": [w.to_json() for w in self.weights],
                "by_group": [
                    {"group": str(k), **v} for k, v in self.by_group.to_dict("index").items()
                ],
                "by_horizon": [
                    {"horizon": int(k), **v} for k, v in self.by_horizon.to_dict("index").items()
                ],
                "seconds": round(self.seconds, 3),
            }
        )


# Why a slice's WAPE (error over demand) is not defined: none of its months had demand.
NO_DEMAND = "no_demand"
# Every reason a slice's WAPE may be missing for: a stored reason is one of these, and each
# has its words for the reader.
NO_WAPE_REASONS = (NO_DEMAND,)


def _metrics(rows: pd.DataFrame) -> dict[str, float | str | None]:
    """Per forecast (``model`` the ensemble, ``naive``, each member): WAPE, MASE and RMSSE
    (the root of the mean squared error over the series' squared interval scale: the error
    the intermittent series' weights are learnt on, which a forecast of zero does not win);
    the interval's coverage and mean width. Where the rows' actual counts sum to zero, WAPE
    divides by nothing: it is NaN and ``no_wape_reason`` says why (otherwise None)."""
    actual = rows["actual"].to_numpy()
    total = actual.sum()
    scale = rows["mase_scale"].to_numpy()
    scaled = np.isfinite(scale) & (scale > 0)
    squared_scale = np.square(rows["scale"].to_numpy())
    squared = np.isfinite(squared_scale) & (squared_scale > 0)
    out: dict[str, float | str | None] = {"n": float(len(rows))}
    columns = [("model", "forecast"), ("naive", "naive")] + [
        (name, name if name == "seasonal_naive" else f"forecast_{name}") for name in MEMBERS
    ]
    for name, column in columns:
        error = np.abs(actual - rows[column].to_numpy())
        out[f"wape_{name}"] = float(error.sum() / total) if total > 0 else float("nan")
        out[f"mase_{name}"] = (
            float(np.mean(error[scaled] / scale[scaled])) if scaled.any() else float("nan")
        )
        out[f"rmsse_{name}"] = (
            float(np.sqrt(np.mean(np.square(error[squared]) / squared_scale[squared])))
            if squared.any()
            else float("nan")
        )
    inside = (rows["lower"].to_numpy() <= actual) & (actual <= rows["upper"].to_numpy())
    out["coverage"] = float(inside.mean()) if len(rows) else float("nan")
    out["mean_interval_width"] = float((rows["upper"] - rows["lower"]).mean())
    out["no_wape_reason"] = NO_DEMAND if len(rows) and not total > 0 else None
    return out


def backtest_demand(
    frame: pd.DataFrame | History,
    *,
    config: ForecastConfig | None = None,
    horizon: int | None = None,
    group_column: str | None = "auto",
) -> BacktestResult:
    """Rolling-origin backtest: at each origin refit every member on data up to it, learn
    the ensemble's weights and interval from the earlier origins only, forecast 1..horizon
    months ahead and score against the actual counts and the two baselines.

    Origins are ``backtest_step`` months apart, the last one ``horizon`` months before the
    end. Scores use the rows where the ensemble, every member and both baselines have a
    forecast (a series needs a year of history for the seasonal naive).
    """
    config = _with_horizon(config, horizon)
    history = _as_history(frame, group_column)
    _require_history(history, config, backtest=True)
    return _backtest(_OriginCache(history, config))


def _backtest(cache: _OriginCache) -> BacktestResult:
    started = time.perf_counter()
    history, config = cache.history, cache.config
    last_origin = history.n_months - 1 - config.horizon
    origins = [
        last_origin - i * config.backtest_step for i in reversed(range(config.backtest_origins))
    ]
    n_series, horizon_ = len(history.series), config.horizon
    diffs = np.abs(np.diff(history.values, axis=1))
    parts = []
    calibration = None
    for origin in origins:
        # Where the global model has too few training rows at an origin (a file of three
        # series and two years), the other members carry the backtest as they carry the
        # forecast (``_forecaster``): refusing here refused a 1-month forecast of a history
        # whose 6-month forecast was given.
        at = cache.at(origin)
        calibration = _calibrate(cache, origin)
        forecast, lower, upper = _ensemble_at(at, calibration, config, history)
        s = np.repeat(np.arange(n_series), horizon_)
        h = np.tile(np.arange(1, horizon_ + 1), n_series)
        o = np.full(len(s), origin)
        target = o + h
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            scale = np.nanmean(diffs[:, :origin], axis=1)
        parts.append(
            pd.DataFrame(
                {
                    "series": history.series.to_numpy()[s],
                    "group": history.groups[s],
                    "origin": str(history.periods[origin]),
                    "period": history.periods[target].astype(str),
                    "horizon": h,
                    "actual": history.values[s, target],
                    "forecast": forecast.ravel(),
                    "lower": lower.ravel(),
                    "upper": upper.ravel(),
                    **{
                        f"forecast_{name}": at.members[m].ravel()
                        for m, name in enumerate(MEMBERS)
                        if name != "seasonal_naive"
                    },
                    "naive": history.values[s, o],
                    "seasonal_naive": history.values[s, target - 12],
                    "mase_scale": scale[s],
                    "scale": at.scale[s],
                    **{
                        name: history.attributes[name].astype(str).to_numpy()[s]
                        for name in history.labels
                    },
                }
            )
        )
    predictions = pd.concat(parts, ignore_index=True)
    # Every member is scored on the same rows; a member with no forecast at any origin (the
    # global model without training rows) has no score, and leaves the rows to the others.
    forecasting = [
        f"forecast_{name}"
        for name in MEMBERS
        if name != "seasonal_naive" and predictions[f"forecast_{name}"].notna().any()
    ]
    scored = predictions.dropna(
        subset=["actual", "forecast", "naive", "seasonal_naive", *forecasting]
    )
    if scored.empty:
        raise EngineInputError(
            "no series has a year of history before the backtest origins; give longer histories",
            code="backtest_history_too_short",
        )
    overall = _metrics(scored)
    by_group = pd.DataFrame(
        {name: _metrics(rows) for name, rows in scored.groupby("group", sort=True)}
    ).T
    by_horizon = pd.DataFrame(
        {name: _metrics(rows) for name, rows in scored.groupby("horizon", sort=True)}
    ).T
    weights = calibration.table(intermittent=bool(at.intermittent.any()))
    return BacktestResult(
        predictions=predictions,
        overall=overall,
        by_group=by_group,
        by_horizon=by_horizon,
        group_column=history.group_column,
        origins=[str(history.periods[o]) for o in origins],
        config=config,
        seconds=time.perf_counter() - started,
        weights=weights,
    )


# ---------------------------------------------------------------------------------------------
# What-if


@dataclass(frozen=True)
class AttributeChange:
    """A change to one series attribute for a what-if: multiply, add or set, optionally only
    where other attributes match (e.g. ``where={"community": "C-12"}``)."""

    attribute: str
    multiply: float | None = None
    add: float | None = None
    set_to: float | str | None = None
    where: Mapping[str, object] | None = None

    def apply(self, attributes: pd.DataFrame) -> pd.DataFrame:
        if self.attribute not in attributes.columns:
            # The runners build every attribute a scenario names: a programming error.
            raise EngineContractError(
                f"what-if: unknown attribute {self.attribute!r}; the model knows "
                f"{', '.join(attributes.columns) or 'no attributes'}"
            )
        mask = _matching(attributes, self.where)
        out = attributes.copy()
        column = out[self.attribute]
        if self.set_to is not None:
            if isinstance(column.dtype, pd.CategoricalDtype):
                out[self.attribute] = column.astype(str).where(~mask, str(self.set_to))
            else:
                out.loc[mask, self.attribute] = float(self.set_to)
            return out
        if isinstance(column.dtype, pd.CategoricalDtype):
            raise EngineContractError(f"what-if: {self.attribute!r} is text; use set_to")
        values = column.to_numpy(dtype=float).copy()
        if self.multiply is not None:
            values[mask] *= self.multiply
        if self.add is not None:
            values[mask] += self.add
        out[self.attribute] = values
        return out


def _matching(attributes: pd.DataFrame, where: Mapping[str, object] | None) -> np.ndarray:
    mask = np.ones(len(attributes), dtype=bool)
    for name, value in (where or {}).items():
        if name not in attributes.columns:
            raise EngineContractError(f"what-if: unknown attribute {name!r} in 'where'")
        mask &= (attributes[name].astype(str) == str(value)).to_numpy()
    if not mask.any():
        raise EngineInputError(
            f"what-if: no series matches {dict(where or {})}", code="what_if_no_series"
        )
    return mask


ELDERLY_SHARES = ("share_65plus", "share_75plus", "share_elderly_alone")


def more_older_residents(
    percent: float, *, where: Mapping[str, object] | None = None
) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """What-if: ``percent`` % more residents aged 65+, like the current ones, adding to the
    population.

    Uses the attributes of :func:`analytics.engine.supply.portraits.community_profile`:
    ``population`` grows by ``share_65plus * percent``; the elderly shares (65+, 75+, living
    alone) grow by ``(1 + percent) / growth``; the other shares are diluted by the growth.
    """

    def change(attributes: pd.DataFrame) -> pd.DataFrame:
        for name in ("share_65plus", "population"):
            if name not in attributes.columns:
                raise EngineContractError(f"what-if 'older residents' needs attribute {name!r}")
        mask = _matching(attributes, where)
        share = attributes["share_65plus"].to_numpy(dtype=float)
        growth = np.where(mask, 1 + share * percent / 100, 1.0)
        out = attributes.copy()
        out["population"] = attributes["population"].to_numpy(dtype=float) * growth
        for name in attributes.columns:
            if not name.startswith("share_"):
                continue
            values = attributes[name].to_numpy(dtype=float)
            if name in ELDERLY_SHARES:
                out[name] = np.where(mask, values * (1 + percent / 100) / growth, values)
            else:
                out[name] = values / growth
        return out

    return change


def new_school(*, where: Mapping[str, object] | None = None) -> AttributeChange:
    """What-if: one more school (attribute ``schools``) where ``where`` matches."""
    return AttributeChange("schools", add=1, where=where)


def older_residents_added(
    count: float, *, where: Mapping[str, object] | None = None
) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """What-if: ``count`` more residents aged 65+ (fewer when negative) where ``where`` matches.

    A head count is turned into the attributes of
    :func:`analytics.engine.supply.portraits.community_profile` the model knows. With
    population ``P`` and share ``S`` of residents aged 65+, the community has about ``S * P``
    older residents; afterwards it has ``P' = P + count`` residents, of whom ``S * P + count``
    are 65+. The newcomers are like the community's current older residents, so the shares of
    75+ and of older people living alone keep their ratio to the 65+ share; every other share
    is diluted by ``P / P'`` (the newcomers are counted in none of them). For a positive count
    and ``S > 0`` this is :func:`more_older_residents` with ``percent = 100 * count / (S * P)``.
    """

    def change(attributes: pd.DataFrame) -> pd.DataFrame:
        for name in ("share_65plus", "population"):
            if name not in attributes.columns:
                raise EngineContractError(f"what-if 'older residents' needs attribute {name!r}")
        mask = _matching(attributes, where)
        population = attributes["population"].to_numpy(dtype=float)
        share = attributes["share_65plus"].to_numpy(dtype=float)
        if not np.isfinite(share[mask]).all():
            raise EngineInputError(
                "what-if 'older residents': no residents are registered there, so the share "
                "aged 65+ is unknown",
                code="what_if_no_residents",
            )
        older = share * population
        if (older[mask] + count < -0.5).any():
            raise EngineInputError(
                f"what-if 'older residents': cannot remove {-count:.0f} residents aged 65+ "
                f"where there are about {older[mask].min():.0f}",
                code="what_if_too_few_older_residents",
                params={"remove": float(-count), "present": float(older[mask].min())},
            )
        grown = np.where(mask, population + count, population)
        if (grown[mask] <= 0).any():
            raise EngineInputError(
                "what-if 'older residents': no population would be left",
                code="what_if_no_population_left",
            )
        older_after = np.where(mask, np.maximum(older + count, 0.0), older)
        with np.errstate(invalid="ignore", divide="ignore"):
            older_growth = np.where(older > 0, older_after / older, 0.0)
        out = attributes.copy()
        out["population"] = grown
        for name in attributes.columns:
            if not name.startswith("share_"):
                continue
            values = attributes[name].to_numpy(dtype=float)
            if name == "share_65plus":
                changed = older_after / grown
            elif name in ELDERLY_SHARES:
                changed = values * population * older_growth / grown
            else:
                changed = values * population / grown
            out[name] = np.where(mask, changed, values)
        return out

    return change


@dataclass
class WhatIfResult:
    """Baseline versus scenario forecasts, per series and summed per group and overall."""

    per_series: pd.DataFrame
    by_group: pd.DataFrame
    total_baseline: float
    total_scenario: float

    @property
    def change(self) -> float:
        return self.total_scenario - self.total_baseline

    @property
    def change_percent(self) -> float:
        return 100 * self.change / self.total_baseline if self.total_baseline else float("nan")

    def summary(self) -> list[str]:
        lines = [
            f"total: {_direction(self.change_percent)} {self.change_percent:+.1f}% "
            f"({self.change:+.1f} requests over the horizon)"
        ]
        for name, row in self.by_group.iterrows():
            lines.append(
                f"{name}: {row['direction']} {row['change_percent']:+.1f}% "
                f"({row['change']:+.1f} requests)"
            )
        return lines

    def to_dict(self) -> dict:
        return jsonable(
            {
                "total_baseline": float(self.total_baseline),
                "total_scenario": float(self.total_scenario),
                "change": float(self.change),
                "change_percent": float(self.change_percent),
                "direction": _direction(self.change_percent),
                "by_group": [
                    {"group": str(k), **row} for k, row in self.by_group.to_dict("index").items()
                ],
                "summary": self.summary(),
            }
        )


def _direction(percent: float) -> str:
    if not np.isfinite(percent) or abs(percent) < 0.5:
        return "no material change"
    return "up" if percent > 0 else "down"


def _level_design(
    attributes: pd.DataFrame, history: History, reference: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Numeric attributes (log1p for counts such as population, as-is for shares in [0, 1])
    and one-hot text attributes, for the level model."""
    reference = attributes if reference is None else reference
    columns: dict[str, np.ndarray] = {}
    for name in history.numeric:
        values = attributes[name].to_numpy(dtype=float)
        ref = reference[name].to_numpy(dtype=float)
        if np.nanmin(ref) >= 0 and np.nanmax(ref) > 1:
            values = np.log1p(np.maximum(values, 0))
        columns[name] = values
    for name in history.categorical:
        if name == history.group_column:
            continue
        for level in history.attributes[name].cat.categories:
            columns[f"{name}={level}"] = (attributes[name].astype(str) == str(level)).to_numpy(
                dtype=float
            )
    return pd.DataFrame(columns, index=attributes.index)


LEVEL_ALPHAS = (0.01, 0.03, 0.1, 0.3, 1.0)


def _level_effects(history: History, changed: pd.DataFrame, seed: int = 0) -> np.ndarray:
    """Per series, the factor by which the changed attributes move demand: exp of the change
    in the linear predictor of a Poisson GLM of the series' recent level on its attributes,
    fitted per group (e.g. category) across all series, its L2 penalty chosen by 3-fold
    cross-validated Poisson deviance."""
    if not history.numeric and not [c for c in history.categorical if c != history.group_column]:
        raise EngineContractError("what-if needs series attributes; the history has none")
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        level = np.nanmean(history.values[:, -12:], axis=1)
    before = _level_design(history.attributes, history)
    after = _level_design(changed, history, reference=history.attributes)
    factor = np.ones(len(history.series))
    with threadpool_limits(limits=1):  # many tiny fits: threads only add overhead
        for group in np.unique(history.groups):
            members = np.nonzero((history.groups == group) & np.isfinite(level))[0]
            if len(members) >= 5 and level[members].sum() > 0:
                factor[members] = _group_level_effect(
                    before.iloc[members].to_numpy(),
                    after.iloc[members].to_numpy(),
                    level[members],
                    seed,
                )
    return factor


def _group_level_effect(
    x_before: np.ndarray, x_after: np.ndarray, level: np.ndarray, seed: int
) -> np.ndarray:
    from sklearn.linear_model import PoissonRegressor
    from sklearn.metrics import mean_poisson_deviance
    from sklearn.model_selection import KFold
    from sklearn.preprocessing import StandardScaler

    usable = np.nanstd(x_before, axis=0) > 0
    if not usable.any():
        return np.ones(len(level))
    scaler = StandardScaler().fit(x_before[:, usable])
    x = np.nan_to_num(scaler.transform(x_before[:, usable]))
    alpha = 0.3
    if len(level) >= 20:
        folds = KFold(n_splits=3, shuffle=True, random_state=seed)
        scores = {}
        for candidate in LEVEL_ALPHAS:
            deviance = 0.0
            for train, test in folds.split(x):
                fitted = PoissonRegressor(alpha=candidate, max_iter=500).fit(x[train], level[train])
                predicted = np.maximum(fitted.predict(x[test]), 1e-9)
                deviance += mean_poisson_deviance(level[test], predicted)
            scores[candidate] = deviance
        alpha = min(scores, key=scores.get)
    model = PoissonRegressor(alpha=alpha, max_iter=1000).fit(x, level)
    x_changed = np.nan_to_num(scaler.transform(x_after[:, usable]))
    return np.exp((x_changed - x) @ model.coef_)


def what_if(
    forecaster: DemandForecaster,
    changes: Sequence[AttributeChange] | Callable[[pd.DataFrame], pd.DataFrame],
) -> WhatIfResult:
    """Re-forecast with changed series attributes and report direction and size of change.

    The forecaster scales every series by its own recent level, so its attribute features
    only shape month-to-month dynamics. How the *level* of demand depends on attributes is
    learnt across series by a Poisson GLM per group (log-linear: log level ~ attributes, count
    attributes on a log scale, L2-regularised); the scenario forecast is the baseline forecast
    times ``exp(change in the GLM's linear predictor)``. It is a cross-sectional association
    (communities with more older residents ask for more home care), not a causal estimate.
    """
    history = forecaster.history
    attributes = history.attributes.copy()
    if callable(changes):
        attributes = changes(attributes)
    else:
        for change in changes:
            attributes = change.apply(attributes)
    missing = [c for c in history.attributes.columns if c not in attributes.columns]
    if missing or not attributes.index.equals(history.attributes.index):
        raise EngineContractError("what-if changes must keep every series and attribute")
    factor = _level_effects(history, attributes, seed=forecaster.config.seed)
    baseline = forecaster.forecast()
    per_series = baseline[["series", "period", "horizon", "forecast"]].rename(
        columns={"forecast": "baseline"}
    )
    position = history.series.get_indexer(per_series["series"])
    per_series["scenario"] = per_series["baseline"].to_numpy() * factor[position]
    per_series["group"] = history.groups[position]
    per_series["change"] = per_series["scenario"] - per_series["baseline"]
    grouped = per_series.groupby("group")[["baseline", "scenario", "change"]].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        grouped["change_percent"] = 100 * grouped["change"] / grouped["baseline"]
    grouped["direction"] = [_direction(p) for p in grouped["change_percent"]]
    return WhatIfResult(
        per_series=per_series,
        by_group=grouped,
        total_baseline=float(per_series["baseline"].sum()),
        total_scenario=float(per_series["scenario"].sum()),
    )


# ---------------------------------------------------------------------------------------------
# What-if for one community's planned changes

MIN_WHAT_IF_COMMUNITIES = 5  # the level model is fitted per category across communities


@dataclass(frozen=True)
class CommunityScenario:
    """Planned changes in one community (by code): residents aged 65+ added (negative:
    removed), schools added, and a population change in percent (newcomers like the current
    residents). They are applied in that order: population, older residents, schools."""

    community: str
    older_residents_added: int = 0
    schools_added: int = 0
    population_change_percent: float = 0.0

    @property
    def where(self) -> dict[str, str]:
        return {"community": str(self.community)}

    def apply(self, attributes: pd.DataFrame) -> pd.DataFrame:
        out = attributes
        if self.population_change_percent:
            factor = 1 + self.population_change_percent / 100
            if factor <= 0:
                raise EngineInputError(
                    "what-if: the population change must leave residents",
                    code="what_if_no_population_left",
                )
            out = AttributeChange("population", multiply=factor, where=self.where).apply(out)
        if self.older_residents_added:
            out = older_residents_added(self.older_residents_added, where=self.where)(out)
        if self.schools_added:
            out = AttributeChange("schools", add=self.schools_added, where=self.where).apply(out)
            if (out["schools"].to_numpy(dtype=float) < 0).any():
                raise EngineInputError(
                    "what-if: cannot remove more schools than there are",
                    code="what_if_too_few_schools",
                )
        return out

    def assumptions(self) -> list[dict]:
        """The scenario's assumptions as language-neutral parts, one each (worded by the app)."""
        parts: list[dict] = []
        if self.population_change_percent:
            percent = float(self.population_change_percent)
            parts.append({"code": "population_change", "percent": percent})
        if self.older_residents_added:
            parts.append({"code": "older_residents", "count": int(self.older_residents_added)})
        if self.schools_added:
            parts.append({"code": "schools", "count": int(self.schools_added)})
        parts.append({"code": "everything_else_unchanged"})
        return parts


def community_what_if(forecaster: DemandForecaster, scenario: CommunityScenario) -> dict:
    """Baseline against scenario forecasts for one community, summed over the horizon per
    category (the series' group) and in total, with the scenario's assumptions and the caveat
    as language-neutral parts. Other communities are untouched by construction;
    ``other_communities_change`` (their summed absolute change) shows it.

    Needs at least :data:`MIN_WHAT_IF_COMMUNITIES` communities: with fewer, the level model has
    nothing to learn from and every change would read "no material change".
    """
    history = forecaster.history
    if "community" not in history.attributes.columns:
        raise EngineContractError("what-if per community needs a 'community' attribute")
    communities = history.attributes["community"].astype(str)
    n_communities = int(communities.nunique())
    if n_communities < MIN_WHAT_IF_COMMUNITIES:
        raise EngineInputError(
            f"a what-if learns from differences between communities and needs at least "
            f"{MIN_WHAT_IF_COMMUNITIES}; the data has {n_communities}",
            code="what_if_too_few_communities",
            params={"needed": MIN_WHAT_IF_COMMUNITIES, "found": n_communities},
        )
    if str(scenario.community) not in set(communities):
        raise EngineInputError(
            f"what-if: there are no series of community {scenario.community!r}",
            code="what_if_community_without_series",
            params={"community": str(scenario.community)},
        )
    result = what_if(forecaster, scenario.apply)
    per_series = result.per_series
    community_of = communities.to_numpy()[history.series.get_indexer(per_series["series"])]
    mine = community_of == str(scenario.community)
    rows = per_series[mine].groupby("group", sort=False)[["baseline", "scenario", "change"]].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        rows["change_percent"] = 100 * rows["change"] / rows["baseline"]
    rows["direction"] = [_direction(p) for p in rows["change_percent"]]
    baseline = float(rows["baseline"].sum())
    scenario_total = float(rows["scenario"].sum())
    change = scenario_total - baseline
    percent = 100 * change / baseline if baseline else float("nan")
    direction = _direction(percent)
    assumption_parts = scenario.assumptions()
    periods = sorted(per_series["period"].unique())
    return jsonable(
        {
            "community": str(scenario.community),
            "categories": [{"category": str(k), **row} for k, row in rows.to_dict("index").items()],
            "total": {
                "baseline": baseline,
                "scenario": scenario_total,
                "change": change,
                "change_percent": percent,
                "direction": direction,
            },
            "summary_parts": [
                {
                    "code": "what_if_total",
                    "direction": direction,
                    "change_percent": percent,
                    "change": change,
                }
            ],
            "assumption_parts": assumption_parts,
            "caveat_parts": [{"code": "association_not_causal", "communities": n_communities}],
            "first_month": str(periods[0]) if periods else None,
            "last_month": str(periods[-1]) if periods else None,
            "n_communities": n_communities,
            "other_communities_change": float(per_series.loc[~mine, "change"].abs().sum()),
        }
    )


# ---------------------------------------------------------------------------------------------
# Platform input


def series_key(community: object, category: object) -> str:
    return f"{community}{SERIES_SEPARATOR}{category}"


def build_series_frame(
    data: pd.DataFrame,
    *,
    communities: pd.DataFrame | None = None,
    community_attributes: pd.DataFrame | None = None,
    categories: Sequence[str] | None = None,
    start: str | None = None,
    end: str | None = None,
) -> pd.DataFrame:
    """Monthly counts per community × category in the long form the forecaster takes.

    ``data`` is either requests (``community``, ``category``, ``created`` datetime or month) or
    counts (``community``, ``category``, ``period``, ``count``). Every community × category is
    given every month from ``start`` (default: the first month in the data) to ``end``
    (default: the last), zero where there was no request. ``communities`` (``community`` plus
    e.g. ``kind``, ``population``) and ``community_attributes`` (indexed by community, e.g.
    from :func:`~analytics.engine.supply.portraits.community_profile`) become series
    attributes.
    """
    require_columns(data, ["community", "category"], what="requests")
    if "period" in data.columns and "count" in data.columns:
        months = to_month(data["period"], what="counts", column="period")
        counts = require_numeric(data, "count", what="counts", minimum=0)
    else:
        require_columns(data, ["created"], what="requests")
        months = to_month(data["created"], what="requests", column="created")
        counts = np.ones(len(data))
    cells = pd.DataFrame(
        {
            "community": data["community"].astype(str).to_numpy(),
            "category": data["category"].astype(str).to_numpy(),
            "period": months,
            "count": counts,
        }
    )
    totals = cells.groupby(["community", "category", "period"], sort=False)["count"].sum()
    first = pd.Period(start, freq="M") if start else months.min()
    last = pd.Period(end, freq="M") if end else months.max()
    if first > last:
        raise EngineContractError(f"start {first} is after end {last}")
    community_codes = (
        communities["community"].astype(str).unique()
        if communities is not None
        else np.sort(cells["community"].unique())
    )
    category_codes = (
        list(categories)
        if categories
        else [c for c in CATEGORIES if c in set(cells["category"])]
        + sorted(set(cells["category"]) - set(CATEGORIES))
    )
    grid = pd.MultiIndex.from_product(
        [community_codes, category_codes, pd.period_range(first, last, freq="M")],
        names=["community", "category", "period"],
    )
    frame = totals.reindex(grid, fill_value=0).reset_index()
    frame.insert(0, "series", frame["community"] + SERIES_SEPARATOR + frame["category"])
    frame["period"] = frame["period"].astype(str)
    if communities is not None:
        extra = communities.drop_duplicates("community").set_index(
            communities.drop_duplicates("community")["community"].astype(str)
        )
        extra = extra.drop(columns=["community"] + [c for c in ("name",) if c in extra.columns])
        frame = frame.join(extra, on="community")
    if community_attributes is not None:
        attrs = community_attributes.copy()
        attrs.index = attrs.index.astype(str)
        frame = frame.merge(
            attrs, left_on="community", right_index=True, how="left", suffixes=("", "_profile")
        )
    return frame
