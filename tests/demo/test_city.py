"""The SYNTHETIC demo: several real cities in two regions, each with urban and rural
communities in its own districts and counties, whose evidence-derived equity weights differ,
and five demo logins that work (the worker serving one city, two administrators of an area)."""

from __future__ import annotations

import csv
import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from analytics.engine.equalization import generate_synthetic_panel, run_equalization
from analytics.engine.paper import adl_for_equity, estimate_adl
from demo.city import (
    DEMO_CITY_ADCODES,
    DEMO_STAFF_NAMES,
    DEMO_USERS,
    DISTRICTS_CSV,
    WORKER_CITY_ADCODE,
    DemoSize,
    demo_city_seed,
    district_city,
)
from geography import load_prefecture_cities
from residents.login_protection import DEMO_PASSWORD
from residents.models import Community, User
from services.models import RequestStatusChange, ServiceRequest
from services.queries import request_list

# Small enough for a test, big enough that every city gets urban and rural communities.
SMALL = DemoSize(communities=16, residents=160, months=3)


def _districts() -> list[dict[str, str]]:
    with DISTRICTS_CSV.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_demo_cities_are_real_cities_in_at_least_two_regions():
    reference = load_prefecture_cities().set_index("adcode")
    assert set(DEMO_CITY_ADCODES) <= set(reference.index)
    assert reference.loc[list(DEMO_CITY_ADCODES), "region"].nunique() >= 2
    assert WORKER_CITY_ADCODE in DEMO_CITY_ADCODES


def test_every_demo_city_has_urban_and_rural_places_and_no_other_city_any():
    districts = _districts()
    assert {district_city(d["adcode"]) for d in districts} == set(DEMO_CITY_ADCODES)
    for code in DEMO_CITY_ADCODES:
        kinds = {d["kind"] for d in districts if district_city(d["adcode"]) == code}
        assert kinds == {"urban", "rural"}, code
    assert len({d["adcode"] for d in districts}) == len(districts)
    assert len({d["name"] for d in districts}) == len(districts)


@pytest.mark.demo_city  # fits the SYNTHETIC panel's two ADL models (a few seconds)
def test_the_demo_cities_get_different_weights_from_the_synthetic_panel():
    panel = generate_synthetic_panel()

    def estimator(scores, dependent):
        return adl_for_equity(estimate_adl(scores, dependent=dependent))

    equity = run_equalization(panel.panel, synthetic=True, adl_estimator=estimator).equity
    weights = {
        (code, kind): entry["weight"]
        for code in DEMO_CITY_ADCODES
        for kind, entry in equity.community_type_weights_for(code).items()
    }
    assert set(weights) == {(c, k) for c in DEMO_CITY_ADCODES for k in ("urban", "rural")}
    # The city weight (that of the urban side here) tells the cities apart within each region.
    regions = load_prefecture_cities().set_index("adcode").loc[list(DEMO_CITY_ADCODES), "region"]
    for region, codes in regions.groupby(regions).groups.items():
        urban = [round(weights[(code, "urban")], 3) for code in codes]
        assert len(set(urban)) == len(urban), (region, urban)
    rural = [round(weights[(code, "rural")], 3) for code in DEMO_CITY_ADCODES]
    assert len(set(rural)) == len(rural)


@pytest.mark.django_db
@pytest.mark.demo_city
@override_settings(DEBUG=True)
def test_the_seeded_demo_spreads_its_communities_over_the_cities():
    summary = demo_city_seed(seed=7, size=SMALL)
    assert summary.cities == len(DEMO_CITY_ADCODES)
    assert summary.communities == SMALL.communities
    communities = list(Community.objects.select_related("city"))
    assert len(communities) == SMALL.communities
    place_of = {d["name"]: district_city(d["adcode"]) for d in _districts()}
    kind_of = {d["name"]: d["kind"] for d in _districts()}
    for community in communities:
        # Real place names only where the demo's geography is: a district of its own city.
        assert place_of[community.district] == community.city.adcode, community.code
        assert kind_of[community.district] == community.kind
        assert community.name.startswith(community.district) and "（合成）" in community.name
    for code in DEMO_CITY_ADCODES:
        kinds = {c.kind for c in communities if c.city.adcode == code}
        assert kinds == {"urban", "rural"}, code
    # Requests in every city, so every city has demand to allocate.
    assert set(
        ServiceRequest.objects.values_list("community__city__adcode", flat=True).distinct()
    ) == set(DEMO_CITY_ADCODES)

    for username in DEMO_USERS:
        client = Client()
        response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302 and "_auth_user_id" in client.session, username
    # The area administrators see their area's requests only: Sichuan holds Chengdu and Ya'an.
    for username, cities in {
        "admin-sichuan": {"510100", "511800"},
        "admin-ningbo": {"330200"},
    }.items():
        seen = request_list(user=User.objects.get(username=username))
        assert set(seen.values_list("community__city__adcode", flat=True).distinct()) == cities
    worker = User.objects.get(username="worker")
    served = set(worker.communities.values_list("city__adcode", flat=True))
    assert served == {WORKER_CITY_ADCODE}
    assert worker.communities.count() == sum(
        1 for c in communities if c.city.adcode == WORKER_CITY_ADCODE
    )


@pytest.mark.django_db
@pytest.mark.demo_city
@override_settings(DEBUG=True)
def test_the_demo_history_keeps_the_workflows_rules():
    demo_city_seed(seed=11, size=SMALL)
    worked_on = ServiceRequest.objects.filter(
        status__in=[
            ServiceRequest.Status.IN_PROGRESS,
            ServiceRequest.Status.RESOLVED,
            ServiceRequest.Status.CLOSED,
        ]
    )
    assert worked_on.exists()
    # Work needs somebody assigned, in every city (the synthetic colleagues sign in nowhere).
    assert not worked_on.filter(assigned_to__isnull=True).exists()
    for request in worked_on.select_related("assigned_to", "community"):
        assert request.assigned_to.communities.filter(pk=request.community_id).exists()
    colleagues = User.objects.filter(username__startswith="worker-")
    assert colleagues.count() == len(DEMO_CITY_ADCODES) - 1
    assert not any(c.has_usable_password() for c in colleagues)
    # Every rejection names its reason.
    rejections = RequestStatusChange.objects.filter(to_status=ServiceRequest.Status.REJECTED)
    assert rejections.exists()
    assert not rejections.filter(reason="").exists()


@pytest.mark.django_db
@pytest.mark.demo_city
@override_settings(DEBUG=True)
def test_the_demo_residents_write_their_requests_in_their_language():
    """Chinese cities' residents write Chinese, a few international ones English; every text
    is labelled SYNTHETIC in its language, and its status notes are in the same language."""
    demo_city_seed(seed=7, size=SMALL)
    requests = list(ServiceRequest.objects.prefetch_related("history"))
    chinese = [r for r in requests if re.search(r"[\u4e00-\u9fff]", r.description)]
    english = [r for r in requests if r not in chinese]
    assert len(chinese) > 0.9 * len(requests) and english
    assert all(r.description.endswith("（SYNTHETIC 合成数据，非真实居民）") for r in chinese)
    assert all(r.description.endswith(" (SYNTHETIC data; not a real resident)") for r in english)
    for request in chinese[:50]:
        notes = {c.note for c in request.history.all() if c.note}
        assert notes <= {"SYNTHETIC 演示记录"}
    # Its staff, named on the pages (assignees, who changed a status), have Chinese names too.
    staff = dict(User.objects.values_list("username", "first_name"))
    assert set(DEMO_STAFF_NAMES) <= set(staff)
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", staff[name]) for name in DEMO_STAFF_NAMES)


@pytest.mark.django_db
@pytest.mark.demo_city
@override_settings(DEBUG=True)
def test_the_seeded_demo_shows_the_overview_from_its_counted_months_as_counted_directly():
    """``seed_demo`` rolls up the closed months as the nightly task would: nobody runs a
    command, and the overview's figures are those counted request by request."""
    from services.models import RequestCountedMonth
    from tests.services.test_request_counts import assert_same_as_direct

    demo_city_seed(seed=7, size=SMALL)
    assert RequestCountedMonth.objects.exists()
    for username in ("admin", "admin-sichuan"):
        assert_same_as_direct(User.objects.get(username=username))
