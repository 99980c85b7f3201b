"""Keys-first pagination gives the pages plain pagination gives, in the same order; the API's
cursor pages neither repeat nor skip a row while rows are added and removed between pages."""

from __future__ import annotations

import json
from base64 import b64encode
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.pagination import CappedCountPaginator, KeysFirstPaginator
from services.models import ServiceRequest
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ServiceRequestFactory,
    WorkerFactory,
    api_client,
)


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", [("-urgency", "-id"), ("community__name", "id"), ("-id",)])
@pytest.mark.parametrize("per_page,orphans", [(4, 0), (5, 2)])
@pytest.mark.parametrize("partition_key", [None, "created_at"])
def test_every_page_holds_the_same_rows_in_the_same_order(
    ordering, per_page, orphans, partition_key
):
    communities = [CommunityFactory(name=f"Synthetic {letter}") for letter in "CAB"]
    for index in range(17):
        ServiceRequestFactory(
            community=communities[index % 3], urgency=("low", "normal", "high")[index % 3]
        )
    requests = ServiceRequest.objects.select_related("community", "category").order_by(*ordering)
    plain = Paginator(requests, per_page, orphans=orphans)
    keys_first = KeysFirstPaginator(
        requests, per_page, orphans=orphans, partition_key=partition_key
    )
    assert keys_first.num_pages == plain.num_pages > 1
    for number in plain.page_range:
        expected = [row.pk for row in plain.page(number)]
        page = keys_first.page(number)
        assert [row.pk for row in page] == expected
        # The page's rows come with their joins: no query per row.
        assert all(row.community.name.startswith("Synthetic") for row in page)
    assert keys_first.get_page("99").number == plain.num_pages


@pytest.mark.django_db
@pytest.mark.parametrize("partition_key", [None, "created_at"])
def test_past_a_capped_count_the_pages_go_on_without_counting(
    django_assert_num_queries, partition_key
):
    for _ in range(7):
        ServiceRequestFactory()
    requests = ServiceRequest.objects.select_related("community").order_by("-id")
    every = list(requests.values_list("pk", flat=True))
    # Counted up to a cap of 3 (count_up_to gives 4: "more than 3"), pages of 2.
    paginator = CappedCountPaginator(requests, 2, count=4, capped=True, partition_key=partition_key)
    assert paginator.total_unknown
    listed = []
    for number in range(1, 5):
        # The page's keys (one more than it shows) and its rows: never a count.
        with django_assert_num_queries(2):
            page = paginator.get_page(str(number))
        listed += [row.pk for row in page]
        assert page.has_next() is (number < 4)
        assert page.end_index() == min(2 * number, 7)
    assert listed == every
    past = paginator.get_page("5")
    assert list(past) == [] and past.has_previous() and not past.has_next()
    # A page number beyond any offset the database takes: the last page within the cap.
    assert paginator.get_page("9" * 30).number == 2
    assert paginator.get_page("-1").number == 2 and paginator.get_page("x").number == 1


@pytest.mark.django_db
def test_an_exact_count_pages_as_keys_first():
    for _ in range(5):
        ServiceRequestFactory()
    requests = ServiceRequest.objects.order_by("-id")
    paginator = CappedCountPaginator(requests, 2, count=5, capped=False)
    assert not paginator.total_unknown and paginator.num_pages == 3
    assert paginator.get_page("3").has_next() is False
    assert paginator.get_page("9").number == 3


@pytest.mark.django_db
def test_with_a_partition_key_the_rows_are_read_from_their_partitions():
    """A district administrator's page read its rows by id within the scope, and PostgreSQL
    went through every partition of every community in it (149 × 41) for 25 ids: the rows'
    query names their partition key too."""
    for _ in range(5):
        ServiceRequestFactory()
    requests = ServiceRequest.objects.order_by("-created_at", "-id")
    paginator = KeysFirstPaginator(requests, 2, partition_key="created_at")
    with CaptureQueriesContext(connection) as captured:
        page = paginator.page(1)
    rows_query = captured.captured_queries[-1]["sql"]
    assert '"services_servicerequest"."created_at" IN (' in rows_query
    assert [row.pk for row in page] == list(requests.values_list("pk", flat=True)[:2])


# The API's cursor (ApiCursorPagination) ---------------------------------------------------------

URGENCIES = [code for code, _label in ServiceRequest.Urgency.choices]


def _walk(client, url: str, between_pages=lambda: None, limit: int = 200) -> list[int]:
    """Every id a client reads following ``next`` from ``url``, calling ``between_pages``
    after each page; ``limit`` pages at most (a cursor that never ends fails)."""
    seen: list[int] = []
    for _ in range(limit):
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
        if url is None:
            return seen
        between_pages()
    raise AssertionError(f"still a next page after {limit} pages")


@pytest.fixture
def paging_world(db):
    community = CommunityFactory()
    return {"community": community, "worker": WorkerFactory(communities=[community])}


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# DRF's cursor skipped the second request here: it counted one row into the tie of normal
# urgency, and the first row had left the open requests.
@example(urgencies=["normal"] * 3, page_size=1, sort="urgency", changes=[("close", "normal", 0)])
@example(urgencies=["high"] * 3, page_size=2, sort="urgency", changes=[("add", "high", 0)])
@given(
    urgencies=st.lists(st.sampled_from(URGENCIES), min_size=1, max_size=12),
    page_size=st.integers(min_value=1, max_value=4),
    sort=st.sampled_from(["urgency", "deadline", "newest", "oldest"]),
    changes=st.lists(
        st.tuples(
            st.sampled_from(["add", "close"]), st.sampled_from(URGENCIES), st.integers(0, 11)
        ),
        max_size=8,
    ),
)
def test_paging_while_requests_arrive_and_close_never_repeats_or_skips(
    paging_world, urgencies, page_size, sort, changes
):
    """A client syncing the open requests page by page while requests are submitted and
    others closed: no request is read twice, and every request open all along is read."""
    community = paging_world["community"]
    client = api_client(paging_world["worker"])
    with transaction.atomic():
        made = [
            ServiceRequestFactory(community=community, urgency=urgency, history=False)
            for urgency in urgencies
        ]
        closed: set[int] = set()
        pending = list(changes)

        def change() -> None:
            if not pending:
                return
            kind, urgency, which = pending.pop(0)
            if kind == "add":
                ServiceRequestFactory(community=community, urgency=urgency, history=False)
                return
            still_open = [r.pk for r in made if r.pk not in closed]
            if still_open:
                closed.add(still_open[which % len(still_open)])
                ServiceRequest.objects.filter(pk__in=closed).update(status="closed")

        seen = _walk(
            client, f"/api/v1/requests/?status=open&sort={sort}&page_size={page_size}", change
        )
        assert len(seen) == len(set(seen)), f"read twice: {seen}"
        assert {r.pk for r in made} - closed <= set(seen)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_tie_longer_than_a_thousand_rows_pages_to_its_end(paging_world):
    """Every request shares its urgency: the old cursor counted through the tie with an offset
    that DRF caps at 1,000, so the page after it came back for ever."""
    community = paging_world["community"]
    template = ServiceRequestFactory(community=community, history=False)
    now = timezone.now()
    ServiceRequest.objects.bulk_create(
        ServiceRequest(
            community=community,
            category=template.category,
            description="Synthetic",
            urgency=template.urgency,
            channel=template.channel,
            status=template.status,
            created_at=now - timedelta(seconds=n),
            expected_completion_at=template.expected_completion_at,
        )
        for n in range(1_300)
    )
    seen = _walk(api_client(paging_world["worker"]), "/api/v1/requests/?sort=urgency&page_size=200")
    assert len(seen) == len(set(seen)) == 1_301


@pytest.mark.django_db
def test_pages_back_and_forth_give_the_same_rows(paging_world):
    community = paging_world["community"]
    for urgency in URGENCIES * 3:
        ServiceRequestFactory(community=community, urgency=urgency, history=False)
    client = api_client(paging_world["worker"])
    first = client.get("/api/v1/requests/?sort=urgency&page_size=5").json()
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()
    assert [row["id"] for row in back["results"]] == [row["id"] for row in first["results"]]
    assert back["previous"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("position", [["1"], ["x", "1", "2"], ["not-a-number", "1", "2"]])
def test_a_cursor_of_the_wrong_shape_is_invalid(paging_world, position):
    cursor = b64encode(urlencode({"p": position}, doseq=True).encode()).decode()
    response = api_client(paging_world["worker"]).get(
        "/api/v1/requests/", {"sort": "urgency", "cursor": cursor}
    )
    assert response.status_code == 404
    assert response.json()["detail"] == "Invalid cursor"


# page_size (core.pagination.API_PAGE_SIZE) ------------------------------------------------------

LISTS = (
    "/api/v1/requests/",
    "/api/v1/residents/",
    "/api/v1/communities/",
    "/api/v1/capacities/",
    "/api/v1/review-tasks/",
    "/api/v1/notifications/",
    "/api/v1/analysis-runs/",
)


@pytest.mark.django_db
@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("page_size", ["0", "-1", "201", "1000", "abc", "2.5", "1e2", "9" * 5000])
def test_a_page_size_out_of_range_is_refused_naming_it_and_the_range(url, page_size):
    """DRF's paginators answered 201 and 1,000 with 200 rows, and 0, -1 or text with the
    default 50: a client was not told it did not get what it asked for."""
    response = api_client(AdministratorFactory()).get(url, {"page_size": page_size})
    assert response.status_code == 400, response.content[:200]
    assert response.json() == {"page_size": ["page_size must be a whole number from 1 to 200."]}


@pytest.mark.django_db
def test_the_page_size_refusal_is_in_the_callers_language():
    response = api_client(AdministratorFactory()).get(
        "/api/v1/requests/", {"page_size": "500"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.json() == {"page_size": ["page_size 必须是 1–200 之间的整数。"]}


@pytest.mark.django_db
@pytest.mark.parametrize(("page_size", "rows"), [("1", 1), ("200", 3), (" 2 ", 2), ("", 3)])
def test_a_page_size_in_range_is_the_pages_size(paging_world, page_size, rows):
    for _ in range(3):
        ServiceRequestFactory(community=paging_world["community"])
    response = api_client(paging_world["worker"]).get("/api/v1/requests/", {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows


@pytest.mark.django_db
def test_the_schema_gives_every_lists_page_size_its_range():
    schema = json.loads(Client().get("/api/schema/", {"format": "json"}).content)
    documented = {}
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "page_size":
                    documented[path] = parameter["schema"]
    assert set(LISTS) <= set(documented)
    for path, parameter_schema in documented.items():
        assert parameter_schema == {
            "type": "integer",
            "minimum": 1,
            "maximum": 200,
            "default": 50,
        }, path
