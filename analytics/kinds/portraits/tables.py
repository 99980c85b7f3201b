"""The portraits run's downloads: the segments (city-wide, as on the page's cards) and each
community's mix, demand and change, for the communities in the reader's scope."""

from __future__ import annotations

from analytics import wording
from analytics.exports import Table, count, num
from analytics.kinds.portraits.result import PortraitsResult
from analytics.reports import names
from core.disclosure import SUPPRESSED

SEGMENT_COLUMNS = (
    "segment",
    "description",
    "residents",
    "share",
    "mean_age",
    "requests_per_resident_month",
    "mean_satisfaction",
    "traits",
    "change_status",
    "previous_segment",
    "share_change_pp",
)
COMMUNITY_MIX_HEAD = ("community", "community_name", "residents")
COMMUNITY_MIX_TAIL = (
    "dominant_segment",
    "requests_per_month",
    "top_category",
    "top_category_name",
    "change_status",
    "residents_change",
    "requests_per_month_change",
)


def segments(*, result: PortraitsResult, **_: object) -> Table:
    changes = {c.segment: c for c in (result.changes.segments if result.changes else [])}
    rows = []
    for segment in result.segments:
        change = changes.get(segment.segment)
        rows.append(
            (
                segment.segment,
                ""
                if segment.suppressed
                else wording.description_text(parts=segment.description_parts or None),
                SUPPRESSED if segment.suppressed else count(segment.size),
                num(segment.share),
                num(segment.mean_age),
                num(segment.requests_per_resident_month),
                num(segment.mean_satisfaction),
                "; ".join(t.trait for t in segment.traits),
                change.status if change else "",
                change.previous_segment if change else None,
                num(change.share_change_pp) if change else None,
            )
        )
    return Table(SEGMENT_COLUMNS, rows)


def community_mix(*, result: PortraitsResult, **_: object) -> Table:
    """Each community's segment mix (``segment_<n>_share``, one column per segment of the
    run), demand and most requested category, and the change since the previous run."""
    k = len(result.segments)
    community_names, category_names = names()
    changes = {c.community: c for c in (result.changes.communities if result.changes else [])}
    rows = []
    for row in result.communities:
        change = changes.get(row.community)
        top = row.top_category or ""
        shares = [row.segment_shares[i] if i < len(row.segment_shares) else None for i in range(k)]
        rows.append(
            (
                row.community,
                community_names.get(row.community, ""),
                count(row.residents),
                *(num(share) for share in shares),
                row.dominant_segment,
                num(row.requests_per_month),
                top,
                category_names.get(top, ""),
                change.status if change else "",
                num(change.residents_change) if change else None,
                num(change.requests_per_month_change) if change else None,
            )
        )
    columns = (
        *COMMUNITY_MIX_HEAD,
        *(f"segment_{i}_share" for i in range(k)),
        *COMMUNITY_MIX_TAIL,
    )
    return Table(columns, rows)


TABLES = {"segments": segments, "communities": community_mix}
