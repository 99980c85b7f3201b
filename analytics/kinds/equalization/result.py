"""The typed result of an equalization run: the paper's city-level evidence (PCA scores,
Table 1 CVs by region, inequality trends, Table 2 system GMM, equity weights). Every part is
city-level, so every reader who may see the run sees it whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analytics.kinds.base import Audience
from analytics.kinds.schema import Result


@dataclass(kw_only=True)
class Table1:
    """The paper's Table 1 beside this run's: the CV of the development level by region
    (``computed``), the paper's (``paper``), and whether the SYNTHETIC panel's generator tuned
    the regions' spread until they match (``calibrated``: agreement by construction)."""

    paper: dict[str, float | None] = field(default_factory=dict)
    computed: dict[str, float | None] = field(default_factory=dict)
    calibrated: bool = False


@dataclass(kw_only=True)
class RegionSpread:
    """One score over one region's city-years of the period (or all of them, ``All``): how
    many cities and city-years, the mean, standard deviation and coefficient of variation."""

    cities: float | None = None
    n: float | None = None
    mean: float | None = None
    sd: float | None = None
    cv: float | None = None


@dataclass(kw_only=True)
class TrendYear:
    """Inequality of one score across all cities in one year: CV, Theil T with its within-
    and between-region parts (and the between share), Gini (null where undefined)."""

    cv: float | None = None
    theil: float | None = None
    theil_within: float | None = None
    theil_between: float | None = None
    theil_between_share: float | None = None
    gini: float | None = None


@dataclass(kw_only=True)
class EqualizationResult(Result):
    # 4: Table 1, the regional spreads, the CVs by year and the trends are typed; their stored
    # shape is unchanged.
    SCHEMA_VERSION = 4
    KIND = "equalization"

    synthetic: bool = False
    data_source: str = ""
    fingerprint: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    panel: dict[str, Any] = field(default_factory=dict)
    interpolation: dict[str, Any] = field(default_factory=dict)
    # Per score (pubindicator, E, diggovment): the PCA and its diagnostics.
    scores: dict[str, dict[str, Any]] = field(default_factory=dict)
    table1: Table1 = field(default_factory=Table1)
    # By score, then region (and ``All``).
    regional_cv: dict[str, dict[str, RegionSpread]] = field(default_factory=dict)
    # By score, then year, then region (and ``All``): the CV across the region's cities.
    cv_by_year: dict[str, dict[str, dict[str, float | None]]] = field(default_factory=dict)
    # By score, then year.
    trends: dict[str, dict[str, TrendYear]] = field(default_factory=dict)
    equity_weights: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, Any] = field(default_factory=dict)
    # Table 2 under the default specification (regressors potentially endogenous) and under
    # the paper's (regressors strictly exogenous), by name.
    table2: dict[str, Any] = field(default_factory=dict)
    table2_paper: dict[str, Any] = field(default_factory=dict)
    # "synthetic": cities named by synthetic labels (never a real name); "names": as imported.
    city_labels: str = "names"
    dataset: int | None = None
    data_fingerprint: str = ""
    n_city_years: int | None = None


def scope(result: EqualizationResult, audience: Audience) -> EqualizationResult:
    """City-level figures describe no community: nothing to cut."""
    return result
