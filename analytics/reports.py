"""What the pages of every run kind share: the names of communities, services, cities and
regions in the active language, finite numbers, months, and a run's parameters as
(label, value) pairs. Each kind's page is ``analytics.kinds.<kind>.report``.

Nothing here writes. Engine-generated text is worded in the active language from the
language-neutral parts the engine stores next to it (``analytics.wording``).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from analytics import partitions, wording
from analytics.models import AnalysisRun
from core.localisation import labelled, localised_name, with_code
from residents.models import City, Community, Region
from services.models import ServiceCategory

LP_COLOUR = "#0f6e6e"


BASELINE_COLOUR = "#d97706"


def names(codes: Collection[str] | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """Community names by code (those of ``codes`` only, when given: a province has tens of
    thousands) and the services' names in the active language by code."""
    # Unordered: the model's default order joins the cities, for nothing in a dict.
    communities = Community.objects.order_by()
    if codes is not None:
        communities = communities.filter(code__in=codes)
    return dict(communities.values_list("code", "name")), category_names()


def category_names() -> dict[str, str]:
    """The services' names in the active language by code."""
    return {c.code: localised_name(c) for c in ServiceCategory.objects.all()}


def finite(value: object) -> float | None:
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def month_of(period: object) -> str:
    """``2026-11-01`` → ``2026-11`` (allocation periods are months)."""
    return str(period)[:7] if period else ""


# Parameters stored by older runs that no kind declares any more.
_LEGACY_PARAM_LABELS = {"need_basis": _("Need basis")}


def _plain_number(value: float) -> str:
    """1 → "1", 12.5 → "12.5", 560000 → "560,000"."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _param_text(param, value: object) -> str:
    kind = param.type if param is not None else ""
    if kind == "number" and finite(value) is not None:
        number = float(value)  # type: ignore[arg-type]
        return f"{100 * number:.0f}%" if param.share else _plain_number(number)
    if kind == "amounts" and isinstance(value, dict):
        _communities, categories = names()
        return gettext(", ").join(
            labelled(categories.get(code, code), _plain_number(float(amount)))
            for code, amount in value.items()
        )
    if kind == "community":
        name = Community.objects.filter(code=str(value)).values_list("name", flat=True).first()
        return with_code(name, value) if name else str(value)
    if kind == "forecast_run":
        return f"#{value}"
    if kind == "cities" and isinstance(value, list):
        place_names = partitions.names(value)
        return gettext(", ").join(place_names.get(str(code), str(code)) for code in value)
    return str(value)


def params_summary(run: AnalysisRun) -> list[tuple[str, str]]:
    """The parameters of a run as (label, value) pairs for lists and headers, labelled as the
    kind declares them (``analytics.kinds.<kind>.params``) in the reader's language."""
    from analytics import kinds

    declared = {p.name: p for p in kinds.get(run.kind).form.param_set.params}
    out = []
    for key, value in (run.params or {}).items():
        param = declared.get(key)
        label = param.label if param is not None else _LEGACY_PARAM_LABELS.get(key, key)
        out.append((str(label), _param_text(param, value)))
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
    if not run.error_parts:
        # The executor's own phrases need no names (and no queries).
        return wording.run_error_text(parts=[], error=run.error)
    communities, categories = names()
    return wording.run_error_text(
        parts=run.error_parts,
        error=run.error,
        names=wording.Names(communities=communities, categories=categories),
    )


@dataclass(frozen=True)
class PartRow:
    """One part of a province run as its page and the API show it."""

    partition: str
    name: str
    status: str
    status_display: str
    progress: int
    progress_text: str
    attempts: int
    worker: str
    error_text: str

    def to_json(self, *, with_worker: bool = False) -> dict:
        data = {
            "partition": self.partition,
            "name": self.name,
            "status": self.status,
            "status_display": self.status_display,
            "progress": self.progress,
            "progress_message": self.progress_text,
            "attempts": self.attempts,
        }
        if with_worker:
            data["worker"] = self.worker
        return data


def run_parts(run: AnalysisRun) -> list[PartRow]:
    """A province run's parts, city by city, in the active language (empty for a run that
    is not split)."""
    parts = list(run.parts.order_by("partition"))
    if not parts:
        return []
    place_names = partitions.names(p.partition for p in parts)
    return [
        PartRow(
            partition=part.partition,
            name=place_names.get(part.partition, part.partition),
            status=part.status,
            status_display=str(part.get_status_display()),
            progress=part.progress,
            progress_text=wording.progress_text(message=part.progress_message),
            attempts=part.attempts,
            worker=part.worker_host,
            error_text=wording.run_error_text(parts=[], error=part.error) if part.error else "",
        )
        for part in parts
    ]


def run_progress_text(run: AnalysisRun) -> str:
    """What ``run`` is doing now, in the active language."""
    return wording.progress_text(message=run.progress_message)
