"""What the administrator overview reads per view: each headline figure from the requests it
counts (open ones, rated ones, the last 30 days), never one pass over the whole history for
all of them, and as many queries for a province as for a town. Speed itself is measured in
bench/bench_pages.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from services import queries
from services.models import ServiceRequest
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ServiceCategoryFactory,
    ServiceRequestFactory,
)

pytestmark = pytest.mark.django_db
Status = ServiceRequest.Status


@pytest.fixture
def administrator():
    return AdministratorFactory()


def _requests(communities: int) -> None:
    category = ServiceCategoryFactory(code="water_supply")
    for community in CommunityFactory.create_batch(communities):
        ServiceRequestFactory(community=community, category=category)
        ServiceRequestFactory(
            community=community, category=category, status=Status.CLOSED, satisfaction=4
        )


def _overview_sql(user) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        queries.overview_dashboard(user=user)
    return [q["sql"] for q in captured.captured_queries]


def test_the_overview_reads_as_many_queries_for_many_communities_as_for_few(administrator):
    _requests(2)
    few = _overview_sql(administrator)
    _requests(30)
    assert len(_overview_sql(administrator)) == len(few)


def test_each_headline_figure_reads_only_the_requests_it_counts(administrator):
    """The open, overdue, rating and 30-day figures were one aggregate with a FILTER per
    figure over every request the user may see: the database read the whole history (16 s
    for a nationwide administrator at 5,000,000 requests). Each is now bounded by a WHERE
    that an index or the month partitions answer."""
    _requests(2)
    sql = _overview_sql(administrator)
    open_query = next(q for q in sql if 'AS "open"' in q and 'AS "overdue"' in q)
    assert " WHERE " in open_query and '"status" IN (' in open_query.split(" WHERE ", 1)[1]
    rated_query = next(q for q in sql if 'AS "rated"' in q)
    assert '"satisfaction" IS NOT NULL' in rated_query.split(" WHERE ", 1)[1]
    recent = [q for q in sql if '"created_at" >=' in q.split(" WHERE ", 1)[-1]]
    assert recent, "the last 30 days are counted from their own partitions"


def test_the_figures_are_unchanged(administrator):
    _requests(3)
    now = timezone.now()
    ServiceRequestFactory(expected_completion_at=now - timedelta(hours=1))
    ServiceRequestFactory(status=Status.CLOSED, satisfaction=1)
    summary = queries.overview_dashboard(user=administrator)["summary"]
    everything = ServiceRequest.objects.all()
    assert summary["open"] == everything.filter(status__in=ServiceRequest.OPEN_STATUSES).count()
    assert summary["overdue"] == 1
    assert summary["rated"] == everything.filter(satisfaction__isnull=False).count() == 4
    assert summary["mean_satisfaction"] == pytest.approx(13 / 4)
    assert summary["last_30_days"] == everything.count()
