"""The whole city-level method in one call: validate, interpolate, score, measure regional
inequality, derive equity weights (and, given an estimator, fit the dynamic model).

The Django layer stores a :class:`EqualizationResult` as ``to_dict()`` (JSON-serialisable) and
reports progress through the ``progress(percent, message)`` callback.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analytics.engine.equalization.equity import (
    DynamicPanelResult,
    EquityOptions,
    EquityWeights,
    equity_weights,
)
from analytics.engine.equalization.evidence_weights import (
    EvidenceWeightOptions,
    evidence_weights,
)
from analytics.engine.equalization.inequality import (
    inequality_trends,
    regional_cv_by_year,
    regional_cv_table,
)
from analytics.engine.equalization.interpolation import InterpolationResult, interpolate_panel
from analytics.engine.equalization.pca import PCAOptions
from analytics.engine.equalization.schema import (
    MIN_YEARS_FOR_MODEL,
    NUMERIC_COLUMN_NAMES,
    PAPER_YEARS,
    ValidatedPanel,
    panel_fingerprint,
    validate_panel,
)
from analytics.engine.equalization.scores import (
    DEVELOPMENT,
    SCORE_COLUMNS,
    SCORE_LABELS,
    ScoreSet,
    compute_scores,
)
from analytics.engine.equalization.synthetic_labels import synthetic_city_labels
from analytics.engine.errors import EngineInputError

Progress = Callable[[int, str], None]
DynamicEstimator = Callable[[pd.DataFrame], DynamicPanelResult]
# Fits the paper's ADL(1,1) of the named dependent score (pubindicator or E) on a score frame.
AdlEstimator = Callable[[pd.DataFrame, str], DynamicPanelResult]

# The paper's Table 1 (coefficient of variation of the scores, 2009-2018, by region).
PAPER_TABLE_1: dict[str, float] = {
    "Northeast": 0.30,
    "North": 0.32,
    "Northwest": 0.49,
    "Southwest": 0.45,
    "South": 0.56,
    "Central": 0.31,
    "East": 0.33,
}


@dataclass(frozen=True)
class EqualizationConfig:
    years: tuple[int, int] = PAPER_YEARS
    min_years: int = MIN_YEARS_FOR_MODEL
    pca: PCAOptions = field(default_factory=PCAOptions)
    cv_ddof: int = 1
    equity: EquityOptions = field(default_factory=EquityOptions)
    evidence: EvidenceWeightOptions = field(default_factory=EvidenceWeightOptions)

    def to_dict(self) -> dict:
        return {
            "years": list(self.years),
            "min_years": self.min_years,
            "pca_retention": self.pca.rule,
            "cv_ddof": self.cv_ddof,
            "equity": {
                "level_weight": self.equity.level_weight,
                "gap_weight": self.equity.gap_weight,
                "reference_year": self.equity.reference_year,
            },
            "evidence_weights": self.evidence.to_dict(),
        }


@dataclass(frozen=True)
class StageTimings:
    """Seconds each stage took; ``dynamic_model`` is None when no model was fitted."""

    validate: float
    interpolate: float
    scores: float
    inequality: float
    equity: float
    dynamic_model: float | None = None

    def to_dict(self) -> dict[str, float]:
        """The stages that ran, in the order they ran (a stage that did not run is absent)."""
        order = ("validate", "interpolate", "scores", "inequality", "dynamic_model", "equity")
        return {name: value for name in order if (value := getattr(self, name)) is not None}


@dataclass(frozen=True)
class EqualizationResult:
    """Everything the method produces. ``table1``: CV of the development level by region over
    the period (the paper's Table 1); ``regional_cv``/``cv_by_year``/``trends`` hold the same
    and more for each score (pubindicator, E, diggovment)."""

    config: EqualizationConfig
    fingerprint: str
    synthetic: bool
    data_source: str
    validated: ValidatedPanel
    interpolation: InterpolationResult
    scores: ScoreSet
    regional_cv: dict[str, pd.DataFrame]
    cv_by_year: dict[str, pd.DataFrame]
    trends: dict[str, pd.DataFrame]
    equity: EquityWeights
    timings: StageTimings
    dynamic_model: Any = None

    @property
    def table1(self) -> pd.Series:
        """CV of pubindicator per region over the whole period, in the paper's order."""
        return self.regional_cv[DEVELOPMENT]["cv"].drop("All")

    def to_dict(self, *, include_scores: bool = True) -> dict:
        def frame_dict(frame: pd.DataFrame) -> dict:
            return {
                str(index): {str(k): _json_number(v) for k, v in row.items()}
                for index, row in frame.to_dict(orient="index").items()
            }

        payload: dict[str, Any] = {
            "synthetic": self.synthetic,
            "data_source": self.data_source,
            "fingerprint": self.fingerprint,
            "config": self.config.to_dict(),
            "panel": {
                "cities": self.validated.cities,
                "years": list(self.validated.years),
                "rows": len(self.validated.frame),
                "missing_cells": self.validated.missing_cells,
                "ignored_columns": list(self.validated.ignored_columns),
            },
            "interpolation": self.interpolation.summary(),
            "scores": {
                name: {"label": SCORE_LABELS[name], **result.to_dict()}
                for name, result in self.scores.pca_results().items()
            },
            "city_labels": "synthetic" if self.synthetic else "names",
            "table1": {
                "paper": PAPER_TABLE_1,
                "computed": {k: _json_number(v) for k, v in self.table1.items()},
                # The SYNTHETIC panel's generator tunes each region's spread until these CVs
                # equal the paper's: agreement is by construction, not a replication.
                "calibrated": self.synthetic,
            },
            "regional_cv": {name: frame_dict(frame) for name, frame in self.regional_cv.items()},
            "cv_by_year": {name: frame_dict(frame) for name, frame in self.cv_by_year.items()},
            "trends": {name: frame_dict(frame) for name, frame in self.trends.items()},
            "equity_weights": self.equity.to_dict(),
            "timings": self.timings.to_dict(),
        }
        if include_scores:
            payload["city_scores"] = [
                {k: _json_number(v) for k, v in row.items()}
                for row in self.scores.frame.to_dict(orient="records")
            ]
        return payload


def _json_number(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    return value


def run_equalization(
    panel: pd.DataFrame,
    *,
    cities: pd.DataFrame | None = None,
    config: EqualizationConfig | None = None,
    synthetic: bool = False,
    data_source: str = "",
    dynamic_estimator: DynamicEstimator | None = None,
    adl_estimator: AdlEstimator | None = None,
    progress: Progress | None = None,
) -> EqualizationResult:
    """Run the city-level method on a panel in the schema of ``docs/panel-schema.md``.

    ``cities``: the city list (default: the 286 prefecture-level cities). ``synthetic`` and
    ``data_source`` label the result; a synthetic result names its cities by synthetic labels
    (:func:`synthetic_city_labels`), never by the real names of the list. ``dynamic_estimator``: optional callable taking the
    score frame and returning a fitted ADL(1,1) of pubindicator (see
    :class:`DynamicPanelResult`); its result gives the effect lag in the equity weights.
    ``adl_estimator``: optional callable (score frame, dependent) fitting the ADL(1,1) of
    ``pubindicator`` and of ``E``; given, the equity weights are derived from both models
    (:mod:`.evidence_weights`, with standard errors), else (or when a model cannot be fitted)
    they are the descriptive current-gap weights of :mod:`.equity`.
    Raises :class:`EngineInputError` (with ``problems``) for a panel that fails validation.
    """
    config = config or EqualizationConfig()
    report = progress or (lambda percent, message: None)
    if cities is None:
        from geography import load_prefecture_cities

        cities = load_prefecture_cities()
    if synthetic:
        cities = synthetic_city_labels(cities)
    timings: dict[str, float] = {}  # by stage, as each finishes; typed when all have
    regions = list(dict.fromkeys(cities["region"]))
    order = [r for r in PAPER_TABLE_1 if r in regions] + [
        r for r in regions if r not in PAPER_TABLE_1
    ]

    def timed(name: str, percent: int, message: str, work: Callable[[], Any]) -> Any:
        report(percent, message)
        start = time.perf_counter()
        value = work()
        timings[name] = round(time.perf_counter() - start, 4)
        return value

    validated = timed(
        "validate",
        5,
        "validating the panel",
        lambda: validate_panel(
            panel, city_codes=cities["adcode"], years=config.years, min_years=config.min_years
        ),
    )
    if not data_source and "data_source" in validated.frame.columns:
        sources = [s for s in pd.unique(validated.frame["data_source"]) if s]
        data_source = "; ".join(sources[:3])
    interpolation = timed(
        "interpolate",
        15,
        "interpolating missing values within cities",
        lambda: interpolate_panel(validated.frame, NUMERIC_COLUMN_NAMES),
    )
    scores = timed(
        "scores",
        30,
        "principal component scores",
        lambda: compute_scores(interpolation.panel, cities=cities, options=config.pca),
    )

    def inequality() -> tuple[dict, dict, dict]:
        frame = scores.frame
        return (
            {
                name: regional_cv_table(frame, name, regions=order, ddof=config.cv_ddof)
                for name in SCORE_COLUMNS
            },
            {
                name: regional_cv_by_year(frame, name, regions=order, ddof=config.cv_ddof)
                for name in SCORE_COLUMNS
            },
            {name: inequality_trends(frame, name, ddof=config.cv_ddof) for name in SCORE_COLUMNS},
        )

    regional_cv, cv_by_year, trends = timed(
        "inequality", 55, "regional coefficients of variation, Theil and Gini", inequality
    )
    dynamic_model = None
    models: dict[str, DynamicPanelResult] = {}
    if adl_estimator is not None:

        def fit_both() -> dict[str, DynamicPanelResult]:
            return {dep: adl_estimator(scores.frame, dep) for dep in (DEVELOPMENT, "E")}

        try:
            models = timed("dynamic_model", 70, "dynamic panel models", fit_both)
            dynamic_model = models[DEVELOPMENT]
        except EngineInputError:
            # No model (e.g. too few cities): the descriptive weights, labelled by their method.
            models = {}
    elif dynamic_estimator is not None:
        dynamic_model = timed(
            "dynamic_model", 70, "dynamic panel model", lambda: dynamic_estimator(scores.frame)
        )

    def weights_now() -> EquityWeights:
        if models:
            try:
                return evidence_weights(
                    scores.frame, models=models, cities=cities, options=config.evidence
                )
            except EngineInputError:
                pass
        return equity_weights(
            scores.frame,
            cities=cities,
            options=config.equity,
            dynamic_model=dynamic_model,
            ddof=config.cv_ddof,
        )

    weights = timed("equity", 90, "equity weights", weights_now)

    report(100, "done")
    return EqualizationResult(
        config=config,
        fingerprint=panel_fingerprint(validated.frame),
        synthetic=synthetic,
        data_source=data_source,
        validated=validated,
        interpolation=interpolation,
        scores=scores,
        regional_cv=regional_cv,
        cv_by_year=cv_by_year,
        trends=trends,
        equity=weights,
        dynamic_model=dynamic_model,
        timings=StageTimings(**timings),
    )
