"""Monthly partitions of requests and their history (PostgreSQL): the migration from plain
tables keeps every row, and the scheduled task creates the coming months' partitions once."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from services import actions, partitions
from services.models import RequestComment, RequestStatusChange, ServiceRequest
from tests.factories import ServiceRequestFactory, make_world

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions are PostgreSQL's; SQLite stays plain"
)
BEFORE = ("services", "0011_request_references_without_db_constraint")
AFTER = ("services", "0012_partition_requests_by_month")


def _partition_of(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT tableoid::regclass::text FROM "{table}" WHERE id = %s', [pk])  # noqa: S608
        return cursor.fetchone()[0]


def _migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


@pytest.fixture
def latest_migrations_after():
    """The test moves the schema back and forth: afterwards every app is at its latest
    migration again, or the tests that run after it in the same database would meet the
    schema of 0012 (tables of later migrations missing)."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def _snapshot() -> tuple[list, list, list]:
    return (
        list(ServiceRequest.objects.order_by("pk").values()),
        list(RequestStatusChange.objects.order_by("pk").values()),
        list(RequestComment.objects.order_by("pk").values()),
    )


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_partitioning_keeps_every_row_and_its_history(latest_migrations_after):
    world = make_world(request_status=ServiceRequest.Status.IN_PROGRESS)
    _migrate(BEFORE)
    assert not partitions.is_partitioned("services_servicerequest")
    # Rows written to the plain tables: three years back, this month, and a stray old date.
    tz = ZoneInfo(settings.TIME_ZONE)
    old = ServiceRequestFactory(
        community=world.home,
        created_at=timezone.now() - timedelta(days=3 * 365),
        status=ServiceRequest.Status.CLOSED,
    )
    stray = ServiceRequestFactory(community=world.home, created_at=datetime(1990, 5, 1, tzinfo=tz))
    RequestComment.objects.create(request=old, kind="public_reply", text="Synthetic reply")
    before = _snapshot()
    assert len(before[0]) == 4 and len(before[1]) > 4

    _migrate(AFTER)

    assert partitions.is_partitioned("services_servicerequest")
    assert partitions.is_partitioned("services_requeststatuschange")
    assert _snapshot() == before
    first = timezone.localtime(old.created_at).date().replace(day=1)
    assert _partition_of("services_servicerequest", old.pk) == partitions.partition_name(
        "services_servicerequest", first
    )
    assert _partition_of("services_servicerequest", stray.pk) == "services_servicerequest_default"
    # Each request still reaches its history, and new rows continue the ids.
    assert ServiceRequest.objects.get(pk=old.pk).history.count() == len(
        [row for row in before[1] if row["request_id"] == old.pk]
    )
    new = ServiceRequestFactory(community=world.home)
    assert new.pk > max(row["id"] for row in before[0])
    assert partitions.request_references_check() == dict.fromkeys(partitions.REQUEST_REFERENCES, 0)

    # And back: plain tables, every row still there.
    after = _snapshot()
    _migrate(BEFORE)
    assert not partitions.is_partitioned("services_servicerequest")
    assert _snapshot() == after
    _migrate(AFTER)
    assert _snapshot() == after


@on_postgresql
@pytest.mark.django_db
def test_coming_months_are_created_once():
    today = date(2031, 11, 15)  # beyond the partitions the migration made
    created = actions.request_partitions_ensure(today=today, months_ahead=2)
    months = ["203111", "203112", "203201"]
    assert sorted(created) == sorted(
        f"{table}_p{month}"
        for table in ("services_servicerequest", "services_requeststatuschange")
        for month in months
    )
    assert actions.request_partitions_ensure(today=today, months_ahead=2) == []


@on_postgresql
@pytest.mark.django_db
def test_older_months_are_created_from_since():
    created = actions.request_partitions_ensure(
        today=date(2031, 2, 10), months_ahead=0, since=date(2030, 12, 1)
    )
    assert {name[-6:] for name in created} == {"203012", "203101", "203102"}


def test_a_malformed_since_is_refused_by_name():
    with pytest.raises(Exception, match="--since must be a month as YYYY-MM"):
        call_command("request_partitions", "--since", "2030/12", stdout=StringIO())


@on_postgresql
@pytest.mark.django_db
def test_rows_in_the_default_partition_move_into_their_new_month():
    tz = ZoneInfo(settings.TIME_ZONE)
    # The first instant of the month in the site's time zone (the day before in UTC).
    request = ServiceRequestFactory(created_at=datetime(2033, 3, 1, tzinfo=tz))
    before_month = ServiceRequestFactory(
        created_at=datetime(2033, 3, 1, tzinfo=tz) - timedelta(seconds=1)
    )
    assert _partition_of("services_servicerequest", request.pk) == "services_servicerequest_default"

    actions.request_partitions_ensure(today=date(2033, 3, 1), months_ahead=0)

    assert _partition_of("services_servicerequest", request.pk) == "services_servicerequest_p203303"
    assert (
        _partition_of("services_requeststatuschange", request.history.first().pk)
        == "services_requeststatuschange_p203303"
    )
    assert _partition_of("services_servicerequest", before_month.pk) == (
        "services_servicerequest_default"
    )
    assert ServiceRequest.objects.get(pk=request.pk).history.count() == 1


@on_postgresql
@pytest.mark.django_db
def test_the_check_finds_a_reference_to_no_request():
    request = ServiceRequestFactory()
    RequestComment.objects.create(request=request, kind="internal_note", text="Synthetic note")
    assert partitions.request_references_check()["services_requestcomment"] == 0
    RequestComment.objects.create(request_id=request.pk + 1000, kind="internal_note", text="x")
    assert partitions.request_references_check()["services_requestcomment"] == 1
    with pytest.raises(Exception, match="name a request that does not exist"):
        call_command("request_partitions", "--check", stdout=StringIO())


@pytest.mark.django_db
def test_the_command_reports_and_does_nothing_twice():
    out = StringIO()
    call_command("request_partitions", stdout=out)
    call_command("request_partitions", "--check", stdout=(second := StringIO()))
    assert "Created none." in second.getvalue()
    if connection.vendor == "postgresql":
        assert "services_servicerequest: " in out.getvalue()
        assert "partitions by created_at" in out.getvalue()
    else:
        assert "not partitioned" in out.getvalue()


def test_the_task_is_scheduled_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["daily-request-partitions"]
    assert entry["task"] == "services.request_partitions_ensure"
