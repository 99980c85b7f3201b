"""Inputs that were server errors in the second probe (December 2026); each is now a clear
answer, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import AdministratorFactory, CommunityFactory, WorkerFactory, api_client

pytestmark = pytest.mark.django_db

OUT_OF_RANGE_IDS = ["99999999999999999999999", "9223372036854775808", "-1e30", "1.5", "0"]


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.mark.parametrize("value", OUT_OF_RANGE_IDS)
@pytest.mark.parametrize("name", ["community", "resident", "assigned_to"])
@pytest.mark.parametrize(
    "page", ["/queue/", "/queue/map/", "/bulk/export/requests.csv", "/bulk/export/requests.xlsx"]
)
def test_an_id_no_database_holds_is_a_field_error_on_the_pages(page, name, value):
    worker = WorkerFactory(communities=[CommunityFactory()])
    response = _client(worker).get(page, {name: value})
    assert response.status_code in (200, 400), response.status_code
    if page.startswith("/bulk/"):
        assert response.status_code == 400


@pytest.mark.parametrize("value", OUT_OF_RANGE_IDS)
def test_the_api_names_the_filter_instead_of_an_invalid_cursor(value):
    client = api_client(AdministratorFactory())
    client.raise_request_exception = False
    response = client.get("/api/v1/requests/", {"assigned_to": value})
    assert response.status_code == 400
    assert "assigned_to" in response.json()


@pytest.mark.parametrize("target", ["http://[::1", "https://[bad/zh-hans/"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_the_language_switch_takes_any_next_address(method, target):
    response = getattr(_client(None), method)(
        "/i18n/setlang/", {"language": "zh-hans", "next": target}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/")
