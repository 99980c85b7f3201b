"""PostgreSQL: requests partitioned by month of ``created_at``, their status history by month of
``changed_at`` (services/partitions.py says why, docs/deployment.md "Partitions" what it
costs). SQLite keeps plain tables: this migration does nothing there.

Every row is kept: each table is rebuilt as a partitioned table of the same columns, defaults,
identity (the id sequence continues where it was), check constraints, indexes and foreign keys
(by their names, so later migrations find them), one partition per month from the oldest row's
month to ``MONTHS_AHEAD`` months after the current one and a default partition for rows outside
(those older than ``OLDEST_MONTHS`` months), then filled with ``INSERT ... SELECT`` from the
old table, which is dropped. The primary key becomes ``(id, <month column>)``. Reversing
rebuilds plain tables the same way, rows kept.

The rebuild holds the tables for the time of the copy: plan it for a quiet hour (the README
gives the time per million rows).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations
from django.utils import timezone

TABLES = (
    ("services_servicerequest", "created_at"),
    ("services_requeststatuschange", "changed_at"),
)
MONTHS_AHEAD = 3
# Rows older than this many months go into the default partition (no partition per month for
# a stray date decades back).
OLDEST_MONTHS = 240


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _bound(month: date) -> str:
    moment = datetime(month.year, month.month, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))
    return f"'{moment.isoformat()}'::timestamptz"


def _fetch(cursor, sql: str, params=()) -> list[tuple]:
    cursor.execute(sql, params)
    return cursor.fetchall()


def _rebuild(cursor, table: str, key: str, *, partitioned: bool) -> None:
    """Rebuild ``table`` as a partitioned (or plain) table with every row, name and index."""
    relkind = _fetch(cursor, "SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
    if relkind[0][0] == ("p" if partitioned else "r"):
        return
    incoming = _fetch(
        cursor,
        "SELECT conname FROM pg_constraint WHERE confrelid = to_regclass(%s) AND contype = 'f'",
        [table],
    )
    if incoming:
        raise RuntimeError(f"{table}: foreign keys still point at it: {incoming}")
    unique = _fetch(
        cursor,
        "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(%s) AND contype = 'u'",
        [table],
    )
    if unique:
        raise RuntimeError(f"{table}: unique constraints cannot follow a partitioning: {unique}")
    indexes = _fetch(
        cursor,
        "SELECT pg_get_indexdef(indexrelid) FROM pg_index "
        "WHERE indrelid = to_regclass(%s) AND NOT indisprimary",
        [table],
    )
    foreign_keys = _fetch(
        cursor,
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = to_regclass(%s) AND contype = 'f'",
        [table],
    )
    new = f"{table}_rebuilt"
    partition_clause = f' PARTITION BY RANGE ("{key}")' if partitioned else ""
    cursor.execute(
        f'CREATE TABLE "{new}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING IDENTITY '
        f"INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS){partition_clause}"
    )
    if partitioned:
        cursor.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{new}" DEFAULT')
        oldest = _fetch(cursor, f'SELECT min("{key}") FROM "{table}"')[0][0]
        now = timezone.localtime()
        month = now.date().replace(day=1)
        floor = month
        for _ in range(OLDEST_MONTHS):
            floor = date(floor.year - (floor.month == 1), (floor.month - 2) % 12 + 1, 1)
        if oldest is not None:
            first = timezone.localtime(oldest).date().replace(day=1)
            month = min(month, max(first, floor))
        last = now.date().replace(day=1)
        for _ in range(MONTHS_AHEAD):
            last = _next_month(last)
        while month <= last:
            cursor.execute(
                f'CREATE TABLE "{table}_p{month:%Y%m}" PARTITION OF "{new}" '
                f"FOR VALUES FROM ({_bound(month)}) TO ({_bound(_next_month(month))})"
            )
            month = _next_month(month)
    cursor.execute(f'INSERT INTO "{new}" SELECT * FROM "{table}"')
    new_sequence = _fetch(cursor, "SELECT pg_get_serial_sequence(%s, 'id')", [new])[0][0]
    cursor.execute(
        f'SELECT setval(%s, coalesce((SELECT max(id) FROM "{new}"), 0) + 1, false)',
        [new_sequence],
    )
    cursor.execute(f'DROP TABLE "{table}"')  # with its partitions, when reversing
    cursor.execute(f'ALTER TABLE "{new}" RENAME TO "{table}"')
    cursor.execute(f'ALTER SEQUENCE {new_sequence} RENAME TO "{table}_id_seq"')
    primary_key = f'"id", "{key}"' if partitioned else '"id"'
    cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY ({primary_key})')
    for (definition,) in indexes:
        cursor.execute(definition.replace(" ON ONLY ", " ON "))
    for name, definition in foreign_keys:
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    cursor.execute(f'ANALYZE "{table}"')


def partition(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, key in TABLES:
            _rebuild(cursor, table, key, partitioned=True)


def unpartition(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, key in TABLES:
            _rebuild(cursor, table, key, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [("services", "0011_request_references_without_db_constraint")]

    operations = [migrations.RunPython(partition, unpartition)]
