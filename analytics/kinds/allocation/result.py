"""The typed result of an allocation run: the plan's headline figures against the
population-proportional baseline, coverage per community, the fairness audits, and what a
reader may see of them. The recommended lines are rows (``AllocationLine``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from analytics.kinds.base import Audience
from analytics.kinds.schema import Result


@dataclass(kw_only=True)
class ComparisonRow:
    metric: str = ""
    lp: float | None = None
    baseline: float | None = None
    difference: float | None = None


@dataclass(kw_only=True)
class AllocationCommunity:
    """Need and coverage of one community before the plan, after it and after the baseline,
    and the equity weight the plan gave it (with its reason)."""

    community: str = ""
    population: float | None = None
    kind: str = ""
    weight: float | None = None
    weight_reason_parts: list[dict[str, Any]] | None = None
    need: float | None = None
    covered_before: float | None = None
    covered_after: float | None = None
    baseline_added: float | None = None
    # Requests the baseline covers (its whole units count up to the need).
    covered_baseline: float | None = None
    coverage_before: float | None = None
    coverage_after: float | None = None
    coverage_baseline: float | None = None


@dataclass(kw_only=True)
class FrontierPoint:
    """One plan of the price-of-fairness sweep (the engine's ``FrontierPoint``): its strength
    and floor (share of the highest floor; both ``None`` for the baseline), its efficiency
    and its equity."""

    strength: float | None = None
    floor_share: float | None = None
    total_covered: float | None = None
    coverage: float | None = None
    weighted_coverage: float | None = None
    # Equity-weighted coverage with the run's weights at the run's strength: the measure the
    # recommended plan maximises (None: stored before the frontier carried it).
    run_weighted_coverage: float | None = None
    min_community_coverage: float | None = None
    coverage_cv: float | None = None
    urban_rural_gap: float | None = None
    spent: float | None = None
    gap: float | None = None
    efficient: bool = False


@dataclass(kw_only=True)
class Frontier:
    """The price of fairness of a run (the engine's ``FairnessFrontier``): every plan of the
    sweep, the efficient ones (lowest community coverage rising), the recommended plan, the
    baseline, and what moving along it costs as language-neutral parts."""

    points: list[FrontierPoint] = field(default_factory=list)
    frontier: list[FrontierPoint] = field(default_factory=list)
    recommended: FrontierPoint | None = None
    baseline: FrontierPoint | None = None
    budget: float | None = None
    seconds: float | None = None
    complete: bool = True
    cost_parts: list[dict[str, Any]] = field(default_factory=list)


@dataclass(kw_only=True)
class SolverReport:
    """How the whole-unit solver ended (the engine's ``SolverReport``): ``status`` "optimal"
    when the gap closed within its target, else "gap_open": stopped at the time limit
    (``time_limit_reached``), or a plan too large to be searched in full whose search near the
    relaxation ended with the gap open (``time_limit_reached`` False; None: stored before the
    engine said which)."""

    status: str = ""
    gap: float | None = None
    floor_gap: float | None = None
    seconds: float | None = None
    time_limit_seconds: float | None = None
    gap_target: float | None = None
    nodes: int | None = None
    whole_units: bool = True
    step_seconds: dict[str, float | None] = field(default_factory=dict)
    floor_bound: float | None = None
    time_limit_reached: bool | None = None


@dataclass(kw_only=True)
class ShortOfFloor:
    """A community (or community and service) the plan could not lift to the floor."""

    name: str = ""
    coverage: float | None = None


@dataclass(kw_only=True)
class Relaxation:
    """The plan stage's fractional optimum at the same floor: what whole units cost."""

    covered: float | None = None
    weighted_covered: float | None = None


@dataclass(kw_only=True)
class AllocationSummary:
    """The plan's headline figures, city-wide: the budget (committed, available, spent, by
    service and supplier), the coverage floor (``tau_star`` the highest reachable, ``tau_used``
    the one planned for; a province plan's are the lowest city's), each city's budget for a
    province plan, the options the plan was made with, the plan's and the baseline's
    metrics by name (``lp``, ``baseline``: the comparison's figures), and the solver's work."""

    budget: float | None = None
    committed: float | None = None
    available: float | None = None
    spent: float | None = None
    spend_by_category: dict[str, float | None] = field(default_factory=dict)
    spend_by_supplier: dict[str, float | None] = field(default_factory=dict)
    # A province plan's cities' budgets by city code (empty for a plan made whole).
    city_budgets: dict[str, float | None] = field(default_factory=dict)
    tau_star: float | None = None
    tau_used: float | None = None
    short_of_floor: list[ShortOfFloor] = field(default_factory=list)
    floor_level: str = ""
    need_basis: str = ""
    epsilon: float | None = None
    strength: float | None = None
    weighted_units_per_10000: float | None = None
    lp: dict[str, float | None] = field(default_factory=dict)
    baseline: dict[str, float | None] = field(default_factory=dict)
    variables: int | None = None
    solver: str = ""
    solver_iterations: int | None = None
    solve_seconds: float | None = None
    solver_report: SolverReport | None = None
    whole_units: bool = False
    relaxation: Relaxation | None = None
    seconds: float | None = None


@dataclass(kw_only=True)
class AuditGroup:
    """One resident group of a fairness audit (the engine's ``FairnessAudit.table`` row):
    its residents, need and allocation, its allocation per unit of need against its
    dimension's overall, and, when the forecast's errors were audited, its forecast error.
    ``suppressed``: too few residents for the reader to see the figures (all ``None``)."""

    dimension: str = ""
    group: str = ""
    residents: int | None = None
    need: float | None = None
    allocated: float | None = None
    allocation_per_need: float | None = None
    overall_ratio: float | None = None
    ratio_to_overall: float | None = None
    flagged: bool = False
    forecast_wape: float | None = None
    forecast_error_ratio: float | None = None
    forecast_flagged: bool | None = None
    suppressed: bool = False


@dataclass(kw_only=True)
class FairnessAudit:
    """An audit of a plan by resident group (urban/rural, age band, disability, hukou type),
    city-wide: the groups, the flags as language-neutral parts and the weighting's code."""

    overall_allocation_ratio: float | None = None
    overall_forecast_wape: float | None = None
    threshold: float | None = None
    groups: list[AuditGroup] = field(default_factory=list)
    flag_parts: list[dict[str, Any]] = field(default_factory=list)
    unattributed_need_share: float | None = None
    weighting_code: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def has_forecast_error(self) -> bool:
        return any(g.forecast_wape is not None for g in self.groups)


@dataclass(kw_only=True)
class AllocationResult(Result):
    # 4: the price-of-fairness frontier (``frontier``; runs before it have none).
    # 5: the summary and the fairness audits are typed (``AllocationSummary``,
    # ``FairnessAudit``); every summary and audit group names all its fields (null where an
    # older run has none).
    # 6: a province plan's summary names each city's budget (``city_budgets``; empty for a
    # plan made whole and for older runs).
    # 7: each plan of the frontier carries its equity-weighted coverage at the run's weights
    # and strength (``run_weighted_coverage``; null for older runs).
    SCHEMA_VERSION = 7
    KIND = "allocation"

    # Budget, spend by service and supplier, the coverage floor, the solver; city-wide.
    summary: AllocationSummary = field(default_factory=AllocationSummary)
    comparison: list[ComparisonRow] = field(default_factory=list)
    # The lines are stored as rows; a result keeps none (kept for older runs' shape).
    lines: list[dict[str, Any]] = field(default_factory=list)
    communities: list[AllocationCommunity] = field(default_factory=list)
    note_parts: list[dict[str, Any]] = field(default_factory=list)
    # The audits by resident group (city-wide), of the plan and of the baseline.
    fairness: FairnessAudit | None = None
    fairness_baseline: FairnessAudit | None = None
    synthetic: bool = False
    period: str | None = None
    budget: float | None = None
    forecast_run: int | None = None
    equity_weights_source: str = ""
    data_fingerprint: str = ""
    frontier: Frontier | None = None


# The figures of an audit group that would tell about its residents when they are few.
_GROUP_FIGURES = {
    name: None
    for name in (
        "residents",
        "need",
        "allocated",
        "allocation_per_need",
        "ratio_to_overall",
        "forecast_wape",
        "forecast_error_ratio",
    )
}


def _audit(audit: FairnessAudit | None, audience: Audience) -> FairnessAudit | None:
    """An audit with the groups of fewer residents than the public export shows suppressed."""
    if audit is None:
        return None
    groups = [
        replace(g, **_GROUP_FIGURES, suppressed=True) if audience.too_small(g.residents) else g
        for g in audit.groups
    ]
    return replace(audit, groups=groups)


def scope(result: AllocationResult, audience: Audience) -> AllocationResult:
    """Headline figures are city-wide; communities (and any stored lines) are cut to the
    reader's, and audit groups of fewer residents than the public export shows are
    suppressed. (Only administrators read allocations today; the cut holds for anyone.)"""
    if audience.sees_all:
        return result
    return replace(
        result,
        communities=[c for c in result.communities if audience.sees(c.community)],
        lines=[line for line in result.lines if audience.sees(line.get("community"))],
        fairness=_audit(result.fairness, audience),
        fairness_baseline=_audit(result.fairness_baseline, audience),
    )
