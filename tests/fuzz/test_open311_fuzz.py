"""Finding 5 for Open311 GeoReport v2, whose endpoints are not in the OpenAPI schema: the
same property with explicit hypothesis strategies. Any query or form a client can send to
any resource, in either format, is answered with a GeoReport body in the format asked for,
never with a 500: a success whose elements are the specification's fields (a request's 17,
a service's 7, a POST's answer, a definition, the discovery document), or a list of
``{code, description}`` errors whose code is the HTTP status; a ``Link: rel="next"`` header
is an address on this server that answers 200. The quick tier runs ``QUICK_CASES``; the run
marked ``hypothesis``, ``SCHEMATHESIS_CASES`` (8) × 25."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re

import pytest
import schemathesis
import xmltodict
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from residents.models import User
from services.catalogue import sync_catalogue
from services.models import ServiceCategory
from services.open311 import openapi as open311_openapi
from services.open311.actions import open311_api_key_issue
from tests.factories import CommunityFactory, ServiceRequestFactory, UserFactory
from tests.services.open311.helpers import CREATED_ELEMENTS, REQUEST_ELEMENTS, SERVICE_ELEMENTS

QUICK_CASES = 40
# Cases per operation and mode when fuzzing by the OpenAPI document.
OPENAPI_CASES = int(os.environ.get("SCHEMATHESIS_CASES", "3"))
CASES = int(os.environ.get("SCHEMATHESIS_CASES", "8")) * 25
RESPONSE_STATUSES = {200, 201, 400, 403, 404}
W3C_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
NEXT_LINK = re.compile(r'^<(http://testserver/open311/v2/[^>]+)>; rel="next"$')

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
            "1",
            "1000",
            "MjAyNi0wMS0wMVQwMDowMDowMCswMDowMHwx",  # a cursor: 2026-01-01T00:00:00+00:00|1
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
    "page",
    "page_size",
    "cursor",
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
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def city(db, settings):
    # Every place is public (k = 0), so GET requests lists requests and pages link on.
    settings.OPEN311_MIN_RESIDENTS = 0
    sync_catalogue(ServiceCategory)
    community = CommunityFactory(code="SYN-F", latitude=32.0, longitude=118.8)
    road_repair = ServiceCategory.objects.get(code="road_repair")
    for status in ("submitted", "in_progress", "resolved"):
        ServiceRequestFactory(community=community, category=road_repair, status=status)
    worker = UserFactory(role=User.Role.WORKER, communities=[community])
    return {"key": open311_api_key_issue(owner=worker, default_community=community).key}


def _assert_success(body, resource: str, method: str) -> None:
    """The specification's elements for each resource's success."""
    if resource == "discovery":
        assert {"changeset", "contact", "key_service", "endpoints"} <= set(body)
    elif resource == "services":
        assert all(set(service) == set(SERVICE_ELEMENTS) for service in body)
    elif resource.startswith("services/"):
        assert set(body) == {"service_code", "attributes"}
    elif method == "POST":
        assert len(body) == 1 and set(body[0]) == set(CREATED_ELEMENTS)
    else:
        for request in body:
            assert set(request) == set(REQUEST_ELEMENTS)
            assert request["status"] in ("open", "closed")
            assert W3C_DATETIME.match(request["requested_datetime"])


def _assert_georeport(response, fmt: str, resource: str, method: str) -> None:
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
    else:
        _assert_success(body, resource, method)


def _fuzz(city: dict, cases: int) -> int:
    client = Client(raise_request_exception=False)
    ran = []

    @settings(FUZZ_SETTINGS, max_examples=cases)
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
        _assert_georeport(response, fmt, resource, method)
        if response.has_header("Link"):
            following = client.get(NEXT_LINK.match(response["Link"]).group(1))
            assert following.status_code == 200, following.content[:300]

    one()
    return len(ran)


@pytest.mark.django_db
def test_open311_answers_every_request_in_georeport_form(city):
    print(f"\nOpen311 fuzz, quick: {_fuzz(city, QUICK_CASES)} cases, 0 failures")


@pytest.mark.hypothesis
@pytest.mark.django_db
def test_open311_answers_every_request_in_georeport_form_longer(city):
    print(f"\nOpen311 fuzz: {_fuzz(city, CASES)} cases, 0 failures")


# The same endpoints as their published OpenAPI document describes them ----------------------


@functools.cache
def _open311_schema():
    # Through the WSGI application, as the REST API's fuzz test (not the test Client, which
    # would close the test's connection on PostgreSQL).
    return schemathesis.openapi.from_wsgi("/open311/v2/openapi.json", application)


def _failure_line(response, failure: Failure, case) -> str:
    return (
        f"{case.operation.label} [{response.status_code}] {failure.title}: "
        f"{response.content[:160]!r} <- {case.path_parameters} {case.query} {case.body!r:.200}"
    )


# Refusals of input the document allows, for rules it cannot state, by operation: each error
# of the 400 must begin with one of these parameters (every description of a parameter's
# problem starts with its name). Every other rule is in the document: NUL characters,
# the shape of a date (``parsers.W3C_DATE_OR_DATE_TIME``), the bounds of a page, a status.
OPEN311_BEYOND_THE_SCHEMA = {
    # A real calendar day and time (no 2026-02-30, no 25:00), within the clock's bounds (from
    # 2000-01-01 to a year from now, ``core.time_bounds``), end_date not before start_date and
    # at most 90 days after it; a cursor only as this server gave it (its position is
    # checked against what it can hold, not a pattern); a service_code of a service that
    # exists.
    "GET /requests.{format}": {"start_date", "end_date", "cursor", "service_code"},
    "GET /services.{format}": {"cursor"},
}


def _error_descriptions(response) -> list[str]:
    if response.content.startswith(b"<?xml"):
        errors = xmltodict.parse(response.content)["errors"]["error"]
        errors = errors if isinstance(errors, list) else [errors]
    else:
        errors = json.loads(response.content)
    return [str(error["description"]) for error in errors]


def _extra_field_names(case) -> set[str]:
    """The form fields of a POST that the document does not name. OpenAPI 3.0 cannot constrain
    their names (it has no ``propertyNames``): one holding a NUL, or beginning ``attribute``
    but not of the form ``attribute[code]``, is refused (400) naming it."""
    if not isinstance(case.body, dict):
        return set()
    return set(case.body) - set(open311_openapi.SUBMISSION["properties"])


def accepts_what_the_document_allows(ctx, response, case) -> None:
    """Schemathesis' ``positive_data_acceptance``, except a 400 whose every error is about a
    parameter of ``OPEN311_BEYOND_THE_SCHEMA`` or a form field the document cannot name."""
    try:
        positive_data_acceptance(ctx, response, case)
    except Failure:
        if response.status_code != 400:
            raise
        allowed = OPEN311_BEYOND_THE_SCHEMA.get(case.operation.label, set())
        allowed |= {name.replace("\x00", "") for name in _extra_field_names(case)}
        descriptions = _error_descriptions(response)
        if not all(any(d.startswith(name) for name in allowed) for d in descriptions):
            raise


OPEN311_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    # What a client can read from the document holds both ways: what it allows is accepted,
    # what it forbids is refused.
    accepts_what_the_document_allows,
    negative_data_rejection,
]


@pytest.mark.django_db
@pytest.mark.usefixtures("in_test_transaction")
def test_every_open311_operation_answers_as_its_openapi_document_says(city):
    """Each operation of ``/open311/v2/openapi.json``, with input the document allows and
    input it forbids, in both formats: the status, the content type and (JSON) the body are
    the ones the document gives, never a server error."""
    failures, ran = [], []
    for result in _open311_schema().get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(FUZZ_SETTINGS, max_examples=OPENAPI_CASES)
            @given(case=operation.as_strategy(generation_mode=mode))
            def run_case(case):
                ran.append(1)
                response = case.call()
                try:
                    case.validate_response(response, checks=OPEN311_CHECKS)
                except FailureGroup as group:
                    failures.extend(_failure_line(response, f, case) for f in group.exceptions)
                except Failure as failure:
                    failures.append(_failure_line(response, failure, case))

            with contextlib.suppress(Unsatisfiable):
                run_case()
    print(f"\nOpen311 by its OpenAPI document: {len(ran)} cases, {len(failures)} failures")
    for failure in failures:
        print(failure)
    assert not failures, "\n".join(failures)
