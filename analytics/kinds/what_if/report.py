"""The what-if page: baseline and scenario per service (summed over the horizon), a bar chart,
the total, the assumptions and the caveat, in the active language."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from analytics import wording
from analytics.kinds.what_if.result import WhatIfFigures, WhatIfResult
from analytics.models import AnalysisRun
from analytics.reports import LP_COLOUR, names

SCENARIO_COLOUR = LP_COLOUR
WHAT_IF_BASELINE_COLOUR = "#b8c0cc"


def _figures(row: WhatIfFigures | None) -> dict:
    """A row's (a service's or the total's) figures and direction, for the page."""
    row = row or WhatIfFigures()
    return {
        "baseline": row.baseline,
        "scenario": row.scenario,
        "change": row.change,
        "change_percent": row.change_percent,
        "direction": row.direction,
        "direction_label": wording.direction_text(code=row.direction or None),
    }


def what_if_view_data(*, run: AnalysisRun, result: WhatIfResult) -> dict:
    community_names, category_names = names()
    code = result.community or (run.params or {}).get("community", "")
    rows = [
        {
            "category": row.category,
            "label": category_names.get(row.category, row.category),
            **_figures(row),
        }
        for row in result.categories
    ]
    return {
        "community_code": code,
        "community_name": community_names.get(code, code),
        "rows": rows,
        "total": _figures(result.total),
        "summary": wording.what_if_summary_text(parts=result.summary_parts or None),
        "assumptions": wording.what_if_assumption_texts(parts=result.assumption_parts or None),
        "caveat": wording.what_if_caveat_text(parts=result.caveat_parts or None),
        "first_month": result.first_month,
        "last_month": result.last_month,
        "horizon": result.horizon,
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


def page(request: HttpRequest, run: AnalysisRun, result: WhatIfResult) -> dict:
    return {"what_if": what_if_view_data(run=run, result=result)}
