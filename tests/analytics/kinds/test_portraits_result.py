"""A portraits result made without a previous run to compare with has no changes, however it
is read: the runner reads the engine's fresh result with ``record``, the pages read the stored
run with ``from_json``. (The runner once read the engine's ``{}`` as empty changes, stored
them, and the page said "changes are against the previous run (as of None)".)"""

from __future__ import annotations

from analytics.kinds.portraits.result import PortraitsResult
from analytics.kinds.schema import record
from analytics.kinds.upgrades import from_engine


def test_a_result_without_a_previous_run_reads_as_no_changes_however_it_is_read():
    fresh = from_engine("portraits", {"as_of": "2026-11", "changes": {}})
    for read in (record(PortraitsResult, fresh), PortraitsResult.from_json(fresh)):
        assert read.changes is None
        assert read.to_json()["changes"] == {}


def test_a_stored_comparison_of_nothing_reads_as_no_changes():
    """What the runner stored before: no previous run, written as empty changes."""
    stored = from_engine(
        "portraits",
        {
            "changes": {
                "previous_as_of": None,
                "segments": [],
                "segments_gone": [],
                "communities": [],
            }
        },
    )
    assert PortraitsResult.from_json(stored).changes is None


def test_a_result_with_a_previous_run_keeps_its_changes():
    fresh = from_engine(
        "portraits",
        {
            "changes": {
                "previous_as_of": "2026-10",
                "segments": [{"segment": 0, "status": "new", "share": 1.0}],
                "communities": [],
            }
        },
    )
    assert record(PortraitsResult, fresh).changes.previous_as_of == "2026-10"
