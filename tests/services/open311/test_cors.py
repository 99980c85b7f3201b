"""Browser clients on other sites: Open311's public reads carry CORS headers for the origins
the operator allows (none by default), its POST and every other path never do, and
credentials are never allowed."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import AdministratorFactory

MAP_APP = "https://map.synthetic.example"
READS = [
    "/open311/v2/discovery.json",
    "/open311/v2/services.xml",
    "/open311/v2/services/road_repair.json",
    "/open311/v2/requests.json",
]


@pytest.fixture(autouse=True)
def _catalogue(catalogue):
    return catalogue


@pytest.fixture
def allow_map_app(settings):
    settings.CORS_ALLOWED_ORIGINS = [MAP_APP]
    settings.CORS_ALLOW_ALL_ORIGINS = False
    return settings


@pytest.mark.parametrize("url", READS)
def test_by_default_no_origin_is_allowed(client, url):
    response = client.get(url, headers={"Origin": MAP_APP})
    assert response.status_code == 200
    assert not response.has_header("Access-Control-Allow-Origin")


@pytest.mark.parametrize("url", READS)
def test_an_allowed_origin_may_read_and_see_the_next_page_link(client, allow_map_app, url):
    response = client.get(url, headers={"Origin": MAP_APP})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == MAP_APP
    assert response["Access-Control-Expose-Headers"] == "Link"
    assert not response.has_header("Access-Control-Allow-Credentials")
    assert "origin" in response["Vary"].lower()


def test_another_origin_is_not_allowed(client, allow_map_app):
    response = client.get(READS[0], headers={"Origin": "https://elsewhere.example"})
    assert not response.has_header("Access-Control-Allow-Origin")


def test_any_origin_when_the_operator_says_star(client, settings):
    settings.CORS_ALLOW_ALL_ORIGINS = True
    response = client.get(READS[3], headers={"Origin": "https://anyone.example"})
    assert response["Access-Control-Allow-Origin"] == "*"


def test_a_preflight_for_a_read_is_answered(client, allow_map_app):
    response = client.options(
        "/open311/v2/requests.json",
        headers={
            "Origin": MAP_APP,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "accept-language",
        },
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == MAP_APP
    assert set(response["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_a_preflight_for_a_write_is_not(client, allow_map_app, method):
    response = client.options(
        "/open311/v2/requests.json",
        headers={"Origin": MAP_APP, "Access-Control-Request-Method": method},
    )
    assert not response.has_header("Access-Control-Allow-Origin")
    assert response.status_code == 400  # as any method the resource does not take


def test_the_answer_to_a_post_is_not_readable_from_another_site(client, allow_map_app):
    response = client.post(
        "/open311/v2/requests.json",
        {"service_code": "road_repair", "api_key": "not-a-key"},
        headers={"Origin": MAP_APP},
    )
    assert response.status_code == 403
    assert not response.has_header("Access-Control-Allow-Origin")


@pytest.mark.parametrize(
    "path", ["/api/v1/requests/", "/api/schema/", "/login/", "/admin/", "/open311-not/"]
)
def test_nothing_outside_open311_gets_cors_headers(settings, path):
    settings.ROOT_URLCONF = "config.urls"
    settings.CORS_ALLOW_ALL_ORIGINS = True
    client = Client()
    client.force_login(AdministratorFactory(is_superuser=True))
    response = client.get(path, headers={"Origin": MAP_APP})
    assert not response.has_header("Access-Control-Allow-Origin"), path
    preflight = client.options(
        path, headers={"Origin": MAP_APP, "Access-Control-Request-Method": "GET"}
    )
    assert not preflight.has_header("Access-Control-Allow-Origin"), path
