"""The published OpenAPI description of the GeoReport v2 endpoints
(``/open311/v2/openapi.json``): it validates, it is built from the routes (every resource,
with the methods its view takes), and its bounds are the parsers'. That the answers match it
is the fuzz test's part (``tests/fuzz/test_open311_fuzz.py``)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from drf_spectacular.validation import validate_schema

from services.open311 import conf, urls
from services.open311.parsers import MAX_PAGE


@pytest.fixture
def document(client) -> dict:
    response = client.get("/open311/v2/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def test_the_document_is_valid_openapi(document):
    validate_schema(document)
    assert document["openapi"].startswith("3.0")
    assert document["servers"] == [{"url": "/open311/v2"}]


def test_every_resource_is_described_with_the_methods_its_view_takes(document):
    routes = {p.name: p for p in urls.urlpatterns if p.name not in ("unknown", "openapi")}
    assert len(document["paths"]) == len(routes) == 6
    assert document["paths"]["/requests.{format}"].keys() >= {"get", "post"}
    for path, item in document["paths"].items():
        operations = {method for method in item if method != "parameters"}
        assert operations in ({"get"}, {"get", "post"}), path
        assert {"name": "format"}.items() <= item["parameters"][-1].items()
        for operation in (item[m] for m in operations):
            assert operation["tags"] == ["open311"]
            assert {"400", "404"} <= operation["responses"].keys()


def test_the_bounds_are_the_parsers(document):
    parameters = {
        p["name"]: p["schema"] for p in document["paths"]["/requests.{format}"]["get"]["parameters"]
    }
    assert parameters["page_size"]["maximum"] == conf.MAX_REQUESTS
    assert parameters["page"]["maximum"] == MAX_PAGE
    services = {p["name"] for p in document["paths"]["/services.{format}"]["get"]["parameters"]}
    assert {"page", "page_size", "cursor"} <= services
    form = document["paths"]["/requests.{format}"]["post"]["requestBody"]["content"]
    submission = form["application/x-www-form-urlencoded"]["schema"]
    assert submission["required"] == ["api_key", "service_code"]
    assert submission["properties"]["description"]["maxLength"] == conf.MAX_DESCRIPTION_LENGTH


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["requests.x-y", "no-such-resource.json", "requests/1/x.json"])
def test_a_post_to_an_unknown_resource_is_a_georeport_404_not_a_csrf_page(path):
    """A client checking CSRF as browsers do (the test client does not) got Django's HTML
    403 "CSRF verification failed" for a POST to an address no resource has."""
    response = Client(enforce_csrf_checks=True).post(f"/open311/v2/{path}", {"api_key": "x"})
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)[0]["code"] == 404


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["requests.json%0A", "requests%0A.json", "x%0Ay"])
def test_a_path_holding_a_line_break_is_a_georeport_404(client, path):
    """Found by the data-acceptance checks (December 2026): the catch-all route's "." did not
    match a line break, so Django's HTML page answered instead of a GeoReport error."""
    response = client.get(f"/open311/v2/{path}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)[0]["code"] == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("2026-02-01", True),
        ("2026-02-01T08:00:00+08:00", True),
        ("2026-02-01t08:00z", True),
        ("2026-02-01T08:00:00.25Z", True),
        # Python's ISO reader takes these; the W3C profile, and so the document, does not.
        ("20260201T080000Z", False),
        ("2026-02-01T08:00:00+0800", False),
        ("2026-02-01 08:00:00Z", False),
        ("2026-W05-1", False),
    ],
)
def test_a_date_is_accepted_exactly_when_the_documents_pattern_allows_it(
    client, document, value, accepted
):
    parameters = document["paths"]["/requests.{format}"]["get"]["parameters"]
    pattern = next(p["schema"]["pattern"] for p in parameters if p["name"] == "start_date")
    assert (re.match(pattern, value) is not None) is accepted
    response = client.get("/open311/v2/requests.json", {"start_date": value})
    assert (response.status_code == 200) is accepted, response.content
