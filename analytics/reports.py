"""What the pages of every run kind share: the names of communities, services, cities and
regions in the active language, finite numbers, months, and a run's parameters as
(label, value) pairs. Each kind's page is ``analytics.kinds.<kind>.report``.

Nothing here writes. Engine-generated text is worded in the active language from the
language-neutral parts the engine stores next to it (``analytics.wording``).
"""

from __future__ import annotations

import math

from django.utils.translation import gettext_lazy as _

from analytics import wording
from analytics.models import AnalysisRun
from core.localisation import localised_name
from residents.models import City, Community, Region
from services.models import ServiceCategory

LP_COLOUR = "#0f6e6e"


BASELINE_COLOUR = "#d97706"


def names() -> tuple[dict[str, str], dict[str, str]]:
    communities = dict(Community.objects.values_list("code", "name"))
    categories = {c.code: localised_name(c) for c in ServiceCategory.objects.all()}
    return communities, categories


def finite(value: object) -> float | None:
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def month_of(period: object) -> str:
    """``2026-11-01`` → ``2026-11`` (allocation periods are months)."""
    return str(period)[:7] if period else ""


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
        elif key == "min_coverage" and finite(value) is not None:
            text = f"{100 * float(value):.0f}%"
        elif key == "budget" and finite(value) is not None:
            text = f"{float(value):,.0f}"
        elif key == "category_budgets" and isinstance(value, dict):
            text = ", ".join(f"{k}: {float(v):,.0f}" for k, v in value.items())
        elif key == "forecast_run":
            text = f"#{value}"
        else:
            text = str(value)
        out.append((str(labels.get(key, key.replace("_", " "))), text))
    return out


def engine_text_names() -> wording.Names:
    """The names the engine's texts are worded with, in the active language: communities,
    categories, cities and regions by code."""
    communities, categories = names()
    return wording.Names(
        communities=communities,
        categories=categories,
        cities=dict(City.objects.values_list("adcode", "name")),
        regions=region_names(),
    )


def region_names() -> dict[str, str]:
    return {r.name: localised_name(r) for r in Region.objects.all()}


def run_error_text(run: AnalysisRun) -> str:
    """Why ``run`` failed, in the active language (empty when it did not)."""
    if not (run.error or run.error_parts):
        return ""
    communities, categories = names()
    return wording.run_error_text(
        parts=run.error_parts,
        error=run.error,
        names=wording.Names(communities=communities, categories=categories),
    )


def run_progress_text(run: AnalysisRun) -> str:
    """What ``run`` is doing now, in the active language."""
    return wording.progress_text(message=run.progress_message)
