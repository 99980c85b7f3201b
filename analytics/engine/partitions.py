"""Merging the figures of a run split by partition (a province run computed city by city).

Plain functions over plain records, no Django. How each figure is combined is written down
here once and in ``docs/deployment.md`` ("Province runs"):

* counts (``n``, and any key listed in ``sums``) add up;
* error rates and shares are means weighted by each part's volume (requests for the
  forecast's backtest, residents for portraits). For WAPE, a ratio of sums, that weighting is
  exact when the volume is the part's scored requests; for MASE, coverage and interval width
  it is the volume-weighted mean of the parts' figures;
* a text that every part agrees on is kept; one the parts disagree on becomes ``"mixed"``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

MIXED = "mixed"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def merge_record(
    records: Sequence[Mapping[str, Any]],
    weights: Sequence[float],
    *,
    sums: frozenset[str] = frozenset({"n"}),
) -> dict[str, Any]:
    """One record from the parts' records (same keys, or a subset each): numbers as the
    weighted mean of the parts that have them (``sums``: added), anything else kept when the
    parts agree and ``MIXED`` when not."""
    keys: list[str] = []
    for record in records:
        keys.extend(key for key in record if key not in keys)
    merged: dict[str, Any] = {}
    for key in keys:
        values = [(record.get(key), w) for record, w in zip(records, weights, strict=True)]
        present = [(v, w) for v, w in values if v is not None]
        numbers = [(_number(v), w) for v, w in present]
        if present and all(n is not None for n, _w in numbers):
            if key in sums:
                merged[key] = sum(n for n, _w in numbers)
                continue
            total = sum(w for _n, w in numbers)
            merged[key] = (
                sum(n * w for n, w in numbers) / total
                if total > 0
                else sum(n for n, _w in numbers) / len(numbers)
            )
        elif present and all(v == present[0][0] for v, _w in present):
            merged[key] = present[0][0]
        elif present:
            merged[key] = MIXED
        else:
            merged[key] = None
    return merged


def merge_keyed(
    tables: Sequence[Sequence[Mapping[str, Any]]],
    weights: Sequence[float],
    *,
    key: str | tuple[str, ...],
    sums: frozenset[str] = frozenset({"n"}),
) -> list[dict[str, Any]]:
    """Records keyed by ``key`` (e.g. a service, or months ahead; several fields: a tuple)
    merged key by key, in the order each key first appears."""
    names = (key,) if isinstance(key, str) else key
    order: list[Any] = []
    by_key: dict[Any, list[tuple[Mapping[str, Any], float]]] = {}
    for table, weight in zip(tables, weights, strict=True):
        for record in table:
            value = tuple(record.get(name) for name in names)
            if value not in by_key:
                order.append(value)
                by_key[value] = []
            by_key[value].append((record, weight))
    out = []
    for value in order:
        rows = by_key[value]
        merged = merge_record([r for r, _w in rows], [w for _r, w in rows], sums=sums)
        merged.update(zip(names, value, strict=True))
        out.append(merged)
    return out
