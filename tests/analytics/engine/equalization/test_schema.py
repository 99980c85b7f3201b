"""Validation of a user's panel: every problem is named by row and column, nothing passes
half-checked, and the schema documentation lists every column."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from analytics.engine.equalization.schema import (
    REQUIRED_COLUMNS,
    panel_fingerprint,
    read_panel_csv,
    validate_panel,
)
from analytics.engine.errors import EngineInputError

DOCS = Path(__file__).resolve().parents[4] / "docs"


def _problems(frame, **kwargs):
    with pytest.raises(EngineInputError) as caught:
        validate_panel(frame, **kwargs)
    return caught.value


def test_a_valid_panel_comes_back_typed_and_sorted(small_panel):
    shuffled = small_panel.sample(frac=1.0, random_state=1).reset_index(drop=True)
    validated = validate_panel(shuffled)
    frame = validated.frame
    assert list(frame[["city_code", "year"]].itertuples(index=False, name=None))[:2] == [
        ("110000", 2009),
        ("110000", 2010),
    ]
    assert frame["year"].dtype.kind == "i"
    assert frame["hospital_beds_per_1000_rural"].dtype == float
    assert validated.cities == 4
    assert validated.years == (2009, 2018)
    assert validated.missing_cells == 0
    assert validated.ignored_columns == ()


def test_missing_columns_are_all_named(small_panel):
    error = _problems(small_panel.drop(columns=["rgdp", "doctors_per_1000_rural"]))
    assert {(p.column, p.code) for p in error.problems} == {
        ("rgdp", "missing_column"),
        ("doctors_per_1000_rural", "missing_column"),
    }
    assert "column rgdp: required column is missing" in str(error)


def test_duplicate_city_year_names_both_rows(small_panel):
    panel = small_panel.copy()
    panel.loc[len(panel)] = panel.loc[2]
    error = _problems(panel)
    [problem] = error.problems
    assert problem.code == "duplicate_row"
    assert problem.row == len(panel)
    assert "also in row 3" in problem.message
    assert f"row {len(panel)}" in str(error)


def test_non_numeric_values_are_named_by_row_and_column(small_panel):
    panel = small_panel.astype({"rgdp": object, "hospital_beds_per_1000_urban": object})
    panel.loc[4, "rgdp"] = "abc"
    panel.loc[6, "hospital_beds_per_1000_urban"] = "1,234"
    error = _problems(panel)
    found = {(p.row, p.column, p.code) for p in error.problems}
    assert found == {(5, "rgdp", "not_numeric"), (7, "hospital_beds_per_1000_urban", "not_numeric")}
    assert "row 5, column rgdp: 'abc' is not a number" in str(error)
    assert "thousands separators" in str(error)


def test_unknown_and_malformed_city_codes(small_panel):
    panel = small_panel.astype({"city_code": object})
    panel.loc[0, "city_code"] = "999999"
    panel.loc[11, "city_code"] = "Chengdu"
    error = _problems(panel)
    found = {(p.row, p.column, p.code) for p in error.problems}
    assert (1, "city_code", "unknown_city") in found
    assert (12, "city_code", "bad_code") in found
    assert "unknown city code '999999'" in str(error)


def test_years_out_of_range_and_not_whole(small_panel):
    panel = small_panel.astype({"year": object})
    panel.loc[3, "year"] = 2020
    panel.loc[8, "year"] = "2012.5"
    error = _problems(panel)
    found = {(p.row, p.column, p.code) for p in error.problems}
    assert (4, "year", "year_out_of_range") in found
    assert (9, "year", "bad_year") in found
    assert "row 4, column year: year 2020 is outside 2009–2018" in str(error)


def test_values_out_of_range(small_panel):
    panel = small_panel.copy()
    panel.loc[0, "strindu"] = 1.5
    panel.loc[1, "doctors_per_1000_rural"] = 0.0  # the log ratio needs > 0
    panel.loc[2, "dg_government"] = 120.0  # a percentage
    error = _problems(panel)
    found = {(p.row, p.column) for p in error.problems}
    assert found == {(1, "strindu"), (2, "doctors_per_1000_rural"), (3, "dg_government")}


def test_too_few_years_for_the_model(small_panel):
    panel = small_panel.loc[small_panel["year"] >= 2016]
    error = _problems(panel)
    [problem] = error.problems
    assert problem.code == "too_few_years"
    assert "at least 4" in problem.message


def test_missing_cells_pass_validation_as_nan(small_panel):
    panel = small_panel.astype({"rgdp": object})
    panel.loc[[0, 5], "rgdp"] = ["", "—"]
    panel.loc[7, "green_area_pc_urban"] = np.nan
    validated = validate_panel(panel)
    assert validated.missing_cells == 3
    assert np.isnan(validated.frame.loc[0, "rgdp"])


def test_csv_round_trip_and_extra_columns_are_reported(small_panel):
    buffer = io.StringIO()
    small_panel.assign(notes="from the 2019 yearbook").to_csv(buffer, index=False)
    frame = read_panel_csv(io.StringIO(buffer.getvalue()))
    validated = validate_panel(frame)
    assert validated.ignored_columns == ("notes",)
    assert np.allclose(
        validated.frame["rgdp"].to_numpy(), small_panel.sort_values(["city_code", "year"])["rgdp"]
    )


def test_an_empty_file_is_refused():
    with pytest.raises(EngineInputError, match="empty"):
        read_panel_csv(io.StringIO(""))


def test_many_problems_are_all_kept_but_the_message_is_bounded(small_panel):
    panel = small_panel.astype({"rgdp": object})
    panel["rgdp"] = "x"
    error = _problems(panel)
    assert len(error.problems) == len(panel)
    assert "... and 20 more" in str(error)
    assert str(error).count("\n") <= 22


def test_fingerprint_ignores_row_order_but_not_values(small_panel):
    first = panel_fingerprint(small_panel)
    assert panel_fingerprint(small_panel.iloc[::-1]) == first
    changed = small_panel.copy()
    changed.loc[0, "rgdp"] += 0.01
    assert panel_fingerprint(changed) != first


def test_schema_document_lists_every_column():
    text = (DOCS / "panel-schema.md").read_text(encoding="utf-8")
    missing = [column for column in REQUIRED_COLUMNS if f"`{column}`" not in text]
    assert missing == []
