"""Steps that bring a stored result to the current schema of its kind.

Each step takes the JSON of one version and returns the next; a step, once released, is never
changed (stored runs and the data migration depend on it): a new shape is a new step. A result
stored before results had a ``schema_version`` is version 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Json = dict[str, Any]


def _stamp(version: int) -> Callable[[Json], Json]:
    def step(result: Json) -> Json:
        return {**result, "schema_version": version}

    return step


# kind -> {from_version: step to from_version + 1}
STEPS: dict[str, dict[int, Callable[[Json], Json]]] = {
    # Version 2: the first typed schema; the stored shape is unchanged.
    "equalization": {1: _stamp(2)},
    "portraits": {1: _stamp(2)},
    "forecast": {1: _stamp(2)},
    "what_if": {1: _stamp(2)},
    "allocation": {1: _stamp(2)},
}
CURRENT = {kind: max(steps) + 1 for kind, steps in STEPS.items()}


def upgrade(kind: str, result: Json) -> Json:
    """``result`` (of any stored version of ``kind``) in the current schema."""
    version = result.get("schema_version", 1)
    steps = STEPS.get(kind, {})
    while version in steps:
        result = steps[version](result)
        version = result["schema_version"]
    return result
