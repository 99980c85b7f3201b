"""GET requests in pages (the pagination extension's ``page`` and ``page_size``): a client
that asks for page after page until one comes back empty reads every request once and
stops. A client that follows each full page's ``Link: rel="next"`` (a cursor at the page's
last request) reads each request once also while requests are made and closed between its
pages."""

from __future__ import annotations

import re
from datetime import timedelta
from itertools import chain

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

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


# Following the Link header: pages that hold while requests arrive and close ------------------

NEXT_LINK = re.compile(r'<([^>]+)>; rel="next"')


@pytest.fixture
def k(communities, settings) -> int:
    """The k the communities were made with."""
    return settings.OPEN311_MIN_RESIDENTS


def read_by_links(client, url: str, between_pages=lambda: None) -> list[str]:
    """Every id read by following ``Link: rel="next"`` from ``url``, calling ``between_pages``
    after each page that has a next one."""
    seen: list[str] = []
    for _ in range(60):  # a bound, so a list that never ends fails the test
        response = client.get(url)
        assert response.status_code == 200, response.content
        seen += [str(item["service_request_id"]) for item in json_body(response)]
        link = response.get("Link")
        if not link:
            return seen
        url = NEXT_LINK.fullmatch(link).group(1)
        between_pages()
    pytest.fail(f"still a next page after 60 pages: {seen[:9]} …")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Offsets (page=2, page=3 …) read the second request twice here: a request made after the
# first page pushed it onto the second.
@example(count=3, page_size=1, same_time=False, coarse=False, changes=["add"])
@example(count=3, page_size=1, same_time=True, coarse=False, changes=["close"])
@given(
    count=st.integers(min_value=1, max_value=9),
    page_size=st.integers(min_value=1, max_value=4),
    same_time=st.booleans(),
    coarse=st.booleans(),
    changes=st.lists(st.sampled_from(["add", "close"]), max_size=6),
)
def test_following_next_links_reads_each_open_request_once_while_others_arrive_and_close(
    client, communities, settings, k, count, page_size, same_time, coarse, changes
):
    """A client syncing the open requests page by page while requests are made and others
    closed reads no request twice and every request that stayed open, in coarse places
    (times shown to the day, so they tie) as in fine ones."""
    # The communities hold k registered residents each; coarse: k doubled, so each alone
    # has fewer (set, not multiplied: the settings stay between examples).
    settings.OPEN311_MIN_RESIDENTS = k * (2 if coarse else 1)
    with transaction.atomic():
        made = make_requests(communities["north"], count, same_time=same_time)
        closed: set[int] = set()
        pending = list(changes)

        def change() -> None:
            if not pending:
                return
            if pending.pop(0) == "add":
                make_requests(communities["south"], 1)
                return
            still_open = [pk for pk in made if pk not in closed]
            if still_open:
                closed.add(still_open[len(pending) % len(still_open)])
                ServiceRequest.objects.filter(pk__in=closed).update(status="closed")

        first = f"/open311/v2/requests.json?status=open&page_size={page_size}"
        seen = read_by_links(client, first, change)
        assert len(seen) == len(set(seen)), f"read twice: {seen}"
        assert {str(pk) for pk in made if pk not in closed} <= set(seen)
        transaction.set_rollback(True)


def test_a_full_page_links_the_next_with_the_same_filters_and_no_page(client, communities):
    make_requests(communities["north"], 3)
    response = client.get("/open311/v2/requests.xml?status=open&page=1&page_size=2")
    url = NEXT_LINK.fullmatch(response["Link"]).group(1)
    assert url.startswith("http://testserver/open311/v2/requests.xml?")
    assert "status=open" in url and "page_size=2" in url and "cursor=" in url
    assert "page=" not in url.replace("page_size=", "")
    last = client.get(url)
    assert len(xml(last)["service_requests"]["request"]) == 1
    assert not last.has_header("Link")  # not full: the end


def test_a_page_and_a_cursor_count_pages_from_the_cursor(client, communities):
    make_requests(communities["north"], 7)
    everything = ids_of(client, "json", "")
    first = client.get("/open311/v2/requests.json?page_size=2")
    cursor = NEXT_LINK.fullmatch(first["Link"]).group(1).split("cursor=")[1]
    assert ids_of(client, "json", f"page_size=2&cursor={cursor}&page=2") == everything[4:6]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "cursor", ["garbage", "MjAyNi0wMS0wMQ", "eA" * 40, "MjAyNi0wMS0wMVQwMDowMDowMHwx"]
)
def test_a_cursor_this_server_did_not_make_is_400_naming_it(client, communities, fmt, cursor):
    response = client.get(f"/open311/v2/requests.{fmt}?cursor={cursor}")
    assert response.status_code == 400
    assert any(d.startswith("cursor '") for d in error_descriptions(response))


# GET services: the same Link cursor --------------------------------------------------------


def read_services_by_links(client, url: str, between_pages=lambda: None) -> list[str]:
    """Every service code read by following ``Link: rel="next"`` from ``url``."""
    seen: list[str] = []
    for _ in range(60):
        response = client.get(url)
        assert response.status_code == 200, response.content
        seen += [item["service_code"] for item in json_body(response)]
        link = response.get("Link")
        if not link:
            return seen
        url = NEXT_LINK.fullmatch(link).group(1)
        between_pages()
    pytest.fail(f"still a next page of services after 60 pages: {seen[:9]} …")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# By offset (page=2) the fourth service was skipped here: the first was retired after the
# first page, and every later service moved up one place.
@example(page_size=3, changes=[("retire", 0)])
@example(page_size=2, changes=[("add", 0)])
@given(
    page_size=st.integers(min_value=1, max_value=7),
    changes=st.lists(
        st.tuples(st.sampled_from(["retire", "add"]), st.integers(min_value=0, max_value=50)),
        max_size=5,
    ),
)
def test_following_services_links_reads_each_service_once_while_others_come_and_go(
    client, page_size, changes
):
    """A client reading the catalogue page by page while an administrator retires services
    and adds others reads no service twice and every service that stayed listed."""
    with transaction.atomic():
        before = service_codes_of(client, "json", "")
        retired: set[str] = set()
        pending = list(changes)

        def change() -> None:
            if not pending:
                return
            kind, pick = pending.pop(0)
            if kind == "retire":
                code = before[pick % len(before)]
                retired.add(code)
                ServiceCategory.objects.filter(code=code).update(active=False)
                return
            group = ServiceCategory.objects.filter(parent__isnull=True).order_by("code")[pick % 5]
            ServiceCategory.objects.create(
                code=f"synthetic_added_{len(pending)}_{pick}",
                name="Synthetic added service",
                parent=group,
                dimension=group.dimension,
                order=pick,
            )

        seen = read_services_by_links(
            client, f"/open311/v2/services.json?page_size={page_size}", change
        )
        assert len(seen) == len(set(seen)), f"read twice: {seen}"
        assert set(before) - retired <= set(seen)
        transaction.set_rollback(True)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_full_services_page_links_the_next_and_the_last_does_not(client, fmt):
    every = service_codes_of(client, fmt, "")
    response = client.get(f"/open311/v2/services.{fmt}?page=1&page_size=3")
    url = NEXT_LINK.fullmatch(response["Link"]).group(1)
    assert url.startswith(f"http://testserver/open311/v2/services.{fmt}?")
    assert "page_size=3" in url and "cursor=" in url
    assert "page=" not in url.replace("page_size=", "")
    cursor = url.split("cursor=")[1]
    assert service_codes_of(client, fmt, f"page_size=3&cursor={cursor}") == every[3:6]
    # page with a cursor counts pages after it.
    assert service_codes_of(client, fmt, f"page_size=3&cursor={cursor}&page=2") == every[6:9]
    # The whole list on one page (no page_size) is not full: no link.
    assert not client.get(f"/open311/v2/services.{fmt}").has_header("Link")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "WyIxIiwiYSIsIjEiXQ",  # ["1","a","1"]: three values, not four
        "WyJ4IiwiYSIsIjEiLCJiIl0",  # ["x","a","1","b"]: an order that is not a number
        "WyI5OTk5OTk5OTk5OTkiLCJhIiwiMSIsImIiXQ",  # an order past the database's integers
        "MjAyNi0wMS0wMVQwMDowMDowMHwx",  # a cursor of GET requests
    ],
)
def test_a_services_cursor_this_server_did_not_make_is_400_naming_it(client, cursor):
    response = client.get(f"/open311/v2/services.json?cursor={cursor}")
    assert response.status_code == 400
    assert [d[: len("cursor '")] for d in error_descriptions(response)] == ["cursor '"]
