"""Keys-first pagination gives the pages plain pagination gives, in the same order."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.pagination import CappedCountPaginator, KeysFirstPaginator
from services.models import ServiceRequest
from tests.factories import CommunityFactory, ServiceRequestFactory


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
