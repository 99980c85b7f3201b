"""Shared plumbing of the commands that start an analysis run and print its result."""

from __future__ import annotations

import json

from django.core.management.base import CommandError

from analytics.actions import analysis_run_now
from analytics.models import AnalysisRun


def run_and_check(kind: str, params: dict) -> AnalysisRun:
    run = analysis_run_now(kind=kind, params=params)
    if run.status != AnalysisRun.Status.SUCCEEDED:
        raise CommandError(run.error or f"the {kind} run failed")
    return run


def dump_json(stdout, payload: dict) -> None:
    stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
