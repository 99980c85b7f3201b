"""The XLSX sheet reader (``services.xlsx_sheet``) reads what openpyxl's read-only mode read
before it, cell for cell, and the upload's limits still hold in front of it.

Each workbook is written with openpyxl and read twice: by ``services.tables.read_rows`` and
by the reading it replaced, openpyxl's read-only ``iter_rows`` under the same row rules
(``_openpyxl_read_rows`` below, the loop ``services/tables.py`` ran until December 2026)."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time, timedelta
from xml.etree import ElementTree

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from services import tables, xlsx_sheet

SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET_PART = "xl/worksheets/sheet1.xml"
HEADER = ["community", "category", "description", "created_at"]
SHARED_STRINGS_PART = "xl/sharedStrings.xml"


def _openpyxl_read_rows(content: bytes) -> tuple[list[str], list[list[str]]]:
    """The table as openpyxl's read-only mode read it (the sheet's values, formulas' last
    computed values), rows numbered by their place, under the same header and row rules."""
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        under = tables._RowsUnderHeader([])
        for number, values in enumerate(
            workbook.worksheets[0].iter_rows(values_only=True), start=1
        ):
            if number > tables.MAX_ROWS + 1:
                raise tables._too_many_rows()
            if len(values) > tables.MAX_COLUMNS and any(
                v is not None for v in values[tables.MAX_COLUMNS :]
            ):
                raise tables._refuse(number, "file", "columns")
            cells = [tables._cell_text(v) for v in values[: tables.MAX_COLUMNS]]
            if number == 1:
                under = tables._RowsUnderHeader(tables._header(cells))
                continue
            under.add(number, cells)
    finally:
        workbook.close()
    return under.header, under.rows


def _outcome(read, content: bytes) -> object:
    try:
        return read(content)
    except tables.TableRefused as refused:
        # The columns' refusal is worded by the product; its place is what must agree.
        return ("refused", refused.problem.row, refused.problem.column)


def _new_read_rows(content: bytes) -> tuple[list[str], list[list[str]]]:
    return tables.read_rows(content, "xlsx")


def _openpyxl_values(content: bytes) -> list[list[object]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    return [_trimmed(row) for row in rows]


def _trimmed(row: list[object]) -> list[object]:
    while row and row[-1] is None:
        row = row[:-1]
    return row


def _new_values(content: bytes) -> list[list[object]]:
    """The new reader's rows, blank ones filled in, as openpyxl's ``values_only`` rows."""
    rows: list[list[object]] = []
    for number, cells in xlsx_sheet.first_sheet_rows(io.BytesIO(content)):
        while len(rows) < number:
            rows.append([])
        row = [None] * max((column for column, _v in cells), default=0)
        for column, value in cells:
            row[column - 1] = value
        rows[number - 1] = row
    while rows and not rows[-1]:
        rows.pop()
    return [_trimmed(row) for row in rows]


_TEXTS = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.sampled_from(
        [
            "",
            "  padded  ",
            "line\nbreak",
            "tab\there",
            "'=1+1",  # a download's quoted formula-like text
            "_x005F_x000D_",
            "_x000D_",
            "&<>\"'",
            "上门助餐",
            "#N/A",  # an error value to openpyxl
            "=1+1",  # a formula, no computed value: blank to both
        ]
    ),
)
_VALUES = st.one_of(
    st.none(),
    _TEXTS,
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(9998, 12, 31)),
    st.dates(min_value=date(1901, 1, 1), max_value=date(9998, 12, 31)),
    st.times(),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3000)),
    st.lists(_TEXTS.filter(bool), min_size=1, max_size=3).map(
        lambda parts: CellRichText(
            [TextBlock(InlineFont(b=True), part) if i % 2 else part for i, part in enumerate(parts)]
        )
    ),
)
# Cells anywhere in the first rows and columns, a few past the limit of columns.
_PLACES = st.tuples(
    st.integers(1, 8), st.one_of(st.integers(1, 6), st.just(tables.MAX_COLUMNS + 1))
)


def _workbook(
    cells: dict[tuple[int, int], object], *, mac_calendar: bool = False, write_only: bool = False
) -> bytes:
    """The cells written by openpyxl: as a whole workbook (its strings inline in the sheet)
    or in write-only mode, row after row (its strings in the shared strings part)."""
    workbook = openpyxl.Workbook(write_only=write_only)
    if mac_calendar:
        workbook.epoch = CALENDAR_MAC_1904
    if write_only:
        sheet = workbook.create_sheet()
        height = max((row for row, _column in cells), default=0)
        width = max((column for _row, column in cells), default=0)
        for row in range(1, height + 1):
            sheet.append([cells.get((row, column)) for column in range(1, width + 1)])
    else:
        sheet = workbook.active
        for (row, column), value in cells.items():
            sheet.cell(row=row, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cells=st.dictionaries(_PLACES, _VALUES, max_size=20),
    header=st.booleans(),
    mac_calendar=st.booleans(),
    write_only=st.booleans(),
    shared=st.booleans(),
)
def test_the_reader_and_openpyxl_agree_on_every_cell(
    cells, header, mac_calendar, write_only, shared
):
    if header:  # most uploads start with their column names
        cells = {(1, n + 1): name for n, name in enumerate(HEADER)} | {
            place: value for place, value in cells.items() if place[0] > 1
        }
    content = _workbook(cells, mac_calendar=mac_calendar, write_only=write_only)
    if shared:
        content = _shared_strings(content)
    assert _new_values(content) == _openpyxl_values(content)
    assert _outcome(_new_read_rows, content) == _outcome(_openpyxl_read_rows, content)


def _sheet_xml(rows: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{SHEET_NS}">'
        f"<sheetData>{rows}</sheetData></worksheet>"
    ).encode()


def _with_parts(content: bytes, parts: dict[str, bytes]) -> bytes:
    """The workbook with these parts put in (a shared strings part is also declared, as
    Excel declares it: openpyxl itself writes every string inline)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    contents = {info.filename: source.read(info.filename) for info in source.infolist()}
    if SHARED_STRINGS_PART in parts and SHARED_STRINGS_PART not in contents:
        contents["[Content_Types].xml"] = contents["[Content_Types].xml"].replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
        contents["xl/_rels/workbook.xml.rels"] = contents["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>",
            b'<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            b"</Relationships>",
        )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in (contents | parts).items():
            target.writestr(name, data)
    return out.getvalue()


def _shared_strings(content: bytes) -> bytes:
    """The same workbook with its strings moved from the sheet to a shared strings part, the
    cells naming them by number, as Excel writes them."""
    ElementTree.register_namespace("", SHEET_NS)
    # The test's own workbook, written by openpyxl just before.
    sheet = ElementTree.fromstring(zipfile.ZipFile(io.BytesIO(content)).read(SHEET_PART))  # noqa: S314
    table = ElementTree.Element(f"{{{SHEET_NS}}}sst")
    for cell in sheet.iter(f"{{{SHEET_NS}}}c"):
        inline = cell.find(f"{{{SHEET_NS}}}is")
        if cell.get("t") == "inlineStr" and inline is not None:
            cell.remove(inline)
            inline.tag = f"{{{SHEET_NS}}}si"
            table.append(inline)
            cell.set("t", "s")
            ElementTree.SubElement(cell, f"{{{SHEET_NS}}}v").text = str(len(table) - 1)
    return _with_parts(
        content,
        {
            SHEET_PART: ElementTree.tostring(sheet, xml_declaration=True, encoding="UTF-8"),
            SHARED_STRINGS_PART: ElementTree.tostring(
                table, xml_declaration=True, encoding="UTF-8"
            ),
        },
    )


def _with_sheet(rows: str, shared_strings: str | None = None) -> bytes:
    """A workbook written by openpyxl, its sheet (and shared strings) replaced by hand: what
    other writers put there (inline strings, no references, phonetic guides)."""
    parts = {SHEET_PART: _sheet_xml(rows)}
    if shared_strings is not None:
        parts[SHARED_STRINGS_PART] = (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{SHEET_NS}">{shared_strings}</sst>'
        ).encode()
    return _with_parts(_workbook({(1, 1): "x", (2, 1): "y"}), parts)


@pytest.mark.parametrize(
    ("rows", "shared_strings"),
    [
        # Inline strings, without cell or row references (counted from the left and the top).
        (
            '<row><c t="inlineStr"><is><t>community</t></is></c><c t="inlineStr"><is>'
            '<t>description</t></is></c></row><row><c/><c t="inlineStr"><is><t xml:space='
            '"preserve"> a </t><r><t>b</t></r><rPh sb="0" eb="1"><t>ignored</t></rPh></is></c></row>',
            None,
        ),
        # Rows left out, a row numbered "3.0", booleans, errors,
        # a formula's text, an ISO date, a number in exponent form.
        (
            '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
            '<row r="3.0"><c r="A3" t="e"><v>#N/A</v></c><c r="B3" t="b"><v>1</v></c></row>'
            '<row r="5"><c r="A5" t="str"><v>text</v></c><c r="B5" t="d">'
            '<v>2025-03-01T09:30:00</v></c><c r="C5"><v>1.5E3</v></c></row>',
            "<si><t>a_x005F_x000D_</t></si><si><r><t>b</t></r><r><t>c</t></r></si>",
        ),
    ],
    ids=["inline-no-references", "gaps-and-kinds"],
)
def test_sheets_of_other_writers_read_as_openpyxl_reads_them(rows, shared_strings):
    content = _with_sheet(rows, shared_strings)
    assert _new_values(content) == _openpyxl_values(content)
    assert _outcome(_new_read_rows, content) == _outcome(_openpyxl_read_rows, content)


def test_a_value_far_right_or_far_down_is_refused_without_reading_its_distance():
    """A value far right of the header or far down the sheet is refused at the row where it
    crosses a limit, from the cell's place alone: the reader does not fill in the rows or
    cells between (openpyxl's reading refused both files at the same places)."""
    far_right = _with_sheet(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>community</t></is></c></row>'
        '<row r="2"><c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>'
    )
    assert _outcome(_new_read_rows, far_right) == ("refused", 2, "file")
    far_down = _with_sheet(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>community</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    )
    assert _outcome(_new_read_rows, far_down) == ("refused", 1, "file")


def test_the_limits_are_checked_before_the_sheet_reader_runs(monkeypatch):
    """The pre-scan (entries, unpacked size, rows, text runs) stands in front of the new
    reader as it stood in front of openpyxl: an over-limit file never reaches it."""
    reached = []
    monkeypatch.setattr(
        xlsx_sheet, "first_sheet_rows", lambda file: reached.append(file) or iter(())
    )
    huge_cell = _workbook({(1, 1): "a", (2, 1): "y" * 2_000_000})
    for content in (huge_cell, _shared_strings(huge_cell)):  # in the sheet, in shared strings
        assert _outcome(_new_read_rows, content)[::2] == ("refused", "file")
    monkeypatch.setattr(tables, "MAX_ROWS", 3)
    many_rows = _workbook({(n, 1): "x" for n in range(1, 6)})
    assert _outcome(_new_read_rows, many_rows) == ("refused", 1, "file")
    monkeypatch.setattr(tables, "MAX_XLSX_UNPACKED_BYTES", 100)
    assert _outcome(_new_read_rows, _workbook({(1, 1): "a"})) == (
        "refused",
        1,
        "file",
    )
    assert reached == []


def test_a_time_and_a_date_read_as_before():
    content = _workbook({(1, 1): "a", (1, 2): "b", (2, 1): time(9, 30), (2, 2): date(2025, 3, 1)})
    assert tables.read_rows(content, "xlsx") == (["a", "b"], [["09:30:00", "2025-03-01 00:00:00"]])
