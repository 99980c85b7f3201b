"""The precision-supply engine: resident portraits, demand forecasts, allocation by linear
programming and a fairness audit. Plain functions over pandas/numpy/scipy/scikit-learn, no
Django: the analytics app wraps them in runs, tasks and pages.

Method notes: docs/precision-supply.md.
"""

from analytics.engine.supply.allocation import (
    AllocationConfig,
    AllocationResult,
    allocate,
    allocation_scenarios,
    default_suppliers,
)
from analytics.engine.supply.catalogue import CATEGORIES, DIMENSIONS, UNIT_COSTS
from analytics.engine.supply.fairness import (
    FairnessAudit,
    audit_allocation,
    fairness_audit,
    segment_need_weights,
)
from analytics.engine.supply.forecast import (
    AttributeChange,
    BacktestResult,
    CommunityScenario,
    DemandForecaster,
    ForecastConfig,
    WhatIfResult,
    backtest_demand,
    build_series_frame,
    community_what_if,
    fit_forecaster,
    forecast_demand,
    more_older_residents,
    new_school,
    older_residents_added,
    prepare_history,
    what_if,
)
from analytics.engine.supply.portraits import (
    PortraitConfig,
    PortraitResult,
    build_portraits,
    community_profile,
    compare_portraits,
    resident_features,
)

__all__ = [
    "CATEGORIES",
    "DIMENSIONS",
    "UNIT_COSTS",
    "AllocationConfig",
    "AllocationResult",
    "AttributeChange",
    "BacktestResult",
    "CommunityScenario",
    "DemandForecaster",
    "FairnessAudit",
    "ForecastConfig",
    "PortraitConfig",
    "PortraitResult",
    "WhatIfResult",
    "allocate",
    "allocation_scenarios",
    "audit_allocation",
    "backtest_demand",
    "build_portraits",
    "build_series_frame",
    "community_profile",
    "community_what_if",
    "compare_portraits",
    "default_suppliers",
    "fairness_audit",
    "fit_forecaster",
    "forecast_demand",
    "more_older_residents",
    "new_school",
    "older_residents_added",
    "prepare_history",
    "resident_features",
    "segment_need_weights",
    "what_if",
]
