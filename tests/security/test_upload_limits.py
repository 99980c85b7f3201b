"""Findings 4 and 6: uploads are read within limits checked while reading, and refused by
row and column; dates are bounded. (The refusals' times are measured by
``bench/bench_uploads.py``, not asserted here.)"""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pandas as pd
import pytest

from services import bulk, tables
from tests.factories import CommunityFactory, ServiceCategoryFactory, WorkerFactory

pytestmark = pytest.mark.django_db


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def place():
    community = CommunityFactory()
    return {
        "community": community,
        "worker": WorkerFactory(communities=[community]),
        "category": ServiceCategoryFactory(),
    }


HEADER = ["community", "category", "description", "created_at"]


def _refusal(place, content: bytes, filename: str = "r.xlsx") -> list[tuple[int, str]]:
    with pytest.raises(bulk.BulkImportError) as refused:
        bulk.bulk_import_requests(user=place["worker"], file=content, filename=filename)
    return [(p.row, p.column) for p in refused.value.problems]


def _row(place, description="help", created_at="2025-03-01T09:30:00+08:00"):
    return [place["community"].code, place["category"].code, description, created_at]


def test_a_long_cell_is_refused_at_its_row_and_column(place):
    content = _xlsx([HEADER, _row(place), _row(place, "x" * (tables.MAX_CELL_CHARACTERS + 1))])
    assert _refusal(place, content) == [(3, "description")]


def test_a_huge_cell_is_refused_before_the_xml_is_parsed(place, monkeypatch):
    def no_parsing(*args, **kwargs):
        raise AssertionError("openpyxl should not be reached")

    content = _xlsx([HEADER, _row(place, "y" * 2_000_000)])
    monkeypatch.setattr(openpyxl, "load_workbook", no_parsing)
    # The text sits in the shared strings, which do not say which row uses it.
    assert [column for _row, column in _refusal(place, content)] == ["file"]


def test_too_many_rows_are_refused_before_parsing(place, monkeypatch):
    monkeypatch.setattr(tables, "MAX_ROWS", 5)
    content = _xlsx([HEADER] + [_row(place)] * 6)
    monkeypatch.setattr(openpyxl, "load_workbook", None)  # never reached
    assert _refusal(place, content) == [(1, "file")]
    monkeypatch.undo()
    monkeypatch.setattr(tables, "MAX_ROWS", 5)
    assert (
        bulk.bulk_import_requests(
            user=place["worker"], file=_xlsx([HEADER] + [_row(place)] * 5), filename="r.xlsx"
        ).created
        == 5
    )


def test_too_many_rows_in_a_csv_are_refused(place, monkeypatch):
    monkeypatch.setattr(tables, "MAX_ROWS", 5)
    frame = pd.DataFrame([_row(place)] * 6, columns=HEADER)
    assert _refusal(place, frame.to_csv(index=False).encode(), "r.csv") == [(1, "file")]


def test_too_many_columns_are_refused(place):
    content = _xlsx([[f"c{n}" for n in range(tables.MAX_COLUMNS + 1)], ["a"]])
    assert _refusal(place, content) == [(1, "file")]


def _renamed_parts(content: bytes) -> bytes:
    """The same workbook with its sheet and shared strings under other names, the
    relationships and content types pointing at them (openpyxl reads whatever they name)."""
    renames = {
        "xl/worksheets/sheet1.xml": "xl/worksheets/data.xml",
        "xl/sharedStrings.xml": "xl/texts.xml",
    }
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            for old, new in renames.items():
                data = data.replace(
                    old.removeprefix("xl/").encode(), new.removeprefix("xl/").encode()
                )
                data = data.replace(b"/" + old.encode(), b"/" + new.encode())
            target.writestr(renames.get(info.filename, info.filename), data)
    return out.getvalue()


def test_renamed_parts_are_checked_before_parsing_too(place, monkeypatch):
    # A parser failure is a refusal too, so the calls are counted rather than failed.
    parsed = []

    def no_parsing(*args, **kwargs):
        parsed.append(args)
        raise AssertionError("openpyxl should not be reached")

    # An attacker's probe (December 2026): only the usual part names were scanned, so a
    # renamed sheet or shared-strings part went to the parser with a cell of any size.
    huge = _renamed_parts(_xlsx([HEADER, _row(place, "y" * 2_000_000)]))
    names = zipfile.ZipFile(io.BytesIO(huge)).namelist()
    assert "xl/worksheets/data.xml" in names and "xl/worksheets/sheet1.xml" not in names
    monkeypatch.setattr(openpyxl, "load_workbook", no_parsing)
    assert [column for _row, column in _refusal(place, huge)] == ["file"]
    monkeypatch.setattr(tables, "MAX_ROWS", 5)
    many = _renamed_parts(_xlsx([HEADER] + [_row(place)] * 6))
    assert _refusal(place, many) == [(1, "file")]
    assert parsed == []
    monkeypatch.undo()
    # Renamed, a good workbook still reads.
    good = _renamed_parts(_xlsx([HEADER] + [_row(place)] * 2))
    assert (
        bulk.bulk_import_requests(user=place["worker"], file=good, filename="r.xlsx").created == 2
    )


def test_the_declared_unpacked_size_is_checked_first(place, monkeypatch):
    content = _xlsx([HEADER, _row(place)])
    declared = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(content)).infolist())
    monkeypatch.setattr(tables, "MAX_XLSX_UNPACKED_BYTES", declared - 1)
    assert _refusal(place, content) == [(1, "file")]


def test_a_long_csv_cell_is_refused_at_its_row_and_column(place):
    frame = pd.DataFrame(
        [_row(place), _row(place, "z" * (tables.MAX_CELL_CHARACTERS + 1))], columns=HEADER
    )
    assert _refusal(place, frame.to_csv(index=False).encode(), "r.csv") == [(3, "description")]


def test_xlsx_cells_read_as_csv_text(place):
    """Numbers, dates and blanks in a sheet arrive as the text the CSV path would carry."""
    from datetime import datetime

    header, rows = tables.read_rows(
        _xlsx([["a", "b", "c", "d"], [1960, 2.0, datetime(2025, 3, 1, 9, 30), None], [], []]),
        "xlsx",
    )
    assert header == ["a", "b", "c", "d"]
    assert rows == [["1960", "2", "2025-03-01 09:30:00", ""]]


@pytest.mark.parametrize(
    "created_at", ["1700-01-01T00:00:00", "1999-12-31T23:59:59+00:00", "2999-01-01T00:00:00Z"]
)
def test_import_dates_are_bounded(place, created_at):
    """Finding 6: a 1700 date was accepted, and the next forecast built a 3,924-month grid."""
    content = _xlsx([HEADER, _row(place), _row(place, created_at=created_at)])
    assert _refusal(place, content) == [(3, "created_at")]
    frame = pd.DataFrame([_row(place), _row(place, created_at=created_at)], columns=HEADER)
    assert _refusal(place, frame.to_csv(index=False).encode(), "r.csv") == [(3, "created_at")]


def test_capacity_periods_are_bounded():
    from tests.factories import AdministratorFactory, api_client

    community = CommunityFactory()
    category = ServiceCategoryFactory()
    response = api_client(AdministratorFactory()).post(
        "/api/v1/capacities/",
        {
            "community": community.pk,
            "category": category.code,
            "period": "1700-01-01",
            "provider": "government",
            "capacity": 1,
            "budget": "1.00",
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"period"}


def test_a_workbook_of_many_parts_is_refused_before_its_directory_is_read(place, monkeypatch):
    """A third look, December 2026: ``zipfile`` reads a zip's directory entry by entry, and
    the pre-scan then opened each entry: a 8.6 MB file of 100,000 empty entries took 30 s of
    a web process (and 60 MB) before it was refused as unreadable. The entries are counted
    by their signature first."""
    good = _xlsx([HEADER, _row(place)])
    padded = io.BytesIO(good)
    with zipfile.ZipFile(padded, "a") as archive:
        for n in range(tables.MAX_XLSX_ENTRIES + 1):
            archive.writestr(f"pad/{n}", b"")
    opened = []
    real_zipfile = zipfile.ZipFile
    monkeypatch.setattr(
        tables.zipfile, "ZipFile", lambda *a, **k: opened.append(a) or real_zipfile(*a, **k)
    )
    with pytest.raises(bulk.BulkImportError) as refused:
        bulk.bulk_import_requests(user=place["worker"], file=padded.getvalue(), filename="r.xlsx")
    assert [(p.row, p.column, p.reason) for p in refused.value.problems] == [
        (1, "file", f"The workbook holds more than {tables.MAX_XLSX_ENTRIES} parts.")
    ]
    assert opened == []
    # A workbook's own dozen parts are far from the limit.
    assert (
        bulk.bulk_import_requests(user=place["worker"], file=good, filename="r.xlsx").created == 1
    )


class _WholeReadForbidden(io.BytesIO):
    """A file that may be read in pieces only: reading it whole fails the test. Reading to
    the end is allowed for the last bytes alone (``zipfile`` reads a zip's end record so)."""

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            remaining = len(self.getbuffer()) - self.tell()
            assert remaining <= 1024, "the whole file was read at once"
        return super().read(size)

    def getvalue(self) -> bytes:
        raise AssertionError("the whole file was read at once")


def test_a_csv_is_read_as_a_stream_never_whole(place):
    """A 50 MB CSV of long descriptions cost 287 MB more memory when it was decoded whole and
    the table copied by pandas; read as a stream it costs about its size
    (``bench/bench_uploads.py``, figures in docs/security.md)."""
    frame = pd.DataFrame([_row(place, f"  help {n}  ") for n in range(3)], columns=HEADER)
    upload = _WholeReadForbidden(frame.to_csv(index=False).encode())
    table = bulk.read_table(upload, "r.csv")
    # Cells come stripped, as before, and the rows keep their spreadsheet numbers.
    assert list(table["description"]) == ["help 0", "help 1", "help 2"]
    assert list(table.index) == [2, 3, 4]


def test_an_xlsx_file_is_read_as_a_stream_never_whole(place):
    """A workbook was read into memory whole before its zip was opened (50 MB at the upload
    limit, on top of the table); it is read from the file now, the zip through its directory
    and the sheet row by row (``bench/bench_uploads.py``, figures in docs/security.md), and a
    refusal still names the row and the column."""
    rows = [_row(place, f"  help {n}  ") for n in range(3)]
    table = bulk.read_table(_WholeReadForbidden(_xlsx([HEADER, *rows])), "r.xlsx")
    assert list(table["description"]) == ["help 0", "help 1", "help 2"]
    assert list(table.index) == [2, 3, 4]
    too_long = _row(place, "x" * (tables.MAX_CELL_CHARACTERS + 1))
    with pytest.raises(bulk.BulkImportError) as refused:
        bulk.read_table(_WholeReadForbidden(_xlsx([HEADER, *rows, too_long])), "r.xlsx")
    assert [(p.row, p.column) for p in refused.value.problems] == [(5, "description")]


@pytest.mark.parametrize("spooled", [False, True], ids=["in-memory", "spooled-to-disk"])
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_every_channel_hands_the_reader_the_file_not_a_copy(
    place, client, settings, monkeypatch, tmp_path, suffix, spooled
):
    """The upload page read the upload whole (``upload.read()``) and the import commands the
    file (``read_bytes``) before the reader saw it, so streaming in the reader saved nothing
    on the channels people use. Both hand it the file now; it is read as a stream."""
    from django.core.management import call_command

    handed = []
    read_rows = tables.read_rows

    def spy(data, suffix):
        handed.append(type(data))
        return read_rows(data, suffix)

    monkeypatch.setattr(tables, "read_rows", spy)
    # Past this size Django spools an upload to a file on disk.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0 if spooled else 10 * 1024 * 1024
    frame = pd.DataFrame([_row(place, "help")], columns=HEADER)
    if suffix == "csv":
        content = frame.to_csv(index=False).encode()
    else:
        content = _xlsx([HEADER, *frame.values.tolist()])
    upload = io.BytesIO(content)
    upload.name = f"r.{suffix}"
    client.force_login(place["worker"])
    answer = client.post("/bulk/upload/", {"kind": "requests", "file": upload})
    assert answer.status_code == 200, answer.content.decode()
    assert "Imported 1 rows" in answer.content.decode()
    path = tmp_path / f"r.{suffix}"
    path.write_bytes(content)
    call_command("import_requests", str(path), "--user", place["worker"].username)
    assert len(handed) == 2 and bytes not in handed, handed


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "The file is larger than 1 MB, the most an upload may hold."),
        ("zh-hans", "文件大于 1 MB，超过了单次上传的上限。"),
    ],
)
def test_a_file_over_the_size_limit_is_refused_by_every_channel(
    place, monkeypatch, language, message
):
    """The one limit (``tables.MAX_UPLOAD_BYTES``) holds for the import commands as for the
    upload page, and the refusal names it."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import translation

    from services.bulk_views import BulkUploadForm

    monkeypatch.setattr(tables, "MAX_UPLOAD_BYTES", 1024 * 1024)
    frame = pd.DataFrame([_row(place, "x" * 3_000)] * 400, columns=HEADER)
    content = frame.to_csv(index=False).encode()
    assert len(content) > tables.MAX_UPLOAD_BYTES
    with translation.override(language):
        with pytest.raises(bulk.BulkImportError) as refused:
            bulk.bulk_import_requests(user=place["worker"], file=content, filename="r.csv")
        assert [(p.row, p.column, p.reason) for p in refused.value.problems] == [
            (1, "file", message)
        ]
        form = BulkUploadForm(
            {"kind": "requests"}, {"file": SimpleUploadedFile("r.csv", content, "text/csv")}
        )
        assert form.errors["file"] == [message]
