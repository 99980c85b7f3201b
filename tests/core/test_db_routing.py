"""The read replica: the analysis runs' input reads go to it when one is configured, and
nothing else does.

A second database alias stands in for the replica: the test database's mirror (a separate
connection to the same database, as ``TEST: {"MIRROR": "default"}`` gives it), so every read
that reaches it is counted on its own connection. The tests commit their rows
(``transaction=True``): the mirror's connection sees only committed data, as a replica does.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics import queries as analytics_queries
from core.db_routing import REPLICA_ALIAS
from services import queries as services_queries
from services.models import ServiceRequest
from tests.factories import make_world

# serialized_rollback: the flush after these tests must not leave the content types that the
# next serialized test restores (they would collide).
with_replica = pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=["default", REPLICA_ALIAS]
)

RUN_INPUT_READS = {
    "resident_profiles_frame": lambda: analytics_queries.resident_profiles_frame(),
    "request_history_frame": lambda: analytics_queries.request_history_frame(),
    "community_frame": lambda: analytics_queries.community_frame(),
    "supply_frame": lambda: analytics_queries.supply_frame(timezone.localdate().replace(day=1)),
    "unit_costs": lambda: analytics_queries.unit_costs(),
}


@pytest.fixture(scope="module", autouse=True)
def replica(django_db_setup, django_db_blocker) -> Iterator[str]:
    """A ``replica`` alias mirroring the test database for this module's tests, removed
    afterwards. Module-scoped so that it exists before each test's database access, which
    checks the aliases the test names; after the test database is made, so that it points
    at it."""
    settings_dict = dict(connections.settings["default"])
    settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "MIRROR": "default"}
    connections.settings[REPLICA_ALIAS] = settings_dict
    try:
        yield REPLICA_ALIAS
    finally:
        with django_db_blocker.unblock():
            connections[REPLICA_ALIAS].close()
        del connections[REPLICA_ALIAS]
        del connections.settings[REPLICA_ALIAS]


@with_replica
@pytest.mark.parametrize("read", sorted(RUN_INPUT_READS))
def test_run_input_reads_go_to_the_replica(replica, read):
    make_world()
    with (
        CaptureQueriesContext(connections["default"]) as on_primary,
        CaptureQueriesContext(connections[replica]) as on_replica,
    ):
        result = RUN_INPUT_READS[read]()
    assert len(on_replica.captured_queries) >= 1
    assert on_primary.captured_queries == []
    if read == "request_history_frame":
        assert len(result) == ServiceRequest.objects.count() == 2


@with_replica
def test_run_input_reads_see_what_the_primary_committed(replica):
    world = make_world()
    frame = analytics_queries.request_history_frame()
    assert set(frame["community"]) == {world.home.code, world.other.code}


@with_replica
def test_writes_and_page_reads_stay_on_the_primary(replica):
    world = make_world()
    with (
        CaptureQueriesContext(connections["default"]) as on_primary,
        CaptureQueriesContext(connections[replica]) as on_replica,
    ):
        list(services_queries.request_list(user=world.admin))
        ServiceRequest.objects.filter(pk=world.owner_request.pk).update(description="changed")
    assert on_replica.captured_queries == []
    assert len(on_primary.captured_queries) >= 2
