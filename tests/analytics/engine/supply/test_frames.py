"""The supply engine's input checks on what real files hold: the ways a month is written,
empty cells, thousands separators, and rows named as the caller numbers them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.engine.errors import EngineInputError
from analytics.engine.supply.frames import month_ordinal, require_numeric, to_month


@pytest.mark.parametrize(
    "text",
    [
        "2020-03",
        "2020-3",
        "2020/03",
        "2020.03",
        "202003",
        "2020-03-01",
        "2020-03-15",
        "2020/3/31",
        "2020-03-15 08:30:00",
        "2020-03-15T08:30:00+08:00",
        "2020年3月",
        "2020年3月15日",
        "Mar 2020",
        "March 2020",
        "mar-2020",
        "Mar. 2020",
        # The year first, then the month's name: R's tsibble writes its monthly index so
        # ("1987 Jan"), and so did a real file of souvenir sales this reader refused.
        "2020 Mar",
        "2020 March",
        "2020-Mar",
    ],
)
def test_each_unambiguous_way_of_writing_a_month_reads_as_that_month(text):
    assert to_month(pd.Series([text]), what="t", column="period")[0] == pd.Period("2020-03")


@pytest.mark.parametrize(
    "text",
    [
        "03/04/2020",  # March or April: the text cannot tell
        "15/03/2020",
        "2020Q1",  # a quarter is not a month
        "2020-13",
        "2020-02-30",
        "Mar-20",  # a two-digit year
        "Ma 2020",
        "44000",  # a spreadsheet's day number
    ],
)
def test_a_text_that_is_not_surely_one_month_is_refused_naming_its_row(text):
    with pytest.raises(EngineInputError) as refused:
        to_month(pd.Series(["2020-01", text]), what="demand history", column="period")
    assert refused.value.code == "value_not_month"
    assert refused.value.params == {
        "table": "demand history",
        "column": "period",
        "value": text,
        "row": 2,
    }


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("1969-01", "1969-01"),
        ("1969-12-31", "1969-12"),
        ("Jan 1901", "1901-01"),
        ("196912", "1969-12"),
    ],
)
def test_a_month_before_1970_reads_as_that_month(text, month):
    """Month ordinals count from 1970-01, so earlier months are negative and must still read:
    births from 1969 and British road casualties from 1969 are real histories."""
    assert str(to_month(pd.Series(["1970-01", text]), what="t", column="period")[1]) == month


def test_day_first_and_month_first_dates_are_not_guessed():
    """The old reader took 01/02/2020 as 2 January and 13/02/2020 as 13 February: one file,
    two readings. Neither is guessed now."""
    assert month_ordinal("01/02/2020") is None and month_ordinal("13/02/2020") is None


@pytest.mark.parametrize("empty", ["", "  ", None, np.nan, "NA", "null"])
def test_an_empty_month_or_count_is_refused_as_empty_not_as_a_programming_error(empty):
    frame = pd.DataFrame({"period": ["2020-01", empty], "count": ["1", empty]})
    with pytest.raises(EngineInputError) as refused:
        to_month(frame["period"], what="demand history", column="period")
    assert (refused.value.code, refused.value.params["row"]) == ("value_empty", 2)
    with pytest.raises(EngineInputError) as refused:
        require_numeric(frame, "count", what="demand history", minimum=0)
    assert refused.value.code == "value_empty"
    assert refused.value.params == {"table": "demand history", "column": "count", "row": 2}
    assert np.isnan(require_numeric(frame, "count", what="t", allow_missing=True)[1])


@pytest.mark.parametrize("text", ["1,234", "12,5", "1,234,567.5"])
def test_a_number_with_separators_is_refused_saying_how_to_write_it(text):
    frame = pd.DataFrame({"count": ["7", text]})
    with pytest.raises(EngineInputError, match="without thousands separators") as refused:
        require_numeric(frame, "count", what="demand history", minimum=0)
    assert refused.value.code == "value_with_separators"
    assert refused.value.params["value"] == text


def test_numbers_as_text_are_read_with_spaces_and_decimals():
    frame = pd.DataFrame({"count": [" 12 ", "3.5", "1e3"]})
    assert require_numeric(frame, "count", what="t").tolist() == [12.0, 3.5, 1000.0]


@pytest.mark.parametrize("text", ["inf", "-inf", "12a"])
def test_an_infinity_or_text_is_refused_as_not_a_number(text):
    with pytest.raises(EngineInputError) as refused:
        require_numeric(pd.DataFrame({"count": [text]}), "count", what="t")
    assert refused.value.code == "value_not_numeric"


def test_rows_are_named_as_the_caller_numbers_them():
    """A command that read a file names each row as a spreadsheet shows it: it gives the
    engine those numbers."""
    frame = pd.DataFrame({"period": ["2020-01", "2020-02", "x"], "count": ["1", "-1", "2"]})
    rows = np.array([2, 4, 5])
    with pytest.raises(EngineInputError, match="in row 5") as refused:
        to_month(frame["period"], what="t", column="period", rows=rows)
    assert refused.value.params["row"] == 5
    with pytest.raises(EngineInputError, match="in row 4") as refused:
        require_numeric(frame, "count", what="t", minimum=0, rows=rows)
    assert refused.value.params["row"] == 4
