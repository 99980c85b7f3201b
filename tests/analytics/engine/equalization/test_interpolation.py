"""Within-city linear interpolation, with a record of every cell it fills."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.engine.equalization.interpolation import interpolate_panel
from analytics.engine.errors import EngineInputError


def _panel(rows):
    return pd.DataFrame(rows, columns=["city_code", "year", "x", "y"])


def test_interior_gaps_are_linear_edges_take_the_nearest_value_and_all_are_recorded():
    panel = _panel(
        [
            ("110000", 2009, np.nan, 1.0),
            ("110000", 2010, 2.0, 1.0),
            ("110000", 2011, np.nan, 1.0),
            ("110000", 2012, np.nan, 1.0),
            ("110000", 2013, 8.0, 1.0),
            ("110000", 2014, np.nan, 1.0),
        ]
    )
    result = interpolate_panel(panel, ["x", "y"])
    assert result.panel["x"].tolist() == [2.0, 2.0, 4.0, 6.0, 8.0, 8.0]
    record = result.imputed
    assert record[["year", "column", "value", "method"]].values.tolist() == [
        [2009, "x", 2.0, "nearest"],
        [2011, "x", 4.0, "linear"],
        [2012, "x", 6.0, "linear"],
        [2014, "x", 8.0, "nearest"],
    ]
    assert not record["row_added"].any()
    assert result.summary()["by_method"] == {"linear": 2, "nearest": 2}


def test_missing_city_years_are_added_and_flagged():
    panel = _panel(
        [
            ("110000", 2009, 1.0, 10.0),
            ("110000", 2011, 3.0, 30.0),
            ("120000", 2009, 5.0, 50.0),
            ("120000", 2010, 6.0, 60.0),
            ("120000", 2011, 7.0, 70.0),
        ]
    )
    result = interpolate_panel(panel, ["x", "y"])
    assert len(result.panel) == 6
    added = result.imputed.loc[result.imputed["row_added"]]
    assert set(added["column"]) == {"x", "y"}
    assert added["year"].unique().tolist() == [2010]
    assert added.set_index("column")["value"].to_dict() == {"x": 2.0, "y": 20.0}
    assert result.summary()["rows_added"] == 1


def test_the_range_can_be_widened_and_other_cities_untouched():
    panel = _panel([("110000", 2010, 1.0, 2.0), ("110000", 2011, 3.0, 4.0)])
    result = interpolate_panel(panel, ["x", "y"], years=(2009, 2012))
    assert result.panel["x"].tolist() == [1.0, 1.0, 3.0, 3.0]
    assert result.imputed_cells == 4


def test_a_city_without_any_value_in_a_column_is_refused():
    panel = _panel([("110000", 2009, np.nan, 1.0), ("110000", 2010, np.nan, 2.0)])
    with pytest.raises(EngineInputError) as caught:
        interpolate_panel(panel, ["x", "y"])
    [problem] = caught.value.problems
    assert problem.column == "x"
    assert "110000" in problem.message


def test_nothing_missing_means_an_empty_record():
    panel = _panel([("110000", 2009, 1.0, 1.0), ("110000", 2010, 2.0, 2.0)])
    result = interpolate_panel(panel, ["x", "y"])
    assert result.imputed.empty
    assert list(result.imputed.columns) == [
        "city_code",
        "year",
        "column",
        "value",
        "method",
        "row_added",
    ]
