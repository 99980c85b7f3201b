"""How the executor (``analytics.actions``) finds a run's code: through the registry of run
kinds (``analytics.kinds``), real callables rather than dotted paths.

A runner returns the kind's typed result; the executor gets it as JSON (``_timings`` apart)
with the writes to make in the run's finishing transaction, so a run redelivered after a worker
crash takes effect once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analytics import kinds

Progress = Callable[[int, str], None]
Runner = Callable[[Any, Progress], Any]


def runner_for(kind: str) -> Runner:
    """The callable that computes a run of ``kind``; ``LookupError`` for an unknown kind."""
    return kinds.get(kind).execute
