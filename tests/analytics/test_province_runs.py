"""Province runs (runs split by city, issue 16): parts created and executed once each, the
run's progress the mean of its parts', the merge written once, a redelivered part or merge
doing nothing, and a whole run unchanged. Eager (no broker): the chord runs in-process; the
real workers are in test_province_workers.py."""

from __future__ import annotations

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
