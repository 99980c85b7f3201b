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
    DimensionFactory,
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


def test_open_requests_by_area_of_need_are_the_direct_counts(administrator):
    now = timezone.now()
    water = ServiceCategoryFactory(
        code="synthetic_water", parent=DimensionFactory(code="health_care")
    )
    road = ServiceCategoryFactory(
        code="synthetic_road", parent=DimensionFactory(code="infrastructure")
    )
    lamp = ServiceCategoryFactory(code="synthetic_lamp", parent=road.parent)
    late = now - timedelta(hours=1)
    ServiceRequestFactory(category=water, expected_completion_at=late)
    ServiceRequestFactory(category=water, status=Status.IN_PROGRESS)
    ServiceRequestFactory(category=water, status=Status.CLOSED, expected_completion_at=late)
    ServiceRequestFactory(category=road, expected_completion_at=late)
    ServiceRequestFactory(category=lamp, status=Status.ASSIGNED, expected_completion_at=late)
    ServiceRequestFactory(category=lamp, status=Status.REJECTED)
    ServiceRequestFactory(category=road.parent)  # filed under an area itself: in no row
    direct: dict = {}
    for request in ServiceRequest.objects.filter(status__in=ServiceRequest.OPEN_STATUSES):
        counts = direct.setdefault(request.category.parent_id, {"open": 0, "overdue": 0})
        counts["open"] += 1
        counts["overdue"] += request.expected_completion_at is not None and (
            request.expected_completion_at < now
        )
    rows = queries.overview_dashboard(user=administrator)["open_by_dimension"]
    shown = {row["dimension"].pk: {"open": row["open"], "overdue": row["overdue"]} for row in rows}
    assert shown[water.parent_id] == direct[water.parent_id] == {"open": 2, "overdue": 1}
    assert shown[road.parent_id] == direct[road.parent_id] == {"open": 2, "overdue": 2}
    assert sum(row["open"] for row in rows) == 4


def test_open_requests_by_area_are_counted_from_the_open_index_alone(administrator):
    """Grouped by the service (the open requests' partial index holds it) and counting a
    column of that index: joining each open request to its service to group by the area
    fetched every open row (0.56 s for a province's 82,000)."""
    _requests(2)
    grouped = [q for q in _overview_sql(administrator) if 'AS "open"' in q and "GROUP BY" in q]
    assert len(grouped) == 1
    assert "JOIN" not in grouped[0]
    assert 'COUNT("services_servicerequest"."community_id")' in grouped[0]
