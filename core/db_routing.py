"""Where reads go: the analysis runs' input reads to a read replica when one is configured.

Only reads that tolerate a replica's lag (seconds behind the primary) are sent there: the
whole-table frames an analysis run starts from (``analytics.queries``, marked with
``replica_reads``). Everything else, and every write, goes to ``default``. With no
``DATABASE_REPLICA_URL`` the marked reads go to ``default`` as well.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from django.db import connections

REPLICA_ALIAS = "replica"

_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)

P = ParamSpec("P")
R = TypeVar("R")


def replica_configured() -> bool:
    return REPLICA_ALIAS in connections.settings


@contextmanager
def replica_reads_block() -> Iterator[None]:
    """Reads made inside go to the replica (when configured)."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def replica_reads(function: Callable[P, R]) -> Callable[P, R]:
    """Marks a read that may be served by the replica: all its queries go there."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with replica_reads_block():
            return function(*args, **kwargs)

    return wrapper


class ReplicaRouter:
    """Django database router: marked reads to the replica, everything else to ``default``;
    migrations only on ``default`` (the replica follows it by replication)."""

    def db_for_read(self, model, **hints) -> str | None:
        if _reading_from_replica.get() and replica_configured():
            return REPLICA_ALIAS
        return None

    def db_for_write(self, model, **hints) -> str | None:
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The replica holds the same rows as the primary: objects read from either relate.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool | None:
        return db == "default"
