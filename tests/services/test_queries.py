"""The service read functions the web pages use: queue filters, assignees, likely duplicates
and the overview dashboard, each within the user's scope."""

from __future__ import annotations

import pytest
from django.utils import timezone

from services import queries
from services.models import ServiceRequest
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ResidentFactory,
    ServiceCategoryFactory,
    ServiceRequestFactory,
    WorkerFactory,
)

Status = ServiceRequest.Status


@pytest.fixture
def community(db):
    return CommunityFactory()


@pytest.fixture
def worker(community):
    return WorkerFactory(communities=[community])


def test_queue_rows_carry_what_the_page_shows_without_more_queries(
    community, worker, django_assert_num_queries
):
    for _ in range(5):
        ServiceRequestFactory(
            resident=ResidentFactory(community=community), assigned_to=worker, status="assigned"
        )
    with django_assert_num_queries(1):
        rows = list(queries.request_queue(user=worker))
        shown = [
            (r.category.name, r.community.name, r.resident.masked_name, r.assigned_to.username)
            for r in rows
        ]
    assert len(shown) == 5


def test_assignees_are_active_workers_of_the_community(community, worker):
    colleague = WorkerFactory(communities=[community])
    WorkerFactory(communities=[community], is_active=False)
    WorkerFactory(communities=[CommunityFactory()])
    expected = {worker, colleague}
    assert set(queries.assignee_choices(user=worker, community=community)) == expected
    assert set(queries.assignee_choices(user=worker)) == expected
    resident = ResidentFactory(community=community, with_account=True).user
    assert not queries.assignee_choices(user=resident, community=community).exists()


def test_open_similar_requests_are_open_same_place_same_service(community, worker):
    care = ServiceCategoryFactory(code="elderly_home_care")
    similar = ServiceRequestFactory(community=community, category=care)
    ServiceRequestFactory(community=community, category=care, status=Status.CLOSED)
    ServiceRequestFactory(category=care)
    found = queries.open_similar_requests(user=worker, community=community, category=care)
    assert list(found) == [similar]


def test_overview_counts_within_scope(community, worker):
    now = timezone.now()
    care = ServiceCategoryFactory(code="elderly_home_care")
    ServiceRequestFactory(community=community, category=care, expected_completion_at=now)
    ServiceRequestFactory(community=community, category=care, status=Status.CLOSED, satisfaction=3)
    ServiceRequestFactory(category=care, status=Status.CLOSED, satisfaction=5)  # elsewhere
    mine = queries.overview_dashboard(user=worker)
    everything = queries.overview_dashboard(user=AdministratorFactory())
    assert mine["summary"]["open"] == 1
    assert mine["summary"]["overdue"] == 1
    assert mine["summary"]["mean_satisfaction"] == pytest.approx(3.0)
    assert everything["summary"]["mean_satisfaction"] == pytest.approx(4.0)
    assert everything["summary"]["rated"] == 2
    health = next(
        row for row in mine["open_by_dimension"] if row["dimension"].code == "health_care"
    )
    assert (health["open"], health["overdue"]) == (1, 1)
    trend = everything["demand_trend"]
    assert len(trend["months"]) == 12
    assert trend["months"][-1] == timezone.localtime(now).strftime("%Y-%m")
    series = next(s for s in trend["series"] if s["dimension"].code == "health_care")
    assert series["counts"][-1] == 3
    assert (
        sum(everything["by_community"]["open"]) + sum(everything["by_community"]["finished"]) == 3
    )


@pytest.mark.django_db
def test_communities_are_ranked_by_count_then_by_the_field_named_as_the_database_orders_it():
    busy, tied_first, tied_second, quiet = (
        CommunityFactory(code=code, name=name)
        for code, name in (
            ("SYN-R4", "Delta"),
            ("SYN-R2", "Alpha"),
            ("SYN-R3", "Bravo"),
            ("SYN-R1", "Zulu"),
        )
    )
    counts = {busy.pk: 3, tied_first.pk: 2, tied_second.pk: 2, quiet.pk: 1}
    assert queries.communities_ranked(counts, limit=2, then_by="code") == [busy, tied_first]
    assert queries.communities_ranked(counts, limit=2, then_by="name") == [busy, tied_first]
    assert queries.communities_ranked({**counts, tied_second.pk: 3}, limit=2, then_by="code") == [
        tied_second,
        busy,
    ]
    assert queries.communities_ranked(counts, limit=9, then_by="code") == [
        busy,
        tied_first,
        tied_second,
        quiet,
    ]
