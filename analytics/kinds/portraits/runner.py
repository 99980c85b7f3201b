"""The portraits runner: segment the residents (profile columns only, never a name, phone or
ID number), describe segments and communities, compare with the previous run, and write each
resident's segment as a row when the run finishes."""

from __future__ import annotations

from analytics import queries
from analytics.engine.supply.portraits import build_portraits
from analytics.kinds.base import Outcome, Progress
from analytics.kinds.forecast.runner import fingerprint
from analytics.kinds.portraits.result import PortraitsResult
from analytics.kinds.schema import record
from analytics.kinds.upgrades import from_engine
from analytics.models import AnalysisRun, ResidentSegment
from residents.queries import demo_city_present


def portraits_run(run: AnalysisRun, progress: Progress) -> Outcome:
    progress(5, "loading residents and requests")
    residents = queries.resident_profiles_frame()
    requests = queries.request_history_frame()
    previous = queries.latest_run(AnalysisRun.Kind.PORTRAITS)
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
    labels = result.labels

    def write(stored_run: AnalysisRun) -> None:
        ResidentSegment.objects.bulk_create(
            [
                ResidentSegment(run=stored_run, resident_id=int(rid), segment=int(segment))
                for rid, segment in labels.items()
            ],
            batch_size=5000,
        )

    return Outcome(typed, write, {"engine": round(result.seconds, 3)})
