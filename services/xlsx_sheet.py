"""The first worksheet of an XLSX workbook, row by row, with the values openpyxl's read-only
mode gives (``data_only``: a formula's last computed value), without openpyxl's objects.

openpyxl builds a descriptor-checked object for every cell's text (``Text.from_tree``) and,
for a sheet that does not declare its size, parses the whole sheet once more before the
first row to measure it: at the upload limit that was about 80 % of a 50 MB workbook's
reading time (``bench/bench_uploads.py``, figures in docs/security.md). Here openpyxl still
reads the small parts a workbook is held together by (which part is the workbook, its sheets
in order and where each lies, the shared strings' part, which cell styles are dates, the
1900 or 1904 calendar), so a part is found as openpyxl finds it; only the two parts that
grow with the table, the sheet and its shared strings, are parsed here, with the standard
library's streaming parser, as openpyxl parses them, element by element, each row's
elements cleared once read. A cell's value follows openpyxl's reading rule for rule
(``tests/services/test_xlsx_sheet.py`` checks both agree on generated workbooks).

Unlike openpyxl, a row or column past the sheet's declared size (``<dimension>``), or a cell
written after one right of it in its row, is read, not dropped: what the import reads is
what the sheet holds.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import IO
from xml.etree.ElementTree import Element

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import Stylesheet
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import ARC_STYLE, SHARED_STRINGS, SHEET_MAIN_NS

# The XML parser openpyxl parses these parts with (the standard library's expat, whose
# limits on entity expansion hold here as they did under openpyxl).
from openpyxl.xml.functions import fromstring, iterparse

_ROW = f"{{{SHEET_MAIN_NS}}}row"
_VALUE = f"{{{SHEET_MAIN_NS}}}v"
_INLINE_STRING = f"{{{SHEET_MAIN_NS}}}is"
_SHARED_STRING = f"{{{SHEET_MAIN_NS}}}si"

CellValue = str | int | float | bool | datetime | object
# A row's number as a spreadsheet shows it and its cells with a value, as (column, value)
# with columns counted from 1; cells without a value are left out.
SheetRow = tuple[int, list[tuple[int, CellValue]]]


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _text(node: Element) -> str:
    """A string item's text as openpyxl's ``Text.content`` reads it: the plain text then each
    formatted run's, phonetic guides left out (of several texts in one place, the last)."""
    plain = None
    runs = []
    for child in node:
        tag = _local(child.tag)
        if tag == "t":
            plain = child.text
        elif tag == "r":
            run = None
            for part in child:
                if _local(part.tag) == "t":
                    run = part.text
            if run is not None:
                runs.append(run)
    return "".join(([plain] if plain is not None else []) + runs)


def _shared_strings(stream: IO[bytes]) -> list[str]:
    strings = []
    for _event, node in iterparse(stream):
        if node.tag == _SHARED_STRING:
            # openpyxl drops this escape of an underscore from shared strings (not inline ones).
            strings.append(_text(node).replace("x005F_", ""))
            node.clear()
    return strings


def _number(text: str) -> int | float:
    return float(text) if "." in text or "E" in text or "e" in text else int(text)


class _CellReader:
    def __init__(
        self,
        shared_strings: list[str],
        date_styles: set[int],
        duration_styles: set[int],
        epoch: datetime,
    ) -> None:
        self.shared_strings = shared_strings
        self.date_styles = date_styles
        self.duration_styles = duration_styles
        self.epoch = epoch

    def value(self, cell: Element) -> CellValue | None:
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            inline = cell.find(_INLINE_STRING)
            return None if inline is None else _text(inline)
        text = cell.findtext(_VALUE, None) or None
        if text is None:
            return None
        if kind == "n":
            number = _number(text)
            style = int(cell.get("s", 0) or 0)
            if style in self.date_styles:
                try:
                    return from_excel(number, self.epoch, timedelta=style in self.duration_styles)
                except (OverflowError, ValueError):
                    return "#VALUE!"  # openpyxl's reading of a date out of range
            return number
        if kind == "s":
            return self.shared_strings[int(text)]
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            return from_ISO8601(text)
        return text  # "str" (a formula's text), "e" (an error such as #N/A), anything else


def _date_styles(archive: zipfile.ZipFile) -> tuple[set[int], set[int]]:
    """The cell styles (by index) whose number format is a date, and of those the durations,
    as openpyxl's stylesheet gives them (none when the workbook defines no cell styles)."""
    if ARC_STYLE not in archive.namelist():
        return set(), set()
    stylesheet = Stylesheet.from_tree(fromstring(archive.read(ARC_STYLE)))
    if not stylesheet.cell_styles:
        return set(), set()
    return set(stylesheet.date_formats), set(stylesheet.timedelta_formats)


def first_sheet_rows(file: IO[bytes]) -> Iterator[SheetRow]:
    """The rows of the workbook's first worksheet (chart sheets are not worksheets), in the
    order the sheet holds them, each with its number; rows the sheet leaves out are not
    yielded (the caller knows them as blank by their numbers). Any malformed part raises."""
    reader = ExcelReader(file, read_only=True, data_only=True, keep_links=False)
    archive = reader.archive
    with archive:
        reader.read_manifest()
        reader.read_workbook()
        sheet_path = next(
            (
                rel.target
                for _sheet, rel in reader.parser.find_sheets()
                if rel.target in reader.valid_files and "chartsheet" not in rel.Type
            ),
            None,
        )
        if sheet_path is None:
            raise ValueError("the workbook holds no worksheet")
        strings_part = reader.package.find(SHARED_STRINGS)
        shared_strings: list[str] = []
        if strings_part is not None:
            with archive.open(strings_part.PartName[1:]) as stream:
                shared_strings = _shared_strings(stream)
        cells = _CellReader(shared_strings, *_date_styles(archive), reader.wb.epoch)
        with archive.open(sheet_path) as stream:
            yield from _rows(stream, cells)


def _row_number(row: Element, previous: int) -> int:
    number = row.get("r")
    if number is None:
        return previous + 1
    try:
        return int(number)
    except ValueError:
        as_float = float(number)
        if not as_float.is_integer():
            raise
        return int(as_float)


def _rows(stream: IO[bytes], cells: _CellReader) -> Iterator[SheetRow]:
    number = 0
    for _event, row in iterparse(stream):
        if row.tag != _ROW:
            continue
        number = _row_number(row, number)
        values = []
        column = 0
        # Every element in a row is a cell to openpyxl too.
        for cell in row:
            reference = cell.get("r")
            column = coordinate_to_tuple(reference)[1] if reference else column + 1
            value = cells.value(cell)
            if value is not None:
                values.append((column, value))
        row.clear()
        yield number, values
