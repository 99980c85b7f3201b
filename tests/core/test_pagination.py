"""Keys-first pagination gives the pages plain pagination gives, in the same order."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator

from core.pagination import KeysFirstPaginator
from services.models import ServiceRequest
from tests.factories import CommunityFactory, ServiceRequestFactory


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", [("-urgency", "-id"), ("community__name", "id"), ("-id",)])
@pytest.mark.parametrize("per_page,orphans", [(4, 0), (5, 2)])
def test_every_page_holds_the_same_rows_in_the_same_order(ordering, per_page, orphans):
    communities = [CommunityFactory(name=f"Synthetic {letter}") for letter in "CAB"]
    for index in range(17):
        ServiceRequestFactory(
            community=communities[index % 3], urgency=("low", "normal", "high")[index % 3]
        )
    requests = ServiceRequest.objects.select_related("community", "category").order_by(*ordering)
    plain = Paginator(requests, per_page, orphans=orphans)
    keys_first = KeysFirstPaginator(requests, per_page, orphans=orphans)
    assert keys_first.num_pages == plain.num_pages > 1
    for number in plain.page_range:
        expected = [row.pk for row in plain.page(number)]
        page = keys_first.page(number)
        assert [row.pk for row in page] == expected
        # The page's rows come with their joins: no query per row.
        assert all(row.community.name.startswith("Synthetic") for row in page)
    assert keys_first.get_page("99").number == plain.num_pages
