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


@pytest.mark.slow  # a real forecast, allocation and portraits run (about a minute on two cores)
def test_runs_of_the_previous_schema_built_by_the_real_runners_read_as_the_current_one():
    """Forecast 3 -> 4 (typed backtest errors), allocation 6 -> 7 (each plan of the frontier's
    ``run_weighted_coverage``, null for older runs) and portraits 3 -> 4 (typed traits and
    needs): a run stored under the previous version by the same runner loads to the same
    typed result, and writing it back gives the stored JSON again."""
    from analytics import actions
    from analytics.kinds.allocation.result import AllocationSummary, AuditGroup, FairnessAudit
    from analytics.kinds.forecast.result import BacktestErrors, BacktestGroup
    from analytics.kinds.portraits.result import Need, Trait
    from services.models import ServiceRequest
    from tests.analytics import tiny_city
    from tests.factories import ResidentFactory

    communities = tiny_city.seed()
    for index, community in enumerate(communities * 6):
        resident = ResidentFactory(
            community=community, hukou_type=("local_urban", "non_local")[index % 2]
        )
        # Some of the city's requests are the residents' own, so segments have needs.
        mine = ServiceRequest.objects.filter(community=community, resident__isnull=True)
        ServiceRequest.objects.filter(pk__in=list(mine.values_list("pk", flat=True)[:4])).update(
            resident=resident
        )
    forecast = actions.analysis_run_now(kind="forecast", params={"horizon": 1})
    allocation = actions.analysis_run_now(kind="allocation", params={"budget": 60_000.0})
    portraits = actions.analysis_run_now(kind="portraits", params={})
    assert (
        forecast.status == allocation.status == portraits.status == AnalysisRun.Status.SUCCEEDED
    ), forecast.error or allocation.error or portraits.error
    for run, previous in ((forecast, 3), (allocation, 6), (portraits, 3)):
        kind = kinds.get(run.kind)
        assert run.result["schema_version"] == previous + 1
        current = kind.load(run)
        AnalysisRun.objects.filter(pk=run.pk).update(
            result={**run.result, "schema_version": previous}
        )
        run.refresh_from_db()
        assert kind.load(run) == current
        written = current.to_json()
        assert written == {**run.result, "schema_version": previous + 1}

    backtest = kinds.get("forecast").load(forecast).backtest
    assert isinstance(backtest.overall, BacktestErrors)
    assert {"model", "naive", "seasonal_naive"} <= set(backtest.overall.wape)
    assert backtest.by_group and all(isinstance(g, BacktestGroup) for g in backtest.by_group)
    assert {g.group for g in backtest.by_group} == set(tiny_city.TINY_CATEGORIES)
    plan = kinds.get("allocation").load(allocation)
    assert isinstance(plan.summary, AllocationSummary)
    assert plan.summary.whole_units and plan.summary.spent <= 60_000.0 + 1e-6
    assert plan.summary.solver_report.status in ("optimal", "gap_open")
    assert set(plan.summary.lp) == set(plan.summary.baseline) == {r.metric for r in plan.comparison}
    audit = plan.fairness
    assert isinstance(audit, FairnessAudit) and audit.groups
    assert all(isinstance(g, AuditGroup) for g in audit.groups)
    assert {g.dimension for g in audit.groups} >= {"urban_rural", "hukou_type"}
    segments = kinds.get("portraits").load(portraits).segments
    assert segments and all(isinstance(t, Trait) for s in segments for t in s.traits)
    assert any(s.needs for s in segments)
    for need in (n for s in segments for n in s.needs):
        assert isinstance(need, Need) and need.category in tiny_city.TINY_CATEGORIES
        assert need.requests_per_100_residents_year >= 0 and need.lift >= 0


def test_a_backtest_slice_refuses_a_key_it_does_not_know():
    from analytics.kinds.forecast.result import BacktestGroup
    from analytics.kinds.schema import SchemaError

    row = {"group": "heating", "n": 4.0, "wape_model": 0.2, "wape_newmember": 0.3}
    group = BacktestGroup.from_json(row)
    assert group.wape == {"model": 0.2, "newmember": 0.3} and group.to_json()["n"] == 4.0
    with pytest.raises(SchemaError, match="surprise"):
        BacktestGroup.from_json({**row, "surprise": 1})


@pytest.mark.slow  # a real equalization run (system GMM by region, both specifications)
@pytest.mark.parametrize("previous", [4, 5, 6])
def test_an_equalization_run_of_an_earlier_schema_built_by_the_real_runner_reads_as_the_current(
    client, previous
):
    """4 -> 5 (Table 2, the equity weights and the PCA diagnostics typed), 5 -> 6 (the
    panel's summary and the interpolation typed) and 6 -> 7 (the configuration and the stage
    timings typed): the stored shape did not change, so a run stored under schema 4, 5 or 6
    loads to the same typed result, writing it back gives the
    stored JSON again, and the API serves exactly the JSON those releases served (their result
    was the stored JSON); every CSV download still answers."""
    from django.urls import reverse

    from analytics import actions
    from analytics.kinds.equalization.result import (
        AnalysisConfig,
        EffectLag,
        EquityCity,
        EquityCommunityType,
        EquityWeights,
        ExogeneityTest,
        Interpolation,
        LongRunEffect,
        PanelSummary,
        PcaScore,
        RegionSpread,
        StageTimings,
        Table1,
        Table2Cell,
        Table2Column,
        Table2Model,
        TrendYear,
    )
    from tests.factories import AdministratorFactory, api_client

    run = actions.analysis_run_now(kind="equalization", params={})
    assert run.status == AnalysisRun.Status.SUCCEEDED, run.error
    assert run.result["schema_version"] == 7
    kind = kinds.get("equalization")
    current = kind.load(run)
    AnalysisRun.objects.filter(pk=run.pk).update(result={**run.result, "schema_version": previous})
    run.refresh_from_db()
    stored_by_the_previous_release = run.result
    assert kind.load(run) == current
    assert current.to_json() == {**stored_by_the_previous_release, "schema_version": 7}

    admin = AdministratorFactory()
    served = api_client(admin).get(f"/api/v1/analysis-runs/{run.pk}/").json()["result"]
    assert served == {**stored_by_the_previous_release, "schema_version": 7}
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    for table in kind.tables:
        url = reverse("analytics:run_export", kwargs={"pk": run.pk, "table": table})
        assert client.get(url).status_code == 200, table

    assert isinstance(current.panel, PanelSummary) and current.panel.cities == 286
    assert isinstance(current.config, AnalysisConfig) and current.config.years == [2009, 2018]
    assert current.config.evidence_weights.benchmark == "region"
    assert isinstance(current.timings, StageTimings)
    assert current.timings.dynamic_model is not None and current.timings.equity is not None
    assert current.panel.years == [2009, 2018] and current.panel.rows == 2860
    assert isinstance(current.interpolation, Interpolation)
    assert current.interpolation.imputed_cells == 0
    assert isinstance(current.table1, Table1) and current.table1.calibrated
    assert set(current.table1.computed) == set(current.table1.paper)
    spread = current.regional_cv["pubindicator"]["All"]
    assert isinstance(spread, RegionSpread) and spread.cities == 286 and spread.cv > 0
    trend = next(iter(current.trends["pubindicator"].values()))
    assert isinstance(trend, TrendYear) and trend.gini is not None

    for tables, specification in ((current.table2, "endogenous"), (current.table2_paper, "paper")):
        assert set(tables) == {"model1", "model2"}
        for model in tables.values():
            assert isinstance(model, Table2Model) and model.specification == specification
            assert len(model.columns) == 8 and "Pooled" in model.columns  # 7 regions, pooled
            for column in model.columns.values():
                assert isinstance(column, Table2Column) and column.error is None
                assert column.sargan_p is not None and column.ar2_p is not None
                assert all(isinstance(c, Table2Cell) for c in column.cells.values() if c)
                assert isinstance(column.long_run_diggovment, LongRunEffect)
                assert isinstance(column.exogeneity_test, ExogeneityTest)
    pooled = current.table2["model1"].columns["Pooled"]
    assert pooled.groups == 286 and pooled.recovery  # the SYNTHETIC generator's truth
    assert all(row.lower <= row.estimate <= row.upper for row in pooled.recovery)

    weights = current.equity_weights
    assert isinstance(weights, EquityWeights) and weights.method == "adl_projection"
    assert len(weights.cities) == 286 and all(isinstance(c, EquityCity) for c in weights.cities)
    assert len(weights.community_types) == 2 * 286
    assert all(isinstance(t, EquityCommunityType) for t in weights.community_types)
    assert all(c.reason_parts and c.weight >= 1 for c in weights.cities)
    assert isinstance(weights.lag, EffectLag) and weights.lag.regressor == "diggovment"
    assert weights.options.horizon == 3 and weights.options.level_weight is None

    assert set(current.scores) == {"pubindicator", "E", "diggovment"}
    for score in current.scores.values():
        assert isinstance(score, PcaScore) and score.retained >= 1 and score.kmo > 0
        assert score.bartlett.p_value is not None and score.orientation
