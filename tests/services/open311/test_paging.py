"""GET requests in pages (the pagination extension's ``page`` and ``page_size``): a client
that asks for page after page until one comes back empty reads every request once and
stops."""

from __future__ import annotations

from datetime import timedelta
from itertools import chain

import pytest
from django.utils import timezone

from services.models import ServiceCategory, ServiceRequest
from services.open311 import conf
from tests.services.open311.conftest import JURISDICTION
from tests.services.open311.helpers import error_descriptions, json_body, xml


@pytest.fixture(autouse=True)
def _catalogue(catalogue):
    return catalogue


def make_requests(community, n: int, *, same_time: bool = False) -> list[int]:
    """``n`` synthetic requests within the last day; with ``same_time`` all at one instant,
    so only the id can order them."""
    category = ServiceCategory.objects.get(code="water_supply")
    now = timezone.now() - timedelta(hours=1)
    made = ServiceRequest.objects.bulk_create(
        ServiceRequest(
            community=community,
            category=category,
            description="Synthetic paged request",
            channel="hotline",
            created_at=now if same_time else now - timedelta(minutes=7 * i),
        )
        for i in range(n)
    )
    return [r.pk for r in made]


def ids_of(client, fmt: str, query: str) -> list[str]:
    response = client.get(f"/open311/v2/requests.{fmt}?{query}")
    assert response.status_code == 200, response.content
    if fmt == "json":
        return [str(item["service_request_id"]) for item in json_body(response)]
    container = xml(response)["service_requests"]
    return [item["service_request_id"] for item in (container or {}).get("request", [])]


def read_until_empty(client, fmt: str, query: str = "", page_size: int = 3) -> list[list[str]]:
    pages = []
    for number in range(1, 50):  # a bound, so a server that never ends a list fails the test
        page = ids_of(client, fmt, f"{query}&page={number}&page_size={page_size}")
        if not page:
            return pages
        pages.append(page)
    pytest.fail(f"no empty page after 49 pages: {pages[:3]} …")


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("same_time", [False, True])
def test_reading_until_an_empty_page_gives_every_request_once_in_order(
    client, communities, fmt, same_time
):
    made = make_requests(communities["north"], 8, same_time=same_time)
    everything = ids_of(client, fmt, "")
    pages = read_until_empty(client, fmt)
    assert [len(page) for page in pages] == [3, 3, 2]
    assert list(chain.from_iterable(pages)) == everything
    assert sorted(everything) == sorted(str(pk) for pk in made)


def test_pages_of_coarse_places_do_not_overlap_though_their_times_tie(
    client, communities, settings
):
    """Where a place is shown only by its district, every request of a day has the same time
    shown; the id breaks the tie, so the pages still partition the list."""
    settings.OPEN311_MIN_RESIDENTS *= 2  # each community alone now has fewer than k
    make_requests(communities["north"], 4)
    make_requests(communities["south"], 4)
    everything = ids_of(client, "json", "")
    assert len(everything) == 8
    assert list(chain.from_iterable(read_until_empty(client, "json", page_size=3))) == everything


def test_the_default_page_size_is_the_cap_and_the_next_page_goes_on(
    client, communities, monkeypatch
):
    monkeypatch.setattr(conf, "MAX_REQUESTS", 5)
    make_requests(communities["north"], 7)
    first = ids_of(client, "json", "")
    assert len(first) == 5
    assert ids_of(client, "json", "page=1") == first
    second = ids_of(client, "json", "page=2")
    assert len(second) == 2 and not set(first) & set(second)
    assert ids_of(client, "json", "page=3") == []


def test_a_page_far_past_the_end_is_empty(client, communities):
    make_requests(communities["north"], 2)
    assert ids_of(client, "json", "page=1000000&page_size=1000") == []
    assert ids_of(client, "xml", "page=5") == []


def test_pages_of_asked_for_ids(client, communities):
    made = make_requests(communities["north"], 5)
    query = "service_request_id=" + ",".join(str(pk) for pk in made)
    pages = read_until_empty(client, "json", query, page_size=2)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert list(chain.from_iterable(pages)) == ids_of(client, "json", query)


def test_paging_keeps_the_filters(client, communities):
    make_requests(communities["north"], 4)
    make_requests(communities["south"], 1)
    ServiceRequest.objects.filter(community=communities["south"]).update(status="resolved")
    pages = read_until_empty(client, "json", "status=open", page_size=3)
    assert [len(page) for page in pages] == [3, 1]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("page=0", "page '0'"),
        ("page=-1", "page '-1'"),
        ("page=two", "page 'two'"),
        ("page=1.5", "page '1.5'"),
        ("page=1000001", "page '1000001'"),
        ("page=99999999999999999999999", "page '99999999999999999999999'"),
        ("page_size=0", "page_size '0'"),
        ("page_size=1001", "page_size '1001'"),
        ("page_size=%C2%B2", "page_size '²'"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_bad_page_or_page_size_is_400_naming_it(client, communities, query, parameter, fmt):
    response = client.get(f"/open311/v2/requests.{fmt}?{query}")
    assert response.status_code == 400
    [description] = error_descriptions(response)
    assert description.startswith(parameter + " is not a whole number from 1 to ")


def test_a_bad_page_is_reported_with_the_other_problems(client, communities):
    response = client.get("/open311/v2/requests.json?page=x&page_size=y&status=z")
    assert len(error_descriptions(response)) == 3
    response = client.get("/open311/v2/requests.json?page=x&service_request_id=y")
    assert len(error_descriptions(response)) == 2


@pytest.mark.parametrize(
    ("fmt", "accept_language"), [("json", "zh-hans"), ("xml", "zh-CN,zh;q=0.9,en;q=0.8")]
)
def test_a_bad_page_size_is_explained_in_chinese(client, communities, fmt, accept_language):
    response = client.get(
        f"/open311/v2/requests.{fmt}?page_size=5000", HTTP_ACCEPT_LANGUAGE=accept_language
    )
    assert response.status_code == 400
    assert error_descriptions(response) == ["page_size“5000”不是 1 到 1,000 之间的整数。"]


@pytest.mark.parametrize("sent", [JURISDICTION.upper(), JURISDICTION.title()])
def test_the_jurisdiction_id_is_read_without_regard_to_case(client, communities, sent):
    """The specification suggests the site's domain as the id, and a domain is the same in
    any case."""
    response = client.get(f"/open311/v2/services.json?jurisdiction_id={sent}")
    assert response.status_code == 200
    response = client.get(f"/open311/v2/services.json?jurisdiction_id={sent}x")
    assert response.status_code == 404


def service_codes_of(client, fmt: str, query: str) -> list[str]:
    response = client.get(f"/open311/v2/services.{fmt}?{query}")
    assert response.status_code == 200, response.content
    if fmt == "json":
        return [item["service_code"] for item in json_body(response)]
    container = xml(response)["services"]
    return [item["service_code"] for item in (container or {}).get("service", [])]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_client_paging_the_services_until_empty_reads_each_once_and_stops(client, fmt):
    every = service_codes_of(client, fmt, "")
    assert len(every) > 3
    pages = []
    for number in range(1, 50):  # a bound, so a server that never ends the list fails the test
        page = service_codes_of(client, fmt, f"page={number}&page_size=3")
        if not page:
            break
        pages.append(page)
    else:
        pytest.fail(f"no empty page of services after 49 pages: {pages[:3]} …")
    assert list(chain.from_iterable(pages)) == every
    assert all(len(page) == 3 for page in pages[:-1])
    # Without page_size the whole list is the first page, and the second is empty.
    assert service_codes_of(client, fmt, "page=1") == every
    assert service_codes_of(client, fmt, "page=2") == []


def test_a_bad_services_page_is_named(client):
    response = client.get("/open311/v2/services.json?page=0&page_size=x")
    assert response.status_code == 400
    assert error_descriptions(response) == [
        "page '0' is not a whole number from 1 to 1,000,000.",
        "page_size 'x' is not a whole number from 1 to 1,000.",
    ]
