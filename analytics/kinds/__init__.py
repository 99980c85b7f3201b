"""The kinds of analysis run, one package each (``analytics.kinds.<kind>``): its parameters,
runner, typed result with its ``scope``, page and downloadable tables, declared together as
its :class:`~analytics.kinds.base.RunKind` (``KIND``).

``registry()`` maps each kind's name to its ``RunKind``: real callables, imported on first use
(the kinds import forms, serializers and queries, which need Django ready).
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analytics.kinds.base import RunKind

NAMES = ("equalization", "portraits", "forecast", "what_if", "allocation")


@cache
def registry() -> dict[str, RunKind]:
    return {name: importlib.import_module(f"analytics.kinds.{name}").KIND for name in NAMES}


def get(name: str) -> RunKind:
    """The kind called ``name``; ``LookupError`` when there is none."""
    try:
        return registry()[name]
    except KeyError as exc:
        raise LookupError(f"no run kind is called {name!r}") from exc
