"""Clients we have never seen: schemathesis against the published OpenAPI schema, as each role
(anonymous, resident, worker, an area's administrator, a nationwide administrator), with
valid and invalid input, through the WSGI application in this process (no network).

Checks on every answer: no server error; the status, the content type, the headers and the
body are the ones the schema documents for the operation; and a 400 names what is wrong
(``error_names_the_field``: each key of its body is a field of the request, or
``non_field_errors``/``detail``).

Two bounds, one deterministic seed (a failure reproduces):

* the quick tier runs every operation once with valid and once with invalid input, the
  roles taking turns;
* the run marked ``hypothesis`` (left out of the quick tier) runs ``SCHEMATHESIS_CASES``
  (default 8; raise it for a longer hunt) per operation, mode and role, and prints the
  number of cases per role.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from dataclasses import dataclass, field

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from config.wsgi import application
from core.text import forbidden_character

QUICK_CASES = 1
CASES_PER_OPERATION = int(os.environ.get("SCHEMATHESIS_CASES", "8"))
ROLES = ("anonymous", "resident", "worker", "area_admin", "national_admin")
# Keys a 400 may carry besides the request's own fields.
WHOLE_BODY_KEYS = {"non_field_errors", "detail", "code"}


@functools.cache
def _schema():
    # Loaded by schemathesis through the WSGI application, never Django's test Client: that
    # client connects ``close_old_connections`` again after each of its requests, and the
    # next fuzzed request would then close the test's connection (on PostgreSQL every later
    # query fails; SQLite's in-memory database hides it).
    return schemathesis.openapi.from_wsgi("/api/schema/", application)


def _published_schema() -> dict:
    return _schema().raw_schema


def _body_properties(path: str, method: str) -> set[str]:
    """The properties of an operation's request body, in any of its media types."""
    schema = _published_schema()
    components = schema["components"]["schemas"]
    names: set[str] = set()
    request_body = schema["paths"][path][method].get("requestBody", {})
    for media in request_body.get("content", {}).values():
        names.update(_properties(media.get("schema", {}), components))
    return names


def _properties(body_schema: dict, components: dict) -> set[str]:
    """The properties a body schema names, in any branch of a ``oneOf`` (one body per kind
    of run, per reason)."""
    if "$ref" in body_schema:
        body_schema = components[body_schema["$ref"].rsplit("/", 1)[1]]
    names = set(body_schema.get("properties", {}))
    for branch in body_schema.get("oneOf", []):
        names |= _properties(branch, components)
    return names


def error_names_the_field(ctx, response, case) -> None:
    """A 400 says which input is wrong: every key of its body is a body property, a query
    parameter or a path parameter of the operation (or ``non_field_errors``/``detail`` for
    the input as a whole), and it holds at least one."""
    if response.status_code != 400:
        return None
    body = json.loads(response.content)
    if not isinstance(body, dict) or not body:
        raise AssertionError(f"A 400 with no named problem: {body!r:.200}")
    operation = case.operation
    fields = set(WHOLE_BODY_KEYS)
    for parameter in operation.iter_parameters():
        fields.add(parameter.name)
    fields.update(_body_properties(operation.path, operation.method.lower()))
    unknown = set(body) - fields
    if unknown:
        raise AssertionError(f"A 400 names {sorted(unknown)}, which the request does not have")
    return None


# Refusals of schema-valid input for rules no schema can state, by operation: the 400 may name
# only these fields. Each depends on what exists, on the caller or on the clock, not on the
# input's shape (every other rule is in the schema: enums, patterns, bounds, required
# fields, one shape per kind of run or reason; docs/api.md, "Tried by clients we have not
# seen").
BEYOND_THE_SCHEMA = {
    # An id or code of an object that exists, is active and is the caller's to use; a
    # profile's community must be one the caller serves. The channel is the caller's: a
    # resident's self_service, staff's the others (the field's description says so).
    "POST /api/v1/requests/": {
        "category",
        "community",
        "resident",
        "photo",  # the file must be an image (``FILES``)
        "attributes",
        "channel",
    },
    # A birth year not in the future (the clock's, not the schema's, bound).
    "POST /api/v1/residents/": {"community", "national_id", "phone", "birth_year"},
    "PUT /api/v1/residents/{id}/": {"community", "national_id", "phone", "birth_year"},
    "PATCH /api/v1/residents/{id}/": {"community", "national_id", "phone", "birth_year"},
    "POST /api/v1/residents/{id}/portrait/": {"birth_year"},
    "POST /api/v1/capacities/": {"community", "category", "period"},
    "PUT /api/v1/capacities/{id}/": {"community", "category", "period"},
    "PATCH /api/v1/capacities/{id}/": {"community", "category", "period"},
    "POST /api/v1/requests/{id}/assign/": {"assignee"},
    "POST /api/v1/requests/{id}/replies/": {"canned"},  # one offered for the request's service
    # The file must be an image (``FILES``); text or a photo (the body is required, but a oneOf with a
    # binary photo is more than schemathesis can generate: "Unsupported type: 'Binary'").
    "POST /api/v1/requests/{id}/information/": {"photo", "text"},
    "POST /api/v1/analysis-runs/": {"params"},  # a community served, a month with data
    # The ID number's check digit, a phone number as the carriers number them.
    "POST /api/v1/residents/lookup/": {"national_id", "phone"},
    # A time that has not passed; dates from 2000-01-01 to a year from now.
    "POST /api/v1/requests/{id}/expected-completion/": {"expected_completion_at"},
    "GET /api/v1/requests/": {
        "created_after",
        "created_before",
        "submitted_from",
        "submitted_to",
        "area",
    },
    "GET /api/v1/capacities/": {"period", "period_from", "period_to"},
    # The caller's own current password, and the site's password rules (which compare the
    # new one with the account's name and a list of common passwords).
    "POST /api/v1/me/password/": {"current_password", "new_password"},
    # A channel the account can be reached on (an email address, a phone number).
    "PATCH /api/v1/notifications/preferences/": {"preferred_channel", "sms", "email"},
    "PUT /api/v1/notifications/preferences/": {"preferred_channel", "sms", "email"},
}


def _has_control_character(value: object) -> bool:
    """Typed text with a character ``core.text`` refuses (a control or bidi character),
    which the schema does not state yet."""
    return isinstance(value, str) and forbidden_character(value, multiline=True) is not None


# An operation's point, its coordinates by name. Two rules of a point are beyond the schema:
# both coordinates or neither (a pair rule, which only a choice of shapes could state, and a
# choice holding a file is more than schemathesis generates), and a point near the request's
# community (which depends on the community). A refusal naming them is accepted where a
# coordinate was sent as a number, never where none was (null, a form's empty value, absent).
POINTS = {"POST /api/v1/requests/": ("latitude", "longitude")}


def _gives_a_point(label: str, sent: dict) -> bool:
    """Whether ``sent`` gives a coordinate of the operation's point as a number."""
    return any(
        isinstance(sent.get(name), int | float) and not isinstance(sent.get(name), bool)
        for name in POINTS.get(label, ())
    )


def accepts_what_the_schema_allows(ctx, response, case) -> None:
    """Schema-valid input is not refused (schemathesis' ``positive_data_acceptance``), except
    by a rule of ``BEYOND_THE_SCHEMA`` for the fields it names, a point's rules (``POINTS``),
    or for typed text holding a control character (``core.text``)."""
    try:
        positive_data_acceptance(ctx, response, case)
    except Failure:
        body = json.loads(response.content) if response.status_code == 400 else None
        allowed = set(BEYOND_THE_SCHEMA.get(case.operation.label, set()))
        sent = case.body if isinstance(case.body, dict) else {}
        allowed |= {name for name, value in sent.items() if _has_control_character(value)}
        if _gives_a_point(case.operation.label, sent):
            allowed |= set(POINTS[case.operation.label])
        if case.media_type != MULTIPART:
            # Whether a file is an image is beyond the schema; whether a file was sent is not
            # (only a multipart body carries one, and the other media types' schemas say so).
            allowed -= FILES
        if not (isinstance(body, dict) and body and set(body) <= allowed):
            raise


MULTIPART = "multipart/form-data"
FORM_MEDIA_TYPES = {"application/x-www-form-urlencoded", MULTIPART}
# The fields of ``BEYOND_THE_SCHEMA`` that take a file: their rule beyond the schema is the
# file's content (an image), so a refusal naming them is accepted for a multipart body only.
FILES = {"photo"}


def refuses_what_the_schema_forbids(ctx, response, case) -> None:
    """Schemathesis' ``negative_data_rejection``, except a body negated to something other
    than an object (``null``, an array) in a form: a form holds named fields only, so it
    cannot say either and the server reads no fields, which is ``{}`` (a PATCH that names
    nothing to change, schema-valid). The same body in JSON is refused."""
    if case.media_type in FORM_MEDIA_TYPES and not isinstance(case.body, dict):
        return None
    return negative_data_rejection(ctx, response, case)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    # What a client can read from the schema holds both ways: what it allows is accepted,
    # what it forbids is refused.
    accepts_what_the_schema_allows,
    refuses_what_the_schema_forbids,
    # A success with a token is refused without one and with a wrong one (the schema says
    # every operation needs a token or a session); nothing answers for a deleted object.
    ignored_auth,
    use_after_free,
]


@dataclass
class Tally:
    cases: int = 0
    failures: list[str] = field(default_factory=list)


def _failure_line(operation, response, failure, case) -> str:
    return (
        f"{operation.label} [{response.status_code}] {failure.title}: {str(failure)[:300]} "
        f"<- {case.path_parameters} {case.query} {case.body!r:.200}"
    )


def check_into_tally(
    case, response, tally: Tally, *, checks: list, headers: dict, **validate_kwargs
) -> None:
    """Count the case and collect, rather than raise, every failed check of its answer: the
    ``checks`` (schemathesis' way, with ``headers`` and ``validate_kwargs`` passed to
    ``case.validate_response``), then ``error_names_the_field``. One place for the stateless
    and the stateful runs, which differ only in their checks and what they pass along."""
    tally.cases += 1
    try:
        case.validate_response(response, checks=checks, headers=headers, **validate_kwargs)
    except FailureGroup as group:
        tally.failures.extend(
            _failure_line(case.operation, response, failure, case) for failure in group.exceptions
        )
    except Failure as failure:
        tally.failures.append(_failure_line(case.operation, response, failure, case))
    try:
        error_names_the_field(None, response, case)
    except AssertionError as failure:
        tally.failures.append(
            f"{case.operation.label} [{response.status_code}] {failure} "
            f"<- {case.query} {case.body!r:.200}"
        )


def _fuzz(operation, headers: dict, tally: Tally, mode: GenerationMode, cases: int) -> None:
    @settings(
        max_examples=cases,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run_case(case):
        response = case.call(headers=headers)
        check_into_tally(case, response, tally, checks=CHECKS, headers=headers)

    with contextlib.suppress(Unsatisfiable):  # an operation with nothing to vary
        run_case()


@functools.cache
def _operations() -> list:
    return [result.ok() for result in _schema().get_all_operations()]


def _headers(world: dict) -> dict[str, dict]:
    """Each role's request headers: a token, or none for the anonymous caller."""
    return {
        role: {"Authorization": f"Token {Token.objects.create(user=user).key}"} if user else {}
        for role, user in world.items()
    }


# Valid input (what the schema allows) and invalid input (what it forbids): both must be
# answered as documented, never with a 500.
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def _report(label: str, tally: Tally) -> list[str]:
    print(f"\nschemathesis {label}: {tally.cases} cases, {len(tally.failures)} failures")
    for failure in tally.failures:
        print(failure)
    return tally.failures


def test_every_operation_answers_as_documented(world, in_test_transaction):
    """The quick tier: every operation once with valid and once with invalid input, the roles
    taking turns (each role meets every operation over five runs of the list)."""
    headers = _headers(world)
    tally = Tally()
    turn = 0
    for operation in _operations():
        for mode in MODES:
            _fuzz(operation, headers[ROLES[turn % len(ROLES)]], tally, mode, QUICK_CASES)
            turn += 1
    failures = _report("quick, the roles in turn", tally)
    assert not failures, "\n".join(failures)


@pytest.mark.hypothesis
@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_as_documented_longer(world, role, in_test_transaction):
    headers = _headers(world)[role]
    tally = Tally()
    for operation in _operations():
        for mode in MODES:
            _fuzz(operation, headers, tally, mode, CASES_PER_OPERATION)
    failures = _report(role, tally)
    assert not failures, "\n".join(failures)
