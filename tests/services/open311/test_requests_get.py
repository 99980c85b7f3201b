"""GET requests and GET a request: fields, status mapping, datetimes, filters, anonymity."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from residents.models import Resident
from services.models import RequestStatusChange, ServiceCategory, ServiceRequest
from tests.services.open311.conftest import registered_residents
from tests.services.open311.factories import CommunityFactory, ServiceRequestFactory, UserFactory
from tests.services.open311.helpers import (
    REQUEST_ELEMENTS,
    W3C_WITH_OFFSET,
    error_descriptions,
    json_body,
    xml,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _catalogue(catalogue):
    return catalogue


def make_request(community, *, status="submitted", days_ago=1, code="water_supply", **extra):
    category = ServiceCategory.objects.get(code=code)
    created = timezone.now() - timedelta(days=days_ago)
    return ServiceRequestFactory(
        community=community,
        category=category,
        status=status,
        created_at=created,
        expected_completion_at=ServiceRequest.expected_completion_for(category, "normal", created),
        **extra,
    )


def test_request_fields_and_values_json(client, communities):
    request = make_request(
        communities["north"], code="road_repair", attributes={"hazard": "pothole"}
    )
    body = json_body(client.get(f"/open311/v2/requests/{request.pk}.json"))
    assert isinstance(body, list) and len(body) == 1
    (item,) = body
    assert set(item) == set(REQUEST_ELEMENTS)
    assert item["service_request_id"] == request.pk
    assert item["status"] == "open"
    assert item["status_notes"] == "Submitted"
    assert item["service_code"] == "road_repair"
    assert item["service_name"] == "Road and street-light repair"
    assert item["address"] == "Gulou Synthetic, Synthetic District, 南京市, 江苏省"
    assert item["address_id"] == "SYN-N"
    assert (item["lat"], item["long"]) == (32.06, 118.78)
    assert item["service_notice"] == "Service standard: handled within 72 hours of the request."
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C_WITH_OFFSET.match(item[field]), item[field]
        assert item[field].endswith("+08:00")  # the jurisdiction's time zone, Asia/Shanghai
    assert datetime.fromisoformat(item["requested_datetime"]) == request.created_at.replace(
        microsecond=0
    )
    assert datetime.fromisoformat(item["expected_datetime"]) - datetime.fromisoformat(
        item["requested_datetime"]
    ) == timedelta(hours=72)


def test_request_xml_uses_service_requests_and_request(client, communities):
    request = make_request(communities["north"], status="in_progress")
    doc = xml(client.get(f"/open311/v2/requests/{request.pk}.xml"))
    (item,) = doc["service_requests"]["request"]
    assert set(item) == set(REQUEST_ELEMENTS)
    assert item["service_request_id"] == str(request.pk)
    assert item["status"] == "open"
    assert item["status_notes"] == "In progress"
    assert item["description"] is None  # not public by default
    assert W3C_WITH_OFFSET.match(item["requested_datetime"])


@pytest.mark.parametrize(
    ("ours", "open311", "note"),
    [
        ("submitted", "open", "Submitted"),
        ("accepted", "open", "Accepted"),
        ("assigned", "open", "Assigned"),
        ("in_progress", "open", "In progress"),
        ("resolved", "closed", "Resolved"),
        ("closed", "closed", "Closed"),
        ("rejected", "closed", "Rejected"),
    ],
)
def test_status_maps_to_open_or_closed_with_detail_in_status_notes(
    client, communities, ours, open311, note
):
    request = make_request(communities["north"], status=ours)
    (item,) = client.get(f"/open311/v2/requests/{request.pk}.json").json()
    assert (item["status"], item["status_notes"]) == (open311, note)


def test_updated_datetime_of_a_closed_request_is_when_it_was_closed(client, communities):
    request = make_request(communities["north"], status="resolved", days_ago=5)
    # Closed two days after it was made, at 09:30 Shanghai time (a change never precedes its
    # request: the history subqueries rely on that to skip older partitions).
    closed_at = (request.created_at + timedelta(days=2)).astimezone(SHANGHAI)
    closed_at = closed_at.replace(hour=9, minute=30, second=0, microsecond=0)
    RequestStatusChange.objects.create(
        request=request, from_status="in_progress", to_status="resolved", changed_at=closed_at
    )
    (item,) = client.get(f"/open311/v2/requests/{request.pk}.json").json()
    assert item["updated_datetime"] == closed_at.isoformat()


def test_no_personal_data_in_any_request_response(client, communities, settings):
    resident = Resident.objects.create(
        community=communities["north"],
        name="合成居民",
        phone="13900001111",
        national_id="11010519491231002X",
    )
    worker = UserFactory(username="synthetic-logger", first_name="Wang")
    request = make_request(
        communities["north"],
        code="water_supply",  # not a sensitive service: those are never shown at all
        resident=resident,
        logged_by=worker,
        assigned_to=worker,
        address_string="Building 5, Room 302, 12 Synthetic Road",
        latitude=32.061234,
        longitude=118.781234,
        description="Synthetic: 合成居民 at 13900001111 needs bathing help.",
    )
    for fmt in ("json", "xml"):
        for url in (f"/open311/v2/requests/{request.pk}.{fmt}", f"/open311/v2/requests.{fmt}"):
            text = client.get(url).content.decode()
            for secret in (
                "合成居民",
                "13900001111",
                "11010519491231002X",
                "synthetic-logger",
                "Wang",
                "Room 302",
                "32.061234",
                "118.781234",
                "bathing",
                "resident",
            ):
                assert secret not in text, (url, secret)
    settings.OPEN311_PUBLIC_DESCRIPTION = True
    (item,) = client.get(f"/open311/v2/requests/{request.pk}.json").json()
    assert item["description"] == request.description


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("request_id", ["999999", "abc"])
def test_unknown_request_is_404(client, fmt, request_id):
    response = client.get(f"/open311/v2/requests/{request_id}.{fmt}")
    assert response.status_code == 404
    assert error_descriptions(response) == [f"service_request_id '{request_id}' was not found."]


def ids(response) -> list[int]:
    return [item["service_request_id"] for item in json_body(response)]


def test_default_window_is_the_most_recent_90_days_newest_first(client, communities):
    old = make_request(communities["north"], days_ago=100)
    recent = make_request(communities["north"], days_ago=10)
    newest = make_request(communities["south"], days_ago=1)
    assert ids(client.get("/open311/v2/requests.json")) == [newest.pk, recent.pk]
    assert old.pk not in ids(client.get("/open311/v2/requests.json"))


def test_service_request_ids_override_every_other_argument(client, communities):
    old = make_request(communities["north"], days_ago=400, status="closed")
    recent = make_request(communities["north"], days_ago=2)
    response = client.get(
        f"/open311/v2/requests.json?service_request_id={old.pk},{recent.pk}"
        "&status=open&service_code=road_repair&start_date=2020-01-01T00:00:00Z"
    )
    assert sorted(ids(response)) == sorted([old.pk, recent.pk])
    repeated = client.get(
        f"/open311/v2/requests.json?service_request_id={old.pk}&service_request_id={recent.pk}"
    )
    assert sorted(ids(repeated)) == sorted([old.pk, recent.pk])


def test_service_code_and_status_filters(client, communities):
    water_open = make_request(communities["north"], code="water_supply", status="assigned")
    water_closed = make_request(communities["north"], code="water_supply", status="rejected")
    waste = make_request(communities["north"], code="waste_collection", status="resolved")
    assert ids(client.get("/open311/v2/requests.json?service_code=water_supply")) == [
        water_closed.pk,
        water_open.pk,
    ]
    assert set(
        ids(client.get("/open311/v2/requests.json?service_code=water_supply,waste_collection"))
    ) == {
        water_open.pk,
        water_closed.pk,
        waste.pk,
    }
    assert ids(client.get("/open311/v2/requests.json?status=open")) == [water_open.pk]
    assert set(ids(client.get("/open311/v2/requests.json?status=closed"))) == {
        water_closed.pk,
        waste.pk,
    }
    assert len(ids(client.get("/open311/v2/requests.json?status=open,closed"))) == 3
    both = client.get("/open311/v2/requests.json?status=closed&service_code=waste_collection")
    assert ids(both) == [waste.pk]


def test_start_and_end_date_select_by_requested_datetime(client, communities):
    inside = make_request(communities["north"], days_ago=0)
    inside.created_at = datetime(2026, 2, 10, 12, 0, tzinfo=SHANGHAI)
    inside.save()
    before = make_request(communities["north"])
    before.created_at = datetime(2026, 1, 31, 23, 0, tzinfo=SHANGHAI)
    before.save()
    query = "start_date=2026-02-01T00:00:00%2B08:00&end_date=2026-02-28T23:59:59%2B08:00"
    assert ids(client.get(f"/open311/v2/requests.json?{query}")) == [inside.pk]
    # UTC notation of the same instants, and an unencoded "+" that arrives as a space.
    utc = "start_date=2026-01-31T16:00:00Z&end_date=2026-02-28T15:59:59Z"
    assert ids(client.get(f"/open311/v2/requests.json?{utc}")) == [inside.pk]
    plus = "start_date=2026-02-01T00:00:00+08:00&end_date=2026-02-28T23:59:59+08:00"
    assert ids(client.get(f"/open311/v2/requests.json?{plus}")) == [inside.pk]
    # Only start_date: 90 days from it. Only end_date: 90 days up to it.
    assert ids(client.get("/open311/v2/requests.json?start_date=2026-02-01")) == [inside.pk]
    assert set(ids(client.get("/open311/v2/requests.json?end_date=2026-02-28"))) == {
        inside.pk,
        before.pk,
    }


def test_at_most_1000_requests_are_returned(client, communities):
    category = ServiceCategory.objects.get(code="water_supply")
    now = timezone.now()
    ServiceRequest.objects.bulk_create(
        ServiceRequest(
            community=communities["north"],
            category=category,
            description="Synthetic bulk request",
            channel="hotline",
            created_at=now - timedelta(minutes=i),
        )
        for i in range(1001)
    )
    body = client.get("/open311/v2/requests.json").json()
    assert len(body) == 1000
    assert body[0]["requested_datetime"] > body[-1]["requested_datetime"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=pending", "status 'pending' is not one of: open, closed."),
        (
            "start_date=yesterday",
            "start_date 'yesterday' is not a W3C date and time with a time zone",
        ),
        ("end_date=2026-02-01T00:00:00", "end_date '2026-02-01T00:00:00' must include a time zone"),
        (
            "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
            "start_date to end_date spans more than 90 days",
        ),
        (
            "start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",
            "end_date is earlier than start_date.",
        ),
        ("service_code=no_such_service", "service_code 'no_such_service' was not found."),
        ("service_request_id=12,abc", "service_request_id 'abc' is not a service request id."),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_filters_are_400_naming_the_parameter(client, communities, query, expected, fmt):
    response = client.get(f"/open311/v2/requests.{fmt}?{query}")
    assert response.status_code == 400
    assert any(d.startswith(expected) for d in error_descriptions(response)), error_descriptions(
        response
    )


def test_several_problems_are_reported_together(client, communities):
    response = client.get("/open311/v2/requests.json?status=x&start_date=nope")
    assert response.status_code == 400
    assert len(error_descriptions(response)) == 2


def test_requests_list_xml(client, communities):
    first = make_request(communities["north"], days_ago=2)
    second = make_request(communities["south"], days_ago=1, status="closed")
    doc = xml(client.get("/open311/v2/requests.xml"))
    items = doc["service_requests"]["request"]
    assert [item["service_request_id"] for item in items] == [str(second.pk), str(first.pk)]
    assert [item["status"] for item in items] == ["closed", "open"]
    assert items[0]["address_id"] == "SYN-S"


def test_empty_list_is_an_empty_container(client, communities):
    assert client.get("/open311/v2/requests.json").json() == []
    doc = xml(client.get("/open311/v2/requests.xml"))
    assert doc["service_requests"] is None


def test_listing_costs_one_query_however_many_requests(
    client, communities, django_assert_num_queries
):
    for days_ago in range(1, 6):
        make_request(communities["north"], days_ago=days_ago, status="resolved")
    # The newest community's id (the places' cache key), two grouped reads decide how finely
    # places may be shown (k residents), one finds where the newest MAX_REQUESTS begin, then
    # one list.
    with django_assert_num_queries(5):
        assert len(client.get("/open311/v2/requests.json").json()) == 5


@pytest.mark.parametrize("exact_times", [True, False])
def test_the_newest_first_cut_keeps_exactly_the_rows_a_full_sort_would(
    client, communities, exact_times, monkeypatch, settings
):
    """Only the newest MAX_REQUESTS are listed, found without sorting every request: the
    rows and their order are those of the full sort, where times are exact and where they
    are shown as the day's start."""
    from services.open311 import conf
    from services.open311.queries import public_places

    if not exact_times:  # each community alone now has fewer than k: shown by a wider place
        settings.OPEN311_MIN_RESIDENTS *= 2
    assert (communities["north"].pk in public_places().exact) is exact_times
    base = timezone.now() - timedelta(days=3)
    # Made newest first, so ids fall as times rise: where times are shown as the day's start,
    # ties are broken by id and the first rows are not the newest by exact time.
    for minutes in reversed(range(0, 24 * 60 * 2, 97)):
        request = make_request(communities["north"], days_ago=3)
        ServiceRequest.objects.filter(pk=request.pk).update(
            created_at=base + timedelta(minutes=minutes)
        )
    full = [row["service_request_id"] for row in client.get("/open311/v2/requests.json").json()]
    monkeypatch.setattr(conf, "MAX_REQUESTS", 7)
    cut = [row["service_request_id"] for row in client.get("/open311/v2/requests.json").json()]
    assert len(full) > 7
    assert cut == full[:7]


@pytest.mark.parametrize("request_id", ["²", "99999999999999999999999", "-1", "1.5"])
def test_ids_that_cannot_exist_are_404_or_400_never_500(client, communities, request_id):
    from urllib.parse import quote

    assert client.get(f"/open311/v2/requests/{quote(request_id)}.json").status_code == 404
    response = client.get("/open311/v2/requests.json", {"service_request_id": request_id})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/open311/v2/services/road%00repair.json",
        "/open311/v2/requests.json?service_code=water%00supply",
        "/open311/v2/requests/1%00.json",
    ],
)
def test_null_characters_are_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "contains a null character" in error_descriptions(response)[0]


def test_the_places_are_counted_once_per_cache_period(
    client, communities, django_assert_num_queries, settings
):
    """Deciding how finely places may be shown counts every community's residents (seconds
    at province size), so it is cached: the second GET skips both grouped reads, unless the
    cache period is 0."""
    make_request(communities["north"], days_ago=1)
    client.get("/open311/v2/requests.json")
    # The newest community's id (the cache key), then the cut and the list.
    with django_assert_num_queries(3):
        assert len(client.get("/open311/v2/requests.json").json()) == 1
    settings.OPEN311_PLACES_CACHE_SECONDS = 0
    with django_assert_num_queries(4):
        assert len(client.get("/open311/v2/requests.json").json()) == 1


def test_a_community_made_after_the_places_were_counted_is_not_shown_exactly(client, communities):
    """The cached places list what is left out; a community made after they were counted
    (no residents yet) must not pass for one with k residents: it starts a new count."""
    make_request(communities["north"], days_ago=1)
    client.get("/open311/v2/requests.json")  # the places are counted and cached
    newcomer = CommunityFactory(code="SYN-NEW", latitude=32.05, longitude=118.77)
    request = make_request(newcomer, days_ago=1)
    items = client.get("/open311/v2/requests.json").json()
    shown = [item for item in items if item["service_request_id"] == str(request.pk)]
    assert all(item["address_id"] is None and item["lat"] is None for item in shown)


@pytest.mark.parametrize("exact_elsewhere", [True, False])
def test_a_request_shown_by_its_day_is_filtered_by_that_days_start_in_local_time(
    client, communities, settings, exact_elsewhere
):
    """A request made at 01:30 in China, shown only by its day, is shown at 00:00 local time
    (16:00 UTC the day before), and an end_date of 00:30 local that day holds it. SQLite once
    compared the day's local wall clock ("…T00:00") with the stored UTC times, so from 00:00
    to 08:00 in China (16:00 to 24:00 UTC) a request of the day read as later than now and
    was left out of the feed; this asks at fixed times, so it does not depend on when it runs.
    With ``exact_elsewhere`` another community is shown exactly, so the time shown is chosen
    per row."""
    settings.OPEN311_MIN_RESIDENTS *= 2  # north and south alone: fewer than k residents each
    if exact_elsewhere:
        registered_residents(communities["rural"], settings.OPEN311_MIN_RESIDENTS // 2)
    from services.open311.queries import public_places

    assert (communities["rural"].pk in public_places().exact) is exact_elsewhere
    day = (timezone.now() - timedelta(days=5)).astimezone(SHANGHAI).date()
    made_at = datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI) + timedelta(minutes=90)
    request = make_request(communities["north"], days_ago=5)
    ServiceRequest.objects.filter(pk=request.pk).update(created_at=made_at)
    start = (made_at - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    end = made_at.replace(hour=0, minute=30).strftime("%Y-%m-%dT%H:%M:%S+08:00")

    response = client.get("/open311/v2/requests.json", {"start_date": start, "end_date": end})

    assert response.status_code == 200
    listed = {str(row["service_request_id"]): row for row in json_body(response)}
    assert str(request.pk) in listed
    shown = datetime.fromisoformat(listed[str(request.pk)]["requested_datetime"])
    assert shown == datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI)
