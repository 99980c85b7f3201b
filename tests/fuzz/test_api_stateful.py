"""Clients that chain calls: schemathesis' stateful tests follow the schema's links
(``core.api_schema.links_follow_each_resource``): create an object, then read, change and
delete it by the id the create answered, and read or change it again after the delete.
Every answer gets the checks of ``test_api_schemathesis`` and two that only a chain can
make: ``use_after_free`` (nothing answers 2xx for an object a DELETE removed) and
``ensure_resource_availability`` (an object just created is not a 404 for its creator).

The schema cannot say which communities, services and residents exist (``BEYOND_THE_SCHEMA``
of the other test), so random ones are refused and nothing would be created to follow: a
create's fields of that kind are given ones that exist (``_existing``), the rest stays
generated. Bounded (``STATEFUL_SCENARIOS`` scenarios of at most ``STATEFUL_STEPS`` calls a
role) and derandomised, so a run repeats; failures are collected and reported together, as
in the other fuzz tests, rather than shrunk.
"""

from __future__ import annotations

import functools
import itertools
import os

import pytest
import schemathesis
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import ensure_resource_availability

from config.wsgi import application
from residents.models import Resident
from services.models import ServiceRequest
from tests.factories import synthetic_national_id
from tests.fuzz.test_api_schemathesis import (
    BEYOND_THE_SCHEMA,
    CHECKS,
    Tally,
    _headers,
    _report,
    accepts_what_the_schema_allows,
    check_into_tally,
)

STATEFUL_SCENARIOS = int(os.environ.get("SCHEMATHESIS_SCENARIOS", "6"))
STATEFUL_STEPS = 6
# The roles that can create something (the anonymous caller cannot start a chain).
CREATING_ROLES = ("resident", "worker", "area_admin", "national_admin")
# Operations whose every rule a create with fields that exist reaches is stated in the schema
# (or is one of ``BEYOND_THE_SCHEMA``): the capacities, since the schema lists only the
# sources a client writes and states the budget's bound; and a request's create, since the
# schema gives each media type what it carries (a file in multipart only, a form's null as
# an empty value; ``core.api_schema.bodies_as_each_media_type_carries_them``).
ACCEPTANCE_CHECKED = ("/api/v1/capacities/",)
ACCEPTANCE_CHECKED_OPERATIONS = {"POST /api/v1/requests/"}


def accepts_what_the_schema_allows_where_stated(ctx, response, case) -> None:
    """``accepts_what_the_schema_allows`` on the operations of ``ACCEPTANCE_CHECKED`` and
    ``ACCEPTANCE_CHECKED_OPERATIONS``."""
    operation = case.operation
    if (
        operation.path.startswith(ACCEPTANCE_CHECKED)
        or operation.label in ACCEPTANCE_CHECKED_OPERATIONS
    ):
        accepts_what_the_schema_allows(ctx, response, case)


# The other test's checks, ``accepts_what_the_schema_allows`` only where the schema states
# every rule: with fields that exist, other creates reach rules it does not state yet
# (docs/api.md, "Chained calls"), which that test's refusals of nonexistent objects hid;
# and the two checks of a chain.
STATEFUL_CHECKS = [
    *(check for check in CHECKS if check is not accepts_what_the_schema_allows),
    accepts_what_the_schema_allows_where_stated,
    ensure_resource_availability,
]


@functools.cache
def _linked_schema():
    """The published schema, chained by its own links only: schemathesis' inference of
    more links (from ids in bodies and Location headers) is off, so the chains are the ones
    a client reading the schema is told about."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    schema.config.phases.stateful.inference.algorithms = []
    return schema


def _existing(world: dict, role: str) -> dict[str, object]:
    """Values that exist for the fields whose validity depends on what exists or on the
    caller: the world's community, one of its services and its resident, this month, a valid
    ID number, the role's own channel (a resident's self-service, staff's the others)."""
    resident = Resident.objects.get(user=world["resident"])
    numbers = itertools.count(7_000_000)
    return {
        "community": resident.community_id,
        "resident": resident.pk,
        "category": resident.requests.first().category.code,
        "period": timezone.localdate().replace(day=1).isoformat(),
        "national_id": lambda: synthetic_national_id(next(numbers)),
        "phone": "",
        "attributes": {},
        "channel": (
            ServiceRequest.Channel.SELF_SERVICE
            if role == "resident"
            else ServiceRequest.Channel.COMMUNITY_WORKER
        ),
    }


def _run(
    headers: dict,
    existing: dict,
    tally: Tally,
    scenarios: int,
    needed_by_caller: tuple[str, ...] = (),
) -> None:
    class Workflow(_linked_schema().as_state_machine()):
        def setup(self):
            # Each scenario starts from the same database and counters, so a scenario that
            # Hypothesis replays draws the same rules (else: FlakyStrategyDefinition, as a
            # capacity first created, 201, is replaced, 200, the next time).
            cache.clear()
            self._scenario = transaction.atomic()
            self._scenario.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self._scenario.__exit__(None, None, None)
            super().teardown()

        def get_call_kwargs(self, case):
            return {"headers": headers}

        def before_call(self, case):
            """A create's fields that name what exists get values that exist."""
            positive = case.meta is None or case.meta.generation.mode is GenerationMode.POSITIVE
            if case.method.upper() != "POST" or not positive or not isinstance(case.body, dict):
                return
            names = BEYOND_THE_SCHEMA.get(case.operation.label, set()) & set(case.body)
            if case.operation.label in CREATES_NAMING_THE_COMMUNITY:
                names |= set(needed_by_caller)
            for name in names:
                if name in existing:
                    value = existing[name]
                    case.body[name] = value() if callable(value) else value

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            check_into_tally(
                case,
                response,
                tally,
                checks=STATEFUL_CHECKS,
                headers=headers,
                transport_kwargs=kwargs,
                recorder=self.recorder,
            )

    Workflow.run(
        settings=settings(
            max_examples=scenarios,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
    )


# Creates whose optional ``community`` staff must name (a resident's own is used): the schema
# cannot say a field is required of some callers, so staff's creates are given one.
CREATES_NAMING_THE_COMMUNITY = {"POST /api/v1/requests/"}


@pytest.mark.parametrize("role", CREATING_ROLES)
def test_chained_calls_answer_as_documented(world, role, in_test_transaction):
    tally = Tally()
    needed_by_caller = () if role == "resident" else ("community",)
    _run(_headers(world)[role], _existing(world, role), tally, STATEFUL_SCENARIOS, needed_by_caller)
    failures = _report(f"stateful, {role}", tally)
    assert not failures, "\n".join(failures)
