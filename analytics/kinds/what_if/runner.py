"""The what-if runner: refit the forecast on the current data, then re-forecast one community
with the planned changes. Writes no rows."""

from __future__ import annotations

from analytics.engine.errors import EngineInputError
from analytics.engine.supply.forecast import (
    CommunityScenario,
    ForecastConfig,
    community_what_if,
    fit_forecaster,
)
from analytics.kinds.base import Outcome, Progress
from analytics.kinds.forecast.runner import complete_months_frame, fingerprint, horizon_of
from analytics.kinds.schema import record
from analytics.kinds.upgrades import from_engine
from analytics.kinds.what_if.result import WhatIfResult
from analytics.models import AnalysisRun
from residents.queries import demo_city_present


def what_if_run(run: AnalysisRun, progress: Progress) -> Outcome:
    """Refit the forecast on the current data as a forecast run does (without its backtest),
    then re-forecast one community with the planned changes (``params``: ``community`` code,
    ``older_residents_added``, ``schools_added``, ``population_change_percent``, ``horizon``).
    Writes no rows: the result holds the community's baseline and scenario per category."""
    params = run.params
    if not params.get("community"):
        raise EngineInputError(
            "a what-if needs a community (community)", code="what_if_community_missing"
        )
    horizon = horizon_of(params)
    scenario = CommunityScenario(
        community=str(params["community"]),
        older_residents_added=int(params.get("older_residents_added") or 0),
        schools_added=int(params.get("schools_added") or 0),
        population_change_percent=float(params.get("population_change_percent") or 0.0),
    )
    progress(5, "building monthly series")
    frame, requests = complete_months_frame()
    progress(20, "fitting on all the history")
    forecaster = fit_forecaster(frame, config=ForecastConfig(horizon=horizon))
    progress(75, "re-forecasting with the changes")
    payload = community_what_if(forecaster, scenario)
    result = record(
        WhatIfResult,
        from_engine(
            "what_if",
            {
                **payload,
                "horizon": horizon,
                # Not "last_month": the engine's first_month/last_month are the forecast months.
                "last_observed_month": str(forecaster.last_period),
                "n_series": int(frame["series"].nunique()),
                "data_fingerprint": fingerprint(requests),
                "synthetic": demo_city_present(),
            },
        ),
    )
    return Outcome(result)
