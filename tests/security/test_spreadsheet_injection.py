"""Formula injection through the XLSX downloads (an attacker's probe of December 2026).

A community's code is free text that an administrator of any area writes. The CSV downloads
neutralised a code starting with ``=``; the XLSX ones stored it as a formula (openpyxl makes
any text starting with ``=`` one), run when a nationwide administrator, or anyone at all for
the public table, opens the file.

The guard's quote comes off again when a download is imported (``spreadsheet_text_read``), so
the round trip keeps every text exactly, and what is read is quoted again on the way out.
"""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from core.exports import (
    FORMULA_PREFIXES,
    NOT_IN_A_WORKSHEET,
    csv_stream,
    spreadsheet_text,
    spreadsheet_text_read,
    xlsx_bytes,
)
from services import bulk
from services.models import ServiceRequest
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ServiceCategoryFactory,
    ServiceRequestFactory,
    WorkerFactory,
)

pytestmark = pytest.mark.django_db
PLANTED = '=HYPERLINK("x","y")'


@pytest.fixture
def planted_code():
    community = CommunityFactory(code=PLANTED)
    ServiceRequestFactory(community=community)
    return community


def _cells(content: bytes) -> list[openpyxl.cell.Cell]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [cell for row in sheet.iter_rows() for cell in row]


@pytest.mark.parametrize("path", ["/bulk/export/requests.xlsx", "/bulk/export/public.xlsx"])
def test_an_xlsx_download_holds_no_formula(planted_code, path):
    client = Client()
    client.force_login(
        AdministratorFactory(is_superuser=True),
        backend="django.contrib.auth.backends.ModelBackend",
    )
    response = client.get(path)
    assert response.status_code == 200
    cells = _cells(response.content)
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert "'" + PLANTED in {cell.value for cell in cells}


def test_csv_and_xlsx_neutralise_alike(planted_code):
    client = Client()
    csv_text = client.get("/bulk/export/public.csv").content.decode("utf-8-sig")
    xlsx_values = {cell.value for cell in _cells(client.get("/bulk/export/public.xlsx").content)}
    assert "'" + PLANTED in csv_text.replace('""', '"')
    assert "'" + PLANTED in xlsx_values


@pytest.mark.parametrize("path", ["/bulk/export/requests.xlsx", "/bulk/export/public.xlsx"])
def test_a_control_character_in_a_code_does_not_fail_the_download(path):
    """A second probe, December 2026: a code typed with a control character (the admin form
    accepts one) made openpyxl refuse the cell, and the XLSX download was a 500 for everyone.
    The character is dropped; a formula behind it is still neutralised."""
    for code in ("DEMO\x1b-01", "\x01=1+1"):
        ServiceRequestFactory(community=CommunityFactory(code=code))
    client = Client(raise_request_exception=False)
    client.force_login(
        AdministratorFactory(is_superuser=True),
        backend="django.contrib.auth.backends.ModelBackend",
    )
    response = client.get(path)
    assert response.status_code == 200
    values = {cell.value for cell in _cells(response.content)}
    assert {"DEMO-01", "'=1+1"} <= values
    assert not [cell.coordinate for cell in _cells(response.content) if cell.data_type == "f"]


# The round trip: a download imported again holds the same text -------------------------------

# Text our downloads write: what a worksheet can hold, leading quotes and formula starts
# drawn often.
CELL_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(["'", "=", "+", "-", "@", "\t", "\r", "1", "a", " "]),
        st.characters(blacklist_categories=("Cs",)),
    ),
    max_size=12,
).map(lambda text: NOT_IN_A_WORKSHEET.sub("", text))


@given(CELL_TEXT)
def test_property_reading_a_written_cell_gives_the_text_back(text):
    written = spreadsheet_text(text)
    assert spreadsheet_text_read(written) == text
    # And what is written never starts as a formula: the guard is unchanged.
    assert not written.startswith(FORMULA_PREFIXES)


@given(CELL_TEXT)
def test_property_writing_a_read_cell_never_opens_a_formula(cell):
    """Whatever a file holds, the text read from it is written back neutralised."""
    assert not spreadsheet_text(spreadsheet_text_read(cell)).startswith(FORMULA_PREFIXES)


def test_only_the_downloads_quote_comes_off():
    assert spreadsheet_text_read("'=1+1") == "=1+1"
    assert spreadsheet_text_read("''=1+1") == "'=1+1"
    assert spreadsheet_text("'=1+1") == "''=1+1"  # so that it reads back as typed
    # A quote before anything else is the text itself.
    assert spreadsheet_text_read("'quoted'") == "'quoted'"
    assert spreadsheet_text("'quoted'") == "'quoted'"


ROUND_TRIP = ["=1+1", "'=1+1", "+86 call back", "-5 degrees", "@home", "'quoted'", "plain"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_descriptions_downloaded_and_imported_again_are_the_same_text(kind):
    community = CommunityFactory()
    worker = WorkerFactory(communities=[community])
    category = ServiceCategoryFactory()
    columns = ["community", "category", "description"]
    rows = [[community.code, category.code, text] for text in ROUND_TRIP]
    if kind == "csv":
        content = b"".join(csv_stream(columns=columns, rows=rows))
        assert b"'=1+1" in content  # the file is neutralised
    else:
        content = xlsx_bytes(pd.DataFrame(rows, columns=columns))
        assert "'=1+1" in {cell.value for cell in _cells(content)}
    bulk.bulk_import_requests(user=worker, file=content, filename=f"r.{kind}")
    stored = ServiceRequest.objects.filter(community=community).order_by("pk")
    assert [item.description for item in stored] == ROUND_TRIP
