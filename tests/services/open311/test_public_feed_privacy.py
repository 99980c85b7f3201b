"""Issue 13, finding 8: the public feed (no key) must not list sensitive needs, and must not
place or time a request so finely that fewer than k residents could have made it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from residents.models import Resident
from services.models import ServiceCategory
from tests.services.open311.factories import CommunityFactory, ServiceRequestFactory
from tests.services.open311.helpers import json_body

SENSITIVE = ("chronic_disease_followup", "elderly_home_care", "pension_social_insurance")


@pytest.fixture(autouse=True)
def _catalogue(catalogue):
    return catalogue


def _registered(community, n: int) -> None:
    Resident.objects.bulk_create([Resident(community=community) for _ in range(n)])


def _request(community, code: str, **extra):
    return ServiceRequestFactory(
        community=community,
        category=ServiceCategory.objects.get(code=code),
        created_at=timezone.now() - timedelta(days=2),
        **extra,
    )


@pytest.mark.parametrize("code", SENSITIVE)
def test_sensitive_services_never_reach_the_public_feed(client, communities, code):
    _registered(communities["north"], 50)
    hidden = _request(communities["north"], code)
    shown = _request(communities["north"], "water_supply")
    listed = [r["service_request_id"] for r in json_body(client.get("/open311/v2/requests.json"))]
    assert listed == [shown.pk]
    by_id = client.get(f"/open311/v2/requests.json?service_request_id={hidden.pk},{shown.pk}")
    assert [r["service_request_id"] for r in json_body(by_id)] == [shown.pk]
    assert client.get(f"/open311/v2/requests/{hidden.pk}.json").status_code == 404
    by_code = client.get(f"/open311/v2/requests.json?service_code={code}")
    assert json_body(by_code) == []


def test_a_village_with_fewer_than_k_residents_is_not_named(client, settings):
    settings.OPEN311_MIN_RESIDENTS = 10
    village = CommunityFactory(code="SYN-V", name="Tiny Synthetic Village", district="Syn County")
    neighbour = CommunityFactory(code="SYN-W", name="Other Village", district="Syn County")
    _registered(village, 6)
    _registered(neighbour, 6)
    request = _request(village, "road_repair")
    [shown] = json_body(client.get(f"/open311/v2/requests/{request.pk}.json"))
    assert "Tiny Synthetic Village" not in shown["address"]
    assert shown["address_id"] is None and shown["lat"] is None and shown["long"] is None
    assert shown["requested_datetime"].endswith("T00:00:00+08:00")


def test_a_coarse_request_cannot_be_timed_by_narrow_windows(client, settings):
    """Filtering or sorting on the exact time would give it away: both use the day."""
    settings.OPEN311_MIN_RESIDENTS = 10
    village = CommunityFactory(code="SYN-V", name="Tiny Synthetic Village", district="Syn County")
    _registered(village, 3)
    _registered(CommunityFactory(code="SYN-T", district="Syn County"), 9)
    request = _request(village, "road_repair")
    exact = timezone.localtime(request.created_at)
    window = {
        "start_date": (exact - timedelta(minutes=1)).isoformat(),
        "end_date": (exact + timedelta(minutes=1)).isoformat(),
    }
    listed = json_body(client.get("/open311/v2/requests.json", window))
    if exact.hour or exact.minute > 1:
        assert listed == []
    [shown] = json_body(
        client.get(
            "/open311/v2/requests.json",
            {"start_date": exact.replace(hour=0, minute=0, second=0, microsecond=0).isoformat()},
        )
    )
    assert shown["service_request_id"] == request.pk
    assert shown["address"] == "Syn County, 南京市, 江苏省"


def test_a_city_with_fewer_than_k_residents_shows_nothing(client, settings):
    settings.OPEN311_MIN_RESIDENTS = 10
    lonely = CommunityFactory(code="SYN-L")
    _registered(lonely, 9)
    request = _request(lonely, "road_repair")
    assert client.get(f"/open311/v2/requests/{request.pk}.json").status_code == 404
    assert json_body(client.get("/open311/v2/requests.json")) == []
