"""POST requests: api_key, service_code, location to community, attributes, errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from services.models import Open311ApiKey, RequestStatusChange, ServiceRequest
from tests.services.open311.conftest import JURISDICTION
from tests.services.open311.helpers import error_descriptions, json_body, xml


@pytest.fixture(autouse=True)
def _catalogue_and_communities(catalogue, communities):
    return catalogue, communities


def post(client, fmt="json", **data):
    return client.post(f"/open311/v2/requests.{fmt}", data)


def test_post_creates_a_request_through_open311_json(client, worker_key, worker, communities):
    response = post(
        client,
        api_key=worker_key.key,
        jurisdiction_id=JURISDICTION,
        service_code="road_repair",
        address_id="SYN-S",
        address_string="Corner of Synthetic Road and Example Street",
        description="A large pothole.",
        **{"attribute[hazard]": "pothole"},
    )
    assert response.status_code == 201, response.content
    (item,) = json_body(response)
    assert set(item) == {"service_request_id", "service_notice", "account_id"}
    assert item["account_id"] is None
    request = ServiceRequest.objects.get(pk=item["service_request_id"])
    assert request.channel == ServiceRequest.Channel.OPEN311
    assert request.logged_by == worker
    assert request.resident is None
    assert request.community == communities["south"]
    assert request.category.code == "road_repair"
    assert request.status == ServiceRequest.Status.SUBMITTED
    assert request.attributes == {"hazard": "pothole"}
    assert request.address_string == "Corner of Synthetic Road and Example Street"
    assert request.expected_completion_at - request.created_at == timedelta(hours=72)
    assert "Expected to be handled by" in item["service_notice"]
    history = RequestStatusChange.objects.filter(request=request)
    assert [h.to_status for h in history] == ["submitted"]
    worker_key.api_key.refresh_from_db()
    assert worker_key.api_key.last_used_at is not None


def test_post_answers_in_xml(client, worker_key):
    response = post(
        client,
        "xml",
        api_key=worker_key.key,
        service_code="water_supply",
        address_id="SYN-N",
        description="No water.",
    )
    assert response.status_code == 201
    (item,) = xml(response)["service_requests"]["request"]
    assert ServiceRequest.objects.filter(pk=int(item["service_request_id"])).exists()
    assert item["account_id"] is None
    assert item["service_notice"]


def test_posted_request_reads_back(client, worker_key):
    created = post(
        client,
        api_key=worker_key.key,
        service_code="waste_collection",
        lat="32.0601",
        long="118.7801",
        description="Bins overflowing.",
    ).json()[0]
    (item,) = client.get(f"/open311/v2/requests/{created['service_request_id']}.json").json()
    assert item["status"] == "open"
    assert item["service_code"] == "waste_collection"
    assert item["address_id"] == "SYN-N"


def test_every_attribute_type_is_parsed_and_typed(client, admin_key):
    response = post(
        client,
        api_key=admin_key.key,
        service_code="synthetic_all_types",
        address_id="SYN-R",
        **{
            "attribute[where]": "Under the bridge\nnear the gate",
            "attribute[count]": "3",
            "attribute[seen_at]": "2026-05-01T09:00:00+08:00",
            "attribute[details]": "Line one\nLine two",
            "attribute[size]": "l",
            "attribute[kinds][]": ["a", "c"],
        },
    )
    assert response.status_code == 201, response.content
    request = ServiceRequest.objects.get(pk=response.json()[0]["service_request_id"])
    assert request.attributes == {
        "where": "Under the bridge near the gate",
        "count": 3,
        "seen_at": "2026-05-01T09:00:00+08:00",
        "details": "Line one\nLine two",
        "size": "l",
        "kinds": ["a", "c"],
    }
    assert request.description  # a request always has one, even when the client sent none


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({}, "attribute[count] is required for service 'synthetic_all_types' (How many?)."),
        ({"attribute[count]": "many"}, "attribute[count] 'many' is not a number."),
        (
            {"attribute[count]": "1", "attribute[size]": "m"},
            "attribute[size]: 'm' is not among the allowed keys s, l.",
        ),
        (
            {"attribute[count]": "1", "attribute[kinds][]": ["a", "z"]},
            "attribute[kinds]: z not among the allowed keys a, b, c.",
        ),
        (
            {"attribute[count]": "1", "attribute[colour]": "red"},
            "attribute[colour] is not an attribute of service 'synthetic_all_types'",
        ),
        (
            {"attribute[count]": ["1", "2"]},
            "attribute[count] takes one value, not 2.",
        ),
        (
            {"attribute[count]": "1", "attribute[seen_at]": "last Tuesday"},
            "attribute[seen_at] 'last Tuesday' is not an ISO 8601 date and time",
        ),
        ({"attribute[count": "1"}, "'attribute[count' is not of the form attribute[code]"),
    ],
)
def test_attribute_answers_are_validated_against_the_definition(
    client, admin_key, attributes, expected
):
    before = ServiceRequest.objects.count()
    response = post(
        client,
        api_key=admin_key.key,
        service_code="synthetic_all_types",
        address_id="SYN-N",
        **attributes,
    )
    assert response.status_code == 400
    descriptions = error_descriptions(response)
    assert any(d.startswith(expected) for d in descriptions), descriptions
    assert ServiceRequest.objects.count() == before


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_missing_api_key_is_403(client, fmt):
    response = post(client, fmt, service_code="water_supply", address_id="SYN-N")
    assert response.status_code == 403
    assert error_descriptions(response) == [
        "api_key is missing: submitting a request needs an API key."
    ]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_invalid_or_deactivated_api_key_is_403(client, worker_key, fmt):
    response = post(
        client, fmt, api_key="not-a-key", service_code="water_supply", address_id="SYN-N"
    )
    assert response.status_code == 403
    assert error_descriptions(response) == [
        "Invalid api_key received -- can't proceed with create_request."
    ]
    Open311ApiKey.objects.filter(pk=worker_key.api_key.pk).update(active=False)
    response = post(
        client, fmt, api_key=worker_key.key, service_code="water_supply", address_id="SYN-N"
    )
    assert response.status_code == 403


def test_key_of_a_deactivated_account_is_403(client, worker_key, worker):
    worker.is_active = False
    worker.save()
    response = post(client, api_key=worker_key.key, service_code="water_supply", address_id="SYN-N")
    assert response.status_code == 403


def test_api_key_in_the_query_string_is_accepted(client, worker_key):
    response = client.post(
        f"/open311/v2/requests.json?api_key={worker_key.key}",
        {"service_code": "water_supply", "address_id": "SYN-N"},
    )
    assert response.status_code == 201


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_code_missing_is_400_and_unknown_is_404(client, worker_key, fmt):
    response = post(client, fmt, api_key=worker_key.key, address_id="SYN-N")
    assert response.status_code == 400
    assert error_descriptions(response) == ["service_code was not provided."]
    response = post(client, fmt, api_key=worker_key.key, service_code="nope", address_id="SYN-N")
    assert response.status_code == 404
    assert error_descriptions(response) == ["service_code 'nope' was not found."]


def test_unknown_jurisdiction_in_the_form_is_404(client, worker_key):
    response = post(
        client,
        api_key=worker_key.key,
        jurisdiction_id="elsewhere.example",
        service_code="water_supply",
        address_id="SYN-N",
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ({}, "A location is required: lat and long, address_string, or address_id"),
        ({"lat": "32.06"}, "lat and long must both be sent."),
        ({"lat": "95", "long": "118.78"}, "lat 95 is outside -90..90."),
        ({"lat": "north", "long": "118.78"}, "lat 'north' is not a number"),
        ({"address_id": "NOWHERE"}, "address_id 'NOWHERE' is not a known community code."),
        ({"address_string": "x" * 256}, "address_string is longer than 255 characters."),
    ],
)
def test_bad_locations_are_400(client, worker_key, location, expected):
    response = post(client, api_key=worker_key.key, service_code="water_supply", **location)
    assert response.status_code == 400
    assert any(d.startswith(expected) for d in error_descriptions(response))


def test_lat_long_picks_the_nearest_community(client, admin_key, communities):
    near_south = post(
        client, api_key=admin_key.key, service_code="water_supply", lat="32.012", long="118.792"
    )
    request = ServiceRequest.objects.get(pk=near_south.json()[0]["service_request_id"])
    assert request.community == communities["south"]
    assert (request.latitude, request.longitude) == (32.012, 118.792)


def test_far_lat_long_is_refused_even_with_an_address_or_a_default(client, worker_key, communities):
    """A point no community is near (Beijing, for synthetic Nanjing communities) does not
    place the request; the address or the key's default would, but the point would then be
    far from its community, which every channel refuses (REQUEST_LOCATION_MAX_KM)."""
    far = {"lat": "39.9", "long": "116.4"}
    before = ServiceRequest.objects.count()
    for extra in ({}, {"address_string": "No. 3, qinhuai synthetic, Nanjing"}):
        response = post(client, api_key=worker_key.key, service_code="water_supply", **far, **extra)
        assert response.status_code == 400
        [description] = error_descriptions(response)
        assert description.startswith("lat: The location is ") and "km" in description
    assert ServiceRequest.objects.count() == before


def test_no_community_determined_is_a_clear_400(client, admin_key):
    before = ServiceRequest.objects.count()
    response = post(
        client,
        api_key=admin_key.key,
        service_code="water_supply",
        lat="39.9",
        long="116.4",
        address_string="Somewhere unknown",
    )
    assert response.status_code == 400
    (description,) = error_descriptions(response)
    assert description.startswith("No community could be determined for this request")
    assert "Send address_id with a community code." in description
    assert ServiceRequest.objects.count() == before


def test_worker_key_submits_only_for_the_owners_communities(client, worker_key, admin_key):
    response = post(client, api_key=worker_key.key, service_code="water_supply", address_id="SYN-R")
    assert response.status_code == 403
    assert "may not submit requests for community 'SYN-R'" in error_descriptions(response)[0]
    response = post(client, api_key=admin_key.key, service_code="water_supply", address_id="SYN-R")
    assert response.status_code == 201


def test_description_over_4000_characters_is_400(client, worker_key):
    response = post(
        client,
        api_key=worker_key.key,
        service_code="water_supply",
        address_id="SYN-N",
        description="x" * 4001,
    )
    assert response.status_code == 400
    assert error_descriptions(response)[0].startswith("description is longer than 4,000")


def test_post_must_be_form_encoded(client, worker_key):
    response = client.post(
        "/open311/v2/requests.json",
        {"api_key": worker_key.key, "service_code": "water_supply", "address_id": "SYN-N"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "must be form-encoded" in error_descriptions(response)[0]


def test_submitters_personal_fields_are_never_stored(client, worker_key):
    response = post(
        client,
        api_key=worker_key.key,
        service_code="water_supply",
        address_id="SYN-N",
        description="Synthetic: no water.",
        email="synthetic.person@example.org",
        first_name="Syntheticfirst",
        last_name="Syntheticlast",
        phone="13700002222",
        device_id="synthetic-device-42",
        account_id="synthetic-account-7",
        media_url="http://example.org/photo.jpg",
    )
    assert response.status_code == 201
    assert response.json()[0]["account_id"] is None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM services_servicerequest WHERE id = %s",
            [response.json()[0]["service_request_id"]],
        )
        row = " ".join(str(value) for value in cursor.fetchone())
    for personal in (
        "synthetic.person@example.org",
        "Syntheticfirst",
        "Syntheticlast",
        "13700002222",
        "synthetic-device-42",
        "synthetic-account-7",
        "photo.jpg",
    ):
        assert personal not in row


def test_errors_of_the_platform_action_become_open311_errors(client, worker_key, monkeypatch):
    from django.core.exceptions import ValidationError

    def refuse(**kwargs):
        raise ValidationError(
            {"community": ["This community is closed."], "hazard": ["Not for this road."]}
        )

    monkeypatch.setattr("services.actions.request_submit", refuse)
    before = ServiceRequest.objects.count()
    response = post(
        client,
        api_key=worker_key.key,
        service_code="road_repair",
        address_id="SYN-N",
        **{"attribute[hazard]": "pothole"},
    )
    assert response.status_code == 400
    assert error_descriptions(response) == [
        "address_id: This community is closed.",
        "attribute[hazard]: Not for this road.",
    ]
    assert ServiceRequest.objects.count() == before
    worker_key.api_key.refresh_from_db()
    assert worker_key.api_key.last_used_at is None


def test_submissions_go_through_the_platforms_request_submit(
    client, worker_key, worker, communities, monkeypatch
):
    """The keyword arguments Open311 passes to ``services.actions.request_submit``, the action
    the web pages and the REST API use (replaced here by a recorder)."""
    from services import actions

    received = {}
    platform_request_submit = actions.request_submit

    def request_submit(**kwargs):
        received.update(kwargs)
        return platform_request_submit(**kwargs)

    monkeypatch.setattr(actions, "request_submit", request_submit)
    response = post(
        client,
        api_key=worker_key.key,
        service_code="road_repair",
        lat="32.01",
        long="118.79",
        description="Synthetic: light out.",
        **{"attribute[hazard]": "lighting"},
    )
    assert response.status_code == 201, response.content
    assert received == {
        "user": worker,
        "resident": None,
        "channel": "open311",
        "category": ServiceRequest.objects.get().category,
        "community": communities["south"],
        "description": "Synthetic: light out.",
        "urgency": "normal",
        "address_string": "",
        "attributes": {"hazard": "lighting"},
        "latitude": 32.01,
        "longitude": 118.79,
    }
    stored = ServiceRequest.objects.get()
    assert (stored.latitude, stored.longitude) == (32.01, 118.79)


def test_a_refusal_by_the_platform_action_is_403(client, worker_key, monkeypatch):
    from django.core.exceptions import PermissionDenied

    def refuse(**kwargs):
        raise PermissionDenied("Workers log requests for their own communities only.")

    monkeypatch.setattr("services.actions.request_submit", refuse)
    response = post(client, api_key=worker_key.key, service_code="water_supply", address_id="SYN-N")
    assert response.status_code == 403
    assert error_descriptions(response) == ["Workers log requests for their own communities only."]


@pytest.mark.parametrize(
    "field", ["description", "address_string", "service_code", "attribute[hazard]"]
)
def test_null_characters_in_the_form_are_400_and_write_nothing(client, worker_key, field):
    data = {
        "api_key": worker_key.key,
        "service_code": "road_repair",
        "address_id": "SYN-N",
        "attribute[hazard]": "pothole",
    }
    data[field] = "bad\x00value"
    response = client.post("/open311/v2/requests.json", data)
    assert response.status_code == 400
    assert error_descriptions(response) == [
        f"{field} contains a null character, which is not allowed."
    ]
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("field", "value"),
    [("description", "No water \u202eretaw"), ("address_string", "1 Road\x1b[2J")],
)
def test_control_characters_are_refused_naming_the_field(client, worker_key, fmt, field, value):
    """A second probe, December 2026: the one rule for typed text (``core.text``) holds for
    Open311 too; the XML answer stays well-formed and says which field."""
    before = ServiceRequest.objects.count()
    response = post(
        client,
        fmt,
        api_key=worker_key.key,
        service_code="water_supply",
        address_id="SYN-N",
        **{"description": "No water.", field: value},
    )
    assert response.status_code == 400
    (description,) = error_descriptions(response)
    assert description.startswith(field) and "U+" in description, description
    assert ServiceRequest.objects.count() == before
