"""Stored results are brought to their kind's current schema, once, by the data migration, and
in memory by ``load`` for anything older."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps

from analytics import kinds
from analytics.kinds.upgrades import CURRENT, upgrade
from analytics.models import AnalysisRun
from tests.analytics import run_data

pytestmark = pytest.mark.django_db

migration = importlib.import_module("analytics.migrations.0005_result_schema_v2")


def test_every_kind_has_its_current_schema_version():
    for name, kind in kinds.registry().items():
        assert CURRENT[name] == kind.result_type.SCHEMA_VERSION


def test_the_migration_stamps_stored_results_once_and_leaves_others():
    world = run_data.run_world()
    unversioned = [world.portraits, world.forecast, world.allocation]
    assert all("schema_version" not in run.result for run in unversioned)
    queued = AnalysisRun.objects.create(kind="forecast", params={})
    migration.forwards(django_apps, None)
    for run in unversioned:
        run.refresh_from_db()
        assert run.result["schema_version"] == CURRENT[run.kind]
        assert kinds.get(run.kind).load(run) is not None
    queued.refresh_from_db()
    assert queued.result is None
    before = {r.pk: r.result for r in AnalysisRun.objects.all()}
    migration.forwards(django_apps, None)
    assert {r.pk: r.result for r in AnalysisRun.objects.all()} == before


def test_upgrading_a_current_result_changes_nothing():
    result = {"schema_version": CURRENT["forecast"], "horizon": 2}
    assert upgrade("forecast", result) is result
