"""The allocation run's downloads: every recommended line (communities in the reader's scope),
coverage per community, the comparison with the baseline, the fairness audit, and the
comparison of several runs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.utils import translation

from analytics import queries, wording
from analytics.exports import Table, count, num
from analytics.kinds.allocation.report import SCENARIO_METRICS, comparison_rows, scenario_table
from analytics.kinds.allocation.result import AllocationResult
from analytics.kinds.base import Audience
from analytics.models import AnalysisRun
from analytics.reports import engine_text_names, names
from services.models import SupplyCapacity

LINE_COLUMNS = (
    "community",
    "community_name",
    "category",
    "category_name",
    "supplier",
    "supplier_name",
    "forecast",
    "lower",
    "upper",
    "current_supply",
    "gap",
    "units",
    "cost",
    "weight",
    "weight_reason",
    "explanation",
)


ALLOCATION_COMMUNITY_COLUMNS = (
    "community",
    "community_name",
    "kind",
    "population",
    "need",
    "covered_before",
    "covered_after",
    "baseline_added",
    "coverage_before",
    "coverage_after",
    "coverage_baseline",
    "weight",
    "weight_reason",
)


COMPARISON_COLUMNS = ("metric", "measure", "lp", "baseline", "difference", "verdict")


FAIRNESS_COLUMNS = (
    "dimension",
    "group",
    "residents",
    "need",
    "allocated",
    "allocation_per_need",
    "overall_ratio",
    "ratio_to_overall",
    "flagged",
    "forecast_wape",
    "forecast_error_ratio",
    "forecast_flagged",
)


def lines(*, run: AnalysisRun, audience: Audience, **_: object) -> Table:
    """Every recommended line (the page pages and filters them; the file has them all)."""
    category_names = names()[1]
    # Resolved now, in the language of the request, not while the response streams.
    supplier_names = {code: str(label) for code, label in SupplyCapacity.Provider.choices}
    selected = queries.allocation_lines(run=run)
    if not audience.sees_all:
        selected = selected.filter(community__code__in=audience.codes)
    text_names = engine_text_names()
    language = translation.get_language()

    def rows() -> Iterator[tuple]:
        for line in selected.iterator(chunk_size=2000):
            # The response streams after the view has returned: word in the request's language.
            with translation.override(language):
                explanation = wording.explanation_text(
                    parts=line.explanation_parts,
                    names=text_names,
                )
                weight_reason = wording.explanation_weight_reason(
                    parts=line.explanation_parts, names=text_names
                )
            yield (
                line.community.code,
                line.community.name,
                line.category.code,
                category_names.get(line.category.code, ""),
                line.provider,
                supplier_names.get(line.provider, ""),
                line.forecast,
                line.lower,
                line.upper,
                line.current_supply,
                line.gap,
                line.recommended_units,
                line.cost,
                line.weight,
                weight_reason,
                explanation,
            )

    return Table(LINE_COLUMNS, rows())


def allocation_communities(*, result: AllocationResult, **_: object) -> Table:
    """Coverage of need per community before the plan, after it and after the baseline."""
    text_names = engine_text_names()
    community_names = text_names.communities
    rows = [
        (
            row.community,
            community_names.get(row.community, ""),
            row.kind,
            num(row.population),
            num(row.need),
            num(row.covered_before),
            num(row.covered_after),
            num(row.baseline_added),
            num(row.coverage_before),
            num(row.coverage_after),
            num(row.coverage_baseline),
            num(row.weight),
            wording.weight_reason_text(parts=row.weight_reason_parts, names=text_names),
        )
        for row in result.communities
    ]
    return Table(ALLOCATION_COMMUNITY_COLUMNS, rows)


def comparison(*, result: AllocationResult, **_: object) -> Table:
    """The plan against the population-proportional baseline, with the page's verdict."""
    return Table(
        COMPARISON_COLUMNS,
        [
            (r["metric"], str(r["label"]), r["lp"], r["baseline"], r["difference"], r["verdict"])
            for r in comparison_rows(result)
        ],
    )


def fairness(*, result: AllocationResult, **_: object) -> Table:
    """The fairness audit of the LP plan by resident group (none stored: no rows)."""
    groups = result.fairness.groups if result.fairness else []
    rows = [
        (
            g.dimension,
            g.group,
            count(g.residents),
            num(g.need),
            num(g.allocated),
            num(g.allocation_per_need),
            num(g.overall_ratio),
            num(g.ratio_to_overall),
            g.flagged,
            num(g.forecast_wape),
            num(g.forecast_error_ratio),
            g.forecast_flagged,
        )
        for g in groups
    ]
    return Table(FAIRNESS_COLUMNS, rows)


SCENARIO_HEAD = (
    "run",
    "approved",
    "period",
    "budget",
    "available",
    "min_coverage",
    "coverage_floor",
)


def scenarios(*, runs: Iterable[AnalysisRun]) -> Table:
    """The scenario comparison: one row per allocation run, its headline figures for the LP
    plan (``<metric>_lp``) and the proportional baseline (``<metric>_baseline``)."""
    columns = scenario_table(runs)["columns"]
    rows = [
        (
            c["run"].pk,
            c["run"].approved_at is not None,
            c["period"],
            c["budget"],
            c["available"],
            num(c["min_coverage"]),
            c["tau"],
            *(
                num(plan.get(metric))
                for metric in SCENARIO_METRICS
                for plan in (c["lp"], c["baseline"])
            ),
        )
        for c in columns
    ]
    metric_columns = tuple(
        f"{metric}_{plan}" for metric in SCENARIO_METRICS for plan in ("lp", "baseline")
    )
    return Table((*SCENARIO_HEAD, *metric_columns), rows)


TABLES = {
    "lines": lines,
    "communities": allocation_communities,
    "comparison": comparison,
    "fairness": fairness,
}
