"""A request's location: picked on the map, from the device or typed on the request pages
(resident and worker), or sent to the API; stored in WGS-84 (a point picked on GCJ-02 tiles
is converted back), optional, and refused by field when it is half given, out of range or
far from the request's community."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from geography.gcj02 import wgs84_to_gcj02
from services.models import ServiceRequest
from tests.factories import (
    CommunityFactory,
    ResidentFactory,
    ServiceCategoryFactory,
    WorkerFactory,
    api_client,
)

BACKEND = "django.contrib.auth.backends.ModelBackend"
pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory(name="Picker Street", latitude=30.66, longitude=104.07)


@pytest.fixture
def water():
    return ServiceCategoryFactory(code="water_supply")


@pytest.fixture
def resident(community):
    return ResidentFactory(community=community, with_account=True)


def _post(client, user, url, **fields):
    client.force_login(user, backend=BACKEND)
    return client.post(url, fields)


def _body(community, water, **location) -> dict:
    return {
        "category": water.pk,
        "community": community.pk,
        "description": "Synthetic: the tap has no water.",
        "urgency": "normal",
        **location,
    }


def test_the_resident_page_stores_a_picked_point(client, community, water, resident):
    response = _post(
        client,
        resident.user,
        reverse("services:request_submit"),
        **_body(community, water, latitude="30.6612", longitude="104.0734"),
    )
    assert response.status_code == 302
    item = ServiceRequest.objects.get()
    assert (item.latitude, item.longitude) == (30.6612, 104.0734)


def test_a_point_picked_on_gcj02_tiles_is_stored_in_wgs84(client, community, water):
    worker = WorkerFactory(communities=[community])
    shown_lat, shown_lon = wgs84_to_gcj02(30.6612, 104.0734)
    response = _post(
        client,
        worker,
        reverse("services:request_log_anonymous"),
        **_body(
            community,
            water,
            latitude=str(shown_lat),
            longitude=str(shown_lon),
            location_datum="gcj02",
            channel="community_worker",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    item = ServiceRequest.objects.get()
    assert item.latitude == pytest.approx(30.6612, abs=1e-7)
    assert item.longitude == pytest.approx(104.0734, abs=1e-7)


def test_no_location_is_fine(client, community, water, resident):
    response = _post(
        client, resident.user, reverse("services:request_submit"), **_body(community, water)
    )
    assert response.status_code == 302
    assert ServiceRequest.objects.get().latitude is None


@pytest.mark.parametrize(
    ("location", "field", "message"),
    [
        ({"latitude": "30.66"}, "longitude", "Give both latitude and longitude, or neither."),
        ({"latitude": "95", "longitude": "104"}, "latitude", "less than or equal to 90"),
        ({"latitude": "39.9", "longitude": "116.4"}, "latitude", "km from Picker Street"),
        ({"latitude": "0", "longitude": "0"}, "latitude", "within 25 km of its community"),
    ],
)
def test_a_bad_point_is_refused_by_field_and_nothing_is_written(
    client, community, water, resident, location, field, message
):
    response = _post(
        client,
        resident.user,
        reverse("services:request_submit"),
        **_body(community, water, **location),
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not ServiceRequest.objects.exists()


def test_the_api_checks_the_same_distance(community, water, resident):
    body = {
        "category": "water_supply",
        "description": "Synthetic: no water.",
        "latitude": 31.5,
        "longitude": 104.07,
    }
    response = api_client(resident.user).post("/api/v1/requests/", body, format="json")
    assert response.status_code == 400
    assert "within 25 km" in response.json()["latitude"][0]
    body["latitude"] = 30.7
    response = api_client(resident.user).post("/api/v1/requests/", body, format="json")
    assert response.status_code == 201 and response.json()["latitude"] == 30.7


def test_the_page_carries_the_picker_without_inline_scripts(client, community, water, resident):
    client.force_login(resident.user, backend=BACKEND)
    response = client.get(reverse("services:request_submit"))
    html = response.content.decode()
    assert 'id="location-map"' in html and 'name="latitude"' in html
    # Every script is a file, or a JSON data block (which the CSP does not run).
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert (
        "'unsafe-inline'"
        not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )
    start = html.index('id="location-picker-data"')
    data = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    assert data["communities"] == [
        {"id": community.pk, "name": "Picker Street", "lat": 30.66, "lon": 104.07}
    ]
    assert data["tiles"] is None and data["max_km"] == 25


def test_the_chinese_page_words_the_picker_in_chinese(client, community, water, resident):
    client.force_login(resident.user, backend=BACKEND)
    html = client.get("/zh-hans" + reverse("services:request_submit")).content.decode()
    assert "位置（可选）" in html and "使用本设备的位置" in html
