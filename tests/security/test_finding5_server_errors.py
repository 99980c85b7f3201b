"""Finding 5: each input that produced a server error, reproduced; every one must now be a
clear 4xx (JSON under /api/, GeoReport errors under /open311/), never a 500."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from django.test import Client

from services import bulk
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ServiceCategoryFactory,
    WorkerFactory,
    api_client,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return AdministratorFactory()


def _no_raise_client(user) -> Client:
    client = api_client(user)
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize(
    "query",
    [
        "created_after=2026-01-01T00:00:00-20:08",
        "created_before=2026-01-01T00:00:00%2B23:59",
        "created_after=0001-01-01T00:00:00Z",
        "created_after=9999-12-31T23:59:59Z",
        "category=road%00repair",
        "cursor=%00",
    ],
)
def test_request_list_filters_are_400_not_500(admin, query):
    response = _no_raise_client(admin).get(f"/api/v1/requests/?{query}")
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")


def _cursor(position: str) -> str:
    # DRF's own encoding of a cursor: base64 of a query string (offset, reverse, position).
    from base64 import b64encode
    from urllib.parse import urlencode

    return b64encode(urlencode({"o": "0", "r": "0", "p": position}).encode()).decode()


@pytest.mark.parametrize(
    ("path", "position"),
    [
        ("/api/v1/residents/", "garbage"),
        ("/api/v1/residents/", ""),
        ("/api/v1/requests/?sort=urgency", "garbage"),
        ("/api/v1/requests/?sort=deadline", "2026-13-45"),
        ("/api/v1/capacities/", "not-a-month"),
        ("/api/v1/notifications/", "garbage"),
        ("/api/v1/analysis-runs/", "garbage"),
    ],
)
def test_a_forged_cursor_position_is_404_not_500(admin, path, position):
    # An attacker's probe (December 2026): a cursor is opaque, not signed; a position the
    # ordering's field cannot hold was a server error (and a logged traceback) every time.
    separator = "&" if "?" in path else "?"
    response = _no_raise_client(admin).get(f"{path}{separator}cursor={_cursor(position)}")
    assert response.status_code == 404, response.content[:300]
    assert response.json()["detail"] == "Invalid cursor"


@pytest.mark.parametrize(
    "query",
    [
        "start_date=9999-12-31T00:00:00Z",
        "end_date=0001-01-01",
        "start_date=2026-01-01T00:00:00-20:00",
        "end_date=2026-01-01T00:00:00-20:00",
        "start_date=1700-01-01",
    ],
)
def test_open311_dates_out_of_range_are_400(query):
    client = Client(raise_request_exception=False)
    response = client.get(f"/open311/v2/requests.json?{query}")
    assert response.status_code == 400, response.content[:300]
    assert response.json()[0]["code"] == 400


def test_a_json_body_nested_100000_deep_is_400(admin):
    body = "[" * 100_000 + "]" * 100_000
    response = _no_raise_client(admin).post(
        "/api/v1/requests/", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


def test_a_nul_in_a_category_code_is_400(admin):
    response = _no_raise_client(admin).get("/api/v1/categories/road%00repair/")
    assert response.status_code in (400, 404)
    assert response["Content-Type"].startswith("application/json")


def test_a_bulk_csv_with_a_nul_byte_is_refused_by_row_and_column():
    community = CommunityFactory()
    worker = WorkerFactory(communities=[community])
    category = ServiceCategoryFactory()
    frame = pd.DataFrame(
        [{"community": community.code, "category": category.code, "description": "a\x00b"}]
    )
    with pytest.raises(bulk.BulkImportError) as refused:
        bulk.bulk_import_requests(
            user=worker, file=frame.to_csv(index=False).encode(), filename="r.csv"
        )
    assert [(p.row, p.column) for p in refused.value.problems] == [(2, "description")]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/requests/abc/",
        "/api/v1/residents/abc/",
        "/api/v1/requests/abc/accept/",
        "/api/v1/no-such-thing/",
        "/api/v1/analysis-runs/x/",
    ],
)
def test_api_404s_are_json_even_for_non_numeric_ids(admin, path):
    response = _no_raise_client(admin).get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in json.loads(response.content)
