"""Monthly partitions of the request table and its status history (PostgreSQL only).

On PostgreSQL ``services_servicerequest`` is partitioned by range of ``created_at`` and
``services_requeststatuschange`` by range of ``changed_at`` (migration 0012), one partition per
calendar month in the site's time zone (``<table>_pYYYYMM``) and a default partition
(``<table>_default``) that takes any row no month partition covers, so an insert never fails
for want of a partition. ``month_partitions_ensure`` creates the coming months' partitions
ahead (celery beat, daily; ``manage.py request_partitions``); a month whose rows already sit in
the default partition gets them moved into its new partition. SQLite keeps plain tables.

Why the primary keys and the references look as they do (docs/deployment.md, "Partitions"):
a unique constraint on a partitioned table must contain the partition key, so the primary key
is ``(id, created_at)`` (``(id, changed_at)``) in the database while Django keeps addressing
rows by ``id`` alone (ids still come from one sequence, so they stay unique), and the tables
that point at a request (comments, reviews, idempotency records, history) keep an indexed
``request_id`` without a database foreign key: requests are never deleted, and
``request_references_check`` finds any reference without its request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

# Months after the current one that always have their partition.
MONTHS_AHEAD = 3


@dataclass(frozen=True)
class PartitionedTable:
    table: str
    key: str


# The requests' partition column: a read naming it beside the ids reads only those rows'
# partitions (core.pagination.KeysFirstPaginator's ``partition_key``).
REQUEST_PARTITION_KEY = "created_at"

PARTITIONED_TABLES = (
    PartitionedTable("services_servicerequest", REQUEST_PARTITION_KEY),
    PartitionedTable("services_requeststatuschange", "changed_at"),
)

# The tables whose ``request_id`` names a request, without a database foreign key.
REQUEST_REFERENCES = (
    "services_requeststatuschange",
    "services_requestcomment",
    "services_reviewtask",
    "services_idempotencyrecord",
)


def month_start(month: date) -> datetime:
    """The first instant of ``month`` in the site's time zone."""
    return datetime(month.year, month.month, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_from(first: date, last: date) -> list[date]:
    """Every month from ``first``'s to ``last``'s, both included."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def is_partitioned(table: str) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
    return bool(row and row[0])


def _bound(month: date) -> str:
    return f"'{month_start(month).isoformat()}'::timestamptz"


def month_partition_ensure(target: PartitionedTable, month: date) -> bool:
    """Make sure ``month`` has its partition; ``True`` if it was created now. Rows of that
    month already in the default partition move into it (in the caller's transaction)."""
    name = partition_name(target.table, month)
    default = f"{target.table}_default"
    low, high = _bound(month), _bound(next_month(month))
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if cursor.fetchone()[0]:
            return False
        # Every name and bound in these statements is ours (PARTITIONED_TABLES, dates made
        # here); identifiers and partition bounds cannot be query parameters in DDL.
        in_range = f'"{target.key}" >= {low} AND "{target.key}" < {high}'
        cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{default}" WHERE {in_range})')  # noqa: S608
        if not cursor.fetchone()[0]:
            cursor.execute(
                f'CREATE TABLE "{name}" PARTITION OF "{target.table}" '
                f"FOR VALUES FROM ({low}) TO ({high})"
            )
            return True
        # The default partition holds rows of this month: a partition for it cannot be
        # created beside them, so they move into a table attached as the month's partition.
        cursor.execute(
            f'CREATE TABLE "{name}" (LIKE "{target.table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'
        )
        cursor.execute(f'INSERT INTO "{name}" SELECT * FROM "{default}" WHERE {in_range}')  # noqa: S608
        cursor.execute(f'DELETE FROM "{default}" WHERE {in_range}')  # noqa: S608
        cursor.execute(
            f'ALTER TABLE "{target.table}" ATTACH PARTITION "{name}" '
            f"FOR VALUES FROM ({low}) TO ({high})"
        )
    return True


def month_partitions_ensure(
    *, today: date, months_ahead: int = MONTHS_AHEAD, since: date | None = None
) -> list[str]:
    """Partitions for this month (or from ``since``'s month, for importing older history) to
    ``months_ahead`` months after it, of every partitioned table; returns the names created
    now (none when they all exist, or off PostgreSQL)."""
    created = []
    months = months_from(
        min(since or today, today), _add_months(today.replace(day=1), months_ahead)
    )
    for target in PARTITIONED_TABLES:
        if not is_partitioned(target.table):
            continue
        for month in months:
            if month_partition_ensure(target, month):
                created.append(partition_name(target.table, month))
    return created


def _add_months(month: date, count: int) -> date:
    for _ in range(count):
        month = next_month(month)
    return month


def request_references_check() -> dict[str, int]:
    """Rows of each referencing table whose ``request_id`` names no request (kept at zero by
    the actions: requests are never deleted, and every reference is written from a request
    read in the same transaction)."""
    missing = {}
    with connection.cursor() as cursor:
        for table in REQUEST_REFERENCES:
            # ``table`` is one of REQUEST_REFERENCES.
            cursor.execute(
                f'SELECT count(*) FROM "{table}" AS ref WHERE NOT EXISTS '  # noqa: S608
                f'(SELECT 1 FROM "services_servicerequest" AS r WHERE r.id = ref.request_id)'
            )
            missing[table] = cursor.fetchone()[0]
    return missing


def partitions_listed(table: str) -> list[tuple[str, int]]:
    """The partitions of ``table`` with their approximate row counts (statistics)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, greatest(c.reltuples, 0)::bigint FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s) "
            "ORDER BY c.relname",
            [table],
        )
        return [(name, rows) for name, rows in cursor.fetchall()]
