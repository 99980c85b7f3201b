"""CV, Theil (with its decomposition) and Gini against hand-computed values, plus the
properties that must hold for any data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.engine.equalization.inequality import (
    coefficient_of_variation,
    gini_coefficient,
    inequality_trends,
    regional_cv_by_year,
    regional_cv_table,
    theil_decomposition,
    theil_index,
)
from analytics.engine.errors import EngineInputError

VALUES = [1.0, 2.0, 3.0, 4.0]


def test_cv_by_hand():
    # mean 2.5; sample variance (2.25 + 0.25 + 0.25 + 2.25) / 3 = 5/3
    assert coefficient_of_variation(VALUES) == pytest.approx(math.sqrt(5 / 3) / 2.5)
    assert coefficient_of_variation(VALUES, ddof=0) == pytest.approx(math.sqrt(1.25) / 2.5)


def test_theil_by_hand():
    expected = sum((y / 2.5) * math.log(y / 2.5) for y in VALUES) / 4
    assert theil_index(VALUES) == pytest.approx(expected)
    assert theil_index([3.0, 3.0, 3.0]) == pytest.approx(0.0)
    # all in one unit: T = ln(n)
    assert theil_index([0.0, 0.0, 0.0, 8.0]) == pytest.approx(math.log(4))


def test_gini_by_hand():
    # sum over ordered pairs of |yi - yj| = 20; G = 20 / (2 * 16 * 2.5)
    assert gini_coefficient(VALUES) == pytest.approx(0.25)
    assert gini_coefficient([5.0, 5.0]) == pytest.approx(0.0)
    assert gini_coefficient([0.0, 0.0, 0.0, 1.0]) == pytest.approx(0.75)


def test_theil_decomposition_by_hand():
    result = theil_decomposition(VALUES, ["a", "a", "b", "b"])
    # group a: mean 1.5, share 3/10; group b: mean 3.5, share 7/10
    between = 0.3 * math.log(1.5 / 2.5) + 0.7 * math.log(3.5 / 2.5)
    within = 0.3 * theil_index([1.0, 2.0]) + 0.7 * theil_index([3.0, 4.0])
    assert result.between == pytest.approx(between)
    assert result.within == pytest.approx(within)
    assert result.total == pytest.approx(theil_index(VALUES))
    assert result.groups.loc["b", "share"] == pytest.approx(0.7)
    assert result.to_dict()["groups"]["a"]["n"] == 2.0


def test_bad_values_are_refused():
    with pytest.raises(EngineInputError, match="mean must be positive"):
        coefficient_of_variation([-1.0, 1.0])
    with pytest.raises(EngineInputError, match="negative"):
        theil_index([1.0, -1.0])
    with pytest.raises(EngineInputError, match="finite"):
        gini_coefficient([1.0, np.nan])
    with pytest.raises(EngineInputError, match="more than 1"):
        coefficient_of_variation([1.0])


positive = st.floats(min_value=0.01, max_value=1e4, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(positive, min_size=2, max_size=40),
    labels=st.lists(st.sampled_from("ABC"), min_size=40, max_size=40),
)
def test_theil_decomposition_sums_to_the_total(values, labels):
    result = theil_decomposition(values, labels[: len(values)])
    assert result.within + result.between == pytest.approx(result.total, abs=1e-9)
    assert result.within >= -1e-12
    assert result.between >= -1e-12
    assert 0 <= result.total <= math.log(len(values)) + 1e-9


@settings(max_examples=60, deadline=None)
@given(values=st.lists(positive, min_size=1, max_size=40))
def test_gini_is_in_zero_to_one(values):
    gini = gini_coefficient(values)
    assert 0 <= gini < 1
    assert gini <= 1 - 1 / len(values) + 1e-9


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(positive, min_size=2, max_size=40),
    scale=st.floats(min_value=1e-3, max_value=1e3),
)
def test_cv_theil_and_gini_do_not_depend_on_the_unit(values, scale):
    scaled = [v * scale for v in values]
    assert coefficient_of_variation(scaled) == pytest.approx(coefficient_of_variation(values))
    assert theil_index(scaled) == pytest.approx(theil_index(values), abs=1e-9)
    assert gini_coefficient(scaled) == pytest.approx(gini_coefficient(values), abs=1e-9)


def _scores() -> pd.DataFrame:
    rows = []
    for year, bump in ((2009, 0.0), (2010, 1.0)):
        for code, region, value in (
            ("a1", "North", 1.0),
            ("a2", "North", 3.0),
            ("b1", "South", 2.0),
            ("b2", "South", 6.0),
        ):
            rows.append((code, year, region, value + bump))
    return pd.DataFrame(rows, columns=["city_code", "year", "region", "score"])


def test_regional_table_pools_the_period_and_keeps_the_order():
    table = regional_cv_table(_scores(), "score", regions=["South", "North"])
    assert list(table.index) == ["South", "North", "All"]
    assert table.loc["North", "cv"] == pytest.approx(coefficient_of_variation([1, 3, 2, 4]))
    assert table.loc["South", "cities"] == 2
    assert table.loc["All", "n"] == 8


def test_by_year_and_trends():
    by_year = regional_cv_by_year(_scores(), "score", regions=["North", "South"])
    assert by_year.loc[2009, "North"] == pytest.approx(coefficient_of_variation([1, 3]))
    assert by_year.loc[2010, "South"] == pytest.approx(coefficient_of_variation([3, 7]))
    trends = inequality_trends(_scores(), "score")
    assert trends.loc[2009, "gini"] == pytest.approx(gini_coefficient([1, 3, 2, 6]))
    assert trends.loc[2010, "theil"] == pytest.approx(theil_index([2, 4, 3, 7]))
    assert (trends["theil_within"] + trends["theil_between"]).to_numpy() == pytest.approx(
        trends["theil"].to_numpy()
    )
    # adding the same amount to everyone narrows relative inequality
    assert trends.loc[2010, "cv"] < trends.loc[2009, "cv"]


def test_negative_scores_leave_theil_and_gini_undefined_not_wrong():
    scores = _scores()
    scores.loc[0, "score"] = -1.0
    trends = inequality_trends(scores, "score")
    assert np.isnan(trends.loc[2009, "theil"])
    assert np.isnan(trends.loc[2009, "gini"])
    assert not np.isnan(trends.loc[2010, "theil"])
