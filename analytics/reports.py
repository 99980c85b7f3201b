"""A run's stored result shaped for the analytics pages: tables, chart data and verdicts.

What a user may see comes from ``analytics.queries`` (runs by role, results cut to the
communities a worker serves); this module only arranges it for display. City-wide aggregates
(segment descriptions, backtest errors) stay whole, as they describe no one in particular.

Nothing here writes. Engine-generated text (segment descriptions, line explanations, weight
reasons, notes, fairness flags) is worded in the active language from the language-neutral
parts the engine stores next to it (``analytics.texts``); results stored before the parts
existed show the engine's English.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics import queries, texts
from analytics.models import AllocationLine, AnalysisRun, DemandForecast
from core.localisation import localised_name
from residents.models import City, Community, User
from services.models import ServiceCategory

Kind = AnalysisRun.Kind
HISTORY_MONTHS = 24
COVERAGE_CHART_MAX = 60
LP_COLOUR = "#0f6e6e"
BASELINE_COLOUR = "#d97706"


def _names() -> tuple[dict[str, str], dict[str, str]]:
    communities = dict(Community.objects.values_list("code", "name"))
    categories = {c.code: localised_name(c) for c in ServiceCategory.objects.all()}
    return communities, categories


def _finite(value: object) -> float | None:
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def month_of(period: object) -> str:
    """``2026-11-01`` → ``2026-11`` (allocation periods are months)."""
    return str(period)[:7] if period else ""


# Run summaries ------------------------------------------------------------------------------


def params_summary(run: AnalysisRun) -> list[tuple[str, str]]:
    """The parameters of a run as (label, value) pairs for lists and headers."""
    params = run.params or {}
    labels = {
        "horizon": _("Horizon (months)"),
        "budget": _("Budget"),
        "min_coverage": _("Minimum coverage"),
        "category_budgets": _("Category budgets"),
        "forecast_run": _("Forecast run"),
        "need_basis": _("Need basis"),
        "as_of": _("As of"),
        "community": _("Community"),
        "older_residents_added": _("Residents aged 65+ added"),
        "schools_added": _("Schools added"),
        "population_change_percent": _("Population change (%)"),
    }
    out = []
    for key, value in params.items():
        if key == "community":
            name = Community.objects.filter(code=str(value)).values_list("name", flat=True).first()
            text = f"{name} ({value})" if name else str(value)
        elif key == "min_coverage" and _finite(value) is not None:
            text = f"{100 * float(value):.0f}%"
        elif key == "budget" and _finite(value) is not None:
            text = f"{float(value):,.0f}"
        elif key == "category_budgets" and isinstance(value, dict):
            text = ", ".join(f"{k}: {float(v):,.0f}" for k, v in value.items())
        elif key == "forecast_run":
            text = f"#{value}"
        else:
            text = str(value)
        out.append((str(labels.get(key, key.replace("_", " "))), text))
    return out


# Portraits ----------------------------------------------------------------------------------


def portraits_view_data(*, user: User, run: AnalysisRun) -> dict:
    result = run.result or {}
    codes = queries.visible_community_codes(user)
    community_names, category_names = _names()
    segments = result.get("segments") or []
    k = len(segments)
    changes = result.get("changes") or {}
    segment_changes = {c.get("segment"): c for c in changes.get("segments") or []}

    local_counts: dict[int, int] = {}
    if codes is not None:
        local_counts = dict(
            run.segments.filter(resident__community__code__in=codes)
            .values_list("segment")
            .annotate(n=Count("id"))
            .values_list("segment", "n")
        )
    local_total = sum(local_counts.values())

    cards = []
    for segment in segments:
        number = segment.get("segment")
        needs = segment.get("needs") or []
        cards.append(
            {
                "number": number,
                "description": texts.description_text(
                    parts=segment.get("description_parts"),
                    fallback=segment.get("description", ""),
                ),
                "size": segment.get("size"),
                "share": segment.get("share"),
                "local_size": local_counts.get(number, 0),
                "local_share": (local_counts.get(number, 0) / local_total) if local_total else None,
                "mean_age": _finite(segment.get("mean_age")),
                "requests_per_month": _finite(segment.get("requests_per_resident_month")),
                "satisfaction": _finite(segment.get("mean_satisfaction")),
                "traits": [
                    {**t, "label": texts.trait_label(trait=str(t.get("trait", "")))}
                    for t in (segment.get("traits") or [])[:4]
                ],
                "change": segment_changes.get(number),
                "chart_id": f"segment-needs-{number}",
                "chart": {
                    "x_label": str(_("Requests per 100 residents a year")),
                    "label": str(_("Requests per 100 residents a year")),
                    "labels": [category_names.get(n["category"], n["category"]) for n in needs],
                    "values": [
                        round(n.get("requests_per_100_residents_year", 0), 2) for n in needs
                    ],
                    "lifts": [round(n.get("lift", 1.0), 2) for n in needs],
                },
            }
        )

    community_changes = {
        c.get("community"): c
        for c in changes.get("communities") or []
        if codes is None or c.get("community") in codes
    }
    rows = []
    for row in result.get("communities") or []:
        code = row.get("community")
        if codes is not None and code not in codes:
            continue
        change = community_changes.get(code) or {}
        mix_change = change.get("segment_mix_change_pp") or {}
        biggest = max(mix_change.items(), key=lambda kv: abs(kv[1]), default=None)
        rows.append(
            {
                "code": code,
                "name": community_names.get(code, code),
                "residents": row.get("residents"),
                "mix": [row.get(f"segment_{i}_share") or 0.0 for i in range(k)],
                "dominant": row.get("dominant_segment"),
                "requests_per_month": _finite(row.get("requests_per_month")),
                "top_category": category_names.get(row.get("top_category") or "", "")
                or (row.get("top_category") or ""),
                "change_status": change.get("status"),
                "residents_change": change.get("residents_change"),
                "requests_change": _finite(change.get("requests_per_month_change")),
                "biggest_mix_change": (
                    {"segment": biggest[0].removeprefix("segment_"), "pp": biggest[1]}
                    if biggest
                    else None
                ),
            }
        )
    return {
        "segments": cards,
        "segment_numbers": [s.get("segment") for s in segments],
        "communities": rows,
        "has_changes": bool(changes),
        "previous_as_of": changes.get("previous_as_of"),
        "segments_gone": [
            {
                **gone,
                "description": texts.description_text(
                    parts=gone.get("description_parts"), fallback=gone.get("description", "")
                ),
            }
            for gone in changes.get("segments_gone") or []
        ],
        "k": k,
        "criterion": texts.criterion_text(
            parts=result.get("criterion_parts"), fallback=result.get("criterion", "")
        ),
        "as_of": result.get("as_of", ""),
        "residents": result.get("residents") or result.get("n_residents"),
        "window_months": result.get("window_months"),
        "local_total": local_total,
        "worker_view": codes is not None,
    }


# Forecasts ----------------------------------------------------------------------------------


def _improvement(row: dict) -> float | None:
    model, seasonal = _finite(row.get("wape_model")), _finite(row.get("wape_seasonal_naive"))
    if model is None or not seasonal:
        return None
    return 1 - model / seasonal


def backtest_rows(result: dict) -> list[dict]:
    """Overall row first, then one per category, each with the improvement over seasonal
    naive WAPE (positive = the model's error is lower)."""
    backtest = result.get("backtest") or {}
    category_names = _names()[1]
    rows = []
    if backtest.get("overall"):
        rows.append({"label": _("Overall"), "overall": True, **backtest["overall"]})
    for row in backtest.get("by_group") or []:
        group = row.get("group", "")
        rows.append({"label": category_names.get(group, group), "overall": False, **row})
    for row in rows:
        row["improvement"] = _improvement(row)
    return rows


def _month_range(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    end_year, end_month = map(int, last.split("-"))
    out = []
    while (year, month) <= (end_year, end_month):
        out.append(f"{year:04d}-{month:02d}")
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return out


def _shift_month(month: str, delta: int) -> str:
    year, mon = map(int, month.split("-"))
    index = year * 12 + (mon - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def forecast_chart(
    *, run: AnalysisRun, community: Community, category: ServiceCategory
) -> dict | None:
    """Actual monthly counts (the last two years up to the run's last month) and the run's
    forecasts with their 80% band, for one community and category."""
    forecasts = list(
        DemandForecast.objects.filter(run=run, community=community, category=category)
        .order_by("period")
        .values_list("period", "forecast", "lower", "upper")
    )
    last_month = (run.result or {}).get("last_month")
    if not forecasts and not last_month:
        return None
    if not last_month:
        last_month = _shift_month(forecasts[0][0].strftime("%Y-%m"), -1)
    first_month = _shift_month(last_month, -(HISTORY_MONTHS - 1))
    start = date(*map(int, first_month.split("-")), 1)
    actual = queries.monthly_actuals(community=community, category=category, start=start)
    forecast_months = [p.strftime("%Y-%m") for p, *_ in forecasts]
    history = _month_range(first_month, last_month)
    # Forecast months already over (an older run) show their actual counts for comparison.
    this_month = timezone.localdate().strftime("%Y-%m")
    labels = history + [m for m in forecast_months if m not in history]
    by_month = {p.strftime("%Y-%m"): (f, lo, hi) for p, f, lo, hi in forecasts}

    def series(index: int) -> list[float | None]:
        values: list[float | None] = []
        for month in labels:
            if month in by_month:
                values.append(round(by_month[month][index], 2))
            elif month == last_month:
                # Join the forecast line to the last actual month.
                values.append(float(actual.get(month, 0)))
            else:
                values.append(None)
        return values

    return {
        "labels": labels,
        # A month still under way would look like a drop: only complete months are shown.
        "actual": [actual.get(m, 0) if m < this_month else None for m in labels],
        "forecast": series(0),
        "lower": series(1),
        "upper": series(2),
        "names": {
            "actual": str(_("Actual requests")),
            "forecast": str(_("Forecast")),
            "lower": str(_("%(level)s interval, lower") % {"level": "80%"}),
            "upper": str(_("%(level)s interval, upper") % {"level": "80%"}),
        },
        "y_label": str(_("Requests per month")),
        "table": [
            {"month": m, "forecast": f, "lower": lo, "upper": hi}
            for m, (f, lo, hi) in sorted(by_month.items())
        ],
    }


def community_forecast_table(*, run: AnalysisRun, community: Community) -> dict:
    """The run's forecasts for one community: one row per category, one column per month."""
    rows = DemandForecast.objects.filter(run=run, community=community).select_related("category")
    months: list[str] = sorted({r.period.strftime("%Y-%m") for r in rows})
    by_category: dict[int, dict] = {}
    for r in rows:
        entry = by_category.setdefault(
            r.category_id, {"category": localised_name(r.category), "cells": {}}
        )
        entry["cells"][r.period.strftime("%Y-%m")] = r
    table = [
        {"category": e["category"], "cells": [e["cells"].get(m) for m in months]}
        for e in sorted(by_category.values(), key=lambda e: e["category"])
    ]
    return {"months": months, "rows": table}


# What-if scenarios --------------------------------------------------------------------------

SCENARIO_COLOUR = LP_COLOUR
WHAT_IF_BASELINE_COLOUR = "#b8c0cc"


def _what_if_figures(row: dict) -> dict:
    """A what-if row's (a service's or the total's) figures and direction, for the page."""
    return {
        "baseline": _finite(row.get("baseline")),
        "scenario": _finite(row.get("scenario")),
        "change": _finite(row.get("change")),
        "change_percent": _finite(row.get("change_percent")),
        "direction": row.get("direction", ""),
        "direction_label": texts.direction_text(code=row.get("direction")),
    }


def what_if_view_data(*, run: AnalysisRun) -> dict:
    """A what-if run's table (baseline and scenario per service, summed over the horizon), its
    bar chart, the total, the assumptions and the caveat, in the active language."""
    result = run.result or {}
    community_names, category_names = _names()
    code = result.get("community") or (run.params or {}).get("community", "")
    rows = []
    for row in result.get("categories") or []:
        category = row.get("category", "")
        rows.append(
            {
                "category": category,
                "label": category_names.get(category, category),
                **_what_if_figures(row),
            }
        )
    total = result.get("total") or {}
    return {
        "community_code": code,
        "community_name": community_names.get(code, code),
        "rows": rows,
        "total": _what_if_figures(total),
        "summary": texts.what_if_summary_text(
            parts=result.get("summary_parts"), fallback=result.get("summary", "")
        ),
        "assumptions": texts.what_if_assumption_texts(
            assumptions=result.get("assumptions") or [], parts=result.get("assumption_parts")
        ),
        "caveat": texts.what_if_caveat_text(
            parts=result.get("caveat_parts"), fallback=result.get("caveat", "")
        ),
        "first_month": result.get("first_month"),
        "last_month": result.get("last_month"),
        "horizon": result.get("horizon"),
        "chart": {
            "labels": [str(r["label"]) for r in rows],
            "series": [
                {
                    "label": str(_("Baseline forecast")),
                    "values": [
                        None if r["baseline"] is None else round(r["baseline"], 2) for r in rows
                    ],
                    "color": WHAT_IF_BASELINE_COLOUR,
                },
                {
                    "label": str(_("Scenario")),
                    "values": [
                        None if r["scenario"] is None else round(r["scenario"], 2) for r in rows
                    ],
                    "color": SCENARIO_COLOUR,
                },
            ],
            "y_label": str(_("Requests over the horizon")),
        },
    }


# Allocation ---------------------------------------------------------------------------------


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


def comparison_rows(result: dict) -> list[dict]:
    rows = []
    for row in result.get("comparison") or []:
        name = row.get("metric", "")
        metric = METRICS.get(name, Metric(name.replace("_", " "), "ratio", ""))
        lp, baseline = _finite(row.get("lp")), _finite(row.get("baseline"))
        rows.append(
            {
                "metric": name,
                "label": metric.label,
                "unit": metric.unit,
                "lp": lp,
                "baseline": baseline,
                "difference": _finite(row.get("difference")),
                "verdict": _verdict(metric, lp, baseline),
            }
        )
    return rows


def comparison_chart(result: dict) -> dict:
    """Bar chart of the share metrics, LP plan against the proportional baseline (%)."""
    shown = [
        "coverage",
        "weighted_coverage",
        "min_community_coverage",
        "urban_coverage",
        "rural_coverage",
    ]
    by_name = {r.get("metric"): r for r in result.get("comparison") or []}
    names = [n for n in shown if n in by_name]
    return {
        "labels": [str(METRICS[n].label) for n in names],
        "series": [
            {
                "label": str(_("LP plan")),
                "values": [round(100 * (_finite(by_name[n]["lp"]) or 0), 2) for n in names],
                "color": LP_COLOUR,
            },
            {
                "label": str(_("Population-proportional baseline")),
                "values": [round(100 * (_finite(by_name[n]["baseline"]) or 0), 2) for n in names],
                "color": BASELINE_COLOUR,
            },
        ],
        "y_label": "%",
    }


def coverage_chart(result: dict) -> dict:
    """Coverage of need per community: now, after the LP plan, after the baseline (%)."""
    community_names = _names()[0]
    every = sorted(
        result.get("communities") or [],
        key=lambda r: (_finite(r.get("coverage_after")) or 0, r.get("community", "")),
    )
    # A city of thousands of communities would make an unreadable chart: show the least covered.
    rows = every[:COVERAGE_CHART_MAX]

    def pct(row: dict, key: str) -> float | None:
        value = _finite(row.get(key))
        return None if value is None else round(100 * value, 2)

    return {
        "labels": [community_names.get(r.get("community"), r.get("community")) for r in rows],
        "series": [
            {
                "label": str(_("Before the plan")),
                "values": [pct(r, "coverage_before") for r in rows],
                "color": "#b8c0cc",
            },
            {
                "label": str(_("LP plan")),
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
        "kinds": [r.get("kind", "") for r in rows],
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


def fairness_view_data(result: dict) -> dict | None:
    """The fairness audit stored with an allocation run, or ``None`` when the run carries
    none (the page says the audit is not computed; it never shows made-up figures)."""
    audit = result.get("fairness")
    if not isinstance(audit, dict):
        return None
    groups = []
    for row in audit.get("groups") or []:
        groups.append(
            {
                **row,
                "dimension_label": FAIRNESS_DIMENSIONS.get(
                    row.get("dimension"), str(row.get("dimension", "")).replace("_", " ")
                ),
                "group_label": texts.fairness_group_label(group=row.get("group", "")),
            }
        )
    return {
        "groups": groups,
        "flags": texts.flag_texts(flags=audit.get("flags") or [], parts=audit.get("flag_parts")),
        "threshold": _finite(audit.get("threshold")),
        "overall_allocation_ratio": _finite(audit.get("overall_allocation_ratio")),
        "overall_forecast_wape": _finite(audit.get("overall_forecast_wape")),
        "unattributed_need_share": _finite(audit.get("unattributed_need_share")),
        "weighting": texts.fairness_weighting_text(
            code=audit.get("weighting_code"), fallback=audit.get("weighting", "")
        ),
        "notes": audit.get("notes") or [],
        "has_forecast_error": any("forecast_wape" in g for g in groups),
    }


def allocation_view_data(*, run: AnalysisRun) -> dict:
    result = run.result or {}
    summary = result.get("summary") or {}
    return {
        "summary": summary,
        "period": month_of(result.get("period")),
        "budget": _finite(result.get("budget")) or _finite(summary.get("budget")),
        "comparison": comparison_rows(result),
        "comparison_chart": comparison_chart(result),
        "coverage_chart": coverage_chart(result),
        "fairness": fairness_view_data(result),
        "notes": texts.note_texts(notes=result.get("notes") or [], parts=result.get("note_parts")),
        "equity_weights": texts.equity_source_text(
            code=result.get("equity_weights_source"), fallback=result.get("equity_weights", "")
        ),
        "forecast_run": result.get("forecast_run"),
        "spend_by_supplier": summary.get("spend_by_supplier") or {},
        "solver": texts.solver_text(solver=summary.get("solver")),
    }


def allocation_line_texts(*, lines: Iterable[AllocationLine]) -> list[AllocationLine]:
    """The lines (with ``community`` and ``category`` loaded) with their explanation and
    weight reason in the active language, as ``explanation_text`` and ``weight_reason_text``.

    Lines stored before explanations had parts keep the engine's English text.
    """
    lines = list(lines)
    cities = dict(City.objects.values_list("adcode", "name"))
    regions = _region_names()
    for line in lines:
        names = texts.Names(
            communities={line.community.code: line.community.name},
            categories={line.category.code: localised_name(line.category)},
            cities=cities,
            regions=regions,
        )
        line.explanation_text = texts.explanation_text(
            parts=line.explanation_parts,
            fallback=line.explanation,
            weight_reason=line.weight_reason,
            names=names,
        )
        line.weight_reason_text = texts.explanation_weight_reason(
            parts=line.explanation_parts, fallback=line.weight_reason, names=names
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
    column per run (LP plan, with the baseline's value for the share metrics)."""
    runs = list(runs)
    columns = []
    for run in runs:
        result = run.result or {}
        summary = result.get("summary") or {}
        lp, base = summary.get("lp") or {}, summary.get("baseline") or {}
        columns.append(
            {
                "run": run,
                "budget": _finite(result.get("budget")) or _finite(summary.get("budget")),
                "available": _finite(summary.get("available")),
                "tau": _finite(summary.get("tau_used")),
                "period": month_of(result.get("period")),
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
                        "lp": _finite(c["lp"].get(name)),
                        "baseline": _finite(c["baseline"].get(name)),
                    }
                    for c in columns
                ],
            }
        )
    return {"columns": columns, "rows": rows}


# Equalization -------------------------------------------------------------------------------

SCORE_LABELS = {
    "pubindicator": _("Development level (pubindicator)"),
    "E": _("Urban–rural differentiation (E)"),
    "diggovment": _("Digital government level (diggovment)"),
}
TABLE2_LABELS = {
    "Digital government construction level": _("Digital government construction level"),
    "Public service score": _("Public service score"),
    "Urban-rural differentiation": _("Urban–rural differentiation"),
    "GDP per capita": _("GDP per capita"),
    "Industrial structure": _("Industrial structure"),
    "Constant term": _("Constant term"),
}
TABLE2_MODELS = {
    "model1": _("Model 1: development level (pubindicator)"),
    "model2": _("Model 2: urban–rural differentiation (E)"),
}
TREND_COLUMNS = ("cv", "theil", "theil_within", "theil_between", "theil_between_share", "gini")


def engine_text_names() -> texts.Names:
    """The names the engine's texts are worded with, in the active language: communities,
    categories, cities and regions by code."""
    communities, categories = _names()
    return texts.Names(
        communities=communities,
        categories=categories,
        cities=dict(City.objects.values_list("adcode", "name")),
        regions=_region_names(),
    )


def _region_names() -> dict[str, str]:
    from residents.models import Region

    return {r.name: localised_name(r) for r in Region.objects.all()}


def _table2_label(label: str) -> str:
    """Translate an engine row label; a trailing ``*`` (the lagged term) is kept."""
    base, lagged = (label[:-1], "*") if label.endswith("*") else (label, "")
    return f"{TABLE2_LABELS.get(base, base)}{lagged}"


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _table1(result: dict, regions: dict[str, str]) -> list[dict]:
    table1 = _dict(result.get("table1"))
    computed, paper = _dict(table1.get("computed")), _dict(table1.get("paper"))
    regional = _dict(result.get("regional_cv"))
    names = list(computed) or [r for r in _dict(regional.get("pubindicator")) if r != "All"]
    rows = []
    for region in [*names, "All"]:
        by_score = {score: _dict(_dict(regional.get(score)).get(region)) for score in SCORE_LABELS}
        value = _finite(computed.get(region))
        if value is None:
            value = _finite(by_score["pubindicator"].get("cv"))
        if region == "All" and value is None:
            continue
        target = _finite(paper.get(region))
        rows.append(
            {
                "region": region,
                "label": _("All cities") if region == "All" else regions.get(region, region),
                "all": region == "All",
                "cv": value,
                "paper": target,
                "difference": None if value is None or target is None else value - target,
                "cv_e": _finite(by_score["E"].get("cv")),
                "cv_digital": _finite(by_score["diggovment"].get("cv")),
                "cities": by_score["pubindicator"].get("cities"),
                "mean": _finite(by_score["pubindicator"].get("mean")),
            }
        )
    return rows


def _trend_rows(result: dict, score: str) -> list[dict]:
    trends = _dict(_dict(result.get("trends")).get(score))
    return [
        {"year": year, **{c: _finite(_dict(row).get(c)) for c in TREND_COLUMNS}}
        for year, row in sorted(trends.items())
    ]


def _table2(result: dict, regions: dict[str, str]) -> list[dict]:
    tables = []
    for key, title in TABLE2_MODELS.items():
        table = _dict(_dict(result.get("table2")).get(key))
        if not table:
            continue
        columns = _dict(table.get("columns"))
        names = list(columns)
        rows = []
        for label in table.get("rows") or []:
            cells = []
            for region in names:
                cell = _dict(_dict(columns[region].get("cells")).get(label))
                cells.append(
                    {
                        "coef": _finite(cell.get("coef")),
                        "t": _finite(cell.get("t")),
                        "stars": cell.get("stars", ""),
                    }
                    if cell
                    else None
                )
            rows.append({"label": _table2_label(label), "cells": cells})
        footer = []
        for stat, label in (
            ("sargan_p", _("Sargan test (p)")),
            ("hansen_p", _("Hansen test (p)")),
            ("ar2_p", _("AR(2) test (p)")),
            ("observations", _("Observations")),
            ("groups", _("Cities")),
            ("instruments", _("Instruments")),
        ):
            values = [columns[r].get(stat) for r in names]
            if any(v is not None for v in values):
                footer.append({"label": label, "stat": stat, "values": values})
        long_run = [_dict(columns[r].get("long_run_diggovment")) for r in names]
        tables.append(
            {
                "key": key,
                "title": title,
                "dependent": table.get("dependent", ""),
                "regions": [_("Pooled") if r == "Pooled" else regions.get(r, r) for r in names],
                "rows": rows,
                "footer": footer,
                "long_run": [
                    {
                        "effect": _finite(lr.get("effect")),
                        "se": _finite(lr.get("se")),
                        "p": _finite(lr.get("p")),
                    }
                    for lr in long_run
                ],
                "errors": [
                    (regions.get(r, r), columns[r]["error"])
                    for r in names
                    if columns[r].get("error")
                ],
                "warnings": [
                    (regions.get(r, r), w) for r in names for w in columns[r].get("warnings") or []
                ],
            }
        )
    return tables


def _equity(result: dict) -> dict:
    weights = _dict(result.get("equity_weights"))
    city_rows = [r for r in weights.get("cities") or [] if isinstance(r, dict)]
    types = [r for r in weights.get("community_types") or [] if isinstance(r, dict)]
    # The cities this installation has communities in: their weights reach the allocation.
    local = set(Community.objects.values_list("city__adcode", flat=True).distinct())
    names = {r.get("city_code"): r.get("name", r.get("city_code")) for r in city_rows}
    kind_labels = dict(Community.Kind.choices)
    reason_names = texts.Names(cities=names, regions=_region_names())

    def reason(row: dict) -> str:
        return texts.weight_reason_text(
            parts=row.get("reason_parts"), fallback=row.get("reason", ""), names=reason_names
        )

    local_types = [
        {
            **r,
            "city": names.get(r.get("city_code"), r.get("city_code")),
            "kind_label": kind_labels.get(r.get("kind"), r.get("kind")),
            "reason": reason(r),
        }
        for r in types
        if r.get("city_code") in local
    ]
    top = [
        {**r, "reason": reason(r)}
        for r in sorted(city_rows, key=lambda r: -(_finite(r.get("weight")) or 0))[:15]
    ]
    lag = _dict(weights.get("lag"))
    if lag:
        lag = {**lag, "summary": texts.effect_lag_text(lag=lag, fallback=lag.get("summary", ""))}
    return {
        "year": weights.get("year"),
        "lag": lag or None,
        "local_types": local_types,
        "top_cities": top,
        "n_cities": len(city_rows),
        "n_above_one": sum(1 for r in city_rows if (_finite(r.get("weight")) or 0) > 1 + 1e-9),
    }


def equalization_view_data(*, run: AnalysisRun) -> dict:
    """Table 1, Table 2, long-run effects, trends, PCA diagnostics and equity weights of an
    equalization run. Every part is optional: a missing key leaves its section out."""
    result = run.result or {}
    regions = _region_names()
    table1 = _table1(result, regions)
    by_region = [r for r in table1 if not r["all"]]
    cv_by_year = _dict(_dict(result.get("cv_by_year")).get("pubindicator"))
    years = sorted(cv_by_year)
    region_keys = [r["region"] for r in by_region]
    trends = {score: _trend_rows(result, score) for score in ("pubindicator", "E")}
    main_trend = trends["pubindicator"]
    pca = []
    for score, data in _dict(result.get("scores")).items():
        data = _dict(data)
        bartlett = _dict(data.get("bartlett"))
        pca.append(
            {
                "label": SCORE_LABELS.get(score, data.get("label", score)),
                "indicators": len(data.get("columns") or []),
                "retained": data.get("retained"),
                "rule": texts.retention_rule_text(rule=data.get("retention_rule")),
                "variance": _finite(data.get("cumulative_variance_retained")),
                "kmo": _finite(data.get("kmo")),
                "bartlett_p": _finite(bartlett.get("p_value")),
            }
        )
    return {
        "synthetic": bool(result.get("synthetic")),
        "data_source": texts.data_source_text(source=result.get("data_source")),
        "panel": _dict(result.get("panel")),
        "imputed_cells": _dict(result.get("interpolation")).get("imputed_cells"),
        "table1": table1,
        "table1_chart": {
            "labels": [str(r["label"]) for r in by_region],
            "series": [
                {
                    "label": str(_("This run")),
                    "values": [r["cv"] for r in by_region],
                    "color": LP_COLOUR,
                },
                {
                    "label": str(_("Paper, Table 1")),
                    "values": [r["paper"] for r in by_region],
                    "color": BASELINE_COLOUR,
                },
            ],
            "y_label": str(_("Coefficient of variation")),
        },
        "cv_by_year_chart": {
            "labels": years,
            "series": [
                {
                    "label": str(r["label"]),
                    "values": [_finite(_dict(cv_by_year[y]).get(key)) for y in years],
                }
                for key, r in zip(region_keys, by_region, strict=True)
            ],
            "y_label": str(_("Coefficient of variation")),
        }
        if years
        else None,
        "trends": trends,
        "trends_chart": {
            "labels": [r["year"] for r in main_trend],
            "series": [
                {"label": str(_("Theil index")), "values": [r["theil"] for r in main_trend]},
                {"label": str(_("Gini coefficient")), "values": [r["gini"] for r in main_trend]},
                {
                    "label": str(_("Coefficient of variation")),
                    "values": [r["cv"] for r in main_trend],
                },
            ],
            "begin_at_zero": True,
        }
        if main_trend
        else None,
        "table2": _table2(result, regions),
        "pca": pca,
        "equity": _equity(result),
        "score_labels": SCORE_LABELS,
    }
