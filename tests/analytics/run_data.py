"""Hand-made, SYNTHETIC analysis runs for the page and API tests: finished runs with results
shaped like the engine's (``PortraitResult.to_dict``, ``BacktestResult.to_dict``,
``AllocationResult.to_dict``) and the rows they write, without running the engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from analytics.models import AllocationLine, AnalysisRun, DemandForecast, ResidentSegment
from residents.models import Community, User
from tests.factories import World, make_world

Kind = AnalysisRun.Kind
Status = AnalysisRun.Status


def month_start(months_back: int) -> date:
    """The first day of the month ``months_back`` months before this one."""
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _finished(kind: str, result: dict, **fields) -> AnalysisRun:
    now = timezone.now()
    return AnalysisRun.objects.create(
        kind=kind,
        status=Status.SUCCEEDED,
        progress=100,
        result=result,
        attempts=1,
        timings={"total": 1.4},
        started_at=now - timedelta(seconds=2),
        finished_at=now,
        **fields,
    )


def _segment(number: int, description: str, size: int, share: float) -> dict:
    return {
        "segment": number,
        "size": size,
        "share": share,
        "description": description,
        "traits": [
            {"trait": "age_65_plus", "share": 0.9, "population_share": 0.3, "lift": 3.0},
        ],
        "needs": [
            {
                "category": "elderly_home_care",
                "dimension": "health_care",
                "requests_per_100_residents_year": 40.0 + number,
                "lift": 2.0,
            },
            {
                "category": "school_enrolment",
                "dimension": "public_education",
                "requests_per_100_residents_year": 5.0,
                "lift": 0.5,
            },
        ],
        "profile": {"trait_age_65_plus": 0.9},
        "mean_age": 70.0 - 30 * number,
        "requests_per_resident_month": 0.3,
        "mean_satisfaction": 4.1,
    }


def portraits_run(world: World) -> AnalysisRun:
    home, other = world.home.code, world.other.code
    result = {
        "k": 2,
        "criterion": "mean silhouette over k=2..3 (synthetic test result)",
        "as_of": "2026-10",
        "window_months": 12,
        "residents": 2,
        "segments": [
            _segment(0, "older residents living alone (synthetic)", 1, 0.5),
            _segment(1, "families with school-age children (synthetic)", 1, 0.5),
        ],
        "communities": [
            {
                "community": home,
                "residents": 1,
                "segment_0_share": 1.0,
                "segment_1_share": 0.0,
                "dominant_segment": 0,
                "requests_per_month": 2.5,
                "top_category": "elderly_home_care",
            },
            {
                "community": other,
                "residents": 1,
                "segment_0_share": 0.0,
                "segment_1_share": 1.0,
                "dominant_segment": 1,
                "requests_per_month": 7.5,
                "top_category": "school_enrolment",
            },
        ],
        "changes": {
            "previous_as_of": "2026-07",
            "segments": [
                {"segment": 0, "status": "matched", "previous_segment": 1, "share_change_pp": 5.0},
                {"segment": 1, "status": "new", "previous_segment": None},
            ],
            "segments_gone": [],
            "communities": [
                {
                    "community": home,
                    "status": "compared",
                    "segment_mix_change_pp": {"segment_0": 12.5},
                    "residents_change": 1,
                    "requests_per_month_change": 0.5,
                },
                {
                    "community": other,
                    "status": "compared",
                    "segment_mix_change_pp": {"segment_0": -3.0},
                    "residents_change": 0,
                    "requests_per_month_change": -1.0,
                },
            ],
        },
        "data_fingerprint": "synthetic",
    }
    run = _finished(Kind.PORTRAITS, result)
    ResidentSegment.objects.create(run=run, resident=world.owner_profile, segment=0)
    ResidentSegment.objects.create(run=run, resident=world.other_profile, segment=1)
    return run


def _metrics(model: float, naive: float, seasonal: float, coverage: float) -> dict:
    return {
        "n": 24.0,
        "wape_model": model,
        "wape_naive": naive,
        "wape_seasonal_naive": seasonal,
        "mase_model": model * 2,
        "mase_naive": naive * 2,
        "mase_seasonal_naive": seasonal * 2,
        "coverage": coverage,
        "mean_interval_width": 3.0,
    }


def forecast_run(world: World, *, horizon: int = 2) -> AnalysisRun:
    category = world.owner_request.category
    last = month_start(1)
    result = {
        "backtest": {
            "method": "synthetic test backtest",
            "baselines": {"naive": "last observed month", "seasonal_naive": "same month"},
            "origins": ["2025-10", "2026-01"],
            "horizon": horizon,
            "interval": 0.8,
            "group_column": "category",
            "overall": {**_metrics(0.4, 0.7, 0.5, 0.83), "wape_gbm": 0.42},
            "improvement_over_seasonal_naive": 0.2,
            "by_group": [{"group": category.code, **_metrics(0.4, 0.7, 0.5, 0.83)}],
            "by_horizon": [
                {"horizon": 1, **_metrics(0.35, 0.6, 0.5, 0.79), "wape_gbm": 0.37},
                {"horizon": 2, **_metrics(0.45, 0.8, 0.5, 0.865), "wape_gbm": 0.47},
            ][:horizon],
        },
        "horizon": horizon,
        "last_month": last.strftime("%Y-%m"),
        "n_series": 2,
        "data_fingerprint": "synthetic",
    }
    run = _finished(Kind.FORECAST, result)
    for community, level in ((world.home, 4.0), (world.other, 9.0)):
        for step in range(horizon):
            DemandForecast.objects.create(
                run=run,
                community=community,
                category=category,
                period=month_start(-step),
                forecast=level + step,
                lower=level - 2,
                upper=level + 3 + step,
            )
    return run


def _comparison() -> list[dict]:
    rows = {
        "total_need": (20.0, 20.0),
        "total_covered": (18.0, 16.0),
        "coverage": (0.9, 0.8),
        "weighted_coverage": (0.91, 0.8),
        "coverage_cv": (0.02, 0.15),
        "min_community_coverage": (0.88, 0.6),
        "urban_coverage": (0.9, 0.85),
        "rural_coverage": (0.89, 0.7),
        "urban_rural_gap": (0.01, 0.15),
        "spent": (1000.0, 1000.0),
    }
    return [
        {"metric": name, "lp": lp, "baseline": base, "difference": lp - base}
        for name, (lp, base) in rows.items()
    ]


@dataclass
class AllocationSetup:
    run: AnalysisRun
    period: date


def allocation_run(
    world: World,
    *,
    budget: float = 50_000.0,
    period: date | None = None,
    fairness: dict | None = None,
    whole_units: bool = True,
    scale: int = 1,
    frontier: dict | None = None,
) -> AnalysisRun:
    """A finished allocation run in whole units (``whole_units=False``: fractional LP units,
    as stored before whole units); ``scale`` multiplies its units and costs (a second plan
    that differs)."""
    period = period or month_start(0)
    category = world.owner_request.category
    comparison = _comparison()
    lp = {r["metric"]: r["lp"] for r in comparison}
    base = {r["metric"]: r["baseline"] for r in comparison}
    result = {
        "summary": {
            "budget": budget,
            "committed": 1000.0,
            "available": budget - 1000.0,
            "spent": 1000.0,
            "tau_star": 0.9,
            "tau_used": 0.89,
            "lp": lp,
            "baseline": base,
            "spend_by_supplier": {"government": 600.0, "social_organisation": 400.0},
            "solver": "HiGHS via scipy.optimize.linprog (synthetic test result)",
            "solve_seconds": 0.01,
            "whole_units": whole_units,
        },
        "comparison": comparison,
        "lines": [],
        "communities": [
            {
                "community": world.home.code,
                "kind": world.home.kind,
                "need": 10.0,
                "coverage_before": 0.5,
                "coverage_after": 0.9,
                "coverage_baseline": 0.8,
            },
            {
                "community": world.other.code,
                "kind": world.other.kind,
                "need": 10.0,
                "coverage_before": 0.4,
                "coverage_after": 0.88,
                "coverage_baseline": 0.6,
            },
        ],
        "notes": ["Floor: every community covered at least 89.0% (synthetic test result)."],
        "period": period.isoformat(),
        "budget": budget,
        "forecast_run": None,
        "equity_weights": "equal (no analysis run)",
    }
    if fairness is not None:
        result["fairness"] = fairness
    if frontier is not None:
        result["frontier"] = frontier  # kept by every upgrade step (stored from version 4)
    run = _finished(Kind.ALLOCATION, result, params={"budget": budget})
    lines = (
        [
            (world.home, "government", 4 * scale, Decimal("800.00") * scale),
            (world.home, "social_organisation", 2 * scale, Decimal("340.00") * scale),
            (world.other, "government", 1 * scale, Decimal("200.00") * scale),
        ]
        if whole_units
        else [
            (world.home, "government", 3.6, Decimal("720.00")),
            (world.home, "social_organisation", 1.5, Decimal("255.00")),
            (world.other, "government", 0.4, Decimal("80.00")),
        ]
    )
    for community, provider, units, cost in lines:
        AllocationLine.objects.create(
            run=run,
            community=community,
            category=category,
            provider=provider,
            forecast=6.0,
            lower=3.0,
            upper=9.0,
            current_supply=2.0,
            gap=4.0,
            recommended_units=units,
            cost=cost,
            weight=1.2,
            # As lines stored before the engine gave parts keep their English (migration 0005).
            explanation_parts=[
                {
                    "code": "text",
                    "text": f"{community.code}: add {units} from {provider} (synthetic explanation)",
                    "weight_reason": "rural community: larger urban-rural gap (synthetic)",
                }
            ],
        )
    return run


def what_if_result(community: Community, category: str = "elderly_home_care") -> dict:
    """A result shaped like ``community_what_if``'s: +500 residents aged 65+ in one community."""
    return {
        "community": community.code,
        "categories": [
            {
                "category": category,
                "baseline": 10.0,
                "scenario": 12.5,
                "change": 2.5,
                "change_percent": 25.0,
                "direction": "up",
            }
        ],
        "total": {
            "baseline": 10.0,
            "scenario": 12.5,
            "change": 2.5,
            "change_percent": 25.0,
            "direction": "up",
        },
        "summary": "total: up +25.0% (+2.5 requests over the horizon)",
        "summary_parts": [
            {"code": "what_if_total", "direction": "up", "change_percent": 25.0, "change": 2.5}
        ],
        "assumptions": [
            "+500 residents aged 65+, like the community's current older residents; the "
            "population changes by as many",
            "everything else stays as it is, in this community and in every other",
        ],
        "assumption_parts": [
            {"code": "older_residents", "count": 500},
            {"code": "everything_else_unchanged"},
        ],
        "caveat": (
            "An association learnt across 6 communities, not a causal estimate: communities "
            "that differ in these attributes differ in demand, which does not show that the "
            "change would cause the difference. With few communities it is noisy."
        ),
        "caveat_parts": [{"code": "association_not_causal", "communities": 6}],
        "first_month": "2026-12",
        "last_month": "2027-01",
        "horizon": 2,
        "n_communities": 6,
        "other_communities_change": 0.0,
        "data_fingerprint": "synthetic",
    }


def what_if_run(community: Community, user: User) -> AnalysisRun:
    return _finished(
        "what_if",
        what_if_result(community),
        params={"community": community.code, "older_residents_added": 500, "horizon": 2},
        created_by=user,
    )


@dataclass
class RunWorld:
    world: World
    portraits: AnalysisRun
    forecast: AnalysisRun
    allocation: AnalysisRun


def run_world() -> RunWorld:
    """The factories' world with one urban and one rural community, and three finished runs."""
    world = make_world()
    for community, kind in ((world.home, "urban"), (world.other, "rural")):
        community.kind = kind
        community.save(update_fields=["kind"])
    return RunWorld(
        world=world,
        portraits=portraits_run(world),
        forecast=forecast_run(world),
        allocation=allocation_run(world),
    )


def frontier_point(
    strength: float, floor: float, covered: float, lowest: float, *, efficient: bool = True
) -> dict:
    """One plan of a price-of-fairness sweep, as a run stores it (SYNTHETIC figures)."""
    return {
        "strength": strength,
        "floor_share": floor,
        "total_covered": covered,
        "coverage": covered / 1000,
        "weighted_coverage": covered / 1000,
        "min_community_coverage": lowest,
        "coverage_cv": 0.1,
        "urban_rural_gap": 0.02,
        "spent": 49_000.0,
        "gap": 0.001,
        "efficient": efficient,
    }


def engine_frontier() -> dict:
    """A frontier as the engine stores it, solved for two SYNTHETIC communities: an urban one
    of cheap requests and a rural one of dear requests weighing 3. The recommended plan
    (strength 1, floor 90%: 13 requests, lowest community 60%, equity-weighted coverage
    67.5%) is beaten on requests covered at the same lowest coverage by the plans of
    strength 0 and 0.5 (14 requests, 65.0% weighted)."""
    import pandas as pd

    from analytics.engine.supply.allocation import AllocationConfig, fairness_frontier

    return fairness_frontier(
        pd.DataFrame({"community": ["u", "r"], "category": ["a", "b"], "forecast": [10.0] * 2}),
        budget=20.0,
        communities=pd.DataFrame(
            {"community": ["u", "r"], "population": [1000] * 2, "kind": ["urban", "rural"]}
        ),
        unit_costs={"a": 1.0, "b": 2.0},
        equity_weights=pd.DataFrame({"community": ["r"], "weight": [3.0], "reason": ["rural"]}),
        config=AllocationConfig(strength=1.0, epsilon=0.1),
    ).to_dict()


def frontier() -> dict:
    """A stored frontier: lowest coverage 64% -> 90% costs 3% of the requests covered."""
    efficient = frontier_point(1.0, 0.0, 1000.0, 0.64)
    recommended = frontier_point(1.0, 0.9, 985.0, 0.85)
    equal = frontier_point(1.0, 1.0, 970.0, 0.90)
    other = frontier_point(2.0, 0.9, 960.0, 0.84, efficient=False)
    baseline = {**frontier_point(0.0, 0.0, 900.0, 0.40), "strength": None, "floor_share": None}
    return {
        "points": [recommended, efficient, equal, other],
        "frontier": [efficient, recommended, equal],
        "recommended": recommended,
        "baseline": baseline,
        "budget": 50_000.0,
        "seconds": 1.5,
        "complete": True,
        "cost_parts": [
            {
                "code": "fairness_price",
                "from_lowest": 0.64,
                "to_lowest": 0.90,
                "covered_cost": 0.03,
                "requests": 30.0,
            },
            {
                "code": "fairness_price_recommended",
                "lowest": 0.85,
                "efficient_lowest": 0.64,
                "covered_cost": 0.015,
                "baseline_lowest": 0.40,
                "baseline_covered": 900.0,
                "covered": 985.0,
            },
        ],
    }
