"""How the site writes a spreadsheet download: every CSV (request exports, public tables,
analytics tables) and every XLSX (request exports, public tables). Both neutralise text a
spreadsheet would run as a formula, and drop the control characters a worksheet cannot hold,
by one rule (``spreadsheet_text``), which uploads undo (``spreadsheet_text_read``), so a
download imported again holds the same text."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import pandas as pd

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# Cells a spreadsheet would read as a formula (CSV injection); such text gets a leading quote.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_CHUNK_ROWS = 500
# Control characters XML 1.0, and so an XLSX worksheet, cannot hold (tab, line feed and
# carriage return it can): openpyxl refuses a cell holding one, which failed the whole download.
NOT_IN_A_WORKSHEET = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def spreadsheet_text(value: object) -> object:
    """Text a spreadsheet would read as a formula, with a leading quote; anything else as it
    is. The one rule for CSV and XLSX cells (a community code is free text an administrator
    of any area writes, and the public table is downloaded by anyone). Control characters a
    worksheet cannot hold are dropped first (the same code, typed with one, failed the XLSX
    downloads for everyone)."""
    if not isinstance(value, str):
        return value
    value = NOT_IN_A_WORKSHEET.sub("", value)
    if _quoted_formula(value):
        return "'" + value
    return value


def _quoted_formula(text: str) -> bool:
    """Whether ``text`` is a formula after any leading quotes (none included). Text already
    starting with quotes before a formula gets one more too, so that removing one quote on
    the way back in (``spreadsheet_text_read``) gives every text back exactly."""
    return text.lstrip("'").startswith(FORMULA_PREFIXES)


def spreadsheet_text_read(text: str) -> str:
    """The text a cell of an uploaded table stands for: the inverse of ``spreadsheet_text``,
    so a download put back in is the same text (``'=1+1`` is read as ``=1+1``). Only the one
    quote our downloads add is taken off: a quote before a formula-like remainder. What is
    read is stored as text and never evaluated, and every download quotes it again, so this
    opens no formula injection."""
    if text.startswith("'") and _quoted_formula(text[1:]):
        return text[1:]
    return text


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating):
        # Full precision (shortest round-trip form), no thousands separators; NaN/inf empty.
        return repr(float(value)) if math.isfinite(value) else ""
    return spreadsheet_text(value)


def xlsx_bytes(frame: pd.DataFrame) -> bytes:
    """A table as an XLSX workbook of one sheet, header first."""
    return xlsx_workbook_bytes([("Sheet1", frame)])


def xlsx_workbook_bytes(sheets: Sequence[tuple[str, pd.DataFrame]]) -> bytes:
    """Tables as the named sheets of one XLSX workbook, in order, each header first. openpyxl
    stores any text starting with ``=`` as a formula, so text goes through
    ``spreadsheet_text`` first."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets:
            frame.map(spreadsheet_text).to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()


def csv_stream(*, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[bytes]:
    """A CSV table as UTF-8 bytes in chunks of rows: a byte-order mark first (without it Excel
    on Chinese Windows reads the file as GBK and garbles Chinese), then the header row.

    Empty for ``None`` and non-finite numbers, ``true``/``false`` for booleans, floats in full
    precision; text that a spreadsheet would run as a formula is prefixed with ``'``.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(columns)
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_cell(value) for value in row])
        if count % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
