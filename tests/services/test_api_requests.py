"""The request API end to end: the resident–worker flow, filters, cursor pagination, query
counts, request creation rules and bad input."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from PIL import Image

from services.actions import LATITUDE_BOUND
from services.catalogue import sync_catalogue
from services.models import RequestStatusChange, ServiceCategory, ServiceRequest
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ResidentFactory,
    ServiceCategoryFactory,
    ServiceRequestFactory,
    WorkerFactory,
    api_client,
)

URL = "/api/v1/requests/"
Status = ServiceRequest.Status


@pytest.fixture
def community(db):
    return CommunityFactory()


@pytest.fixture
def worker(community):
    return WorkerFactory(communities=[community])


@pytest.fixture
def resident(community):
    return ResidentFactory(community=community, with_account=True)


@pytest.fixture
def road_repair(db):
    """The catalogue's road repair service, which asks one required question."""
    category = ServiceCategoryFactory(code="road_repair", parent__code="infrastructure")
    category.sla_hours = 72
    category.extra_fields = [
        {
            "code": "hazard",
            "label": "What is wrong?",
            "datatype": "singlevaluelist",
            "required": True,
            "values": [{"key": "pothole", "name": "Pothole"}, {"key": "lighting", "name": "Light"}],
        }
    ]
    category.save()
    return category


# The flow --------------------------------------------------------------------------------------


def test_resident_submits_worker_works_it_resident_rates(community, worker, resident):
    colleague = WorkerFactory(communities=[community])
    ServiceCategoryFactory(code="elderly_home_care")
    mine = api_client(resident.user)
    response = mine.post(
        URL,
        {"category": "elderly_home_care", "description": "Synthetic: meals twice a week."},
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["community"] == community.pk  # the resident's own, by default
    assert created["resident"] == resident.pk
    assert created["channel"] == "self_service"
    assert created["status"] == "submitted"
    assert [h["to_status"] for h in created["history"]] == ["submitted"]
    detail_url = f"{URL}{created['id']}/"

    staff = api_client(worker)
    assert created["id"] in [row["id"] for row in staff.get(URL).json()["results"]]
    assert staff.post(f"{detail_url}accept/", {"note": "We call tomorrow."}).status_code == 200
    response = staff.post(f"{detail_url}assign/", {"assignee": colleague.pk}, format="json")
    assert response.json()["assigned_to"] == colleague.pk
    helper = api_client(colleague)
    assert helper.post(f"{detail_url}start/", {}).json()["status"] == "in_progress"
    resolved = helper.post(f"{detail_url}resolve/", {"note": "Meals arranged."}).json()
    assert resolved["status"] == "resolved"
    assert resolved["resolved_at"] is not None

    seen = mine.get(detail_url).json()
    assert [h["to_status"] for h in seen["history"]] == [
        "submitted",
        "accepted",
        "assigned",
        "in_progress",
        "resolved",
    ]
    assert seen["history"][1]["note"] == "We call tomorrow."
    assert seen["history"][1]["changed_by"] == worker.pk

    rated = mine.post(f"{detail_url}rate/", {"satisfaction": 5, "comment": "Quick."}).json()
    assert rated["satisfaction"] == 5
    again = mine.post(f"{detail_url}rate/", {"satisfaction": 1})
    assert again.status_code == 409
    assert "already been rated" in again.json()["detail"]

    admin = api_client(AdministratorFactory())
    assert admin.post(f"{detail_url}close/", {}).json()["status"] == "closed"
    assert ServiceRequest.objects.get().satisfaction == 5


def test_a_resident_cannot_rate_an_open_request_or_out_of_range(resident):
    item = ServiceRequestFactory(resident=resident)
    client = api_client(resident.user)
    response = client.post(f"{URL}{item.pk}/rate/", {"satisfaction": 4})
    assert response.status_code == 409
    item.status = Status.RESOLVED
    item.save()
    for bad in (0, 6, "great"):
        response = client.post(f"{URL}{item.pk}/rate/", {"satisfaction": bad})
        assert response.status_code == 400
        assert "satisfaction" in response.json()
    item.refresh_from_db()
    assert item.satisfaction is None


def test_a_worker_logs_a_request_for_a_resident_of_their_community(community, worker, resident):
    ServiceCategoryFactory(code="elderly_home_care")
    response = api_client(worker).post(
        URL,
        {
            "category": "elderly_home_care",
            "community": community.pk,
            "resident": resident.pk,
            "description": "Synthetic: reported by phone.",
            "channel": "hotline",
            "urgency": "critical",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    item = ServiceRequest.objects.get()
    assert (item.resident, item.logged_by, item.channel) == (resident, worker, "hotline")
    assert response["Location"].endswith(f"{URL}{item.pk}/")


def test_expected_completion_follows_sla_and_urgency(community, worker, road_repair):
    client = api_client(worker)
    factors = {"low": 1.5, "normal": 1.0, "high": 0.5, "critical": 0.25}
    for urgency, factor in factors.items():
        body = client.post(
            URL,
            {
                "category": "road_repair",
                "community": community.pk,
                "description": "Synthetic pothole.",
                "urgency": urgency,
                "attributes": {"hazard": "pothole"},
            },
            format="json",
        ).json()
        created = parse_datetime(body["created_at"])
        expected = parse_datetime(body["expected_completion_at"])
        assert expected - created == timedelta(hours=72 * factor)


# Creation rules and bad input ------------------------------------------------------------------


def _assert_nothing_written():
    assert not ServiceRequest.objects.exists()
    assert not RequestStatusChange.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"category": "infrastructure"}, "category", "concrete service"),
        ({"category": "no_such_service"}, "category", "No such object"),
        ({"description": ""}, "description", ""),
        ({"description": "x" * 4001}, "description", "4000"),
        ({"urgency": "yesterday"}, "urgency", ""),
        ({"channel": "self_service"}, "channel", ""),
        ({"latitude": 95, "longitude": 10}, "latitude", ""),
        ({"latitude": 30.0}, "longitude", "both"),
        ({"community": "north"}, "community", ""),
        ({"attributes": {}}, "attributes", ""),
        ({"attributes": {"hazard": "volcano"}}, "attributes", "pothole, lighting"),
        ({"attributes": {"hazard": "pothole", "colour": "red"}}, "attributes", "hazard"),
        ({"attributes": ["pothole"]}, "attributes", ""),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(
    community, worker, road_repair, change, field, fragment
):
    body = {
        "category": "road_repair",
        "community": community.pk,
        "description": "Synthetic pothole.",
        "attributes": {"hazard": "pothole"},
        **change,
    }
    response = api_client(worker).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in errors
    assert fragment in str(errors[field])
    _assert_nothing_written()


def test_answer_errors_are_nested_under_attributes_by_question(community, worker, road_repair):
    response = api_client(worker).post(
        URL,
        {"category": "road_repair", "community": community.pk, "description": "Synthetic."},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"attributes": {"hazard": ["This service needs an answer here."]}}


def test_an_inactive_service_is_refused(community, worker):
    ServiceCategoryFactory(code="synthetic_retired_service", active=False)
    response = api_client(worker).post(
        URL,
        {
            "category": "synthetic_retired_service",
            "community": community.pk,
            "description": "Synthetic.",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "no longer offered" in response.json()["category"][0]
    _assert_nothing_written()


def test_a_worker_cannot_name_a_resident_of_another_community(community, worker):
    elsewhere = ResidentFactory()
    ServiceCategoryFactory(code="elderly_home_care")
    response = api_client(worker).post(
        URL,
        {
            "category": "elderly_home_care",
            "community": community.pk,
            "resident": elsewhere.pk,
            "description": "Synthetic.",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "resident" in response.json()
    _assert_nothing_written()


def test_a_worker_cannot_log_for_a_community_they_do_not_serve(worker):
    elsewhere = CommunityFactory()
    ServiceCategoryFactory(code="elderly_home_care")
    response = api_client(worker).post(
        URL,
        {"category": "elderly_home_care", "community": elsewhere.pk, "description": "Synthetic."},
        format="json",
    )
    assert response.status_code == 400
    assert "communities you serve" in response.json()["community"][0]
    _assert_nothing_written()


def test_a_resident_cannot_file_for_another_community(resident):
    elsewhere = CommunityFactory()
    ServiceCategoryFactory(code="elderly_home_care")
    response = api_client(resident.user).post(
        URL,
        {"category": "elderly_home_care", "community": elsewhere.pk, "description": "Synthetic."},
        format="json",
    )
    assert response.status_code == 400
    assert "own community" in response.json()["community"][0]
    _assert_nothing_written()


def test_malformed_json_is_a_400_not_a_500(worker):
    response = api_client(worker).post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_invalid_filters_are_a_400_naming_the_parameter(worker):
    client = api_client(worker)
    response = client.get(URL, {"urgency": "whenever", "created_after": "last week"})
    assert response.status_code == 400
    assert set(response.json()) == {"urgency", "created_after"}


# Lists: filters, cursor pagination, query counts ---------------------------------------------------


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_list_filters(community, worker):
    now = timezone.now()
    water = ServiceCategoryFactory(code="water_supply", parent__code="infrastructure")
    care = ServiceCategoryFactory(code="elderly_home_care")
    other_place = CommunityFactory()
    worker.communities.add(other_place)
    overdue = ServiceRequestFactory(
        community=community,
        category=water,
        urgency="high",
        created_at=now - timedelta(days=10),
        expected_completion_at=now - timedelta(days=1),
    )
    on_time = ServiceRequestFactory(
        community=community, category=care, expected_completion_at=now + timedelta(days=1)
    )
    closed = ServiceRequestFactory(community=other_place, category=care, status=Status.CLOSED)
    client = api_client(worker)

    assert _ids(client.get(URL)) == {overdue.pk, on_time.pk, closed.pk}
    assert _ids(client.get(URL, {"status": "open"})) == {overdue.pk, on_time.pk}
    assert _ids(client.get(URL, {"status": "closed"})) == {closed.pk}
    assert _ids(client.get(URL, {"category": "water_supply"})) == {overdue.pk}
    assert _ids(client.get(URL, {"dimension": "health_care"})) == {on_time.pk, closed.pk}
    assert _ids(client.get(URL, {"community": other_place.pk})) == {closed.pk}
    assert _ids(client.get(URL, {"urgency": "high"})) == {overdue.pk}
    assert _ids(client.get(URL, {"overdue": "true"})) == {overdue.pk}
    assert _ids(client.get(URL, {"overdue": "false"})) == {on_time.pk}
    since = (now - timedelta(days=5)).isoformat()
    assert _ids(client.get(URL, {"created_after": since})) == {on_time.pk, closed.pk}
    assert _ids(client.get(URL, {"created_before": since})) == {overdue.pk}


def test_cursor_pagination_walks_newest_first_without_counting(community, worker):
    now = timezone.now()
    # Two share a timestamp, so the id breaks the tie.
    stamps = [now - timedelta(minutes=m) for m in (1, 2, 2, 3, 4, 5, 6)]
    made = [ServiceRequestFactory(community=community, created_at=t) for t in stamps]
    expected = [r.pk for r in sorted(made, key=lambda r: (r.created_at, r.pk), reverse=True)]
    client = api_client(worker)
    seen = []
    url = f"{URL}?page_size=3"
    with CaptureQueriesContext(connection) as queries:
        while url:
            page = client.get(url).json()
            assert "count" not in page
            seen += [row["id"] for row in page["results"]]
            url = page["next"]
    assert seen == expected
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


def test_list_query_count_does_not_grow_with_rows(community, worker, django_assert_max_num_queries):
    client = api_client(worker)
    for _ in range(3):
        ServiceRequestFactory(resident=ResidentFactory(community=community))
    ServiceRequestFactory(community=community, assigned_to=worker, status="assigned")
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for _ in range(40):
        ServiceRequestFactory(
            resident=ResidentFactory(community=community), assigned_to=worker, status="assigned"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL, {"page_size": 50})
    assert len(response.json()["results"]) == 44
    # One query for the page (scope by subquery, category joined) and one naming its
    # assignees; nothing per row.
    assert len(few.captured_queries) <= 3


def test_detail_query_count_is_bounded(community, worker, django_assert_max_num_queries):
    item = ServiceRequestFactory(community=community, status=Status.CLOSED)
    with django_assert_max_num_queries(3):
        response = api_client(worker).get(f"{URL}{item.pk}/")
    body = response.json()
    assert len(body["history"]) == 6
    assert body["allowed_transitions"] == []


def test_create_query_count_is_bounded(community, worker, django_assert_max_num_queries):
    ServiceCategoryFactory(code="elderly_home_care")
    body = {"category": "elderly_home_care", "community": community.pk, "description": "Syn."}
    client = api_client(worker)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, body, format="json")
    assert response.status_code == 201
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    # Category, community, the worker's scope; the request, its first history row and the
    # notification event (the outbox the notifications go out from once this commits); the
    # answer's ``allowed_moves`` asks once more whether the worker serves the community.
    assert statements.count("SELECT") <= 4 and statements.count("INSERT") == 3, statements


# Categories --------------------------------------------------------------------------------------


def test_category_tree_lists_dimensions_with_their_active_services(worker):
    sync_catalogue(ServiceCategory)
    ServiceCategoryFactory(code="synthetic_hidden", active=False)
    tree = api_client(worker).get("/api/v1/categories/").json()
    assert [node["code"] for node in tree] == [
        "infrastructure",
        "public_education",
        "health_care",
        "employment_social_security",
        "environmental_protection",
    ]
    health = next(node for node in tree if node["code"] == "health_care")
    codes = {service["code"] for service in health["services"]}
    assert {"elderly_home_care", "chronic_disease_followup"} <= codes
    assert "synthetic_hidden" not in codes
    leaf = api_client(worker).get("/api/v1/categories/school_enrolment/").json()
    assert leaf["parent"] == "public_education"
    assert leaf["sla_hours"] == ServiceCategory.objects.get(code="school_enrolment").sla_hours
    assert {f["code"] for f in leaf["extra_fields"]} == {"child_birth_year", "school_level"}


def test_the_fast_list_rows_match_the_generic_serializer(community):
    from services.queries import request_rows
    from services.serializers import RequestListSerializer, RequestRowSerializer

    now = timezone.now()
    rows = [
        ServiceRequestFactory(community=community, status=Status.CLOSED, satisfaction=4),
        ServiceRequestFactory(
            resident=ResidentFactory(community=community),
            expected_completion_at=now - timedelta(hours=1),
        ),
        ServiceRequestFactory(community=community, category=ServiceCategoryFactory(sla_hours=None)),
    ]
    admin = AdministratorFactory()
    for item in rows:
        row = request_rows(user=admin).get(pk=item.pk)
        assert RequestListSerializer(row).data == RequestRowSerializer(item).data


def test_the_fast_detail_matches_the_generic_serializer(community, worker, rf):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from services.queries import request_get
    from services.serializers import RequestDetailFieldsSerializer, RequestDetailSerializer

    resolved = ServiceRequestFactory(
        community=community,
        attributes={"school_level": "primary"},
        latitude=30.66,
        longitude=104.06,
        address_string="3 East Gate Road",
    )
    for to_status in (Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED):
        RequestStatusChange.objects.create(
            request=resolved,
            from_status=resolved.status,
            to_status=to_status,
            changed_by=worker,
            note=f"moved to {to_status}",
        )
        resolved.status = to_status
    resolved.satisfaction, resolved.satisfaction_comment = 5, "Quick and kind."
    resolved.photo = SimpleUploadedFile("gate.png", b"not really a png", "image/png")
    resolved.save()
    plain = ServiceRequestFactory(community=community)
    http_request = rf.get("/api/v1/requests/")
    for item in (resolved, plain):
        loaded = request_get(user=worker, pk=item.pk)
        for context in ({}, {"request": http_request}):
            fast = RequestDetailSerializer(loaded, context=context).data
            assert fast == RequestDetailFieldsSerializer(loaded, context=context).data
    assert [change["to_status"] for change in fast["history"]] == [Status.SUBMITTED]
    detail = RequestDetailSerializer(request_get(user=worker, pk=resolved.pk)).data
    assert [change["note"] for change in detail["history"]][1:] == [
        "moved to accepted",
        "moved to in_progress",
        "moved to resolved",
    ]
    assert detail["photo"].endswith(".png") and detail["attributes"] == {"school_level": "primary"}


# The moves the viewer may make ------------------------------------------------------------------


def _moves(body: dict) -> list[str]:
    return [m["move"] for m in body["allowed_moves"]]


def test_the_detail_lists_the_moves_each_viewer_may_make(community, worker, resident):
    item = ServiceRequestFactory(community=community, resident=resident, status=Status.SUBMITTED)
    url = f"{URL}{item.pk}/"
    staff = api_client(worker).get(url).json()
    assert _moves(staff) == ["accept", "reject"]
    reject = staff["allowed_moves"][1]
    assert reject["label"] == "Reject" and reject["target"] == "rejected"
    assert reject["needs_reason"] is True
    assert {"code": "duplicate", "label": "Duplicate of another request"} in reject["reasons"]
    # The resident who made it may only withdraw it (the reason is implied).
    own = api_client(resident.user).get(url).json()
    assert _moves(own) == ["withdraw"]
    assert own["allowed_moves"][0]["needs_reason"] is False
    # A worker of another community does not see the request at all; an administrator may
    # make the staff's moves.
    assert api_client(WorkerFactory()).get(url).status_code == 404
    assert _moves(api_client(AdministratorFactory()).get(url).json()) == ["accept", "reject"]


def test_the_moves_follow_the_status_and_the_readers_language(community, worker):
    item = ServiceRequestFactory(community=community, status=Status.ASSIGNED, assigned_to=worker)
    body = api_client(worker).get(f"{URL}{item.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    moves = {m["move"]: m for m in body["allowed_moves"]}
    assert list(moves) == ["assign", "start", "unassign", "reject", "close_unresolved"]
    assert moves["start"]["label"] == "开始处理"
    assert moves["start"]["needs_assignee"] is True and moves["assign"]["takes_assignee"] is True
    assert moves["start"]["target_label"] == "处理中"
    # Each move the list offers is one the API accepts.
    response = api_client(worker).post(f"{URL}{item.pk}/start/", {}, format="json")
    assert response.status_code == 200
    assert _moves(response.json()) == ["assign", "resolve", "close_unresolved"]


def test_a_closed_request_offers_no_moves(community, worker):
    item = ServiceRequestFactory(community=community, status=Status.CLOSED)
    assert api_client(worker).get(f"{URL}{item.pk}/").json()["allowed_moves"] == []


def test_staff_read_the_assigned_workers_name_and_a_resident_does_not(community, worker, resident):
    """``assigned_to_name`` is ``User.display_name``, in the list and the detail alike; a
    resident's pages do not name the worker, so neither does the API to them."""
    colleague = WorkerFactory(communities=[community], first_name="Min", last_name="Li")
    assigned = ServiceRequestFactory(
        resident=resident, community=community, assigned_to=colleague, status="assigned"
    )
    unassigned = ServiceRequestFactory(resident=resident, community=community)
    for viewer in (worker, AdministratorFactory()):
        listed = {row["id"]: row for row in api_client(viewer).get(URL).json()["results"]}
        assert listed[assigned.pk]["assigned_to_name"] == colleague.display_name == "Min Li"
        assert listed[unassigned.pk]["assigned_to_name"] is None
        detail = api_client(viewer).get(f"{URL}{assigned.pk}/").json()
        assert detail["assigned_to_name"] == "Min Li"
    own = api_client(resident.user)
    assert {row["assigned_to_name"] for row in own.get(URL).json()["results"]} == {None}
    assert own.get(f"{URL}{assigned.pk}/").json()["assigned_to_name"] is None


def test_the_schema_documents_the_assigned_workers_name(worker):
    schema = api_client(worker).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for shape in ("RequestList", "RequestDetail"):
        field = schema["components"]["schemas"][shape]["properties"]["assigned_to_name"]
        assert field["type"] == "string" and field["nullable"] is True
        assert "full name" in field["description"]


# Who may send which channel depends on the caller, which an enum cannot say: the stateful
# fuzz (December 2026) read a resident's refused `hotline` as schema-valid input refused.
# The field's description now states the rule, and the refusal says why and what to send,
# in the caller's language.

CHANNEL_REFUSALS = {
    ("resident", "en"): "Residents submit their own requests through self-service: leave the "
    "channel out, or choose self-service.",
    ("resident", "zh-hans"): "居民本人的诉求只能通过自助渠道提交：请不填写渠道，或选择自助渠道。",
    # Each channel by its label in the reader's language, with the code to send in brackets.
    ("worker", "en"): "Staff log needs taken by a worker, on the hotline or through Open311 "
    "(self-service is residents' own): choose one of: Community worker (community_worker), "
    "Hotline (hotline), Open311 client (open311).",
    ("worker", "zh-hans"): "工作人员登记的是工作人员受理、热线接到或经 Open311 传来的诉求"
    "（自助渠道仅供居民本人使用）：请从以下渠道中选择：社区工作者（community_worker）、"
    "热线（hotline）、Open311 客户端（open311）。",
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(("who", "channel"), [("resident", "hotline"), ("worker", "self_service")])
def test_a_channel_not_the_callers_is_refused_saying_why(
    community, worker, resident, who, channel, language
):
    caller = resident.user if who == "resident" else worker
    body = {
        "category": ServiceCategoryFactory().code,
        "community": community.pk,
        "description": "Synthetic leak.",
        "channel": channel,
    }
    response = api_client(caller).post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400, response.content
    assert response.json() == {"channel": [CHANNEL_REFUSALS[(who, language)]]}
    _assert_nothing_written()


def test_the_schema_says_who_may_send_which_channel(worker):
    schema = api_client(worker).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    request_body = schema["components"]["schemas"]["RequestCreateRequest"]["properties"]
    description = request_body["channel"]["description"]
    assert "A resident's own requests come through self_service" in description
    assert "self_service from them is refused" in description


# Form bodies ----------------------------------------------------------------------------------
# A form (URL-encoded or multipart) has no null and sends numbers as text; only a multipart
# body carries a file. The schema says so per media type, the server reads a form's empty
# value as null, and a refusal names the field and says what to send.

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
COORDINATE_REFUSALS = {
    ("latitude", "en"): "Give the latitude as a number from -90 to 90.",
    ("latitude", "zh-hans"): "纬度请填写 -90 到 90 之间的数字。",
    ("longitude", "en"): "Give the longitude as a number from -180 to 180.",
    ("longitude", "zh-hans"): "经度请填写 -180 到 180 之间的数字。",
}
NOT_A_FILE = {
    "en": "Send the photo as a file in a multipart/form-data body, or leave it out.",
    "zh-hans": "请将照片作为文件放在 multipart/form-data 请求体中发送，或不发送照片。",
}


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(buffer, format="PNG")
    return SimpleUploadedFile("synthetic.png", buffer.getvalue(), content_type="image/png")


def _post(user, url: str, body: dict, media_type: str, language: str = "en"):
    client = api_client(user)
    if media_type == FORM:
        return client.post(url, urlencode(body), content_type=FORM, HTTP_ACCEPT_LANGUAGE=language)
    body_format = "multipart" if media_type == MULTIPART else "json"
    return client.post(url, body, format=body_format, HTTP_ACCEPT_LANGUAGE=language)


def _new_request(community) -> dict:
    return {
        "category": ServiceCategoryFactory().code,
        "community": community.pk,
        "description": "Synthetic leak.",
    }


def _request_body(schema: dict, path: str, method: str, media_type: str) -> dict:
    ref = schema["paths"][path][method]["requestBody"]["content"][media_type]["schema"]["$ref"]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


@pytest.mark.parametrize("media_type", [FORM, MULTIPART])
def test_a_forms_empty_coordinates_and_resident_are_null(community, worker, media_type):
    body = {**_new_request(community), "latitude": "", "longitude": "", "resident": ""}
    if media_type == MULTIPART:
        body["photo"] = _png()
    response = _post(worker, URL, body, media_type)
    assert response.status_code == 201, response.content
    item = ServiceRequest.objects.get()
    assert (item.latitude, item.longitude, item.resident) == (None, None, None)
    assert bool(item.photo) is (media_type == MULTIPART)
    # What the schema says of each form: null is the empty value, and no "null".
    schema = api_client(worker).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    body_schema = _request_body(schema, URL, "post", media_type)
    for name in ("latitude", "longitude", "resident"):
        number, empty = body_schema["properties"][name]["anyOf"]
        assert empty == {"type": "string", "maxLength": 0}
        assert "nullable" not in number


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("media_type", [FORM, MULTIPART, "application/json"])
@pytest.mark.parametrize(
    ("field", "value"),
    [("latitude", "null"), ("latitude", "north"), ("latitude", "90.5"), ("longitude", "-181")],
)
def test_a_coordinate_that_is_no_number_in_bounds_is_refused_saying_what_to_send(
    community, worker, media_type, field, value, language
):
    body = {**_new_request(community), "latitude": "32", "longitude": "118.7", field: value}
    response = _post(worker, URL, body, media_type, language)
    assert response.status_code == 400, response.content
    assert response.json() == {field: [COORDINATE_REFUSALS[(field, language)]]}
    _assert_nothing_written()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("media_type", [FORM, MULTIPART, "application/json"])
def test_a_photo_sent_as_text_is_refused_saying_to_send_a_file(
    community, worker, resident, media_type, language
):
    body = {**_new_request(community), "photo": "null"}
    response = _post(worker, URL, body, media_type, language)
    assert response.status_code == 400, response.content
    assert response.json() == {"photo": [NOT_A_FILE[language]]}
    _assert_nothing_written()
    item = ServiceRequestFactory(community=community, resident=resident, status="in_progress")
    information = f"{URL}{item.pk}/information/"
    response = _post(resident.user, information, {"photo": "null"}, media_type, language)
    assert response.status_code == 400, response.content
    assert response.json() == {"photo": [NOT_A_FILE[language]]}


@pytest.mark.parametrize("path", [URL, URL + "{id}/information/"], ids=["create", "information"])
def test_the_schema_gives_each_media_type_what_it_carries(worker, path):
    schema = api_client(worker).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    content = schema["paths"][path]["post"]["requestBody"]["content"]
    for media_type in content:
        properties = _request_body(schema, path, "post", media_type)["properties"]
        if media_type == MULTIPART:
            assert properties["photo"] == {"type": "string", "format": "binary"}
        else:  # a JSON or URL-encoded body carries no file
            assert "photo" not in properties
    if path == URL:  # JSON says null, with the action's bounds
        latitude = _request_body(schema, path, "post", "application/json")["properties"]
        assert latitude["latitude"]["nullable"] is True
        assert (latitude["latitude"]["minimum"], latitude["latitude"]["maximum"]) == (
            -LATITUDE_BOUND,
            LATITUDE_BOUND,
        )
