"""The prefecture-level city fixture: the paper's 286 cities with real codes and regions."""

from __future__ import annotations

import re

import pytest

from geography import (
    PROVINCE_REGION,
    REGION_NAMES,
    REGIONS,
    build_prefecture_cities,
    load_prefecture_cities,
)


@pytest.fixture(scope="module")
def cities():
    return load_prefecture_cities()


def test_there_are_286_cities_with_unique_six_digit_codes(cities):
    assert len(cities) == 286
    assert cities["adcode"].is_unique
    assert cities["adcode"].map(lambda code: bool(re.fullmatch(r"\d{6}", code))).all()
    assert cities["name"].str.endswith("市").all()
    assert list(cities.columns) == ["adcode", "name", "province", "region"]


def test_seven_regions_with_chinese_names_in_table_one_order():
    assert [region.name for region in REGIONS] == [
        "Northeast",
        "North",
        "Northwest",
        "Southwest",
        "South",
        "Central",
        "East",
    ]
    assert [region.name_zh for region in REGIONS] == [
        "东北",
        "华北",
        "西北",
        "西南",
        "华南",
        "华中",
        "华东",
    ]


def test_all_31_provincial_units_map_to_one_of_the_seven_regions(cities):
    assert len(PROVINCE_REGION) == 31
    assert set(PROVINCE_REGION.values()) == set(REGION_NAMES)
    assert set(cities["province"]) == set(PROVINCE_REGION)
    assert (cities["province"].map(PROVINCE_REGION) == cities["region"]).all()


@pytest.mark.parametrize(
    ("adcode", "name", "province", "region"),
    [
        ("510100", "成都市", "四川省", "Southwest"),
        ("320500", "苏州市", "江苏省", "East"),
        ("110000", "北京市", "北京市", "North"),
        ("500000", "重庆市", "重庆市", "Southwest"),
        ("371200", "莱芜市", "山东省", "East"),
        ("440300", "深圳市", "广东省", "South"),
        ("230100", "哈尔滨市", "黑龙江省", "Northeast"),
        ("650200", "克拉玛依市", "新疆维吾尔自治区", "Northwest"),
        ("420100", "武汉市", "湖北省", "Central"),
    ],
)
def test_known_cities_carry_their_real_codes(cities, adcode, name, province, region):
    row = cities.loc[cities["adcode"] == adcode]
    assert row[["name", "province", "region"]].values.tolist() == [[name, province, region]]


@pytest.mark.parametrize(
    "adcode",
    [
        "520500",  # 毕节, prefecture-level city from 2011
        "460300",  # 三沙, 2012
        "630200",  # 海东, 2013
        "650500",  # 哈密, 2016
        "222400",  # 延边朝鲜族自治州: not a city
        "110100",  # Beijing's 市辖区 grouping
        "419000",  # province-administered county-level units
    ],
)
def test_units_without_prefecture_city_status_throughout_2009_2018_are_left_out(cities, adcode):
    assert adcode not in set(cities["adcode"])


def test_region_sizes(cities):
    assert cities["region"].value_counts().to_dict() == {
        "East": 78,
        "Central": 42,
        "South": 37,
        "Northeast": 34,
        "North": 33,
        "Southwest": 32,
        "Northwest": 30,
    }


def test_build_script_applies_the_rules_to_a_table_in_cpca_format(tmp_path, capsys):
    header = "adcode,name,longitude,latitude\n"
    provinces = {
        "北京市": "110000",
        "天津市": "120000",
        "上海市": "310000",
        "重庆市": "500000",
    }
    provinces |= {"四川省": "510000", "贵州省": "520000"}
    # every other provincial unit under an unused code, so the completeness check passes
    free = (f"{prefix}0000" for prefix in range(13, 100) if prefix not in (31, 50, 51, 52, 81, 82))
    provinces |= {name: next(free) for name in sorted(set(PROVINCE_REGION) - set(provinces))}
    lines = [f"{code}000000,{name},0,0\n" for name, code in provinces.items()]
    lines += [
        "110100000000,市辖区,0,0\n",
        "510100000000,成都市,0,0\n",
        "513200000000,阿坝藏族羌族自治州,0,0\n",
        "520500000000,毕节市,0,0\n",
        "820000000000,澳门特别行政区,0,0\n",
    ]
    table = tmp_path / "adcodes.csv"
    table.write_text(header + "".join(lines), encoding="utf-8")
    out = tmp_path / "cities.csv"
    status = build_prefecture_cities.main([str(table), "--output", str(out)])
    assert status == 1  # not 286 cities: the script says so
    assert "expected 286" in capsys.readouterr().err
    written = out.read_text(encoding="utf-8").splitlines()
    assert written[0] == "adcode,name,province,region"
    assert "510100,成都市,四川省,Southwest" in written
    assert not any(line.startswith(("513200", "520500", "110100")) for line in written)
    assert "110000,北京市,北京市,North" in written
