"""Shared plumbing of the commands that start an analysis run and print its result."""

from __future__ import annotations

import json

from django.core.management.base import CommandError

from analytics.actions import analysis_run_now
from analytics.models import AnalysisRun

SYNTHETIC_NOTE = (
    "Data: the SYNTHETIC demo city (seed_demo); these figures describe no real place or person."
)


def run_and_check(kind: str, params: dict, *, stdout=None) -> AnalysisRun:
    """Run now; a failed run is a CommandError with its message. With ``stdout`` (text
    output, not JSON), a run computed on the demo city says so first."""
    run = analysis_run_now(kind=kind, params=params)
    if run.status != AnalysisRun.Status.SUCCEEDED:
        raise CommandError(run.error or f"the {kind} run failed")
    if stdout is not None and (run.result or {}).get("synthetic") is True:
        stdout.write(SYNTHETIC_NOTE)
    return run


def dump_json(stdout, payload: dict) -> None:
    stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
