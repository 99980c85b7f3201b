"""The allocation runner: the forecast's first month against the supply and the budget (without
the month's approved plan, which a new plan replaces), solved in whole units (HiGHS) with
equity weights from the latest equalization run, audited for groups served below the rest,
with the recommended lines written when the run finishes."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal

import pandas as pd

from analytics import kinds, queries
from analytics.engine.errors import EngineInputError
from analytics.engine.supply.allocation import (
    AllocationConfig,
    allocate,
    default_suppliers,
    fairness_frontier,
)
from analytics.engine.supply.fairness import audit_allocation
from analytics.engine.supply.frames import jsonable
from analytics.kinds.allocation.params import FLOOR_DEFAULT, STRENGTH_DEFAULT
from analytics.kinds.allocation.result import AllocationResult
from analytics.kinds.base import Outcome, Progress
from analytics.kinds.schema import record
from analytics.kinds.upgrades import from_engine
from analytics.models import AllocationLine, AnalysisRun
from residents.models import Community
from residents.queries import demo_city_present
from services.models import ServiceCategory


def _equity_weights() -> pd.DataFrame | None:
    """Community weights from the latest city-level equalization run, when there is one: a
    community takes the weight of its type (urban or rural) in its city."""
    run = queries.latest_run(AnalysisRun.Kind.EQUALIZATION)
    if run is None or not run.result:
        return None
    equalization = kinds.get("equalization").load(run)
    by_city_kind = {
        (str(row["city_code"]), row["kind"]): row
        for row in equalization.equity_weights.get("community_types", [])
    }
    rows = []
    for code, kind, adcode in Community.objects.values_list("code", "kind", "city__adcode"):
        weight = by_city_kind.get((adcode, kind))
        if weight is not None:
            rows.append(
                {
                    "community": code,
                    "weight": float(weight["weight"]),
                    "reason_parts": [
                        {
                            "code": "equalization_run",
                            "run": run.pk,
                            "reason": weight["reason_parts"],
                        }
                    ],
                }
            )
    return pd.DataFrame(rows) if rows else None


# The frontier's sweep stops after this long (the plans solved by then are kept, and the
# page says the sweep was cut short).
FRONTIER_TIME_BUDGET_SECONDS = 60.0


def _param(params: dict, name: str, default: float) -> float:
    value = params.get(name)
    return default if value in (None, "") else float(value)


def allocation_run(run: AnalysisRun, progress: Progress) -> Outcome:
    params = run.params
    if params.get("budget") in (None, ""):
        raise EngineInputError(
            "a total budget is needed for an allocation (budget)", code="budget_missing"
        )
    forecast_run_ = (
        AnalysisRun.objects.filter(pk=params["forecast_run"]).first()
        if params.get("forecast_run")
        else queries.latest_run(AnalysisRun.Kind.FORECAST)
    )
    if forecast_run_ is None or forecast_run_.status != AnalysisRun.Status.SUCCEEDED:
        raise EngineInputError(
            "no finished demand forecast to allocate against: run a forecast first",
            code="no_forecast",
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
        strength=float(_param(params, "strength", STRENGTH_DEFAULT)),
        epsilon=1 - float(_param(params, "floor", FLOOR_DEFAULT)),
    )
    progress(30, "solving the allocation in whole units")
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
    progress(65, "tracing the price of fairness (a few plans by strength and floor)")
    frontier = fairness_frontier(
        demand,
        budget=params["budget"],
        communities=communities,
        unit_costs=costs,
        current_supply=supply if not supply.empty else None,
        suppliers=suppliers,
        equity_weights=weights,
        category_budgets=params.get("category_budgets") or None,
        config=config,
        time_budget_seconds=FRONTIER_TIME_BUDGET_SECONDS,
    )
    progress(80, "auditing the plan for groups served below the rest")
    residents = queries.resident_profiles_frame()
    cells = kinds.get("forecast").load(forecast_run_).backtest_cells
    errors = pd.DataFrame(
        [(c.community, c.category, c.actual, c.forecast) for c in cells],
        columns=["community", "category", "actual", "forecast"],
    )
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
    typed = record(
        AllocationResult,
        from_engine(
            "allocation",
            {
                **result.to_dict(max_lines=0),
                "fairness": audits.get("lp"),
                "fairness_baseline": audits.get("baseline"),
                "synthetic": demo_city_present(),
                "period": period.isoformat(),
                "budget": float(params["budget"]),
                "forecast_run": forecast_run_.pk,
                "equity_weights": "equalization analysis"
                if weights is not None
                else "equal (no analysis run)",
                "equity_weights_source": "equalization" if weights is not None else "equal",
                "frontier": frontier.to_dict(),
                "data_fingerprint": hashlib.sha256(
                    json.dumps([forecast_run_.pk, float(params["budget"])]).encode()
                ).hexdigest(),
            },
        ),
    )
    lines = result.lines

    def write(stored_run: AnalysisRun) -> None:
        allocation_lines_write(run=stored_run, lines=lines)

    return Outcome(typed, write)


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
                explanation_parts=jsonable(line.get("explanation_parts")),
            )
            for line in lines.to_dict("records")
        ],
        batch_size=5000,
    )
