"""Reference geography as plain data (no Django): the seven regions of the source paper, the
mapping of the 31 provincial units to them, and the 286 prefecture-level cities.

``prefecture_cities.csv`` is derived from the administrative-code table of the MIT-licensed
``cpca`` package by ``build_prefecture_cities.py``; ``README.md`` gives the source, licence and
every rule of the derivation.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import pandas as pd

PREFECTURE_CITIES_CSV = Path(__file__).with_name("prefecture_cities.csv")


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
