"""The allocation runner: the forecast's first month against the supply and the budget (without
the month's approved plan, which a new plan replaces), solved in whole units (HiGHS) with
equity weights from the latest equalization run, audited for groups served below the rest,
with the recommended lines written when the run finishes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from decimal import Decimal

import pandas as pd

from analytics import kinds, partitions, queries
from analytics.engine.errors import EngineInputError
from analytics.engine.partitions import budget_split, plan_metrics
from analytics.engine.supply.allocation import (
    AllocationConfig,
    allocate,
    default_suppliers,
    fairness_frontier,
)
from analytics.engine.supply.fairness import audit_allocation
from analytics.engine.supply.frames import jsonable
from analytics.kinds.allocation.params import FLOOR_DEFAULT, STRENGTH_DEFAULT
from analytics.kinds.allocation.result import (
    AllocationResult,
    AllocationSummary,
    ComparisonRow,
    Relaxation,
)
from analytics.kinds.base import Outcome, PartOutcome, PartResult, Progress
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
        (str(row.city_code), row.kind): row for row in equalization.equity_weights.community_types
    }
    rows = []
    for code, kind, adcode in Community.objects.values_list("code", "kind", "city__adcode"):
        weight = by_city_kind.get((adcode, kind))
        if weight is not None:
            rows.append(
                {
                    "community": code,
                    "weight": float(weight.weight),
                    "reason_parts": [
                        {"code": "equalization_run", "run": run.pk, "reason": weight.reason_parts}
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


def _forecast_run_of(params: dict) -> AnalysisRun:
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
    return forecast_run_


def _demand(forecast_run_: AnalysisRun, period: date, partition: str | None) -> pd.DataFrame:
    rows = (
        forecast_run_.forecasts.filter(period=period)
        .filter(partitions.community_q(partition, "community__"))
        .values_list("community__code", "category__code", "forecast", "lower", "upper")
    )
    return pd.DataFrame.from_records(
        rows, columns=["community", "category", "forecast", "lower", "upper"]
    )


def city_budgets(params: dict) -> dict[str, float]:
    """Each city's share of a province allocation's budget: the ``city_budgets`` given, else
    the province split (``analytics.engine.partitions.budget_split``: each city's committed
    supply, and the rest in proportion to the cost of its uncovered forecast need)."""
    keys = partitions.keys_of(params)
    given = params.get("city_budgets") or {}
    if given:
        return {key: float(given[key]) for key in keys}
    forecast_run_ = _forecast_run_of(params)
    period: date = queries.allocation_period(forecast_run_)
    demand = _demand(forecast_run_, period, None)
    supply = queries.supply_frame(period)
    costs = queries.unit_costs()
    city_of = partitions.key_by_community()
    cells = demand.merge(
        supply[["community", "category", "capacity"]], on=["community", "category"], how="left"
    ).fillna({"capacity": 0.0})
    cells["gap_cost"] = (cells["forecast"] - cells["capacity"]).clip(lower=0) * cells[
        "category"
    ].map(costs).fillna(0.0)
    cells["city"] = cells["community"].map(city_of)
    gap_cost = cells.groupby("city")["gap_cost"].sum().to_dict()
    committed = {key: sum(queries.committed_costs(period, key).values()) for key in keys}
    return budget_split(
        float(params["budget"]),
        committed=committed,
        gap_cost={key: float(gap_cost.get(key, 0.0)) for key in keys},
    )


def allocation_run(run: AnalysisRun, progress: Progress) -> Outcome:
    return _allocate(run, progress, partitions.single(run.params), float(run.params["budget"]))


def allocation_part(run: AnalysisRun, partition: str, progress: Progress) -> PartOutcome:
    """One city of a province allocation: its communities against its share of the budget
    (``city_budgets``); its plan lines are written with the part."""
    budget = city_budgets(run.params)[partition]
    outcome = _allocate(run, progress, partition, budget)
    return PartOutcome(outcome.result, writes=outcome.writes, timings=outcome.timings)


def allocation_merge(run: AnalysisRun, parts: Sequence[PartResult]) -> Outcome:
    """The province plan from its cities' plans: communities together, the headline figures
    recomputed over all of them (``plan_metrics``), spend and budgets added up, the cities'
    budgets in the summary. The plan lines were written by the parts; a province plan has
    no frontier and no audit by resident group of its own (each city's is on its part)."""
    results: list[AllocationResult] = [part.result for part in parts]
    communities = [c for r in results for c in r.communities]
    rows = [asdict(c) for c in communities]
    summaries = [r.summary for r in results]
    spent_lp = sum(float(s.lp.get("spent") or 0) for s in summaries)
    spent_base = sum(float(s.baseline.get("spent") or 0) for s in summaries)
    lp = plan_metrics(rows, covered="covered_after", spent=spent_lp)
    baseline = plan_metrics(rows, covered="covered_baseline", spent=spent_base)

    def total(name: str) -> float:
        return sum(float(getattr(s, name) or 0) for s in summaries)

    def lowest(name: str) -> float | None:
        values = [float(v) for s in summaries if (v := getattr(s, name)) is not None]
        return min(values) if values else None

    def by_key(name: str) -> dict[str, float | None]:
        totals: dict[str, float | None] = {}
        for s in summaries:
            for key, value in getattr(s, name).items():
                totals[key] = (totals.get(key) or 0.0) + float(value or 0)
        return totals

    relaxations = [s.relaxation for s in summaries]
    # Every city was planned with the run's own options (floor level, need basis, epsilon,
    # strength, solver): the first city's are every city's.
    first_summary = summaries[0] if summaries else AllocationSummary()
    summary = AllocationSummary(
        # Amounts add up over the cities.
        budget=total("budget"),
        committed=total("committed"),
        available=total("available"),
        spent=total("spent"),
        spend_by_category=by_key("spend_by_category"),
        spend_by_supplier=by_key("spend_by_supplier"),
        # Each city's share of the budget (given, or the province split): what each city's
        # plan was made against.
        city_budgets={part.partition: part.result.budget for part in parts},
        # The coverage floor holds within each city (money cannot move between cities after
        # the split), so the floor every community of the province is planned to reach is
        # the lowest city's, and the highest floor every community could reach under this
        # split is the lowest city's highest (each city's own is on its part).
        tau_star=lowest("tau_star"),
        tau_used=lowest("tau_used"),
        short_of_floor=[x for s in summaries for x in s.short_of_floor],
        floor_level=first_summary.floor_level,
        need_basis=first_summary.need_basis,
        epsilon=first_summary.epsilon,
        strength=first_summary.strength,
        # Not carried: what 10,000 more would buy is each city's own (more money for the
        # province reaches a city only through a new split), so no one figure holds for all.
        weighted_units_per_10000=None,
        lp=lp,
        baseline=baseline,
        # The solver's work adds up over the cities' solves; its report (status, gap) is
        # each solve's own and stays on the part.
        variables=int(total("variables")),
        solver=first_summary.solver,
        solver_iterations=int(total("solver_iterations")),
        solve_seconds=total("solve_seconds"),
        solver_report=None,
        whole_units=all(s.whole_units for s in summaries),
        # The fractional optimum of each city's plan stage: independent solves, so the
        # province's is their sum (absent when a city has none).
        relaxation=Relaxation(
            covered=sum(float(r.covered or 0) for r in relaxations),
            weighted_covered=sum(float(r.weighted_covered or 0) for r in relaxations),
        )
        if relaxations and all(r is not None for r in relaxations)
        else None,
        seconds=total("seconds"),
    )
    comparison = [
        ComparisonRow(
            metric=name,
            lp=lp[name],
            baseline=baseline[name],
            difference=lp[name] - baseline[name],
        )
        for name in lp
    ]
    digest = hashlib.sha256()
    for part in parts:
        digest.update(f"{part.partition}:{part.result.data_fingerprint};".encode())
    first = results[0] if results else AllocationResult()
    merged = AllocationResult(
        summary=summary,
        comparison=comparison,
        communities=communities,
        note_parts=[],
        fairness=None,
        fairness_baseline=None,
        synthetic=any(r.synthetic for r in results),
        period=first.period,
        budget=float(run.params["budget"]),
        forecast_run=first.forecast_run,
        equity_weights_source=first.equity_weights_source,
        data_fingerprint=digest.hexdigest(),
        frontier=None,
    )
    return Outcome(merged)


def _allocate(
    run: AnalysisRun, progress: Progress, partition: str | None, budget: float
) -> Outcome:
    params = run.params
    forecast_run_ = _forecast_run_of(params)
    progress(10, "loading forecasts, supply and costs")
    period: date = queries.allocation_period(forecast_run_)
    demand = _demand(forecast_run_, period, partition)
    communities = queries.community_frame(partition)
    costs = queries.unit_costs()
    supply = queries.supply_frame(period, partition)
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
        budget=budget,
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
        budget=budget,
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
    residents = queries.resident_profiles_frame(partition)
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
                "budget": budget,
                "forecast_run": forecast_run_.pk,
                "equity_weights": "equalization analysis"
                if weights is not None
                else "equal (no analysis run)",
                "equity_weights_source": "equalization" if weights is not None else "equal",
                "frontier": frontier.to_dict(),
                "data_fingerprint": hashlib.sha256(
                    json.dumps([forecast_run_.pk, budget, partition]).encode()
                    if partition
                    else json.dumps([forecast_run_.pk, budget]).encode()
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
    community_ids = dict(
        Community.objects.filter(code__in=set(lines["community"])).values_list("code", "id")
    )
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
