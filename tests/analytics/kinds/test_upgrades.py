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


def test_texts_stored_without_parts_become_text_parts_and_english_beside_parts_goes():
    stored = {
        "schema_version": 2,
        "community": "SYN-1",
        "summary": "total: up +4.0% (+2.0 requests over the horizon)",
        "summary_parts": [{"code": "what_if_total", "direction": "up"}],
        "assumptions": ["schools: +1", "everything else stays as it is"],
        "caveat": "An association, not a causal estimate.",
    }
    upgraded = upgrade("what_if", stored)
    assert upgraded["schema_version"] == CURRENT["what_if"] == 3
    assert not {"summary", "assumptions", "caveat"} & set(upgraded)
    assert upgraded["summary_parts"] == stored["summary_parts"]
    assert upgraded["caveat_parts"] == [{"code": "text", "text": stored["caveat"]}]
    assert [p["text"] for p in upgraded["assumption_parts"]] == stored["assumptions"]
    assert "caveat" in stored  # the stored dict is not changed in place
    result = kinds.get("what_if").result_type.from_json(upgraded)
    assert result.caveat_parts[0]["code"] == "text"
