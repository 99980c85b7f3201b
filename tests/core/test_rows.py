"""One numbering of a user's file rows: as a spreadsheet shows them. The uploads and
``forecast_demand --data`` name the same row for the same place in a file."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from core.rows import FIRST_DATA_ROW, HEADER_ROW, spreadsheet_row
from services import bulk, capacity_import


def test_the_header_is_row_1_and_the_first_row_under_it_row_2():
    assert (HEADER_ROW, FIRST_DATA_ROW) == (1, 2)
    assert [spreadsheet_row(p) for p in range(3)] == [2, 3, 4]


@pytest.mark.django_db
def test_an_upload_and_the_forecast_command_name_the_same_row(tmp_path):
    """The third line of each file (the second under its header) is bad: each names row 3."""
    table = bulk.read_table(b"community,category\nC1,a\nC2,b\n", "requests.csv")
    assert list(table.index) == [2, 3]
    capacity = capacity_import.capacity_file_read(
        "month,community,service,units,cost,provider\n"
        "2026-01,C1,s,1,1,market\n"
        "January,C1,s,1,1,market\n"
    )
    assert any(p.row == 3 and p.column == "month" for p in capacity.problems)
    data = tmp_path / "history.csv"
    data.write_text("series,period,count\na,2022-01,4\na,January,5\n")
    with pytest.raises(CommandError, match="'January' in row 3"):
        call_command("forecast_demand", "--data", str(data), "--horizon", "1")
