"""Finding 5: schemathesis against the published OpenAPI schema, signed in as each role, with
server-error, status-code, content-type, header and response-schema checks. Bounded: at most
``CASES_PER_OPERATION`` generated cases per operation and role (raise it with the environment
variable ``SCHEMATHESIS_CASES`` for a longer hunt); a deterministic seed, so a failure
reproduces. Prints the number of cases run per role."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ResidentFactory,
    ServiceRequestFactory,
    WorkerFactory,
)

CASES_PER_OPERATION = int(os.environ.get("SCHEMATHESIS_CASES", "8"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# Thousands of generated requests: the whole suite runs them, the quick tier does not.
pytestmark = pytest.mark.slow


@dataclass
class Tally:
    cases: int = 0
    failures: list[str] = field(default_factory=list)


@pytest.fixture
def in_test_transaction():
    """Requests run through the WSGI application in this thread; like Django's test client,
    keep the request signals from closing the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(db):
    community = CommunityFactory()
    resident = ResidentFactory(community=community, with_account=True)
    ServiceRequestFactory(community=community, resident=resident, status="in_progress")
    ServiceRequestFactory(community=community, resident=resident, status="resolved")
    return {
        "resident": resident.user,
        "worker": WorkerFactory(communities=[community]),
        "administrator": AdministratorFactory(),
    }


def _fuzz(operation, headers: dict, tally: Tally, mode: GenerationMode) -> None:
    @settings(
        max_examples=CASES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run_case(case):
        tally.cases += 1
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                tally.failures.append(
                    f"{operation.label} [{response.status_code}] {failure.title}: "
                    f"{str(failure)[:300]} <- {case.path_parameters} {case.query} {case.body!r:.200}"
                )
        except Failure as failure:
            tally.failures.append(
                f"{operation.label} [{response.status_code}] {failure.title}: "
                f"{str(failure)[:300]} <- {case.path_parameters} {case.query} {case.body!r:.200}"
            )

    with contextlib.suppress(Unsatisfiable):  # an operation with nothing to vary
        run_case()


def _run(schema, token: str, tally: Tally) -> None:
    headers = {"Authorization": f"Token {token}"}
    for result in schema.get_all_operations():
        # Valid input (what the schema allows) and invalid input (what it forbids): both
        # must be answered as documented, never with a 500.
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(result.ok(), headers, tally, mode)


@pytest.mark.parametrize("role", ["resident", "worker", "administrator"])
def test_no_server_errors_and_responses_match_the_schema(world, role, in_test_transaction):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    token = Token.objects.create(user=world[role]).key
    tally = Tally()
    _run(schema, token, tally)
    print(f"\nschemathesis {role}: {tally.cases} cases, {len(tally.failures)} failures")
    for failure in tally.failures:
        print(failure)
    assert tally.failures == []
