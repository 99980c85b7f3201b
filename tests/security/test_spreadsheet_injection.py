"""Formula injection through the XLSX downloads (an attacker's probe of December 2026).

A community's code is free text that an administrator of any area writes. The CSV downloads
neutralised a code starting with ``=``; the XLSX ones stored it as a formula (openpyxl makes
any text starting with ``=`` one), run when a nationwide administrator, or anyone at all for
the public table, opens the file.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client

from tests.factories import AdministratorFactory, CommunityFactory, ServiceRequestFactory

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
