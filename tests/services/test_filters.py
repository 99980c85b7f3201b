"""The one filter set of requests (``services.filters.RequestFilter``): tabs, search, sort,
assignment, dates; and the API list, which reads the same parameters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from services import queries
from services.filters import OPEN_TABS, TABS, RequestFilter, tab_conditions
from services.models import ServiceRequest
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ServiceCategoryFactory,
    ServiceRequestFactory,
    WorkerFactory,
    api_client,
)

Status = ServiceRequest.Status


@pytest.fixture
def community(db):
    return CommunityFactory()


@pytest.fixture
def worker(community):
    return WorkerFactory(communities=[community])


def _filtered(user, query: str) -> list[int]:
    filterset = RequestFilter(
        QueryDict(query), queryset=queries.request_queue(user=user), user=user
    )
    assert filterset.is_valid(), filterset.form.errors
    return [r.pk for r in filterset.qs]


def test_tabs_split_open_work_by_who_holds_it(community, worker):
    colleague = WorkerFactory(communities=[community])
    now = timezone.now()
    mine = ServiceRequestFactory(community=community, status=Status.ASSIGNED, assigned_to=worker)
    nobody = ServiceRequestFactory(community=community)
    theirs = ServiceRequestFactory(
        community=community, status=Status.ASSIGNED, assigned_to=colleague
    )
    late = ServiceRequestFactory(
        community=community, expected_completion_at=now - timedelta(hours=1)
    )
    done = ServiceRequestFactory(community=community, status=Status.CLOSED)
    ServiceRequestFactory()  # another community: never in this worker's scope

    assert set(_filtered(worker, "view=action")) == {mine.pk, nobody.pk, late.pk}
    assert set(_filtered(worker, "view=mine")) == {mine.pk}
    assert set(_filtered(worker, "view=unassigned")) == {nobody.pk, late.pk}
    assert set(_filtered(worker, "view=overdue")) == {late.pk}
    assert set(_filtered(worker, "view=open")) == {mine.pk, nobody.pk, theirs.pk, late.pk}
    assert set(_filtered(worker, "view=all")) == {mine.pk, nobody.pk, theirs.pk, late.pk, done.pk}
    assert set(_filtered(worker, "view=all&assigned=me")) == {mine.pk}
    assert set(_filtered(worker, "view=all&assigned=unassigned")) == {nobody.pk, late.pk, done.pk}

    counts = queries.queue_tab_counts(
        requests=queries.request_list(user=worker),
        conditions=tab_conditions(user=worker),
        open_tabs=OPEN_TABS,
    )
    assert counts == {"action": 3, "mine": 1, "unassigned": 2, "overdue": 1, "open": 4, "all": 5}
    assert set(counts) == {tab.code for tab in TABS}


def test_the_open_tabs_are_counted_over_a_column_of_the_open_requests_index(worker):
    """The open requests' partial index (request_open_by_community) holds the community and
    every column the tabs' conditions read: counting ``id`` fetched each open row instead."""
    with CaptureQueriesContext(connection) as captured:
        queries.queue_tab_counts(
            requests=queries.request_list(user=worker),
            conditions=tab_conditions(user=worker),
            open_tabs=OPEN_TABS,
        )
    open_counts = next(q["sql"] for q in captured.captured_queries if 'AS "action"' in q["sql"])
    assert 'COUNT("services_servicerequest"."id")' not in open_counts
    assert 'COUNT("services_servicerequest"."community_id")' in open_counts


def test_search_by_number_text_and_service(community, worker):
    water = ServiceCategoryFactory(code="water_supply", parent__code="infrastructure")
    care = ServiceCategoryFactory(code="elderly_home_care")
    leak = ServiceRequestFactory(community=community, category=water, description="Pipe leak")
    visit = ServiceRequestFactory(community=community, category=care, description="Home visit")

    assert _filtered(worker, f"q={visit.pk}") == [visit.pk]
    assert _filtered(worker, f"q=%23{leak.pk}") == [leak.pk]  # "#123"
    assert _filtered(worker, "q=LEAK") == [leak.pk]
    assert _filtered(worker, f"q={water.name}") == [leak.pk]
    assert _filtered(worker, "q=elderly_home") == [visit.pk]
    assert set(_filtered(worker, "q=+")) == {leak.pk, visit.pk}  # blank: no search


def test_sorts_by_deadline_urgency_and_age(community, worker):
    now = timezone.now()
    soon = ServiceRequestFactory(
        community=community,
        urgency="low",
        created_at=now - timedelta(days=1),
        expected_completion_at=now + timedelta(hours=1),
    )
    later = ServiceRequestFactory(
        community=community,
        urgency="critical",
        created_at=now - timedelta(days=3),
        expected_completion_at=now + timedelta(days=2),
    )
    undated = ServiceRequestFactory(
        community=community,
        urgency="high",
        created_at=now - timedelta(days=2),
        expected_completion_at=None,
    )
    assert _filtered(worker, "sort=deadline") == [soon.pk, later.pk, undated.pk]
    assert _filtered(worker, "sort=urgency") == [later.pk, undated.pk, soon.pk]
    assert _filtered(worker, "sort=oldest") == [later.pk, undated.pk, soon.pk]
    assert _filtered(worker, "sort=newest") == [soon.pk, undated.pk, later.pk]


def test_date_range_is_inclusive_days_and_bounded(community, worker):
    today = timezone.localdate()
    old = ServiceRequestFactory(community=community, created_at=timezone.now() - timedelta(days=9))
    # Now: today in the site's time zone whatever the hour (an hour ago may be yesterday).
    new = ServiceRequestFactory(community=community, created_at=timezone.now())
    week_ago = (today - timedelta(days=7)).isoformat()
    assert _filtered(worker, f"submitted_from={week_ago}") == [new.pk]
    assert _filtered(worker, f"submitted_to={week_ago}") == [old.pk]
    assert _filtered(worker, f"submitted_from={today}&submitted_to={today}") == [new.pk]
    bad = RequestFilter(
        QueryDict("submitted_to=9999-12-31"),
        queryset=queries.request_list(user=worker),
        user=worker,
    )
    assert not bad.is_valid()
    assert "submitted_to" in bad.form.errors


def test_the_api_reads_the_same_filters_and_pages_a_sort_with_its_cursor(community, worker):
    now = timezone.now()
    rows = [
        ServiceRequestFactory(
            community=community, expected_completion_at=now + timedelta(hours=n), urgency="normal"
        )
        for n in (5, 1, 4, 2, 3)
    ]
    undated = ServiceRequestFactory(community=community, expected_completion_at=None)
    ServiceRequestFactory(community=community, status=Status.CLOSED)
    client = api_client(worker)
    seen, url = [], "/api/v1/requests/?view=action&sort=deadline&page_size=2"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        seen += [row["id"] for row in response.json()["results"]]
        url = response.json()["next"]
    by_deadline = sorted(rows, key=lambda r: r.expected_completion_at)
    assert seen == [r.pk for r in by_deadline] + [undated.pk]

    response = client.get("/api/v1/requests/", {"q": str(rows[0].pk)})
    assert [row["id"] for row in response.json()["results"]] == [rows[0].pk]
    assert client.get("/api/v1/requests/", {"sort": "nonsense"}).status_code == 400


def test_an_administrator_sees_every_community_in_the_same_tabs(community):
    admin = AdministratorFactory()
    ServiceRequestFactory(community=community)
    ServiceRequestFactory()
    assert len(_filtered(admin, "view=unassigned")) == 2


def test_a_day_range_that_ends_before_it_starts_is_an_error_of_its_last_day(community, worker):
    ServiceRequestFactory(community=community, created_at=timezone.now())
    today = timezone.localdate()
    backwards = RequestFilter(
        QueryDict(f"submitted_from={today}&submitted_to={today - timedelta(days=1)}"),
        queryset=queries.request_list(user=worker),
        user=worker,
    )
    assert not backwards.is_valid()
    assert backwards.form.errors["submitted_to"] == ["The last day comes before the first day."]
