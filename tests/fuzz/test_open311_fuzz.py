"""Finding 5 for Open311 GeoReport v2, whose endpoints are not in the OpenAPI schema: the
same property with explicit hypothesis strategies. Any query or form a client can send to
any resource, in either format, is answered with a GeoReport body (a success, or a list of
``{code, description}`` errors whose code is the HTTP status) in the format asked for, and
never with a 500. Bounded like the schema run (``SCHEMATHESIS_CASES`` per endpoint)."""

from __future__ import annotations

import json
import os

import pytest
import xmltodict
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from residents.models import User
from services.catalogue import sync_catalogue
from services.models import ServiceCategory
from services.open311.actions import open311_api_key_issue
from tests.factories import CommunityFactory, ServiceRequestFactory, UserFactory

CASES = int(os.environ.get("SCHEMATHESIS_CASES", "8")) * 25
RESPONSE_STATUSES = {200, 201, 400, 403, 404}

# Text a client might put in any parameter: dates in and out of range, offsets, NUL, numbers,
# codes, lists, unicode digits, very long values.
weird_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "\x00",
            "9999-12-31T00:00:00Z",
            "0001-01-01",
            "2026-01-01T00:00:00-20:00",
            "2026-01-01T00:00:00+14:00",
            "1700-01-01",
            "2025-02-30",
            "open",
            "closed",
            "open,closed,other",
            "home_care",
            "pothole",
            "１２３",
            "-1",
            "1e309",
            "NaN",
            "99999999999999999999999",
            "SYN-F",
            "x" * 5000,
        ]
    ),
)
PARAMS = [
    "start_date",
    "end_date",
    "status",
    "service_code",
    "service_request_id",
    "jurisdiction_id",
    "api_key",
    "lat",
    "long",
    "address_string",
    "address_id",
    "description",
    "attribute[count]",
    "attribute[kinds][]",
    "attribute[x]",
    "attributes",
]
queries = st.dictionaries(st.sampled_from(PARAMS), weird_text, max_size=6)
resources = st.sampled_from(
    [
        "discovery",
        "services",
        "services/home_care",
        "services/%00",
        "services/no-such-code",
        "requests",
        "requests/1",
        "requests/abc",
        "requests/99999999999999999999",
        "no-such-resource",
    ]
)
formats = st.sampled_from(["json", "xml", "JSON", "csv"])
methods = st.sampled_from(["GET", "POST"])

FUZZ_SETTINGS = settings(
    max_examples=CASES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

# Thousands of generated requests: the whole suite runs them, the quick tier does not.
pytestmark = pytest.mark.slow


@pytest.fixture
def city(db):
    sync_catalogue(ServiceCategory)
    community = CommunityFactory(code="SYN-F", latitude=32.0, longitude=118.8)
    ServiceRequestFactory(community=community)
    worker = UserFactory(role=User.Role.WORKER, communities=[community])
    return {"key": open311_api_key_issue(owner=worker, default_community=community).key}


def _assert_georeport(response, fmt: str) -> None:
    assert response.status_code in RESPONSE_STATUSES, response.content[:300]
    content_type = response["Content-Type"]
    if fmt.lower() == "xml":
        assert content_type.startswith("text/xml"), content_type
        body = xmltodict.parse(response.content)
        if response.status_code >= 400:
            errors = body["errors"]["error"]
            errors = errors if isinstance(errors, list) else [errors]
            assert all(int(e["code"]) == response.status_code for e in errors)
        return
    assert content_type.startswith("application/json"), content_type
    body = json.loads(response.content)
    if response.status_code >= 400:
        assert isinstance(body, list) and body
        assert all(set(e) == {"code", "description"} for e in body)
        assert all(e["code"] == response.status_code for e in body)


@pytest.mark.django_db
def test_open311_answers_every_request_in_georeport_form(city):
    client = Client(raise_request_exception=False)
    ran = []

    @FUZZ_SETTINGS
    @given(resource=resources, fmt=formats, method=methods, params=queries, keyed=st.booleans())
    def one(resource, fmt, method, params, keyed):
        ran.append(1)
        if keyed:
            params = {**params, "api_key": city["key"]}
        url = f"/open311/v2/{resource}.{fmt}"
        send = client.get if method == "GET" else client.post
        response = send(url, params)
        if fmt == "csv":  # an unsupported format is a 404, in JSON
            assert response.status_code == 404
            return
        _assert_georeport(response, fmt)

    one()
    print(f"\nOpen311 fuzz: {len(ran)} cases, 0 failures")
