"""Reading a person's own monthly history for ``forecast_demand --data``: a CSV file as they
saved it from a spreadsheet or a script, each row numbered as the spreadsheet shows it
(``core.rows``), so that a refusal names the row they will find.

What is accepted: UTF-8 with or without a byte-order mark; comma-, semicolon- or
tab-separated (told from the header row); column names in any case, order and with spaces
around them; other columns besides ``series``, ``period`` and ``count`` (series attributes,
see ``prepare_history``); blank rows (skipped, but counted, as the spreadsheet counts them).
Every cell is read as text, so a series named ``007`` keeps its zeros and the engine's checks
quote a count or a month exactly as the file holds it.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd
from django.core.management.base import CommandError
from django.utils.translation import gettext

from analytics.engine.supply.frames import is_missing
from core.rows import HEADER_ROW, spreadsheet_row

HISTORY_COLUMNS = ("series", "period", "count")
DELIMITERS = (",", ";", "\t")


def check_output_path(out: Path) -> None:
    """Refuse an ``--out`` that cannot be written before any work is done."""
    if out.is_dir():
        raise CommandError(
            gettext("--out %(file)s is a directory; give the name of a CSV file to write")
            % {"file": out}
        )
    folder = out.parent
    if not folder.is_dir():
        raise CommandError(
            gettext("--out %(file)s: the directory %(folder)s does not exist")
            % {"file": out, "folder": folder}
        )
    if not os.access(folder, os.W_OK):
        raise CommandError(
            gettext("--out %(file)s: the directory %(folder)s cannot be written to")
            % {"file": out, "folder": folder}
        )


def read_history_file(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """The file's rows as a frame of text cells (numeric attribute columns as numbers), its
    column names trimmed and in lower case, blank rows left out; and each row's number as a
    spreadsheet shows it, for the engine's refusals (``prepare_history(rows=...)``)."""
    text = _text_of(path)
    delimiter = _delimiter(text.splitlines()[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise CommandError(
            gettext("%(file)s, row %(row)s: the row cannot be read as CSV (%(reason)s)")
            % {"file": path, "row": reader.line_num, "reason": exc}
        ) from None
    header = _header(path, records[0])
    cells: list[list[str]] = []
    numbers: list[int] = []
    for position, record in enumerate(records[1:]):
        if not any(cell.strip() for cell in record):
            continue  # a blank row: skipped, still counted
        if any(cell.strip() for cell in record[len(header) :]):
            raise CommandError(
                gettext(
                    "%(file)s, row %(row)s: the row has more cells than the header has columns "
                    "(%(columns)s)"
                )
                % {"file": path, "row": spreadsheet_row(position), "columns": len(header)}
            )
        record = [cell.strip() for cell in record[: len(header)]]
        cells.append(record + [""] * (len(header) - len(record)))
        numbers.append(spreadsheet_row(position))
    frame = pd.DataFrame(cells, columns=header, dtype=object)
    for column in header:
        if column not in HISTORY_COLUMNS:
            frame[column] = _attribute(frame[column])
    return frame, np.asarray(numbers, dtype=np.int64)


def _text_of(path: Path) -> str:
    if not path.exists():
        raise CommandError(gettext("%(file)s: no such file") % {"file": path})
    if path.is_dir():
        raise CommandError(
            gettext("%(file)s is a directory; give the CSV file of the history") % {"file": path}
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CommandError(
            gettext("%(file)s cannot be read: %(reason)s")
            % {"file": path, "reason": exc.strerror or exc}
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(
            gettext(
                "%(file)s, row %(row)s: the file is not UTF-8 text; save it as CSV UTF-8 "
                '(a spreadsheet\'s "CSV UTF-8" format)'
            )
            % {"file": path, "row": data.count(b"\n", 0, exc.start) + 1}
        ) from None
    if not text.strip():
        raise CommandError(
            gettext(
                "%(file)s is empty; it needs a header row (series, period, count) and one row "
                "per series and month"
            )
            % {"file": path}
        )
    return text


def _delimiter(first_line: str) -> str:
    """The delimiter whose split of the header row names the history's columns (a spreadsheet
    set to a language with decimal commas saves semicolon-separated files); else a comma."""
    for delimiter in DELIMITERS:
        names = {
            cell.strip().lower() for cell in next(csv.reader([first_line], delimiter=delimiter))
        }
        if set(HISTORY_COLUMNS) <= names:
            return delimiter
    return ","


def _header(path: Path, cells: list[str]) -> list[str]:
    while cells and not cells[-1].strip():
        cells = cells[:-1]  # a spreadsheet's empty cells right of the last column
    names = [cell.strip().lower() or f"column {n}" for n, cell in enumerate(cells, 1)]
    for name in dict.fromkeys(names):
        if names.count(name) > 1:
            raise CommandError(
                gettext("%(file)s, row %(row)s: the column %(column)s appears more than once")
                % {"file": path, "row": HEADER_ROW, "column": name}
            )
    return names


def _attribute(cells: pd.Series) -> pd.Series:
    """An attribute column as numbers where every value given is a number, else as text;
    empty cells as missing either way."""
    missing = is_missing(cells)
    given = cells.where(~missing)
    numbers = pd.to_numeric(given, errors="coerce")
    if numbers[~missing].notna().all():
        return numbers.astype(float)
    return given
