"""The SYNTHETIC demo: several real cities in two regions, each with urban and rural
communities in its own districts and counties, whose evidence-derived equity weights differ,
and five demo logins that work (the worker serving one city, two administrators of an area)."""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from analytics.engine.equalization import generate_synthetic_panel, run_equalization
from analytics.engine.paper import adl_for_equity, estimate_adl
from demo.city import (
    DEMO_CITY_ADCODES,
    DEMO_SIZE,
    DEMO_STAFF_NAMES,
    DEMO_USERS,
    DISTRICTS_CSV,
    WORKER_CITY_ADCODE,
    DemoSize,
    demo_city_seed,
    district_city,
)
from demo.demand import generate_synthetic_demand
from geography import load_prefecture_cities
from residents.login_protection import DEMO_PASSWORD
from residents.models import Community, User
from services.filters import DEFAULT_VIEW
from services.models import RequestCountedMonth, RequestStatusChange, ServiceRequest
from services.partitions import partition_name, partitions_listed
from services.queries import overdue_condition, request_list

# Small enough for a test, big enough that every city gets urban and rural communities.
SMALL = DemoSize(communities=16, residents=160, months=3)
# Digests of seed 2026's complete months from December 2023 (the demo seeded in December 2026),
# as the generator made them before the month under way was added.
SEED_2026_COUNTS_SHA256 = "8ac86070bd364025e3dbea25802ed867982c83586434d35e8ddf8566b774d3c1"
SEED_2026_REQUESTS_SHA256 = "6caa79e96ef6cf0be2e9c1c9033200d74967be9daec7f2d4f41e434e9d8415b4"


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
    from tests.services.test_request_counts import assert_same_as_direct

    demo_city_seed(seed=7, size=SMALL)
    assert RequestCountedMonth.objects.exists()
    for username in ("admin", "admin-sichuan"):
        assert_same_as_direct(User.objects.get(username=username))


# The demo's clock, fixed: its history is laid out from "now". The site's time zone is
# Shanghai's (UTC+8): 10:00 on the 15th, 10:00 on the 1st, and 00:30 on the 1st, when the
# clock's UTC month is still the one before.
MID_MONTH = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
FIRST_OF_MONTH = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
FIRST_HALF_HOUR = datetime(2026, 5, 31, 16, 30, tzinfo=UTC)
# The demo's communities (the worker serves a quarter of them) over a short history.
QUEUE_SIZE = DemoSize(communities=48, residents=400, months=3)
WORK_UNDER_WAY = (
    ServiceRequest.Status.SUBMITTED,
    ServiceRequest.Status.ACCEPTED,
    ServiceRequest.Status.ASSIGNED,
    ServiceRequest.Status.IN_PROGRESS,
    ServiceRequest.Status.RESOLVED,
)


@pytest.mark.django_db
@pytest.mark.demo_city
@override_settings(DEBUG=True)
@pytest.mark.parametrize(
    "now",
    [MID_MONTH, FIRST_OF_MONTH, FIRST_HALF_HOUR],
    ids=["mid-month", "first-of-month", "first-half-hour"],
)
def test_the_demo_worker_finds_work_at_every_step_whatever_the_day_it_is_seeded(monkeypatch, now):
    """The history runs up to the seed's moment, so its last days' requests are new,
    accepted, assigned, in progress (some past their deadline) and resolved awaiting closure,
    and the worker's queue opens on them."""
    monkeypatch.setattr(timezone, "now", lambda: now)  # the pages' clock (overdue) too
    demo_city_seed(seed=2026, size=QUEUE_SIZE, now=now)
    requests = ServiceRequest.objects.all()
    assert not requests.filter(created_at__gt=now).exists()
    statuses = Counter(requests.values_list("status", flat=True))
    assert all(statuses[status] > 0 for status in WORK_UNDER_WAY), statuses
    assert requests.filter(overdue_condition(True)).exists()

    worker = User.objects.get(username="worker")
    client = Client()
    client.force_login(worker)
    response = client.get(reverse("services:queue"))
    assert response.status_code == 200
    tabs = {tab["code"]: tab["count"] for tab in response.context["tabs"]}
    assert response.context["view"] == DEFAULT_VIEW
    assert tabs[DEFAULT_VIEW] >= 15, tabs
    assert tabs["unassigned"] > 0 and tabs["overdue"] > 0, tabs


@pytest.mark.django_db
@pytest.mark.demo_city
@override_settings(DEBUG=True)
def test_the_current_month_adds_to_the_complete_months_the_generator_makes_alone(monkeypatch):
    """The complete months, which the forecast and the documented figures read, are the
    generator's for the seed whether or not the month under way is added; the month under way
    holds the requests of its elapsed share, and it is neither closed nor left unpartitioned."""
    monkeypatch.setattr(timezone, "now", lambda: MID_MONTH)
    summary = demo_city_seed(seed=2026, size=QUEUE_SIZE, now=MID_MONTH)
    assert (summary.start, summary.end) == ("2026-03", "2026-06")
    alone = generate_synthetic_demand(
        n_communities=QUEUE_SIZE.communities,
        n_residents=QUEUE_SIZE.residents,
        n_months=QUEUE_SIZE.months,
        start=summary.start,
        seed=2026,
    )
    code_of = dict(
        zip(
            alone.communities["community"],
            Community.objects.order_by("pk").values_list("code", flat=True),
            strict=True,
        )
    )
    expected = alone.counts[alone.counts["count"] > 0]
    expected = Counter(
        {
            (code_of[row.community], row.category, row.period): row.count
            for row in expected.itertuples(index=False)
        }
    )
    month_start = datetime(2026, 6, 1, tzinfo=timezone.get_current_timezone())
    seeded = Counter(
        (code, category, timezone.localtime(created).strftime("%Y-%m"))
        for code, category, created in ServiceRequest.objects.filter(
            created_at__lt=month_start
        ).values_list("community__code", "category__code", "created_at")
    )
    assert seeded == expected
    # Half the month gone (14 days and 10 hours of 30): about half a month's requests.
    current = ServiceRequest.objects.filter(created_at__gte=month_start).count()
    monthly = alone.counts["count"].sum() / QUEUE_SIZE.months
    assert 0.35 * monthly < current < 0.65 * monthly
    counted = RequestCountedMonth.objects.values_list("month", flat=True)
    assert max(counted) == date(2026, 5, 1)
    if connection.vendor == "postgresql":
        names = [name for name, _rows in partitions_listed("services_servicerequest")]
        assert partition_name("services_servicerequest", date(2026, 6, 1)) in names


@pytest.mark.demo_city  # the demo's size (a few seconds)
def test_the_demo_seeds_complete_months_are_those_its_figures_were_measured_on():
    """Seed 2026's 36 complete months (the README's and docs' forecast, allocation and
    portrait figures) as they were before the month under way was added: the counts of every
    community × service × month and every request, as digests of their CSV. A change to the
    generator (or to numpy's draws) that moves them moves those figures: measure them again."""
    city = generate_synthetic_demand(
        n_communities=DEMO_SIZE.communities,
        n_residents=DEMO_SIZE.residents,
        n_months=DEMO_SIZE.months,
        start="2023-12",
        seed=2026,
        open_month_until=pd.Timestamp("2026-12-08 16:00"),
    )
    counts = city.counts[["community", "category", "period", "count"]].to_csv(index=False)
    requests = city.requests.to_csv(index=False)
    assert hashlib.sha256(counts.encode()).hexdigest() == SEED_2026_COUNTS_SHA256
    assert hashlib.sha256(requests.encode()).hexdigest() == SEED_2026_REQUESTS_SHA256
    assert city.open_month.period == "2026-12" and len(city.open_month.requests) > 0
