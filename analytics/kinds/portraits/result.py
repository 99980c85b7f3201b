"""The typed result of a portraits run: resident segments (city-wide: they describe no one in
particular), each community's mix of segments and demand, the changes since the previous run,
and what a reader may see of them.

The segment of each resident is a row (``ResidentSegment``), never part of the result.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Self

from analytics.kinds.base import Audience
from analytics.kinds.schema import Result, SchemaError, Sparse, record_fields, to_json

_SEGMENT_SHARE = re.compile(r"^segment_(\d+)_share$")
_NEED_SHARE = "need_share_"


@dataclass(kw_only=True)
class Trait(Sparse):
    """A trait a segment stands out by: its share of the segment's residents, of all
    residents, and their ratio (``lift``)."""

    trait: str = ""
    share: float | None = None
    population_share: float | None = None
    lift: float | None = None


@dataclass(kw_only=True)
class Need(Sparse):
    """A service the segment requests (``category``, in its first-level ``dimension``): how
    often per 100 residents a year, and how much more than all residents (``lift``)."""

    category: str = ""
    dimension: str = ""
    requests_per_100_residents_year: float | None = None
    lift: float | None = None


@dataclass(kw_only=True)
class Segment:
    segment: int = 0
    size: int | None = None
    share: float | None = None
    description_parts: list[dict[str, Any]] = field(default_factory=list)
    traits: list[Trait] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)
    profile: dict[str, float | None] = field(default_factory=dict)
    mean_age: float | None = None
    requests_per_resident_month: float | None = None
    mean_satisfaction: float | None = None
    # Too few residents for the reader to see its figures or its description (a description
    # of three residents describes them).
    suppressed: bool = False


@dataclass(kw_only=True)
class PortraitCommunity:
    """One community's residents, segment mix, demand and most requested service. Stored
    flat, one key per segment (``segment_<n>_share``) and per dimension of need
    (``need_share_<dimension>``), as the engine's table has them. ``suppressed``: too few
    residents for the reader to see its figures."""

    community: str = ""
    residents: int | None = None
    segment_shares: list[float | None] = field(default_factory=list)
    dominant_segment: int | None = None
    requests_per_month: float | None = None
    need_shares: dict[str, float | None] = field(default_factory=dict)
    top_category: str | None = None
    suppressed: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"community": self.community, "residents": self.residents}
        data.update({f"segment_{i}_share": s for i, s in enumerate(self.segment_shares)})
        data.update(
            dominant_segment=self.dominant_segment,
            requests_per_month=self.requests_per_month,
        )
        data.update({f"{_NEED_SHARE}{d}": s for d, s in self.need_shares.items()})
        data.update(top_category=self.top_category, suppressed=self.suppressed)
        return to_json(data)

    @classmethod
    def from_json(cls, data: Mapping, *, where: str = "community") -> Self:
        plain: dict[str, Any] = {}
        shares: dict[int, float | None] = {}
        needs: dict[str, float | None] = {}
        for key, value in data.items():
            if match := _SEGMENT_SHARE.match(key):
                shares[int(match.group(1))] = value
            elif key.startswith(_NEED_SHARE):
                needs[key.removeprefix(_NEED_SHARE)] = value
            else:
                plain[key] = value
        if shares and sorted(shares) != list(range(len(shares))):
            raise SchemaError(f"{where}: segment shares are not numbered 0 to {len(shares) - 1}")
        row = record_fields(cls, plain, where=where)
        row.segment_shares = [shares[i] for i in range(len(shares))]
        row.need_shares = needs
        return row


@dataclass(kw_only=True)
class CommunityChange:
    community: str = ""
    status: str = ""  # "new" or "compared"
    segment_mix_change_pp: dict[str, float | None] = field(default_factory=dict)
    residents_change: int | None = None
    requests_per_month_change: float | None = None
    need_share_change_pp: dict[str, float | None] = field(default_factory=dict)


@dataclass(kw_only=True)
class SegmentChange:
    """A segment of this run against the previous run: ``status`` "new", or "matched" with the
    previous segment it was matched to by profile."""

    segment: int = 0
    status: str = ""
    description_parts: list[dict[str, Any]] | None = None
    share: float | None = None
    previous_segment: int | None = None
    previous_description_parts: list[dict[str, Any]] | None = None
    share_change_pp: float | None = None
    profile_distance: float | None = None


@dataclass(kw_only=True)
class GoneSegment:
    """A segment of the previous run that no segment of this run matched."""

    segment: int = 0
    description_parts: list[dict[str, Any]] | None = None


@dataclass(kw_only=True)
class PortraitChanges:
    """Against the previous portraits run (its segments matched to this run's)."""

    previous_as_of: str | None = None
    segments: list[SegmentChange] = field(default_factory=list)
    segments_gone: list[GoneSegment] = field(default_factory=list)
    communities: list[CommunityChange] = field(default_factory=list)


@dataclass(kw_only=True)
class PortraitsResult(Result):
    # 4: each segment's traits and needs typed (Trait, Need); their stored shape is unchanged.
    SCHEMA_VERSION = 4
    KIND = "portraits"

    k: int | None = None
    criterion_parts: list[dict[str, Any]] = field(default_factory=list)
    selection: dict[str, float | None] = field(default_factory=dict)
    as_of: str = ""
    window_months: int | None = None
    residents: int | None = None
    feature_names: list[str] = field(default_factory=list)
    dropped_identifier_columns: list[str] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    communities: list[PortraitCommunity] = field(default_factory=list)
    # None: no previous run to compare with (stored as {}).
    changes: PortraitChanges | None = None
    seed: int | None = None
    seconds: float | None = None
    data_fingerprint: str = ""
    n_residents: int | None = None
    synthetic: bool = False

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data["changes"] = data["changes"] or {}
        return data

    @classmethod
    def from_fields(cls, data: Mapping, *, where: str = "result") -> Self:
        changes = data.get("changes")
        # No previous run: stored as {}, and by runs stored before December 2026 as a
        # comparison of nothing (a real comparison places every segment of this run).
        if not changes or (isinstance(changes, Mapping) and not changes.get("segments")):
            data = {**data, "changes": None}
        return super().from_fields(data, where=where)


def _suppress(row: PortraitCommunity) -> PortraitCommunity:
    return replace(
        row,
        residents=None,
        segment_shares=[None] * len(row.segment_shares),
        dominant_segment=None,
        requests_per_month=None,
        need_shares={},
        top_category=None,
        suppressed=True,
    )


def _suppress_segment(segment: Segment) -> Segment:
    return Segment(segment=segment.segment, suppressed=True)


def scope(result: PortraitsResult, audience: Audience) -> PortraitsResult:
    """Segments are city-wide and stay, but a segment with fewer residents than the public
    export shows keeps only its number (its size, figures and description would describe a
    handful of people), in the changes too; communities and their changes are cut to those the
    reader serves, and a community with fewer residents than that keeps only its code (its mix
    would single residents out)."""
    if audience.sees_all:
        return result
    small_segments = {s.segment for s in result.segments if audience.too_small(s.size)}
    segments = [_suppress_segment(s) if s.segment in small_segments else s for s in result.segments]
    small = {row.community for row in result.communities if audience.too_small(row.residents)}
    communities = [
        _suppress(row) if row.community in small else row
        for row in result.communities
        if audience.sees(row.community)
    ]
    changes = result.changes
    if changes is not None:
        changes = replace(
            changes,
            segments=[
                SegmentChange(segment=c.segment, status=c.status)
                if c.segment in small_segments
                else c
                for c in changes.segments
            ],
            communities=[
                CommunityChange(community=c.community, status=c.status)
                if c.community in small
                else c
                for c in changes.communities
                if audience.sees(c.community)
            ],
        )
    return replace(result, segments=segments, communities=communities, changes=changes)
