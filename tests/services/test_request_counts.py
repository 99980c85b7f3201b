"""The overview's counts kept per month (services.request_counts): its trend and its busiest
communities are the same figures as counted from the requests themselves, whichever months
are rolled up, after a back-dated import into a counted month, after a service moves to
another area of need, across the site's month boundaries, and within an administrator's area
(which reads the rows of its communities; one without an area reads the nationwide rows).
"""

from __future__ import annotations

import importlib
import io
from collections import Counter
from datetime import date, timedelta

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services import actions, partitions, queries
from services.models import (
    CommunityRequestCount,
    NationwideMonthCount,
    RequestCountedMonth,
    RequestMonthCount,
    ServiceCategory,
    ServiceRequest,
)
from services.request_counts import month_of
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    DimensionFactory,
    ServiceCategoryFactory,
    ServiceRequestFactory,
    area_node,
)

pytestmark = pytest.mark.django_db
Status = ServiceRequest.Status


def months_back(n: int) -> date:
    month = month_of(timezone.now())
    for _ in range(n):
        month = (
            date(month.year - 1, 12, 1)
            if month.month == 1
            else month.replace(day=1, month=month.month - 1)
        )
    return month


def direct_figures(requests) -> tuple[dict, list[tuple[str, int, int]]]:
    """The trend and the busiest communities counted request by request, in Python: the
    figures the overview showed before it kept counts."""
    labels = {f"{months_back(n):%Y-%m}" for n in range(queries.DASHBOARD_MONTHS)}
    trend: Counter = Counter()
    totals: Counter = Counter()
    open_: Counter = Counter()
    names = {}
    for request in requests.select_related("category", "community"):
        label = timezone.localtime(request.created_at).strftime("%Y-%m")
        if label in labels and request.category.parent_id is not None:
            trend[(request.category.parent_id, label)] += 1
        totals[request.community_id] += 1
        open_[request.community_id] += request.status in ServiceRequest.OPEN_STATUSES
        names[request.community_id] = request.community.name
    top = sorted(totals, key=lambda pk: (-totals[pk], names[pk]))[: queries.DASHBOARD_COMMUNITIES]
    return (
        {key: n for key, n in trend.items() if n},
        [(names[pk], open_[pk], totals[pk] - open_[pk]) for pk in top],
    )


def overview_figures(user) -> tuple[dict, list[tuple[str, int, int]]]:
    dashboard = queries.overview_dashboard(user=user)
    trend = dashboard["demand_trend"]
    counts = {
        (series["dimension"].pk, month): n
        for series in trend["series"]
        for month, n in zip(trend["months"], series["counts"], strict=True)
        if n
    }
    busiest = dashboard["by_community"]
    return counts, list(
        zip(busiest["communities"], busiest["open"], busiest["finished"], strict=True)
    )


def assert_same_as_direct(user) -> None:
    assert overview_figures(user) == direct_figures(queries.request_list(user=user))


@pytest.fixture
def few_communities(monkeypatch):
    """Three of the busiest shown, so that who is cut (and ties by name) matters."""
    monkeypatch.setattr(queries, "DASHBOARD_COMMUNITIES", 3)


def test_the_overview_shows_the_direct_figures_whichever_months_are_counted(few_communities):
    administrator = AdministratorFactory()
    water = ServiceCategoryFactory(parent=DimensionFactory(code="health_care"))
    care = ServiceCategoryFactory(parent=DimensionFactory(code="infrastructure"))
    a, b, c, d = CommunityFactory.create_batch(4)
    now = timezone.now()
    # The current month (never rolled up), a closed month, one out of the trend's year, and
    # both sides of a closed month's first instant in the site's time zone (on PostgreSQL,
    # UTC's month would put the first one in the month before).
    ServiceRequestFactory(community=a, category=water, created_at=now - timedelta(minutes=5))
    ServiceRequestFactory(community=a, category=care, created_at=now - timedelta(minutes=5))
    closed = partitions.month_start(months_back(2))
    ServiceRequestFactory(community=b, category=water, created_at=closed - timedelta(seconds=1))
    ServiceRequestFactory(community=b, category=water, created_at=closed, status=Status.CLOSED)
    ServiceRequestFactory(community=c, category=care, created_at=closed + timedelta(days=3))
    old = partitions.month_start(months_back(14)) + timedelta(days=2)
    ServiceRequestFactory.create_batch(3, community=d, category=care, created_at=old)
    ServiceRequestFactory(community=c, category=water, created_at=old, status=Status.REJECTED)
    assert_same_as_direct(administrator)  # nothing rolled up: every month counted live

    counted = actions.request_months_count()
    assert counted[0] == months_back(14) and counted[-1] == months_back(1)
    assert months_back(0) not in counted
    assert CommunityRequestCount.objects.get(community=d).requests == 3
    assert_same_as_direct(administrator)

    # A back-dated import into a counted month reopens it (counted live until the roll-up).
    rows = [
        actions.ImportedRequest(
            community_id=c.pk, category=water, description="Imported.", created_at=closed
        )
    ] * 2
    assert actions.requests_import(user=administrator, rows=rows) == 2
    assert months_back(2) not in set(RequestCountedMonth.objects.values_list("month", flat=True))
    assert_same_as_direct(administrator)
    assert actions.request_months_count() == [months_back(2)]
    assert_same_as_direct(administrator)

    # A service moved to another area of need: its requests are counted under the new one.
    water.parent = care.parent
    actions.category_save(user=administrator, category=water)
    assert not RequestCountedMonth.objects.exists()
    assert_same_as_direct(administrator)
    actions.request_months_count()
    assert_same_as_direct(administrator)


def test_the_closed_months_are_read_from_the_kept_counts():
    """An administrator without an area reads the nationwide row per month and area of need;
    one with an area reads the rows of its communities."""
    administrator = AdministratorFactory()
    area_admin = AdministratorFactory(area=area_node("510107"))
    request = ServiceRequestFactory(
        community=CommunityFactory(area=area_node("510107")),
        created_at=partitions.month_start(months_back(1)),
    )
    actions.request_months_count()
    RequestMonthCount.objects.filter(month=months_back(1)).update(requests=5)
    NationwideMonthCount.objects.filter(month=months_back(1)).update(requests=7)
    CommunityRequestCount.objects.filter(community_id=request.community_id).update(requests=7)
    label = f"{months_back(1):%Y-%m}"
    trend, busiest = overview_figures(administrator)
    assert trend == {(request.category.parent_id, label): 7}
    assert busiest == [(request.community.name, 1, 6)]
    assert overview_figures(area_admin)[0] == {(request.category.parent_id, label): 5}


def test_the_nationwide_rows_are_the_sum_of_the_communities_rows():
    care = ServiceCategoryFactory(parent=DimensionFactory(code="infrastructure"))
    water = ServiceCategoryFactory(parent=DimensionFactory(code="health_care"))
    top_level = DimensionFactory(code="public_education")  # a request filed under an area itself
    for back, category in ((1, care), (1, care), (1, water), (2, water), (2, top_level)):
        ServiceRequestFactory(
            category=category, created_at=partitions.month_start(months_back(back))
        )
    actions.request_months_count()

    def nationwide() -> dict:
        return {
            (row.month, row.dimension_id): row.requests
            for row in NationwideMonthCount.objects.all()
        }

    def summed() -> dict:
        sums: Counter = Counter()
        for row in RequestMonthCount.objects.all():
            sums[(row.month, row.dimension_id)] += row.requests
        return dict(sums)

    assert (
        nationwide()
        == summed()
        == {
            (months_back(1), care.parent_id): 2,
            (months_back(1), water.parent_id): 1,
            (months_back(2), water.parent_id): 1,
            (months_back(2), None): 1,
        }
    )
    # Reopened with its month, counted again by the next roll-up.
    actions._requests_written_into([partitions.month_start(months_back(1))])
    assert set(nationwide()) == {(months_back(2), water.parent_id), (months_back(2), None)}
    actions.request_months_count()
    assert nationwide() == summed()


def test_the_migration_fills_the_nationwide_rows_of_months_counted_before_it():
    administrator = AdministratorFactory()
    ServiceRequestFactory.create_batch(2, created_at=partitions.month_start(months_back(1)))
    ServiceRequestFactory(created_at=partitions.month_start(months_back(3)))
    actions.request_months_count()
    NationwideMonthCount.objects.all().delete()
    migration = importlib.import_module("services.migrations.0020_nationwide_month_counts")
    migration.nationwide_counts_fill(django_apps, None)
    assert NationwideMonthCount.objects.count() == 2
    assert_same_as_direct(administrator)


def test_counting_twice_counts_nothing_more_and_leaves_the_current_month_alone():
    ServiceRequestFactory(created_at=partitions.month_start(months_back(3)))
    ServiceRequestFactory()
    assert actions.request_months_count() == [months_back(3), months_back(2), months_back(1)]
    assert actions.request_months_count() == []
    assert RequestMonthCount.objects.get().requests == 1
    output = io.StringIO()
    call_command("request_counts", stdout=output)
    assert "No month left to count." in output.getvalue()


def test_a_month_is_counted_only_once_its_last_requests_have_committed():
    """A month that ended less than COUNT_GRACE ago may still receive the request whose
    transaction began in its last instant."""
    ServiceRequestFactory(created_at=partitions.month_start(months_back(1)))
    just_after = partitions.month_start(months_back(0)) + timedelta(minutes=10)
    assert actions.request_months_count(now=just_after) == []


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    requests=st.lists(
        st.tuples(
            st.integers(0, 3),  # community: 0-1 inside the area, 2-3 outside
            st.integers(0, 15),  # months back
            st.booleans(),  # open
            st.integers(0, 1),  # which service
        ),
        max_size=14,
    ),
    counted_first=st.booleans(),
)
def test_an_area_administrator_sees_only_the_area(few_communities, requests, counted_first):
    inside, outside = area_node("510107"), area_node("510104")
    communities = [
        *(CommunityFactory(area=inside) for _ in range(2)),
        *(CommunityFactory(area=outside) for _ in range(2)),
    ]
    services = [
        ServiceCategoryFactory(code="synthetic_water", parent=DimensionFactory(code="health_care")),
        ServiceCategoryFactory(
            code="synthetic_care", parent=DimensionFactory(code="infrastructure")
        ),
    ]
    area_admin = AdministratorFactory(area=area_node("510107"))
    nationwide = AdministratorFactory()
    for community, back, is_open, service in requests:
        ServiceRequestFactory(
            community=communities[community],
            category=services[service],
            created_at=partitions.month_start(months_back(back)) + timedelta(hours=back),
            status=Status.SUBMITTED if is_open else Status.CLOSED,
        )
    if counted_first:
        actions.request_months_count()
    seen = {name for name, _open, _finished in overview_figures(area_admin)[1]}
    assert seen <= {c.name for c in communities[:2]}
    assert_same_as_direct(area_admin)
    assert_same_as_direct(nationwide)
    inside_only = direct_figures(ServiceRequest.objects.filter(community__in=communities[:2]))
    assert overview_figures(area_admin) == inside_only
    # Each example starts again from no requests and no kept counts.
    RequestMonthCount.objects.all().delete()
    NationwideMonthCount.objects.all().delete()
    CommunityRequestCount.objects.all().delete()
    RequestCountedMonth.objects.all().delete()
    ServiceRequest.objects.all().delete()
    ServiceCategory.objects.filter(code__startswith="synthetic_").delete()
