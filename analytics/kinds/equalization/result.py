"""The typed result of an equalization run: the paper's city-level evidence (PCA scores,
Table 1 CVs by region, inequality trends, Table 2 system GMM, equity weights). Every part is
city-level, so every reader who may see the run sees it whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analytics.kinds.base import Audience
from analytics.kinds.schema import Result


@dataclass(kw_only=True)
class EqualizationResult(Result):
    SCHEMA_VERSION = 3
    KIND = "equalization"

    synthetic: bool = False
    data_source: str = ""
    fingerprint: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    panel: dict[str, Any] = field(default_factory=dict)
    interpolation: dict[str, Any] = field(default_factory=dict)
    # Per score (pubindicator, E, diggovment): the PCA and its diagnostics.
    scores: dict[str, dict[str, Any]] = field(default_factory=dict)
    table1: dict[str, Any] = field(default_factory=dict)
    regional_cv: dict[str, Any] = field(default_factory=dict)
    cv_by_year: dict[str, Any] = field(default_factory=dict)
    trends: dict[str, Any] = field(default_factory=dict)
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
