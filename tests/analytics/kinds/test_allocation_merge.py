"""A province allocation merged from its cities' plans (``allocation_merge``), the cities'
plans made by the real engine: the merged summary names every city's budget and carries the
floor figures that hold for the whole province."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd
import pytest

from analytics.engine.supply.allocation import allocate
from analytics.kinds.allocation.result import AllocationResult
from analytics.kinds.allocation.runner import allocation_merge
from analytics.kinds.base import PartResult
from analytics.kinds.schema import record
from analytics.kinds.upgrades import from_engine

UNIT_COSTS = {"home_care": 100.0, "meals": 40.0}


def _city_plan(prefix: str, need: float, budget: float) -> AllocationResult:
    """One city's plan as its part stores it: the engine's result typed as the runner types it
    (three communities, two services, no supply yet)."""
    codes = [f"{prefix}-{n}" for n in range(3)]
    demand = pd.DataFrame(
        [
            (code, category, need * (1 + index), 0.8 * need * (1 + index), 1.2 * need * (1 + index))
            for index, code in enumerate(codes)
            for category in UNIT_COSTS
        ],
        columns=["community", "category", "forecast", "lower", "upper"],
    )
    communities = pd.DataFrame(
        {"community": codes, "population": [3000, 5000, 800], "kind": ["urban", "urban", "rural"]}
    )
    result = allocate(demand, budget=budget, communities=communities, unit_costs=UNIT_COSTS)
    payload = from_engine(
        "allocation",
        {
            **result.to_dict(max_lines=0),
            "period": "2026-01-01",
            "budget": budget,
            "data_fingerprint": prefix,
        },
    )
    return record(AllocationResult, json.loads(json.dumps(payload)))


@pytest.fixture(scope="module")
def cities() -> dict[str, AllocationResult]:
    # The first city's budget covers its need; the second's falls well short of it.
    return {"110100": _city_plan("A", 5.0, 20_000.0), "120100": _city_plan("B", 8.0, 1_500.0)}


def test_the_merged_summary_carries_every_citys_budget_and_the_provinces_floor(cities):
    ample, short = cities["110100"].summary, cities["120100"].summary
    assert short.tau_star < ample.tau_star and short.tau_used < ample.tau_used  # a real spread
    parts = [PartResult(code, result) for code, result in cities.items()]
    merged = allocation_merge(SimpleNamespace(params={"budget": 21_500.0}), parts).result
    summary = merged.summary

    assert summary.city_budgets == {"110100": 20_000.0, "120100": 1_500.0}
    assert summary.budget == pytest.approx(21_500.0)
    # The floor holds within each city: the province's is the lowest city's.
    assert summary.tau_used == short.tau_used and summary.tau_star == short.tau_star
    # The options are the run's, alike in every city.
    assert (summary.epsilon, summary.floor_level, summary.need_basis) == (
        ample.epsilon,
        ample.floor_level,
        ample.need_basis,
    )
    # The solver's work and the fractional optimum add up over the cities' solves.
    assert summary.solver_iterations == ample.solver_iterations + short.solver_iterations
    assert summary.relaxation.covered == pytest.approx(
        ample.relaxation.covered + short.relaxation.covered
    )
    # Each solve's report and the marginal value of budget are a city's own.
    assert summary.solver_report is None and summary.weighted_units_per_10000 is None

    # Stored and read back as the run's result.
    stored = json.loads(json.dumps(merged.to_json()))
    assert AllocationResult.from_json(stored) == merged
    assert stored["summary"]["city_budgets"] == {"110100": 20_000.0, "120100": 1_500.0}


def test_a_plan_made_whole_has_no_city_budgets_and_older_summaries_still_load(cities):
    whole = cities["110100"]
    assert whole.summary.city_budgets == {}
    # A summary stored before this field (schema 5) reads with none.
    stored = json.loads(json.dumps(whole.to_json()))
    del stored["summary"]["city_budgets"]
    older = AllocationResult.from_json(from_engine("allocation", {**stored, "schema_version": 5}))
    assert older.summary.city_budgets == {} and older.summary.tau_used == whole.summary.tau_used
    # A province summary stored before the summary was typed named its cities' budgets.
    first = {**stored, "schema_version": 4}
    first["summary"] = {**stored["summary"], "city_budgets": {"110100": 1.0, "120100": 2.0}}
    assert AllocationResult.from_json(from_engine("allocation", first)).summary.city_budgets == {
        "110100": 1.0,
        "120100": 2.0,
    }
