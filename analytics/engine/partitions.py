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


# Allocation: a province's plan from its cities' plans ----------------------------------------

_TINY = 1e-9


def plan_metrics(
    communities: Sequence[Mapping[str, Any]], *, covered: str, spent: float
) -> dict[str, float]:
    """A plan's headline figures from its communities (``need``, ``weight``, ``kind`` and the
    requests the plan covers in column ``covered``), as the allocation engine computes them
    for one solve (coverage counts up to the need; the CV and the lowest coverage over the
    communities with a need): so a province's figures are its cities' communities taken
    together, not an average of the cities' figures."""
    need = [float(c.get("need") or 0.0) for c in communities]
    got = [float(c.get(covered) or 0.0) for c in communities]
    weight = [float(c.get("weight") or 1.0) for c in communities]
    kinds = [c.get("kind") for c in communities]
    ratios = [g / n for g, n in zip(got, need, strict=True) if n > _TINY]

    def share(kind: str) -> float:
        n = sum(x for x, k in zip(need, kinds, strict=True) if k == kind and x > _TINY)
        g = sum(y for y, x, k in zip(got, need, kinds, strict=True) if k == kind and x > _TINY)
        return g / n if n > 0 else math.nan

    total_need, total_covered = sum(need), sum(got)
    weighted_need = sum(w * n for w, n in zip(weight, need, strict=True))
    mean = sum(ratios) / len(ratios) if ratios else math.nan
    spread = math.sqrt(sum((r - mean) ** 2 for r in ratios) / len(ratios)) if ratios else math.nan
    urban, rural = share("urban"), share("rural")
    return {
        "total_need": total_need,
        "total_covered": total_covered,
        "coverage": total_covered / total_need if total_need > 0 else math.nan,
        "weighted_coverage": (
            sum(w * g for w, g in zip(weight, got, strict=True)) / weighted_need
            if total_need > 0
            else math.nan
        ),
        "coverage_cv": spread / mean if ratios and mean > 0 else math.nan,
        "min_community_coverage": min(ratios) if ratios else math.nan,
        "urban_coverage": urban,
        "rural_coverage": rural,
        "urban_rural_gap": urban - rural,
        "spent": float(spent),
    }


def budget_split(
    total: float, *, committed: Mapping[str, float], gap_cost: Mapping[str, float]
) -> dict[str, float]:
    """A province budget split over its cities: each city keeps what its existing supply
    already costs (``committed``), and the rest of the budget is shared in proportion to the
    cost of each city's uncovered forecast need (``gap_cost``: need beyond current supply,
    at unit cost); equally when no city has a gap. ``total`` must cover every commitment."""
    keys = sorted(set(committed) | set(gap_cost))
    free = total - sum(committed.get(k, 0.0) for k in keys)
    gaps = {k: max(0.0, gap_cost.get(k, 0.0)) for k in keys}
    gap_total = sum(gaps.values())
    return {
        k: committed.get(k, 0.0)
        + (free * gaps[k] / gap_total if gap_total > 0 else free / len(keys))
        for k in keys
    }
