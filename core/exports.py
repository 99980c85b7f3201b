"""How the site writes a CSV (every download: request exports, public tables, analytics tables)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# Cells a spreadsheet would read as a formula (CSV injection); such text gets a leading quote.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_CHUNK_ROWS = 500


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating):
        # Full precision (shortest round-trip form), no thousands separators; NaN/inf empty.
        return repr(float(value)) if math.isfinite(value) else ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


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
