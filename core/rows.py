"""How the rows of a file a person made are numbered when we name one to them: as a
spreadsheet shows the file, the header being row 1 and the first row under it row 2. One rule
for the uploads (requests, residents, supply capacities), the panel import and the commands that
read a user's file (``forecast_demand --data``).

A CSV is numbered as a spreadsheet opening it shows it, and as an XLSX sheet is: every record
is a row, a blank line included, so a row keeps its number whatever blank lines come before
it (readers skip blank rows but never renumber the rows under them). A quoted field holding
line breaks is one record and so one row, though a text editor shows it over several lines:
after such a record the row number is below the editor's line number."""

import numpy as np

HEADER_ROW = 1
FIRST_DATA_ROW = HEADER_ROW + 1


def spreadsheet_row(position: int) -> int:
    """The row a spreadsheet shows for the record at ``position`` under the header (0 for
    the first record after it)."""
    return FIRST_DATA_ROW + int(position)


def spreadsheet_rows(positions: np.ndarray) -> np.ndarray:
    """:func:`spreadsheet_row` of each position."""
    return FIRST_DATA_ROW + np.asarray(positions, dtype=np.int64)
