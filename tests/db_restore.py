"""The reference data a transactional test starts from, put back in bulk.

A test marked ``django_db(transaction=True, serialized_rollback=True)`` starts from the rows
the migrations wrote (regions, cities, the area tree down to districts, the service
catalogue, content types): Django serialised them when it made the test database and
reloads them before the test, because the flush after a transactional test empties every
table. Django reloads them one ``save()`` at a time, an UPDATE then an INSERT for each of
about 3,800 rows: 1–2 CPU seconds a test, paid by every such test.

``restore_in_bulk`` puts back the same rows with the same values: a row whose primary key is
already in its table is updated by Django's own ``save()``, as before; the others get the
same raw insert a deserialised object's ``save()`` makes (no ``save()`` override, no
``pre_save`` of ``auto_now`` fields, the primary keys as stored), but one multi-row INSERT per
batch of a model's rows, in the serialised order, under the same disabled constraint checks,
followed by the same constraint check. Rows that need more than one insert (many-to-many
values, a parent table, an ordering by ``order_with_respect_to``) go through ``save()``.
"""

from __future__ import annotations

from io import StringIO

from django.core import serializers
from django.core.serializers.base import DeserializedObject
from django.db import models
from django.db.backends.base.creation import BaseDatabaseCreation
from django.db.transaction import atomic


def _insert_raw(model: type[models.Model], rows: list[models.Model], alias: str) -> None:
    from django.db import connections

    meta = model._meta
    fields = [f for f in meta.local_concrete_fields if not f.generated]
    batch = max(1, connections[alias].ops.bulk_batch_size(fields, rows))
    manager = model._base_manager.using(alias)
    for start in range(0, len(rows), batch):
        manager._insert(rows[start : start + batch], fields=fields, raw=True, using=alias)


def _needs_save(obj: DeserializedObject) -> bool:
    meta = obj.object._meta
    return bool(
        meta.parents
        or meta.order_with_respect_to
        or obj.deferred_fields
        or any(obj.m2m_data.values() if obj.m2m_data else ())
    )


def _restore_rows(objs: list[DeserializedObject], alias: str) -> None:
    """One model's rows: those already in the table are updated by ``save()`` as Django does
    (the data is still there before the first such test, and a flush without the serialised
    rollback re-creates content types and permissions); the others are inserted in bulk."""
    model = type(objs[0].object)
    existing = set(model._base_manager.using(alias).values_list("pk", flat=True))
    fresh = []
    for obj in objs:
        if obj.object.pk in existing or _needs_save(obj):
            obj.save()
        else:
            fresh.append(obj.object)
    if fresh:
        _insert_raw(model, fresh, alias)


def restore_in_bulk(creation: BaseDatabaseCreation, data: str) -> None:
    """Drop-in for ``BaseDatabaseCreation.deserialize_db_from_string``."""
    connection = creation.connection
    alias = connection.alias
    table_names: set[str] = set()
    with atomic(using=alias):
        with connection.constraint_checks_disabled():
            run: list[DeserializedObject] = []
            for obj in serializers.deserialize("json", StringIO(data), using=alias):
                table_names.add(obj.object._meta.db_table)
                if run and type(run[0].object) is not type(obj.object):
                    _restore_rows(run, alias)
                    run = []
                run.append(obj)
            if run:
                _restore_rows(run, alias)
        # As Django does: the keys are checked once every row is in.
        connection.check_constraints(table_names=table_names)


def install() -> None:
    BaseDatabaseCreation.deserialize_db_from_string = restore_in_bulk
