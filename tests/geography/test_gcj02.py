"""WGS-84 ↔ GCJ-02 against published and independently computed coordinate pairs.

* The published pair: the README of the MIT-licensed npm package ``gcoord`` 1.0.7 converts
  GCJ-02 (lon 123, lat 45) to WGS-84 (122.99395597, 44.99804071).
* The other pairs (WGS-84 → GCJ-02) were computed with that package's ``transform`` (an
  implementation independent of ours) for six city centres.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geography.gcj02 import gcj02_to_wgs84, in_mainland_china, wgs84_to_gcj02

# (WGS-84 lon, lat) -> (GCJ-02 lon, lat), from gcoord 1.0.7
GCOORD_PAIRS = [
    ((116.403988, 39.914266), (116.41023240747266, 39.915670251113426)),  # Beijing
    ((104.065735, 30.659462), (104.0682424639204, 30.657041178599883)),  # Chengdu
    ((121.473701, 31.230416), (121.47822405739267, 31.22847374224698)),  # Shanghai
    ((113.264385, 23.129112), (113.26971458288735, 23.126435336538538)),  # Guangzhou
    ((87.617733, 43.792818), (87.62058226041898, 43.79404257315041)),  # Urumqi
    ((126.642464, 45.756967), (126.64843401023796, 45.758918130663396)),  # Harbin
]


@pytest.mark.parametrize(("wgs", "gcj"), GCOORD_PAIRS)
def test_wgs84_to_gcj02_matches_the_reference(wgs, gcj):
    lat, lon = wgs84_to_gcj02(wgs[1], wgs[0])
    assert lat == pytest.approx(gcj[1], abs=1e-9)
    assert lon == pytest.approx(gcj[0], abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), GCOORD_PAIRS)
def test_gcj02_to_wgs84_recovers_the_point(wgs, gcj):
    lat, lon = gcj02_to_wgs84(gcj[1], gcj[0])
    assert lat == pytest.approx(wgs[1], abs=1e-8)  # about a millimetre
    assert lon == pytest.approx(wgs[0], abs=1e-8)


def test_the_published_inverse_pair():
    lat, lon = gcj02_to_wgs84(45.0, 123.0)
    # Published to 8 decimals; ours iterates to 1e-9 degrees, within 2 cm of it.
    assert lat == pytest.approx(44.99804071, abs=2e-7)
    assert lon == pytest.approx(122.99395597, abs=2e-7)


def test_outside_mainland_china_nothing_moves():
    assert wgs84_to_gcj02(51.5007, -0.1246) == (51.5007, -0.1246)
    assert gcj02_to_wgs84(-33.8568, 151.2153) == (-33.8568, 151.2153)
    assert not in_mainland_china(51.5, -0.12)


@given(
    lat=st.floats(min_value=18.0, max_value=53.0),
    lon=st.floats(min_value=74.0, max_value=134.0),
)
def test_round_trip_and_size_of_the_shift(lat, lon):
    shifted = wgs84_to_gcj02(lat, lon)
    # The shift is hundreds of metres, never kilometres.
    assert 0 < abs(shifted[0] - lat) + abs(shifted[1] - lon) < 0.02
    back = gcj02_to_wgs84(*shifted)
    assert back == pytest.approx((lat, lon), abs=1e-8)
