"""The reference data a transactional test starts from, put back in bulk.

A test marked ``django_db(transaction=True, serialized_rollback=True)`` starts from the rows
the migrations wrote (regions, cities, the area tree down to districts, the service
catalogue, content types): Django serialised them when it made the test database and
reloads them before the test, because the flush after a transactional test empties every
table. Django reloads them one ``save()`` at a time, an UPDATE then an INSERT for each of
about 3,800 rows: 1–2 CPU seconds a test, paid by every such test.

``restore_in_bulk`` puts back the same rows with the same values: a row already stored with
those values is left alone (Django's ``save()`` would have written the same values over it),
one stored with other values is updated by ``save()`` as before; the others get the
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

    fields = _stored_fields(model)
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


def _stored_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.local_concrete_fields if not f.generated]


def _restore_rows(objs: list[DeserializedObject], alias: str) -> None:
    """One model's rows. A row already stored with the same values is left as it is (Django
    wrote the same values over it); one stored with other values is updated by ``save()``
    as Django does; the others are inserted in bulk. (The rows are all there before the
    first such test of a process, and a flush without the serialised rollback re-creates
    content types and permissions, perhaps under other keys.)"""
    model = type(objs[0].object)
    fields = _stored_fields(model)
    names = [f.attname for f in fields]
    pk_name = model._meta.pk.attname
    stored = {
        row[names.index(pk_name)]: row
        for row in model._base_manager.using(alias).values_list(*names)
    }
    fresh = []
    for obj in objs:
        row = stored.get(obj.object.pk)
        if _needs_save(obj):
            obj.save()
        elif row is not None and row == tuple(getattr(obj.object, n) for n in names):
            continue
        elif row is not None:
            obj.save()
        else:
            fresh.append(obj.object)
    if fresh:
        _insert_raw(model, fresh, alias)


# The serialised data is one string per test database, made once; its objects are read once.
_parsed: dict[int, tuple[str, list[list[DeserializedObject]]]] = {}


def _runs_of_one_model(data: str, alias: str) -> list[list[DeserializedObject]]:
    cached = _parsed.get(id(data))
    if cached is not None and cached[0] is data:
        return cached[1]
    runs: list[list[DeserializedObject]] = []
    for obj in serializers.deserialize("json", StringIO(data), using=alias):
        if runs and type(runs[-1][0].object) is type(obj.object):
            runs[-1].append(obj)
        else:
            runs.append([obj])
    _parsed[id(data)] = (data, runs)
    return runs


def restore_in_bulk(creation: BaseDatabaseCreation, data: str) -> None:
    """Drop-in for ``BaseDatabaseCreation.deserialize_db_from_string``."""
    connection = creation.connection
    alias = connection.alias
    runs = _runs_of_one_model(data, alias)
    with atomic(using=alias):
        with connection.constraint_checks_disabled():
            for run in runs:
                _restore_rows(run, alias)
        # As Django does: the keys are checked once every row is in.
        connection.check_constraints(table_names={run[0].object._meta.db_table for run in runs})


def install() -> None:
    BaseDatabaseCreation.deserialize_db_from_string = restore_in_bulk
