"""The portraits page: segment cards (city-wide, with the reader's own communities' share of
each), and each community's mix, demand and change since the previous run, from the result as
the reader may see it (``scope``)."""

from __future__ import annotations

from collections.abc import Collection

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from analytics import wording
from analytics.kinds.base import Audience
from analytics.kinds.portraits.result import PortraitsResult
from analytics.models import AnalysisRun
from analytics.reports import finite, names
from residents.models import User

COMMUNITIES_PAGE_SIZE = 100


def _local_counts(run: AnalysisRun, audience: Audience) -> dict[int, int]:
    """Residents per segment in the reader's communities (none for administrators)."""
    if audience.sees_all:
        return {}
    return dict(
        run.segments.filter(resident__community__code__in=audience.codes)
        .values_list("segment")
        .annotate(n=Count("id"))
        .values_list("segment", "n")
    )


def portraits_view_data(
    *,
    user: User | Audience,
    run: AnalysisRun,
    result: PortraitsResult,
    codes: Collection[str] | None = None,
) -> dict:
    """The page's segment cards and community rows; with ``codes``, the rows of those
    communities only (the dashboard shows 20 of a province's thousands)."""
    audience = Audience.of(user)
    community_names, category_names = names(codes=codes)
    k = len(result.segments)
    changes = result.changes
    segment_changes = {c.segment: c for c in (changes.segments if changes else [])}
    local_counts = _local_counts(run, audience)
    local_total = sum(local_counts.values())

    cards = []
    for segment in result.segments:
        number = segment.segment
        cards.append(
            {
                "number": number,
                "description": wording.description_text(parts=segment.description_parts or None),
                "size": segment.size,
                "share": segment.share,
                "suppressed": segment.suppressed,
                # The reader's own residents in a segment, hidden when too few to show.
                "local_small": audience.too_small(local_counts.get(number, 0) or None),
                "local_size": None
                if audience.too_small(local_counts.get(number, 0) or None)
                else local_counts.get(number, 0),
                "local_share": (local_counts.get(number, 0) / local_total) if local_total else None,
                "mean_age": finite(segment.mean_age),
                "requests_per_month": finite(segment.requests_per_resident_month),
                "satisfaction": finite(segment.mean_satisfaction),
                "traits": [
                    {**t.to_json(), "label": wording.trait_label(trait=t.trait)}
                    for t in segment.traits[:4]
                ],
                "change": segment_changes.get(number),
                "chart_id": f"segment-needs-{number}",
                "chart": {
                    "x_label": str(_("Requests per 100 residents a year")),
                    "label": str(_("Requests per 100 residents a year")),
                    "labels": [category_names.get(n.category, n.category) for n in segment.needs],
                    "values": [
                        round(n.requests_per_100_residents_year or 0, 2) for n in segment.needs
                    ],
                    "lifts": [round(1.0 if n.lift is None else n.lift, 2) for n in segment.needs],
                },
            }
        )

    community_changes = {c.community: c for c in (changes.communities if changes else [])}
    rows = []
    for row in result.communities:
        code = row.community
        if codes is not None and code not in codes:
            continue
        change = community_changes.get(code)
        mix_change = change.segment_mix_change_pp if change else {}
        biggest = max(mix_change.items(), key=lambda kv: abs(kv[1] or 0), default=None)
        top = row.top_category or ""
        rows.append(
            {
                "code": code,
                "name": community_names.get(code, code),
                "residents": row.residents,
                "suppressed": row.suppressed,
                "mix": [
                    (row.segment_shares[i] if i < len(row.segment_shares) else None) or 0.0
                    for i in range(k)
                ]
                if not row.suppressed
                else [None] * k,
                "dominant": row.dominant_segment,
                "requests_per_month": finite(row.requests_per_month),
                "top_category": category_names.get(top, "") or top,
                "change_status": change.status if change else None,
                "residents_change": change.residents_change if change else None,
                "requests_change": finite(change.requests_per_month_change) if change else None,
                "biggest_mix_change": (
                    {"segment": biggest[0].removeprefix("segment_"), "pp": biggest[1]}
                    if biggest
                    else None
                ),
            }
        )
    return {
        "segments": cards,
        "segment_numbers": [s.segment for s in result.segments],
        "communities": rows,
        "has_changes": changes is not None,
        "previous_as_of": changes.previous_as_of if changes else None,
        "segments_gone": [
            {
                "segment": gone.segment,
                "description": wording.description_text(parts=gone.description_parts),
            }
            for gone in (changes.segments_gone if changes else [])
        ],
        "k": k,
        "criterion": wording.criterion_text(parts=result.criterion_parts or None),
        "as_of": result.as_of,
        "residents": result.residents or result.n_residents,
        "window_months": result.window_months,
        "local_total": local_total,
        "worker_view": not audience.sees_all,
    }


def page(request: HttpRequest, run: AnalysisRun, result: PortraitsResult) -> dict:
    portraits = portraits_view_data(user=request.user, run=run, result=result)
    page_obj = Paginator(portraits["communities"], COMMUNITIES_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return {"portraits": portraits, "page_obj": page_obj}
