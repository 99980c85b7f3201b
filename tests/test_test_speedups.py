"""The two things the test suite changes about Django and WhiteNoise to run faster
(``tests/db_restore.py``, ``tests/static_index.py``) leave what the tests see unchanged."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_transactional_test_starts_from_exactly_the_rows_the_migrations_wrote():
    from residents.models import Area

    # The restore ran before this test; serialising again gives back the very same rows.
    assert connection.creation.serialize_db_to_string() == connection._test_serialized_contents
    assert Area.objects.filter(parent__isnull=True).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_changed_reference_rows_are_put_back_by_the_next_restore():
    from django.db.backends.base.creation import BaseDatabaseCreation

    from residents.models import Area

    area = Area.objects.order_by("pk").first()
    name = area.name
    Area.objects.filter(pk=area.pk).update(name="changed by a test")
    leaves = Area.objects.filter(children__isnull=True)
    gone = list(leaves.values_list("pk", flat=True)[:50])
    Area.objects.filter(pk__in=gone).delete()
    BaseDatabaseCreation.deserialize_db_from_string(
        connection.creation, connection._test_serialized_contents
    )
    assert Area.objects.get(pk=area.pk).name == name
    assert Area.objects.filter(pk__in=gone).count() == len(gone) == 50
    assert connection.creation.serialize_db_to_string() == connection._test_serialized_contents


def test_clients_share_one_static_index_and_still_serve_the_files(settings):
    from whitenoise.middleware import WhiteNoiseMiddleware

    first, second = WhiteNoiseMiddleware(lambda request: None), WhiteNoiseMiddleware(None)
    assert first.files is second.files and first.files
    url = next(u for u in first.files if u.endswith(".css"))
    response = Client().get(url)
    assert response.status_code == 200 and response["Cache-Control"]

    settings.WHITENOISE_MAX_AGE = 7
    third = WhiteNoiseMiddleware(None)
    assert third.files is not first.files
    headers = dict(third.files[url].get_response("GET", {}).headers)
    assert "max-age=7" in headers["Cache-Control"]


def test_the_kept_test_database_is_named_by_every_input_of_the_migrations(tmp_path, monkeypatch):
    """A change to a migration, to a module or data file a data migration reads, or to the
    installed packages gives the kept database another name, so it is built afresh."""
    from tests import db_template

    for name in (
        "residents/migrations/0001_initial.py",
        "geography/areas.csv",
        *[f for f in db_template.READ_BY_MIGRATIONS if f.endswith(".py")],
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("# synthetic\n")
    (tmp_path / "residents/views.py").write_text("# not read by a migration\n")
    monkeypatch.setattr(db_template, "BASE", tmp_path)
    names = {db_template.path().name}
    for name in (
        "residents/migrations/0001_initial.py",
        "geography/areas.csv",
        "residents/reference.py",
        "analytics/kinds/upgrades.py",
    ):
        (tmp_path / name).write_text((tmp_path / name).read_text() + "# changed\n")
        names.add(db_template.path().name)
    (tmp_path / "residents/migrations/0002_new.py").write_text("# a new migration\n")
    names.add(db_template.path().name)
    assert len(names) == 6
    (tmp_path / "residents/views.py").write_text("# changed, but no migration reads it\n")
    assert db_template.path().name in names
    monkeypatch.setattr(db_template.metadata, "distributions", lambda: [])
    assert db_template.path().name not in names
