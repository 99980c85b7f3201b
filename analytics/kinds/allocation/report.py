"""The allocation page: the plan's headline figures against the population-proportional
baseline with a verdict each, coverage per community, the fairness audit, the recommended lines
with their explanations in the reader's language, and the comparison of several runs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from analytics import kinds, queries, wording
from analytics.forms import LineFilterForm, ScenarioCompareForm
from analytics.kinds.allocation.result import (
    AllocationCommunity,
    AllocationResult,
    FrontierPoint,
)
from analytics.kinds.base import Audience
from analytics.models import AllocationLine, AnalysisRun
from analytics.reports import (
    BASELINE_COLOUR,
    LP_COLOUR,
    finite,
    month_of,
    names,
    region_names,
)
from core.localisation import localised_name
from core.roles import is_administrator
from residents.models import City

LINES_PAGE_SIZE = 50


COVERAGE_CHART_MAX = 60


@dataclass(frozen=True)
class Metric:
    label: object
    unit: str  # "share" (shown in %), "pp" (difference of shares), "ratio", "count", "money"
    better: str  # "higher", "lower", "smaller_gap"


METRICS: dict[str, Metric] = {
    "total_need": Metric(_("Forecast need (requests)"), "count", ""),
    "total_covered": Metric(_("Covered demand (requests)"), "count", "higher"),
    "coverage": Metric(_("Coverage of need"), "share", "higher"),
    "weighted_coverage": Metric(_("Equity-weighted coverage"), "share", "higher"),
    "coverage_cv": Metric(_("Coverage CV across communities"), "ratio", "lower"),
    "min_community_coverage": Metric(_("Lowest community coverage"), "share", "higher"),
    "urban_coverage": Metric(_("Urban coverage"), "share", ""),
    "rural_coverage": Metric(_("Rural coverage"), "share", ""),
    "urban_rural_gap": Metric(_("Urban–rural coverage gap"), "pp", "smaller_gap"),
    "spent": Metric(_("Spent"), "money", ""),
}


def _verdict(metric: Metric, lp: float | None, baseline: float | None) -> str:
    if lp is None or baseline is None or not metric.better:
        return ""
    if metric.better == "smaller_gap":
        lp, baseline = abs(lp), abs(baseline)
    # A difference the page shows as zero (shares to 0.1 pp) is no difference.
    shares = metric.unit in ("share", "pp")
    if abs(lp - baseline) < (5e-4 if shares else 1e-4 * max(1.0, abs(baseline))):
        return "same"
    better = lp > baseline if metric.better == "higher" else lp < baseline
    return "better" if better else "worse"


def comparison_rows(result: AllocationResult) -> list[dict]:
    rows = []
    for row in result.comparison:
        name = row.metric
        metric = METRICS.get(name, Metric(name.replace("_", " "), "ratio", ""))
        lp, baseline = finite(row.lp), finite(row.baseline)
        rows.append(
            {
                "metric": name,
                "label": metric.label,
                "unit": metric.unit,
                "lp": lp,
                "baseline": baseline,
                "difference": finite(row.difference),
                "verdict": _verdict(metric, lp, baseline),
            }
        )
    return rows


def comparison_chart(result: AllocationResult) -> dict:
    """Bar chart of the share metrics, the whole-unit plan against the proportional baseline (%)."""
    shown = [
        "coverage",
        "weighted_coverage",
        "min_community_coverage",
        "urban_coverage",
        "rural_coverage",
    ]
    by_name = {r.metric: r for r in result.comparison}
    names = [n for n in shown if n in by_name]
    return {
        "labels": [str(METRICS[n].label) for n in names],
        "series": [
            {
                "label": str(_("Whole-unit plan")),
                "values": [round(100 * (finite(by_name[n].lp) or 0), 2) for n in names],
                "color": LP_COLOUR,
            },
            {
                "label": str(_("Population-proportional baseline")),
                "values": [round(100 * (finite(by_name[n].baseline) or 0), 2) for n in names],
                "color": BASELINE_COLOUR,
            },
        ],
        "y_label": "%",
    }


def coverage_chart(result: AllocationResult) -> dict:
    """Coverage of need per community: now, after the whole-unit plan, after the baseline (%)."""
    community_names = names()[0]
    every = sorted(result.communities, key=lambda r: (finite(r.coverage_after) or 0, r.community))
    # A city of thousands of communities would make an unreadable chart: show the least covered.
    rows = every[:COVERAGE_CHART_MAX]

    def pct(row: AllocationCommunity, key: str) -> float | None:
        value = finite(getattr(row, key))
        return None if value is None else round(100 * value, 2)

    return {
        "labels": [community_names.get(r.community, r.community) for r in rows],
        "series": [
            {
                "label": str(_("Before the plan")),
                "values": [pct(r, "coverage_before") for r in rows],
                "color": "#b8c0cc",
            },
            {
                "label": str(_("Whole-unit plan")),
                "values": [pct(r, "coverage_after") for r in rows],
                "color": LP_COLOUR,
            },
            {
                "label": str(_("Population-proportional baseline")),
                "values": [pct(r, "coverage_baseline") for r in rows],
                "color": BASELINE_COLOUR,
            },
        ],
        "y_label": str(_("Coverage of need (%)")),
        "kinds": [r.kind for r in rows],
        # Room for three bars per community, so every name stays readable.
        "height_rem": max(18, round(1.6 * len(rows) + 6)),
        "shown": len(rows),
        "total": len(every),
    }


FAIRNESS_DIMENSIONS = {
    "urban_rural": _("Urban or rural"),
    "age_band": _("Age band"),
    "disability": _("Disability"),
    "hukou_type": _("Hukou type"),
}


def fairness_view_data(result: AllocationResult) -> dict | None:
    """The fairness audit stored with an allocation run, or ``None`` when the run carries
    none (the page says the audit is not computed; it never shows made-up figures)."""
    audit = result.fairness
    if audit is None:
        return None
    groups = [
        {
            **asdict(row),
            "dimension_label": FAIRNESS_DIMENSIONS.get(
                row.dimension, row.dimension.replace("_", " ")
            ),
            "group_label": wording.fairness_group_label(group=row.group),
        }
        for row in audit.groups
    ]
    return {
        "groups": groups,
        "flags": wording.flag_texts(parts=audit.flag_parts),
        "threshold": finite(audit.threshold),
        "overall_allocation_ratio": finite(audit.overall_allocation_ratio),
        "overall_forecast_wape": finite(audit.overall_forecast_wape),
        "unattributed_need_share": finite(audit.unattributed_need_share),
        "weighting": wording.fairness_weighting_text(code=audit.weighting_code),
        "notes": audit.notes,
        "has_forecast_error": audit.has_forecast_error,
    }


FRONTIER_COLOUR = "#0f6e6e"
FRONTIER_OTHER_COLOUR = "#94a3b8"
RECOMMENDED_COLOUR = "#d97706"


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 2)


def frontier_view_data(result: AllocationResult) -> dict | None:
    """The price of fairness: the chart (requests covered against the lowest community's
    coverage; the efficient plans joined, the others as points, the recommended plan and the
    baseline marked), the table of every plan and what moving along it costs, in words.
    ``None`` for runs from before the frontier."""
    frontier = result.frontier
    if frontier is None or not frontier.points:
        return None

    def xy(point: FrontierPoint) -> dict:
        return {
            "x": _percent(finite(point.min_community_coverage)),
            "y": round(finite(point.total_covered) or 0.0, 1),
        }

    recommended = frontier.recommended or frontier.points[0]
    series = [
        {
            "label": str(_("Efficient plans (the frontier)")),
            "points": [xy(p) for p in frontier.frontier],
            "color": FRONTIER_COLOUR,
            "line": True,
        },
        {
            "label": str(_("Other plans of the sweep")),
            "points": [xy(p) for p in frontier.points if not p.efficient],
            "color": FRONTIER_OTHER_COLOUR,
            "line": False,
        },
        {
            "label": str(_("Recommended plan")),
            "points": [xy(recommended)],
            "color": RECOMMENDED_COLOUR,
            "line": False,
            "marker": "star",
        },
    ]
    if frontier.baseline is not None:
        series.append(
            {
                "label": str(_("Population-proportional baseline")),
                "points": [xy(frontier.baseline)],
                "color": BASELINE_COLOUR,
                "line": False,
                "marker": "rectRot",
            }
        )
    rows = [
        {
            "strength": finite(p.strength),
            "floor_share": finite(p.floor_share),
            "total_covered": finite(p.total_covered),
            "min_community_coverage": finite(p.min_community_coverage),
            "run_weighted_coverage": finite(p.run_weighted_coverage),
            "coverage_cv": finite(p.coverage_cv),
            "urban_rural_gap": finite(p.urban_rural_gap),
            "spent": finite(p.spent),
            "efficient": p.efficient,
            "recommended": p == recommended,
        }
        for p in sorted(
            frontier.points,
            key=lambda p: (finite(p.min_community_coverage) or 0.0, -(p.total_covered or 0.0)),
        )
    ]
    return {
        "chart": {
            "x_label": str(_("Lowest community coverage (%)")),
            "y_label": str(_("Requests covered")),
            "series": series,
        },
        "rows": rows,
        "baseline": frontier.baseline,
        "texts": wording.fairness_price_texts(parts=frontier.cost_parts),
        "complete": frontier.complete,
        "seconds": finite(frontier.seconds),
    }


def allocation_view_data(*, result: AllocationResult) -> dict:
    summary = result.summary
    return {
        "summary": summary,
        "period": month_of(result.period),
        "budget": finite(result.budget) or finite(summary.budget),
        "comparison": comparison_rows(result),
        "comparison_chart": comparison_chart(result),
        "coverage_chart": coverage_chart(result),
        "fairness": fairness_view_data(result),
        "frontier": frontier_view_data(result),
        "notes": wording.note_texts(parts=result.note_parts or None),
        "equity_weights": wording.equity_source_text(code=result.equity_weights_source or None),
        "forecast_run": result.forecast_run,
        "spend_by_supplier": summary.spend_by_supplier,
        "solver": wording.solver_text(solver=summary.solver),
    }


def allocation_line_texts(*, lines: Iterable[AllocationLine]) -> list[AllocationLine]:
    """The lines (with ``community`` and ``category`` loaded) with their explanation and
    weight reason in the active language, as ``explanation_text`` and ``weight_reason_text``.

    Lines stored before explanations had parts keep the engine's English text.
    """
    lines = list(lines)
    cities = dict(City.objects.values_list("adcode", "name"))
    regions = region_names()
    for line in lines:
        names = wording.Names(
            communities={line.community.code: line.community.name},
            categories={line.category.code: localised_name(line.category)},
            cities=cities,
            regions=regions,
        )
        line.explanation_text = wording.explanation_text(
            parts=line.explanation_parts,
            names=names,
        )
        line.weight_reason_text = wording.explanation_weight_reason(
            parts=line.explanation_parts, names=names
        )
    return lines


SCENARIO_METRICS = (
    "total_covered",
    "coverage",
    "weighted_coverage",
    "coverage_cv",
    "min_community_coverage",
    "urban_rural_gap",
    "spent",
)


def scenario_table(runs: Iterable[AnalysisRun]) -> dict:
    """Headline figures of several allocation runs side by side: one row per figure, one
    column per run (its whole-unit plan, with the baseline's value for the share metrics)."""
    runs = list(runs)
    columns = []
    kind = kinds.get("allocation")
    for run in runs:
        result = kind.load(run) or AllocationResult()
        summary = result.summary
        lp, base = summary.lp, summary.baseline
        columns.append(
            {
                "run": run,
                "budget": finite(result.budget) or finite(summary.budget),
                "available": finite(summary.available),
                "tau": finite(summary.tau_used),
                "period": month_of(result.period),
                "lp": lp,
                "baseline": base,
                "min_coverage": (run.params or {}).get("min_coverage"),
            }
        )
    rows = []
    for name in SCENARIO_METRICS:
        metric = METRICS[name]
        rows.append(
            {
                "label": metric.label,
                "unit": metric.unit,
                "cells": [
                    {
                        "lp": finite(c["lp"].get(name)),
                        "baseline": finite(c["baseline"].get(name)),
                    }
                    for c in columns
                ],
            }
        )
    return {"columns": columns, "rows": rows}


def page(request: HttpRequest, run: AnalysisRun, result: AllocationResult) -> dict:
    """The allocation page: the plan against the baseline, where its decision stands and the
    actions allowed now (administrators), its lines (filtered, paged), and the runs to compare
    it with."""
    # An administrator of an area reads the lines of its communities only (``Audience``).
    audience = Audience.of(request.user)
    filters = LineFilterForm(request.GET or None, communities=queries.community_scope(request.user))
    community = category = area = None
    if filters.is_bound and filters.is_valid():
        community = filters.cleaned_data["community"]
        category = filters.cleaned_data["category"]
        area = filters.cleaned_data.get("area")  # asked for over a province's communities
    lines = queries.allocation_lines(run=run, community=community, category=category)
    if area is not None:
        lines = lines.filter(community__area__path__startswith=area.path)
    if not audience.sees_all:
        lines = lines.filter(community__code__in=audience.codes)
    page = Paginator(lines, LINES_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = allocation_line_texts(lines=page.object_list)
    scenarios = ScenarioCompareForm(
        initial={"runs": [run.pk]}, runs=queries.allocation_runs_for_comparison()
    )
    return {
        "allocation": allocation_view_data(result=result),
        "plan_status": (
            queries.plan_status(run=run, user=request.user)
            if is_administrator(request.user)
            else None
        ),
        "filter_form": filters,
        "page_obj": page,
        "scenario_form": scenarios,
    }
