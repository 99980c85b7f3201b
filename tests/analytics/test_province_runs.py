"""Province runs (runs split by city, issue 16): parts created and executed once each, the
run's progress the mean of its parts', the merge written once, a redelivered part or merge
doing nothing, and a whole run unchanged. Eager (no broker): the chord runs in-process; the
real workers are in test_province_workers.py."""

from __future__ import annotations

import io

import pytest

from analytics import actions
from analytics.models import AnalysisRun, AnalysisRunPart, DemandForecast, ResidentSegment
from tests.analytics import province_city
from tests.factories import AdministratorFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

Status = AnalysisRun.Status


@pytest.fixture
def province():
    return province_city.seed(cities=2)


def test_a_province_forecast_runs_one_part_per_city_and_merges_once(
    province, django_capture_on_commit_callbacks
):
    admin = AdministratorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        run = actions.analysis_run_start(
            kind="forecast", params={"horizon": 1, "cities": province}, user=admin
        )
    run.refresh_from_db()
    assert run.status == Status.SUCCEEDED, run.error
    parts = list(run.parts.order_by("partition"))
    assert [p.partition for p in parts] == sorted(province)
    assert all(p.status == AnalysisRunPart.Status.SUCCEEDED and p.attempts == 1 for p in parts)
    assert run.progress == 100
    # Each city's forecasts once: 4 communities x 2 services x 1 month per city.
    assert DemandForecast.objects.filter(run=run).count() == 2 * 4 * 2 * 1
    for part in parts:
        assert (
            DemandForecast.objects.filter(run=run, community__city__adcode=part.partition).count()
            == 8
        )
    assert run.result["n_series"] == 16
    assert len(run.result["backtest_cells"]) == 16
    assert 0 < run.result["backtest"]["overall"]["wape_model"] < 2

    # A redelivered part, and a second merge, change nothing.
    finished = run.finished_at
    again = actions.analysis_run_part_execute(part_id=parts[0].pk)
    assert (again.attempts, again.status) == (1, AnalysisRunPart.Status.SUCCEEDED)
    actions.analysis_run_merge(run_id=run.pk)
    run.refresh_from_db()
    assert run.finished_at == finished
    assert DemandForecast.objects.filter(run=run).count() == 16


def test_a_province_portraits_run_numbers_every_citys_segments_in_one_sequence(province):
    run = actions.analysis_run_now(kind="portraits", params={"cities": province})
    assert run.status == Status.SUCCEEDED, run.error
    parts = list(run.parts.order_by("partition"))
    sizes = [len(p.result["segments"]) for p in parts]
    assert [s["segment"] for s in run.result["segments"]] == list(range(sum(sizes)))
    assert run.result["k"] == sum(sizes)
    assert ResidentSegment.objects.filter(run=run).count() == 2 * 4 * 10
    # The first city's residents are in its segments, the second's after them.
    first_city = set(
        ResidentSegment.objects.filter(
            run=run, resident__community__city__adcode=parts[0].partition
        ).values_list("segment", flat=True)
    )
    assert first_city <= set(range(sizes[0]))
    assert sum(s["share"] for s in run.result["segments"]) == pytest.approx(1.0)
    for row in run.result["communities"]:
        shares = [row[f"segment_{i}_share"] for i in range(sum(sizes))]
        assert sum(shares) == pytest.approx(1.0)


def test_one_city_or_none_is_computed_whole_as_before(province):
    run = actions.analysis_run_now(kind="forecast", params={"horizon": 1, "cities": province[:1]})
    assert run.status == Status.SUCCEEDED, run.error
    assert not run.parts.exists()
    assert DemandForecast.objects.filter(run=run).count() == 8
    whole = actions.analysis_run_now(kind="forecast", params={"horizon": 1})
    assert not whole.parts.exists()
    assert DemandForecast.objects.filter(run=whole).count() == 16


def test_a_province_allocation_splits_the_budget_by_city_and_merges_the_plans(province):
    forecast = actions.analysis_run_now(kind="forecast", params={"horizon": 1, "cities": province})
    assert forecast.status == Status.SUCCEEDED, forecast.error
    budget = 4000.0
    run = actions.analysis_run_now(
        kind="allocation",
        params={"budget": budget, "forecast_run": forecast.pk, "cities": province},
    )
    assert run.status == Status.SUCCEEDED, run.error
    parts = list(run.parts.order_by("partition"))
    city_budgets = {p.partition: p.result["budget"] for p in parts}
    assert sum(city_budgets.values()) == pytest.approx(budget)
    # Each city keeps its committed supply (8 cells at 100 each) and shares the rest.
    assert all(b >= 800 - 1e-6 for b in city_budgets.values())
    assert run.result["summary"]["budget"] == pytest.approx(budget)
    assert run.result["summary"]["city_budgets"] == city_budgets
    assert run.result["summary"]["tau_used"] == min(p.result["summary"]["tau_used"] for p in parts)
    for part in parts:
        spent = part.result["summary"]["spent"]
        assert spent <= city_budgets[part.partition] + 1e-6
        assert run.allocation_lines.filter(community__city__adcode=part.partition).exists()
    summary = run.result["summary"]
    assert summary["spent"] == pytest.approx(sum(p.result["summary"]["spent"] for p in parts))
    assert summary["whole_units"] is True
    lines = list(run.allocation_lines.values_list("community__code", "category__code", "provider"))
    assert len(lines) == len(set(lines))
    covered = {row["metric"]: row["lp"] for row in run.result["comparison"]}
    assert covered["total_covered"] == pytest.approx(
        sum(c["covered_after"] for c in run.result["communities"])
    )

    # Explicit budgets per city are used as given.
    given = {province[0]: 1500.0, province[1]: 2500.0}
    explicit = actions.analysis_run_now(
        kind="allocation",
        params={
            "budget": budget,
            "forecast_run": forecast.pk,
            "cities": province,
            "city_budgets": given,
        },
    )
    assert explicit.status == Status.SUCCEEDED, explicit.error
    assert {p.partition: p.result["budget"] for p in explicit.parts.all()} == given
    assert explicit.result["summary"]["city_budgets"] == given


def test_the_api_checks_budgets_per_city(province, client):
    from tests.factories import api_client

    forecast = actions.analysis_run_now(kind="forecast", params={"horizon": 1, "cities": province})
    admin = AdministratorFactory()

    def post(params):
        return api_client(admin).post(
            "/api/v1/analysis-runs/",
            {"kind": "allocation", "params": {"forecast_run": forecast.pk, **params}},
            format="json",
        )

    too_much = post(
        {"budget": 3000, "cities": province, "city_budgets": {province[0]: 2000, province[1]: 2000}}
    )
    assert too_much.status_code == 400
    assert "city_budgets" in str(too_much.json())
    missing = post({"budget": 5000, "cities": province, "city_budgets": {province[0]: 2000}})
    assert missing.status_code == 400 and province[1] in str(missing.json())
    below = post(
        {"budget": 5000, "cities": province, "city_budgets": {province[0]: 100, province[1]: 4000}}
    )
    assert below.status_code == 400 and province[0] in str(below.json())
    caps = post({"budget": 5000, "cities": province, "category_budgets": {"school_enrolment": 900}})
    assert caps.status_code == 400 and "category_budgets" in str(caps.json())


def test_the_commands_split_a_run_by_city_when_asked(province):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("forecast_demand", "--horizon", "1", "--cities", stdout=out)
    run = AnalysisRun.objects.filter(kind="forecast").latest("pk")
    assert sorted(run.parts.values_list("partition", flat=True)) == sorted(province)
    assert f"Forecast run #{run.pk}: 16 series" in out.getvalue()
    call_command("build_portraits", "--cities", province[0], stdout=StringIO())
    whole = AnalysisRun.objects.filter(kind="portraits").latest("pk")
    assert whole.params["cities"] == [province[0]] and not whole.parts.exists()


def test_the_allocation_command_takes_a_budget_per_city(province):
    from django.core.management import CommandError, call_command

    forecast = actions.analysis_run_now(kind="forecast", params={"horizon": 1, "cities": province})
    assert forecast.status == Status.SUCCEEDED, forecast.error
    call_command(
        "recommend_allocation",
        "--budget",
        "4000",
        "--cities",
        *province,
        "--city-budget",
        f"{province[0]}=1500",
        "--city-budget",
        f"{province[1]}=2500",
        stdout=io.StringIO(),
    )
    run = AnalysisRun.objects.filter(kind="allocation").latest("id")
    assert {p.partition: p.result["budget"] for p in run.parts.all()} == {
        province[0]: 1500.0,
        province[1]: 2500.0,
    }
    with pytest.raises(CommandError, match="write a city code"):
        call_command("recommend_allocation", "--budget", "4000", "--city-budget", "1500")
    with pytest.raises(CommandError, match="city_budgets"):
        call_command(
            "recommend_allocation",
            "--budget",
            "4000",
            "--cities",
            *province,
            "--city-budget",
            f"{province[0]}=1500",
        )
