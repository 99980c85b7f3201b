"""The registry of run kinds: each kind names the function that computes its result.

A runner takes the run (parameters in ``run.params``) and a ``progress(percent, message)``
callback, and returns a JSON-serialisable result dict. It must not write anything itself
except through the callback: the executor stores the result in the same transaction that
marks the run finished, so a run redelivered after a worker crash takes effect once.
Runners may return ``(result, after_commit_writes)`` where the second item is a callable
run inside that transaction (e.g. per-community forecast rows).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Progress = Callable[[int, str], None]
Runner = Callable[[Any, Progress], Any]

_RUNNERS: dict[str, str] = {
    "equalization": "analytics.equalization.equalization_run",
    "portraits": "analytics.runners.portraits_run",
    "forecast": "analytics.runners.forecast_run",
    "allocation": "analytics.runners.allocation_run",
    "what_if": "analytics.runners.what_if_run",
}


def register(kind: str, dotted_path: str) -> None:
    _RUNNERS[kind] = dotted_path


def runner_for(kind: str) -> Runner:
    from django.utils.module_loading import import_string

    try:
        return import_string(_RUNNERS[kind])
    except KeyError as exc:
        raise LookupError(f"no runner is registered for runs of kind {kind!r}") from exc
