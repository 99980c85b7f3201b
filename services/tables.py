"""Reading an uploaded CSV or XLSX table within fixed limits, checked while reading.

An XLSX file is a zip of XML. Before any XML is parsed, the zip's declared unpacked sizes are
summed (``zipfile`` also stops at the declared size when it unpacks, so a lying header only
fails the check sum); then every entry (the sheets and shared strings under whatever names
the workbook gives them) is streamed through ``zlib`` once, counting rows and measuring the
longest text run between two tags (one no cell within the limit could make).
Only a file within every limit is read, row by row, by ``services.xlsx_sheet`` (openpyxl's
reading of the workbook's structure, the sheet's cells parsed as openpyxl's read-only mode
parses them, without its objects per cell); columns, cell lengths and NUL characters are
checked here as each row arrives. A file over a limit is refused
in well under a second (``bench/bench_uploads.py``), never after parsing it all. Neither
format is copied into memory whole: both are read from the file as streams.

Row numbers are as a spreadsheet shows them (``core.rows``): the header is row 1.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import IO

import numpy as np
from django.utils.translation import gettext as _

from core.exports import spreadsheet_text_read
from core.rows import HEADER_ROW, spreadsheet_row

# The largest file read, whatever the channel (the upload page, the import commands). A CSV
# is decoded and parsed as a stream, so reading one costs about its size in cell text (it
# cost six times that when the file was decoded whole and the table copied by pandas).
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000  # data rows, under the header
MAX_COLUMNS = 50
MAX_CELL_CHARACTERS = 4_000  # the longest text a table cell may carry (a description)
MAX_XLSX_UNPACKED_BYTES = 256 * 1024 * 1024
# A workbook is a dozen or two parts (a few per sheet); reading a zip's directory costs time
# per entry, so a file of a hundred thousand empty entries kept a process busy for half a
# minute before it was refused.
MAX_XLSX_ENTRIES = 1_000
# The signature opening each entry of a zip's central directory: ``zipfile`` refuses an
# entry without it, so it reads no more entries than the file holds copies of it.
_CENTRAL_DIRECTORY_ENTRY = b"PK\x01\x02"
# An XML text run longer than this cannot hold a cell within MAX_CELL_CHARACTERS (UTF-8 takes
# at most 4 bytes a character; an escaped character such as &quot; 6).
_MAX_TEXT_RUN_BYTES = MAX_CELL_CHARACTERS * 6
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class TableProblem:
    row: int
    column: str
    reason: str


class TableRefused(Exception):
    def __init__(self, problem: TableProblem):
        self.problem = problem
        super().__init__(f"row {problem.row}, column {problem.column}: {problem.reason}")


def _refuse(row: int, column: str, reason: str) -> TableRefused:
    return TableRefused(TableProblem(row, column, reason))


def _too_many_rows() -> TableRefused:
    return _refuse(1, "file", _("At most %(max)d rows per upload.") % {"max": MAX_ROWS})


def _cell_too_long(row: int, column: str) -> TableRefused:
    return _refuse(
        row,
        column,
        _("A cell may hold at most %(max)d characters.") % {"max": MAX_CELL_CHARACTERS},
    )


def too_large_message() -> str:
    """Why a file over ``MAX_UPLOAD_BYTES`` is refused (the upload form says it too)."""
    return _("The file is larger than %(mb)d MB, the most an upload may hold.") % {
        "mb": MAX_UPLOAD_BYTES // (1024 * 1024)
    }


def _size(file: IO[bytes]) -> int:
    position = file.tell()
    size = file.seek(0, io.SEEK_END)
    file.seek(position)
    return size - position


def read_rows(data: bytes | IO[bytes], suffix: str) -> tuple[list[str], list[list[str]]]:
    """The header (trimmed, lower case) and the data rows as text ("" for blank cells, every
    cell stripped), refused with one ``TableRefused`` at the first limit crossed.

    ``data`` may be the file itself (seekable, read from where it stands): it is then read
    as a stream, never whole (a CSV row by row; an XLSX file's zip through its directory,
    entry by entry, the sheet row by row).

    Blank rows between data rows are kept (all cells "") and trailing ones dropped, so the
    row at position ``i`` is the one a spreadsheet shows as ``spreadsheet_row(i)``, in a CSV
    as in an XLSX file; a reader that skips blank rows keeps their numbers."""
    if suffix not in ("csv", "xlsx"):
        raise _refuse(1, "file", _("Upload a .csv or .xlsx file."))
    file = io.BytesIO(data) if isinstance(data, bytes) else data
    if _size(file) > MAX_UPLOAD_BYTES:
        raise _refuse(1, "file", too_large_message())
    if suffix == "csv":
        return _read_csv(file)
    return _read_xlsx(file)


def _check_cells(row_number: int, header: list[str], cells: list[str]) -> None:
    for index, cell in enumerate(cells):
        column = header[index] if index < len(header) else _("column %(n)d") % {"n": index + 1}
        if len(cell) > MAX_CELL_CHARACTERS:
            raise _cell_too_long(row_number, column)
        if "\x00" in cell:
            raise _refuse(row_number, column, _("Contains a null character, which is not allowed."))


def _header(cells: list[str]) -> list[str]:
    while cells and not cells[-1].strip():
        cells = cells[:-1]
    if not cells:
        # Rows are named with the header as row 1 (core.rows); a file that starts lower would
        # otherwise be refused at its first data row as wider than an empty header.
        raise _refuse(
            HEADER_ROW,
            "file",
            _("The first row must hold the column names; this file starts with a blank row."),
        )
    if len(cells) > MAX_COLUMNS:
        raise _refuse(1, "file", _("At most %(max)d columns per upload.") % {"max": MAX_COLUMNS})
    _check_cells(HEADER_ROW, [f"column {n + 1}" for n in range(len(cells))], cells)
    return [c.strip().lower() for c in cells]


def _fit(row_number: int, header: list[str], cells: list[str]) -> list[str]:
    """The row cut or padded to the header's width; cells right of the header must be empty."""
    extra = [c for c in cells[len(header) :] if c.strip()]
    if extra:
        raise _refuse(row_number, "file", _("This row has more cells than the header."))
    cells = cells[: len(header)]
    return cells + [""] * (len(header) - len(cells))


class _RowsUnderHeader:
    """The rows under the header, each checked and fitted to its width. A blank row is kept
    only where a row with cells follows it, so that every row's place in the list gives its
    number as a spreadsheet shows it (``core.rows``) and trailing blank rows are dropped."""

    def __init__(self, header: list[str]) -> None:
        self.header = header
        self.rows: list[list[str]] = []
        self._blank_run: list[list[str]] = []

    @property
    def count(self) -> int:
        """Rows read so far under the header, blank ones included."""
        return len(self.rows) + len(self._blank_run)

    def add(self, number: int, cells: list[str]) -> None:
        _check_cells(number, self.header, cells)
        # Stripped here, once per cell, rather than by copying the whole table afterwards;
        # then the quote a download puts before a formula-like text comes off (core.exports).
        cells = [spreadsheet_text_read(cell.strip()) for cell in _fit(number, self.header, cells)]
        if any(cells):
            self.rows.extend(self._blank_run)
            self._blank_run = []
            self.rows.append(cells)
        else:
            self._blank_run.append(cells)


# CSV -----------------------------------------------------------------------------------------


def _not_utf8() -> TableRefused:
    return _refuse(1, "file", _("The file could not be read as csv: it is not UTF-8 text."))


def _read_csv(file: IO[bytes]) -> tuple[list[str], list[list[str]]]:
    # Decoded as it is parsed: the file is never held whole as text. A byte that is not
    # UTF-8 is found when the decoder reaches it, and refuses the whole file as before.
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    # csv's own field limit (128 KiB) stays as it is: it is process-wide. A longer field is
    # refused as a long cell; shorter ones are checked against MAX_CELL_CHARACTERS below.
    reader = csv.reader(text)
    try:
        return _csv_rows(reader)
    except UnicodeDecodeError:
        raise _not_utf8() from None
    finally:
        text.detach()  # the caller's file stays open


def _csv_rows(reader) -> tuple[list[str], list[list[str]]]:
    under: _RowsUnderHeader | None = None
    try:
        for cells in reader:
            if under is None:
                under = _RowsUnderHeader(_header(cells))
                continue
            # A blank line is a record too (a spreadsheet shows it as a blank row), so it is
            # numbered like the rows of an XLSX sheet; a quoted field holding line breaks is
            # one record, one row, as a spreadsheet shows it.
            if under.count >= MAX_ROWS:
                raise _too_many_rows()
            under.add(spreadsheet_row(under.count), cells)
    except csv.Error as exc:
        number = spreadsheet_row(under.count) if under is not None else HEADER_ROW
        if "field larger than field limit" in str(exc):
            raise _cell_too_long(number, "file") from None
        raise _refuse(number, "file", _("The file could not be read as csv.")) from None
    if under is None:
        raise _refuse(1, "file", _("The file could not be read as csv."))
    return under.header, under.rows


# XLSX ----------------------------------------------------------------------------------------


def _count(file: IO[bytes], pattern: bytes) -> int:
    """How many times ``pattern`` occurs in the file, read chunk by chunk (a copy of the
    pattern's length but one carried over, so none across a boundary is missed or counted
    twice); the file is left where it was."""
    start = file.tell()
    count, carry = 0, b""
    while chunk := file.read(_CHUNK):
        window = carry + chunk
        count += window.count(pattern)
        carry = window[-(len(pattern) - 1) :]
    file.seek(start)
    return count


def _xlsx_prescan(file: IO[bytes]) -> None:
    """Sizes from the zip directory, then one streamed pass over the first sheet and the
    shared strings: row count and text runs, without parsing XML. Before the directory is
    read, its entries are counted (one streamed byte search)."""
    if _count(file, _CENTRAL_DIRECTORY_ENTRY) > MAX_XLSX_ENTRIES:
        raise _refuse(
            1,
            "file",
            _("The workbook holds more than %(max)d parts.") % {"max": MAX_XLSX_ENTRIES},
        )
    try:
        archive = zipfile.ZipFile(file)
    except zipfile.BadZipFile:
        raise _refuse(1, "file", _("The file could not be read as xlsx.")) from None
    with archive:
        infos = archive.infolist()
        if sum(info.file_size for info in infos) > MAX_XLSX_UNPACKED_BYTES:
            raise _refuse(
                1,
                "file",
                _("The workbook unpacks to more than %(mb)d MB.")
                % {"mb": MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)},
            )
        names = [info.filename for info in infos]
        sheets = sorted(
            (n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
            key=lambda n: int(re.search(r"\d+", n.rsplit("/", 1)[1]).group()),
        )
        # Every entry, the usual first sheet first: the workbook's relationships may give
        # its sheets and shared strings any name (openpyxl reads whatever they point at), so
        # scanning only the usual names let a renamed part reach the parser unchecked.
        for name in sheets[:1] + [n for n in names if n not in sheets[:1]]:
            _scan_entry(archive, name)


def _row_tags(data: bytes) -> int:
    # Spreadsheet writers put rows as <row ...> without a namespace prefix; a prefixed sheet
    # is still held to MAX_ROWS by the reading loop, only later.
    return data.count(b"<row ") + data.count(b"<row>")


def _scan_entry(archive: zipfile.ZipFile, name: str) -> None:
    """One streamed pass: rows counted by their tags (none outside a sheet), and the longest
    run of bytes between two ``<`` measured (text longer than any cell may be), chunk by
    chunk in numpy."""
    rows = 0
    run = 0  # bytes since the last "<" of the previous chunks
    tail = b""  # enough of the previous chunk to see a row tag across the boundary
    try:
        with archive.open(name) as stream:
            while chunk := stream.read(_CHUNK):
                tags = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == ord("<"))
                if tags.size == 0:
                    run += len(chunk)
                    long_at = 0 if run > _MAX_TEXT_RUN_BYTES else -1
                else:
                    gaps = np.diff(tags, prepend=-run - 1) - 1
                    longest = int(gaps.argmax())
                    long_at = int(tags[longest]) if gaps[longest] > _MAX_TEXT_RUN_BYTES else -1
                    run = len(chunk) - 1 - int(tags[-1])
                if long_at >= 0:
                    row = rows + _row_tags(tail + chunk[:long_at]) - _row_tags(tail)
                    raise _cell_too_long(max(row, 1), "file")
                rows += _row_tags(tail + chunk) - _row_tags(tail)
                if rows > MAX_ROWS + 1:  # the header row is a row too
                    raise _too_many_rows()
                tail = chunk[-5:]
    except (zipfile.BadZipFile, OSError, EOFError):
        raise _refuse(1, "file", _("The file could not be read as xlsx.")) from None


def _cell_text(value: object) -> str:
    """A cell as the text a CSV would carry (pandas' reading of the same sheet)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _read_xlsx(file: IO[bytes]) -> tuple[list[str], list[list[str]]]:
    """The file is read where it lies (an upload spooled to disk, say), never copied whole
    into memory: the pre-scan and the sheet reader (``services.xlsx_sheet``) go through the
    zip's directory to one entry at a time and unpack it as a stream, and the sheet is
    parsed row by row. What the table's cells hold is all that grows with the file."""
    # Imported here, as openpyxl was: a process that reads no workbook does not load it.
    from services import xlsx_sheet

    start = file.tell()
    _xlsx_prescan(file)
    file.seek(start)
    under = _RowsUnderHeader([])
    expected = HEADER_ROW  # the number of the next row, as a spreadsheet shows it
    try:
        with closing(xlsx_sheet.first_sheet_rows(file)) as rows:
            for number, cells in rows:
                if number < expected:
                    continue  # a row numbered before one already read: openpyxl skipped it too
                if number > MAX_ROWS + 1:  # the header row is a row too
                    raise _too_many_rows()
                # Rows the sheet leaves out are blank rows, and keep the rows under them in place.
                for blank in range(expected, number):
                    under = _xlsx_row(under, blank, [])
                under = _xlsx_row(under, number, cells)
                expected = number + 1
    except TableRefused:
        raise
    except Exception:  # any parser failure, a malformed part: say so, without a stack trace
        raise _refuse(1, "file", _("The file could not be read as xlsx.")) from None
    return under.header, under.rows


def _xlsx_row(
    under: _RowsUnderHeader, number: int, cells: list[tuple[int, object]]
) -> _RowsUnderHeader:
    """The row added under the header (or read as the header), its cells as text; a value
    right of ``MAX_COLUMNS`` refuses the file at this row."""
    width = max((column for column, _value in cells), default=0)
    if width > MAX_COLUMNS:
        raise _refuse(
            number, "file", _("At most %(max)d columns per upload.") % {"max": MAX_COLUMNS}
        )
    texts = [""] * width
    for column, value in cells:
        texts[column - 1] = _cell_text(value)
    if number == HEADER_ROW:
        return _RowsUnderHeader(_header(texts))
    under.add(number, texts)
    return under
