"""Runners: load what a run needs from the database, call the pure engine, and hand back the
result and the rows to write (the executor writes them in the run's finishing transaction).

Each runner is registered in ``analytics.runs`` under its run kind.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal

import pandas as pd

from analytics import queries, run_params
from analytics.engine.errors import EngineInputError
from analytics.engine.supply.allocation import AllocationConfig, allocate, default_suppliers
from analytics.engine.supply.fairness import audit_allocation
from analytics.engine.supply.forecast import (
    CommunityScenario,
    ForecastConfig,
    backtest_demand,
    build_series_frame,
    community_what_if,
    fit_forecaster,
)
from analytics.engine.supply.frames import jsonable
from analytics.engine.supply.portraits import build_portraits, community_profile
from analytics.models import AllocationLine, AnalysisRun, DemandForecast, ResidentSegment
from residents.models import Community
from residents.queries import demo_city_present
from services.models import ServiceCategory


def _fingerprint(*frames: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return digest.hexdigest()


def portraits_run(run: AnalysisRun, progress) -> tuple[dict, object]:
    progress(5, "loading residents and requests")
    residents = queries.resident_profiles_frame()
    requests = queries.request_history_frame()
    previous = queries.latest_run(AnalysisRun.Kind.PORTRAITS)
    progress(20, "segmenting residents")
    result = build_portraits(
        residents,
        requests,
        previous=previous.result if previous and previous.result else None,
        as_of=run.params.get("as_of"),
    )
    progress(90, "storing segments")
    payload = result.to_dict()
    payload["data_fingerprint"] = _fingerprint(residents, requests)
    payload["n_residents"] = len(residents)
    payload["synthetic"] = demo_city_present()
    payload["_timings"] = {"engine": round(result.seconds, 3)}
    labels = result.labels

    def write(stored_run: AnalysisRun) -> None:
        ResidentSegment.objects.bulk_create(
            [
                ResidentSegment(run=stored_run, resident_id=int(rid), segment=int(segment))
                for rid, segment in labels.items()
            ],
            batch_size=5000,
        )

    return payload, write


def _series_frame() -> tuple[pd.DataFrame, pd.DataFrame]:
    requests = queries.request_history_frame()
    if requests.empty:
        raise EngineInputError("there are no service requests yet, so there is nothing to forecast")
    communities = queries.community_frame()
    residents = queries.resident_profiles_frame()
    profile = community_profile(residents) if not residents.empty else None
    categories = list(
        ServiceCategory.objects.filter(parent__isnull=False, active=True).values_list(
            "code", flat=True
        )
    )
    frame = build_series_frame(
        requests[["community", "category", "created"]],
        communities=communities,
        community_attributes=profile,
        categories=categories,
    )
    return frame, requests


def _horizon(params: dict) -> int:
    most = run_params.LIMITS.horizon_max
    horizon = int(params.get("horizon", most))
    if not 1 <= horizon <= most:
        raise EngineInputError(f"the forecast horizon must be between 1 and {most} months")
    return horizon


def _complete_months_frame() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The monthly series up to the last complete month, and the requests they count: what
    the forecast and the what-if both fit on."""
    frame, requests = _series_frame()
    # The current month is still filling up: forecast from the last complete month.
    last_complete = (pd.Timestamp.now().to_period("M") - 1).strftime("%Y-%m")
    return frame[frame["period"] <= last_complete], requests


def forecast_run(run: AnalysisRun, progress) -> tuple[dict, object]:
    horizon = _horizon(run.params)
    progress(5, "building monthly series")
    frame, requests = _complete_months_frame()
    config = ForecastConfig(horizon=horizon)
    progress(15, "backtesting against the naive baselines")
    backtest = backtest_demand(frame, config=config)
    progress(65, "fitting on all the history")
    forecaster = fit_forecaster(frame, config=config)
    forecasts = forecaster.forecast()
    # Backtest errors per community and category, kept for the fairness audit of allocations.
    scored = backtest.predictions.dropna(subset=["actual", "forecast"])
    split = scored["series"].str.split("|", n=1, expand=True)
    errors = (
        scored.assign(community=split[0], category=split[1])
        .groupby(["community", "category"], as_index=False)[["actual", "forecast"]]
        .sum()
    )
    payload = {
        "backtest": backtest.to_dict(),
        "backtest_cells": errors.to_dict("records"),
        "horizon": horizon,
        "last_month": str(forecaster.last_period),
        "n_series": int(frame["series"].nunique()),
        "data_fingerprint": _fingerprint(requests),
        "synthetic": demo_city_present(),
        "_timings": {"backtest": round(backtest.seconds, 3)},
    }
    communities = dict(Community.objects.values_list("code", "id"))
    categories = dict(ServiceCategory.objects.values_list("code", "id"))

    def write(stored_run: AnalysisRun) -> None:
        rows = []
        for row in forecasts.itertuples(index=False):
            community_code, category_code = row.series.split("|", 1)
            rows.append(
                DemandForecast(
                    run=stored_run,
                    community_id=communities[community_code],
                    category_id=categories[category_code],
                    period=pd.Period(row.period, freq="M").to_timestamp().date(),
                    forecast=float(row.forecast),
                    lower=float(row.lower),
                    upper=float(row.upper),
                )
            )
        DemandForecast.objects.bulk_create(rows, batch_size=5000)

    return payload, write


def what_if_run(run: AnalysisRun, progress) -> dict:
    """Refit the forecast on the current data as a forecast run does (without its backtest),
    then re-forecast one community with the planned changes (``params``: ``community`` code,
    ``older_residents_added``, ``schools_added``, ``population_change_percent``, ``horizon``).
    Writes no rows: the result holds the community's baseline and scenario per category."""
    params = run.params
    if not params.get("community"):
        raise EngineInputError("a what-if needs a community (community)")
    horizon = _horizon(params)
    scenario = CommunityScenario(
        community=str(params["community"]),
        older_residents_added=int(params.get("older_residents_added") or 0),
        schools_added=int(params.get("schools_added") or 0),
        population_change_percent=float(params.get("population_change_percent") or 0.0),
    )
    progress(5, "building monthly series")
    frame, requests = _complete_months_frame()
    progress(20, "fitting on all the history")
    forecaster = fit_forecaster(frame, config=ForecastConfig(horizon=horizon))
    progress(75, "re-forecasting with the changes")
    payload = community_what_if(forecaster, scenario)
    payload.update(
        horizon=horizon,
        # Not "last_month": the engine's first_month/last_month are the forecast months.
        last_observed_month=str(forecaster.last_period),
        n_series=int(frame["series"].nunique()),
        data_fingerprint=_fingerprint(requests),
        synthetic=demo_city_present(),
    )
    return payload


def _equity_weights() -> pd.DataFrame | None:
    """Community weights from the latest city-level equalization run, when there is one: a
    community takes the weight of its type (urban or rural) in its city."""
    run = queries.latest_run(AnalysisRun.Kind.EQUALIZATION)
    if run is None or not run.result:
        return None
    by_city_kind = {
        (str(row["city_code"]), row["kind"]): row
        for row in run.result.get("equity_weights", {}).get("community_types", [])
    }
    rows = []
    for code, kind, adcode in Community.objects.values_list("code", "kind", "city__adcode"):
        weight = by_city_kind.get((adcode, kind))
        if weight is not None:
            parts = weight.get("reason_parts")
            rows.append(
                {
                    "community": code,
                    "weight": float(weight["weight"]),
                    "reason": f"{weight['reason']} (equalization run #{run.pk})",
                    # Runs stored before reasons had parts give none: the text is shown.
                    "reason_parts": (
                        [{"code": "equalization_run", "run": run.pk, "reason": parts}]
                        if isinstance(parts, list) and parts
                        else None
                    ),
                }
            )
    return pd.DataFrame(rows) if rows else None


def allocation_run(run: AnalysisRun, progress) -> tuple[dict, object]:
    params = run.params
    if params.get("budget") in (None, ""):
        raise EngineInputError("a total budget is needed for an allocation (budget)")
    forecast_run_ = (
        AnalysisRun.objects.filter(pk=params["forecast_run"]).first()
        if params.get("forecast_run")
        else queries.latest_run(AnalysisRun.Kind.FORECAST)
    )
    if forecast_run_ is None or forecast_run_.status != AnalysisRun.Status.SUCCEEDED:
        raise EngineInputError(
            "no finished demand forecast to allocate against: run a forecast first"
        )
    progress(10, "loading forecasts, supply and costs")
    period: date = queries.allocation_period(forecast_run_)
    rows = forecast_run_.forecasts.filter(period=period).values_list(
        "community__code", "category__code", "forecast", "lower", "upper"
    )
    demand = pd.DataFrame.from_records(
        rows, columns=["community", "category", "forecast", "lower", "upper"]
    )
    communities = queries.community_frame()
    costs = queries.unit_costs()
    supply = queries.supply_frame(period)
    weights = _equity_weights()
    suppliers = default_suppliers(demand, costs)
    config = AllocationConfig(
        min_coverage=params.get("min_coverage"),
        need_basis=params.get("need_basis", "forecast"),
    )
    progress(30, "solving the allocation linear program")
    result = allocate(
        demand,
        budget=params["budget"],
        communities=communities,
        unit_costs=costs,
        current_supply=supply if not supply.empty else None,
        suppliers=suppliers,
        equity_weights=weights,
        category_budgets=params.get("category_budgets") or None,
        config=config,
    )
    progress(80, "auditing the plan for groups served below the rest")
    residents = queries.resident_profiles_frame()
    errors = pd.DataFrame(forecast_run_.result.get("backtest_cells") or [])
    audits = {}
    if not residents.empty:
        for plan in ("lp", "baseline"):
            audits[plan] = audit_allocation(
                result,
                residents,
                communities,
                as_of_year=period.year,
                backtest_predictions=errors if not errors.empty else None,
                plan=plan,
            ).to_dict()
    payload = result.to_dict(max_lines=0)
    payload["fairness"] = audits.get("lp")
    payload["fairness_baseline"] = audits.get("baseline")
    payload.update(
        synthetic=demo_city_present(),
        period=period.isoformat(),
        budget=float(params["budget"]),
        forecast_run=forecast_run_.pk,
        equity_weights="equalization analysis"
        if weights is not None
        else "equal (no analysis run)",
        equity_weights_source="equalization" if weights is not None else "equal",
        data_fingerprint=hashlib.sha256(
            json.dumps([forecast_run_.pk, float(params["budget"])]).encode()
        ).hexdigest(),
    )
    lines = result.lines

    def write(stored_run: AnalysisRun) -> None:
        allocation_lines_write(run=stored_run, lines=lines)

    return payload, write


def allocation_lines_write(*, run: AnalysisRun, lines: pd.DataFrame) -> None:
    """Store an allocation result's lines (whole units at their cost in fen) for ``run``."""
    community_ids = dict(Community.objects.values_list("code", "id"))
    category_ids = dict(ServiceCategory.objects.values_list("code", "id"))
    AllocationLine.objects.bulk_create(
        [
            AllocationLine(
                run=run,
                community_id=community_ids[line["community"]],
                category_id=category_ids[line["category"]],
                provider=line["supplier"],
                forecast=line["forecast"],
                lower=line.get("lower", line["forecast"]),
                upper=line.get("upper", line["forecast"]),
                current_supply=line.get("current_supply", 0.0),
                gap=line.get("gap", 0.0),
                recommended_units=line["units"],
                cost=Decimal(str(round(line["cost"], 2))),
                weight=line.get("weight", 1.0),
                weight_reason=line.get("weight_reason", ""),
                explanation=line.get("explanation", ""),
                explanation_parts=jsonable(line.get("explanation_parts")),
            )
            for line in lines.to_dict("records")
        ],
        batch_size=5000,
    )
