"""Steps that bring a stored result to the current schema of its kind.

Each step takes the JSON of one version and returns the next; a step, once released, is never
changed (stored runs and the data migration depend on it): a new shape is a new step. A result
stored before results had a ``schema_version`` is version 1.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

Json = dict[str, Any]


def _stamp(version: int) -> Callable[[Json], Json]:
    def step(result: Json) -> Json:
        return {**result, "schema_version": version}

    return step


# Version 3: the engine's English texts go; their parts stay, and are all the pages word. A
# text stored without parts (results from before parts existed) becomes one part
# ``{"code": "text", "text": ...}``, which is shown as it was written.
TEXT = "text"


def _text_to_parts(obj: Any, text_key: str, parts_key: str) -> None:
    if not isinstance(obj, dict):
        return
    text = obj.pop(text_key, None)
    if not obj.get(parts_key) and isinstance(text, str) and text:
        obj[parts_key] = [{"code": TEXT, "text": text}]


def _texts_to_parts(obj: Any, texts_key: str, parts_key: str) -> None:
    """A list of texts with one part each."""
    if not isinstance(obj, dict):
        return
    texts = obj.pop(texts_key, None)
    parts = obj.get(parts_key)
    if isinstance(texts, list) and not (isinstance(parts, list) and len(parts) == len(texts)):
        obj[parts_key] = [{"code": TEXT, "text": str(t)} for t in texts]


def _code_of(obj: Any, text_key: str, code_key: str, codes: dict[str, str]) -> None:
    """A text naming one of a few choices, kept as the choice's code."""
    if not isinstance(obj, dict):
        return
    text = obj.pop(text_key, None)
    if not obj.get(code_key) and text in codes:
        obj[code_key] = codes[text]


def _each(value: Any) -> list:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _portraits_3(result: Json) -> Json:
    result = copy.deepcopy(result)
    for segment in _each(result.get("segments")):
        _text_to_parts(segment, "description", "description_parts")
    for row in _each(result.get("communities")):
        row.pop("dominant_description", None)
    _text_to_parts(result, "criterion", "criterion_parts")
    changes = result.get("changes") if isinstance(result.get("changes"), dict) else {}
    for segment in _each(changes.get("segments")):
        _text_to_parts(segment, "description", "description_parts")
        _text_to_parts(segment, "previous_description", "previous_description_parts")
    for segment in _each(changes.get("segments_gone")):
        _text_to_parts(segment, "description", "description_parts")
    return {**result, "schema_version": 3}


def _what_if_3(result: Json) -> Json:
    result = copy.deepcopy(result)
    _text_to_parts(result, "summary", "summary_parts")
    _texts_to_parts(result, "assumptions", "assumption_parts")
    _text_to_parts(result, "caveat", "caveat_parts")
    return {**result, "schema_version": 3}


WEIGHTINGS = {
    "equal: every registered resident carries an equal share of each need": "equal",
    "by segment: residents carry their segment's request rate per category": "by_segment",
}
EQUITY_SOURCES = {"equalization analysis": "equalization", "equal (no analysis run)": "equal"}


def _allocation_3(result: Json) -> Json:
    result = copy.deepcopy(result)
    _texts_to_parts(result, "notes", "note_parts")
    for row in _each(result.get("communities")):
        _text_to_parts(row, "weight_reason", "weight_reason_parts")
    for key in ("fairness", "fairness_baseline"):
        audit = result.get(key)
        _texts_to_parts(audit, "flags", "flag_parts")
        _code_of(audit, "weighting", "weighting_code", WEIGHTINGS)
    _code_of(result, "equity_weights", "equity_weights_source", EQUITY_SOURCES)
    return {**result, "schema_version": 3}


def _equalization_3(result: Json) -> Json:
    result = copy.deepcopy(result)
    weights = result.get("equity_weights") if isinstance(result.get("equity_weights"), dict) else {}
    for row in _each(weights.get("cities")) + _each(weights.get("community_types")):
        _text_to_parts(row, "reason", "reason_parts")
    if isinstance(weights.get("lag"), dict):
        weights["lag"].pop("summary", None)  # worded from its figures
    return {**result, "schema_version": 3}


# kind -> {from_version: step to from_version + 1}
STEPS: dict[str, dict[int, Callable[[Json], Json]]] = {
    # Version 2: the first typed schema; the stored shape is unchanged.
    # Version 4 (equalization): Table 1, the regional spreads and the trends typed, their
    # stored shape unchanged.
    # Version 5 (equalization): Table 2, the equity weights and the PCA diagnostics typed,
    # their stored shape unchanged (a key a part was stored without stays absent; Table 2's
    # errors gain ``error_parts`` in new runs only).
    # Version 6 (equalization): the panel's summary and the interpolation typed, their stored
    # shape unchanged.
    # Version 7 (equalization): the configuration and the stage timings typed, their stored
    # shape unchanged.
    "equalization": {
        1: _stamp(2),
        2: _equalization_3,
        3: _stamp(4),
        4: _stamp(5),
        5: _stamp(6),
        6: _stamp(7),
    },
    # Version 4 (portraits): each segment's traits and needs typed, their stored shape
    # unchanged.
    "portraits": {1: _stamp(2), 2: _portraits_3, 3: _stamp(4)},
    # Version 4 (forecast): the backtest's errors typed, their stored shape unchanged.
    "forecast": {1: _stamp(2), 2: _stamp(3), 3: _stamp(4)},
    "what_if": {1: _stamp(2), 2: _what_if_3},
    # Version 4: the price-of-fairness frontier, absent (None) from older runs.
    # Version 5: the summary and the fairness audits typed, their stored shape unchanged (a
    # field an older run lacks reads as null).
    # Version 6: a province plan's summary names each city's budget (``city_budgets``), empty
    # for older runs (the province runs stored before the typed summary had them and keep
    # them).
    # Version 7: each plan of the frontier carries ``run_weighted_coverage`` (the run's
    # objective), null for older runs (their stored cost parts are worded as before).
    "allocation": {
        1: _stamp(2),
        2: _allocation_3,
        3: _stamp(4),
        4: _stamp(5),
        5: _stamp(6),
        6: _stamp(7),
    },
}
CURRENT = {kind: max(steps) + 1 for kind, steps in STEPS.items()}


# The engine still writes its dicts in the version-2 shape (English texts beside their parts);
# runners bring them to the current schema with the same steps as stored runs.
ENGINE_SHAPE = 2


def from_engine(kind: str, result: Json) -> Json:
    """An engine's result dict in the current schema of ``kind``."""
    return upgrade(kind, {**result, "schema_version": ENGINE_SHAPE})


def upgrade(kind: str, result: Json) -> Json:
    """``result`` (of any stored version of ``kind``) in the current schema."""
    version = result.get("schema_version", 1)
    steps = STEPS.get(kind, {})
    while version in steps:
        result = steps[version](result)
        version = result["schema_version"]
    return result
