"""The published OpenAPI description of the GeoReport v2 endpoints
(``/open311/v2/openapi.json``): it validates, it is built from the routes (every resource,
with the methods its view takes), and its bounds are the parsers'. That the answers match it
is the fuzz test's part (``tests/fuzz/test_open311_fuzz.py``)."""

from __future__ import annotations

import json

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
