"""Inequality of a city score across cities: coefficient of variation (the paper's Table 1),
and, beyond the paper, the Theil index with its exact within/between-region decomposition and
the Gini coefficient, per year so that trends show.

All measures treat each city as one unit (no population weights) and need a ratio scale (the
indices of :mod:`.scores`); Theil and Gini also need non-negative values.

* CV = sd / mean, with the sample sd (``ddof=1``) by default.
* Theil T = (1/n) sum (y_i / mu) ln(y_i / mu), 0 for equality, ln(n) at most.
  With groups g of n_g cities, mean mu_g and share s_g = n_g mu_g / (n mu) of the total:
  T = sum_g s_g T_g (within) + sum_g s_g ln(mu_g / mu) (between), exactly.
* Gini G = sum_i sum_j |y_i - y_j| / (2 n^2 mu), in [0, 1 - 1/n].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.engine.errors import EngineContractError, EngineInputError

REGION_COLUMN = "region"
YEAR_COLUMN = "year"


# The measures and the reasons one cannot be computed, as the error's parameters
# (``inequality_undefined``; ``analytics.wording`` words them).
_MEASURES = {
    "coefficient of variation": "cv",
    "Theil index": "theil",
    "Gini coefficient": "gini",
    "Theil decomposition": "theil",
}


def _undefined(what: str, reason: str, message: str) -> EngineInputError:
    return EngineInputError(
        f"{what}: {message}",
        code="inequality_undefined",
        params={"measure": _MEASURES[what], "reason": reason},
    )


def _as_array(values: Sequence[float] | np.ndarray | pd.Series, what: str) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    if array.size == 0:
        raise _undefined(what, "no_values", "no values")
    if not np.isfinite(array).all():
        raise _undefined(what, "not_finite", "values must be finite (no missing values)")
    return array


def coefficient_of_variation(
    values: Sequence[float] | np.ndarray | pd.Series, ddof: int = 1
) -> float:
    """sd / mean. Needs a positive mean and more than ``ddof`` values."""
    array = _as_array(values, "coefficient of variation")
    if array.size <= ddof:
        raise _undefined(
            "coefficient of variation", "too_few_values", f"needs more than {ddof} value(s)"
        )
    mean = array.mean()
    if not mean > 0:
        raise _undefined(
            "coefficient of variation", "mean_not_positive", "the mean must be positive"
        )
    return float(array.std(ddof=ddof) / mean)


def _non_negative(values: Sequence[float] | np.ndarray | pd.Series, what: str) -> np.ndarray:
    array = _as_array(values, what)
    if (array < 0).any():
        raise _undefined(what, "negative", "values must not be negative")
    if not array.sum() > 0:
        raise _undefined(what, "all_zero", "values must not all be zero")
    return array


def theil_index(values: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Theil T index (0 for 0 * ln 0)."""
    array = _non_negative(values, "Theil index")
    ratio = array / array.mean()
    positive = ratio > 0
    # T >= 0 always; clip the rounding error of near-equal values
    return float(max(0.0, np.sum(ratio[positive] * np.log(ratio[positive])) / array.size))


def gini_coefficient(values: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Gini coefficient (mean absolute difference over twice the mean)."""
    array = np.sort(_non_negative(values, "Gini coefficient"))
    n = array.size
    # sum_i (2i - n - 1) y_(i) over sorted values; clipped at 0 against rounding
    coefficients = 2.0 * np.arange(1, n + 1) - n - 1
    return float(max(0.0, coefficients @ array / (n * array.sum())))


@dataclass(frozen=True)
class TheilDecomposition:
    """``total = within + between``. ``groups``: per group, n, mean, share of the total
    (s_g), its own Theil index T_g and its contribution s_g T_g to ``within``."""

    total: float
    within: float
    between: float
    groups: pd.DataFrame

    @property
    def between_share(self) -> float:
        return self.between / self.total if self.total > 0 else 0.0

    def to_dict(self) -> dict:
        return {
            "total": self.total,
            "within": self.within,
            "between": self.between,
            "between_share": self.between_share,
            "groups": {
                str(name): {k: float(v) for k, v in row.items()}
                for name, row in self.groups.iterrows()
            },
        }


def theil_decomposition(
    values: Sequence[float] | np.ndarray | pd.Series,
    groups: Sequence[object] | np.ndarray | pd.Series,
) -> TheilDecomposition:
    """Theil T split into within-group and between-group parts (see module docstring)."""
    array = _non_negative(values, "Theil decomposition")
    labels = np.asarray(groups, dtype=object).ravel()
    if labels.size != array.size:
        raise EngineContractError("Theil decomposition: one group label per value is needed")
    mean = array.mean()
    n = array.size
    rows = {}
    within = between = 0.0
    for label in pd.unique(labels):
        members = array[labels == label]
        group_mean = members.mean()
        share = members.size * group_mean / (n * mean)
        group_theil = theil_index(members) if group_mean > 0 else 0.0
        within += share * group_theil
        if share > 0:
            between += share * np.log(group_mean / mean)
        rows[label] = {
            "n": float(members.size),
            "mean": float(group_mean),
            "share": float(share),
            "theil": float(group_theil),
            "contribution": float(share * group_theil),
        }
    groups_frame = pd.DataFrame.from_dict(rows, orient="index")
    return TheilDecomposition(theil_index(array), float(within), float(between), groups_frame)


def _region_order(frame: pd.DataFrame, regions: Sequence[str] | None) -> list[str]:
    present = list(pd.unique(frame[REGION_COLUMN]))
    if regions is None:
        return present
    return [r for r in regions if r in present] + [r for r in present if r not in regions]


def _cv_or_nan(values: np.ndarray, ddof: int) -> float:
    if values.size <= ddof or not values.mean() > 0:
        return float("nan")
    return coefficient_of_variation(values, ddof=ddof)


def regional_cv_table(
    scores: pd.DataFrame,
    column: str,
    *,
    regions: Sequence[str] | None = None,
    ddof: int = 1,
) -> pd.DataFrame:
    """The paper's Table 1: per region, the CV of ``column`` over all its city-years of the
    period (pooled), with n (city-years), cities, mean and sd. ``regions`` fixes the row order.
    An extra row ``All`` gives the same over every city-year."""
    rows = {}
    for region in _region_order(scores, regions):
        part = scores.loc[scores[REGION_COLUMN] == region]
        values = part[column].to_numpy(float)
        rows[region] = _summary(values, part["city_code"].nunique(), ddof)
    values = scores[column].to_numpy(float)
    rows["All"] = _summary(values, scores["city_code"].nunique(), ddof)
    return pd.DataFrame.from_dict(rows, orient="index")


def _summary(values: np.ndarray, cities: int, ddof: int) -> dict[str, float]:
    return {
        "cities": float(cities),
        "n": float(values.size),
        "mean": float(values.mean()) if values.size else float("nan"),
        "sd": float(values.std(ddof=ddof)) if values.size > ddof else float("nan"),
        "cv": _cv_or_nan(values, ddof),
    }


def regional_cv_by_year(
    scores: pd.DataFrame,
    column: str,
    *,
    regions: Sequence[str] | None = None,
    ddof: int = 1,
) -> pd.DataFrame:
    """CV of ``column`` across the cities of each region, per year (rows: years; columns:
    regions in order, then ``All``)."""
    order = _region_order(scores, regions)
    table = {}
    for year, part in scores.groupby(YEAR_COLUMN, sort=True):
        row = {
            region: _cv_or_nan(
                part.loc[part[REGION_COLUMN] == region, column].to_numpy(float), ddof
            )
            for region in order
        }
        row["All"] = _cv_or_nan(part[column].to_numpy(float), ddof)
        table[int(year)] = row
    result = pd.DataFrame.from_dict(table, orient="index")
    result.index.name = YEAR_COLUMN
    return result


def inequality_trends(scores: pd.DataFrame, column: str, *, ddof: int = 1) -> pd.DataFrame:
    """Per year, across all cities: CV, Theil T with its within- and between-region parts
    (and the between share), and Gini. Theil and Gini are NaN in a year with negative values
    (they are defined for non-negative quantities only)."""
    rows = {}
    for year, part in scores.groupby(YEAR_COLUMN, sort=True):
        values = part[column].to_numpy(float)
        row = {"cv": _cv_or_nan(values, ddof)}
        if (values >= 0).all() and values.sum() > 0:
            decomposition = theil_decomposition(values, part[REGION_COLUMN].to_numpy())
            row.update(
                theil=decomposition.total,
                theil_within=decomposition.within,
                theil_between=decomposition.between,
                theil_between_share=decomposition.between_share,
                gini=gini_coefficient(values),
            )
        else:
            row.update(
                theil=np.nan,
                theil_within=np.nan,
                theil_between=np.nan,
                theil_between_share=np.nan,
                gini=np.nan,
            )
        rows[int(year)] = row
    result = pd.DataFrame.from_dict(rows, orient="index")
    result.index.name = YEAR_COLUMN
    return result
