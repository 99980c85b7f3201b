"""How the rows of a file a person made are numbered when we name one to them: as a
spreadsheet shows the file, the header being row 1 and the first row under it row 2. One rule
for the uploads (requests, residents, supply capacities) and for the commands that read a
user's file (``forecast_demand --data``)."""

HEADER_ROW = 1
FIRST_DATA_ROW = HEADER_ROW + 1


def spreadsheet_row(position: int) -> int:
    """The row a spreadsheet shows for the record at ``position`` under the header (0 for
    the first record after it)."""
    return FIRST_DATA_ROW + int(position)
