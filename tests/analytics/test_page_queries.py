"""What the analytics pages and the dashboard read per view: the stored result once, no
result where a page shows only the run, no query per community and never every community of
a province. Speed itself is measured in bench/bench_pages.py, not here."""

from __future__ import annotations

import typing
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics import kinds
from analytics.dashboard import COMMUNITIES_SHOWN, worker_dashboard
from analytics.kinds import schema
from residents.models import Community
from services.models import ServiceRequest
from tests.analytics import run_data
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ServiceCategoryFactory,
    ServiceRequestFactory,
)

pytestmark = pytest.mark.django_db
Status = ServiceRequest.Status
RESULT_COLUMN = '"analytics_analysisrun"."result"'


@pytest.fixture
def runs():
    return run_data.run_world()


def _queries(client, user, url: str) -> list[str]:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    client.get(url)  # the session and the language settle on the first view
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return [query["sql"] for query in captured.captured_queries]


def test_a_stored_result_resolves_each_record_type_once(runs):
    """Reading a result resolved every record's type annotations again (``get_type_hints``
    per record: most of a result page's CPU time); once per class is enough."""
    kind = kinds.get(runs.portraits.kind)
    kind.load(runs.portraits)  # the classes' hints resolved once, whatever came before
    with mock.patch.object(schema.typing, "get_type_hints", wraps=typing.get_type_hints) as hints:
        kind.load(runs.portraits)
        kind.load(runs.portraits)
    assert hints.call_count == 0


@pytest.mark.parametrize("page", ["analytics:portraits", "analytics:forecast"])
def test_a_result_page_reads_the_stored_result_once(runs, client, page):
    """Whether the run shown is the latest is asked by id: it read the latest run's whole
    result a second time (megabytes for a province run)."""
    sql = _queries(client, runs.world.admin, reverse(page))
    assert sum(RESULT_COLUMN in q for q in sql) == 1


def test_the_analytics_hub_reads_no_stored_result(runs, client):
    """The hub's cards show each kind's latest runs by number, status and date."""
    sql = _queries(client, runs.world.admin, reverse("analytics:index"))
    assert not [q for q in sql if RESULT_COLUMN in q]


def _busy_province(communities: int) -> None:
    category = ServiceCategoryFactory(code="elderly_home_care")
    for community in CommunityFactory.create_batch(communities):
        ServiceRequestFactory(community=community, category=category)


def test_the_dashboard_reads_a_bounded_number_of_queries_and_communities(runs, client):
    """A nationwide administrator's dashboard shows the busiest communities: it read every
    community of the scope (and every community's name, twice) to show 20. Its queries are
    as many with 22 communities as with 62, and none reads the communities table unbounded."""
    admin = runs.world.admin
    url = reverse("analytics:dashboard")
    _busy_province(COMMUNITIES_SHOWN)
    few = _queries(client, admin, url)
    _busy_province(40)
    many = _queries(client, admin, url)
    assert len(many) == len(few)
    unbounded = [
        q
        for q in many
        if 'FROM "residents_community"' in q.split(" WHERE ")[0] and " WHERE " not in q
    ]
    assert unbounded == []


def test_the_dashboard_shows_the_busiest_communities_then_the_quiet_ones_by_code(runs):
    """The ranking moved into the database: most open requests first, then by code, and
    communities without open work fill the remaining places by code."""
    category = ServiceCategoryFactory(code="water_supply")
    CommunityFactory.create_batch(COMMUNITIES_SHOWN + 2)
    busy, busier = CommunityFactory.create_batch(2)
    ServiceRequestFactory(community=busy, category=category)
    ServiceRequestFactory.create_batch(2, community=busier, category=category)
    ServiceRequestFactory(community=busier, category=category, status=Status.CLOSED)
    open_counts = {
        c.pk: ServiceRequest.objects.filter(
            community=c, status__in=ServiceRequest.OPEN_STATUSES
        ).count()
        for c in Community.objects.all()
    }
    expected = sorted(Community.objects.all(), key=lambda c: (-open_counts[c.pk], c.code))
    shown = worker_dashboard(user=AdministratorFactory()).communities
    assert [c.pk for c in shown] == [c.pk for c in expected[:COMMUNITIES_SHOWN]]
    assert [c.open for c in shown] == [open_counts[c.pk] for c in expected[:COMMUNITIES_SHOWN]]
    assert shown[0].pk == busier.pk and shown[0].open == 2


def test_the_dashboard_counts_todays_and_open_work_without_reading_the_history(runs):
    """Its four counts were one aggregate with a FILTER each over every request in scope
    (the whole history, for a count of today's and of open work): now the open ones through
    their partial indexes and today's from their partition."""
    with CaptureQueriesContext(connection) as captured:
        worker_dashboard(user=runs.world.admin)
    sql = [q["sql"] for q in captured.captured_queries]
    counts = next(q for q in sql if 'AS "needs_action"' in q)
    assert '"status" IN (' in counts.split(" WHERE ", 1)[1]
    today = next(q for q in sql if q.startswith("SELECT COUNT(*)") and '"created_at" >=' in q)
    assert "servicerequest" in today


def test_the_dashboard_lists_sort_their_keys_before_joining_the_rows(runs):
    """Its three lists (mine, overdue, ratings) joined every matching request with its
    resident, service and assignee before keeping eight (a province's tens of thousands of
    overdue requests); now the keys are sorted and cut first, then only those rows read."""
    with CaptureQueriesContext(connection) as captured:
        dashboard = worker_dashboard(user=runs.world.admin)
    orders = (
        'ORDER BY "services_servicerequest"."expected_completion_at"',
        'ORDER BY "services_servicerequest"."updated_at"',
    )
    lists = [
        q["sql"]
        for q in captured.captured_queries
        if " LIMIT " in q["sql"] and any(order in q["sql"] for order in orders)
    ]
    assert len(lists) == 3
    assert not [q for q in lists if 'JOIN "residents_resident"' in q]
    assert [r.pk for r in dashboard.overdue_list] == sorted(
        (r.pk for r in dashboard.overdue_list),
        key=lambda pk: ServiceRequest.objects.get(pk=pk).expected_completion_at,
    )
