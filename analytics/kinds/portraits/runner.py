"""The portraits runner: segment the residents (profile columns only, never a name, phone or
ID number), describe segments and communities, compare with the previous run, and write each
resident's segment as a row when the run finishes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

from analytics import partitions, queries
from analytics.engine.supply.portraits import build_portraits
from analytics.kinds.base import Outcome, PartOutcome, PartResult, Progress
from analytics.kinds.forecast.runner import fingerprint
from analytics.kinds.portraits.result import PortraitCommunity, PortraitsResult, Segment
from analytics.kinds.schema import record
from analytics.kinds.upgrades import from_engine
from analytics.models import AnalysisRun, ResidentSegment
from residents.queries import demo_city_present


def portraits_run(run: AnalysisRun, progress: Progress) -> Outcome:
    typed, labels, timings = _portraits(run, progress, partitions.single(run.params))

    def write(stored_run: AnalysisRun) -> None:
        _segments_write(stored_run, labels)

    return Outcome(typed, write, timings)


def portraits_part(run: AnalysisRun, partition: str, progress: Progress) -> PartOutcome:
    """One city of a province portraits run: its residents segmented on their own. The
    residents' segments are left for the merge, which numbers every city's segments in one
    sequence (city by city, in code order) and writes them once."""
    typed, labels, timings = _portraits(run, progress, partition)
    return PartOutcome(typed, rows=labels, timings=timings)


def portraits_merge(run: AnalysisRun, parts: Sequence[PartResult]) -> Outcome:
    """The province portraits from its cities' parts: each city's segments in turn (numbered
    on from the previous city's), shares of the province's residents, each community's mix
    over every segment (zero for other cities' segments). A province run is compared with no
    earlier run (``changes`` is empty)."""
    results: list[PortraitsResult] = [part.result for part in parts]
    total = sum(r.residents or r.n_residents or 0 for r in results)
    k_total = sum(len(r.segments) for r in results)
    segments: list[Segment] = []
    communities: list[PortraitCommunity] = []
    labels: dict[str, int] = {}
    digest = hashlib.sha256()
    offset = 0
    for part, result in zip(parts, results, strict=True):
        for segment in result.segments:
            size = segment.size or 0
            segments.append(
                replace(
                    segment,
                    segment=segment.segment + offset,
                    share=size / total if total else None,
                )
            )
        for row in result.communities:
            shares: list[float | None] = [0.0] * k_total
            for i, share in enumerate(row.segment_shares):
                shares[offset + i] = share
            communities.append(
                replace(
                    row,
                    segment_shares=shares,
                    dominant_segment=None
                    if row.dominant_segment is None
                    else row.dominant_segment + offset,
                )
            )
        for resident, segment in (part.rows or {}).items():
            labels[resident] = int(segment) + offset
        digest.update(f"{part.partition}:{result.data_fingerprint};".encode())
        offset += len(result.segments)
    first = results[0] if results else PortraitsResult()
    merged = PortraitsResult(
        k=k_total,
        criterion_parts=first.criterion_parts,
        selection={},
        as_of=max((r.as_of for r in results), default=""),
        window_months=first.window_months,
        residents=total,
        feature_names=first.feature_names,
        dropped_identifier_columns=sorted(
            {c for r in results for c in r.dropped_identifier_columns}
        ),
        segments=segments,
        communities=communities,
        changes=None,
        seed=first.seed,
        seconds=sum(r.seconds or 0 for r in results),
        data_fingerprint=digest.hexdigest(),
        n_residents=sum(r.n_residents or 0 for r in results),
        synthetic=any(r.synthetic for r in results),
    )

    def write(stored_run: AnalysisRun) -> None:
        _segments_write(stored_run, labels)

    return Outcome(merged, write)


def _segments_write(run: AnalysisRun, labels: dict) -> None:
    ResidentSegment.objects.bulk_create(
        [
            ResidentSegment(run=run, resident_id=int(rid), segment=int(segment))
            for rid, segment in labels.items()
        ],
        batch_size=5000,
    )


def _portraits(
    run: AnalysisRun, progress: Progress, partition: str | None = None
) -> tuple[PortraitsResult, dict[str, int], dict[str, float]]:
    """Segment the residents (of ``partition``, or all): the typed result, each resident's
    segment (resident id → segment) and the timings."""
    progress(5, "loading residents and requests")
    residents = queries.resident_profiles_frame(partition)
    requests = queries.request_history_frame(partition)
    # A part of a province run is compared with nothing (its merge could not number it).
    previous = (
        None
        if partitions.is_partitioned(run.params)
        else queries.latest_run(AnalysisRun.Kind.PORTRAITS)
    )
    progress(20, "segmenting residents")
    result = build_portraits(
        residents,
        requests,
        previous=previous.result if previous and previous.result else None,
        as_of=run.params.get("as_of"),
    )
    progress(90, "storing segments")
    typed = record(
        PortraitsResult,
        from_engine(
            "portraits",
            {
                **result.to_dict(),
                "data_fingerprint": fingerprint(residents, requests),
                "n_residents": len(residents),
                "synthetic": demo_city_present(),
            },
        ),
    )
    labels = {str(int(rid)): int(segment) for rid, segment in result.labels.items()}
    return typed, labels, {"engine": round(result.seconds, 3)}
