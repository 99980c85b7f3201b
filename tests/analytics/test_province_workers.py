"""A province run on two real worker processes (issue 16): its parts run on both workers,
and a worker SIGKILLed in the middle of a part loses nothing and applies nothing twice: the
run still succeeds, each city's forecasts are written once, and the merged result is the one
a run no worker died in gives.

Each test has a broker of its own (a throwaway redis-server) and two workers with celery beat
inside (the sweeper on short periods, ``worker_process.FAST_LIFECYCLE``). Needs PostgreSQL and
a Celery broker configured (CI: ``.ci/run``); skipped on the embedded default.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db import connection

from analytics import actions
from analytics.models import AnalysisRun, AnalysisRunPart, DemandForecast
from residents.models import City, Region
from residents.reference import sync_cities
from tests.analytics import province_city
from tests.analytics.worker_process import (
    FAST_LIFECYCLE,
    RedisServer,
    Worker,
    app_broker,
    wait_for,
)
from tests.factories import AdministratorFactory

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL or connection.vendor != "postgresql",
        reason="needs a Celery broker and PostgreSQL (set CELERY_BROKER_URL and DATABASE_URL)",
    ),
]

Status = AnalysisRun.Status
PartStatus = AnalysisRunPart.Status
SWEEP = float(FAST_LIFECYCLE["RUN_SWEEP_SECONDS"])
STALE = float(FAST_LIFECYCLE["RUN_STALE_AFTER_SECONDS"])
STARTUP = 40.0  # two worker processes starting at once on a shared machine
CITIES = 4


@pytest.fixture
def redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def two_workers(tmp_path, redis):
    workers = [Worker(redis.url, tmp_path, name=name) for name in ("prov-a", "prov-b")]
    for worker in workers:
        worker.start()
    from config.celery import app

    with app_broker(redis.url):
        wait_for(
            lambda: len(app.control.ping(timeout=1.0) or []) >= len(workers),
            timeout=STARTUP + 30,
            poll=0.5,
            what="both workers to answer",
        )
    yield workers
    for worker in workers:
        worker.stop()


@pytest.fixture
def province():
    sync_cities(Region, City)
    return province_city.seed(cities=CITIES)


def _start(redis, admin, codes) -> int:
    with app_broker(redis.url):
        run = actions.analysis_run_start(
            kind="forecast", params={"horizon": 1, "cities": codes}, user=admin
        )
    return run.pk


def _finished(run_id: int) -> AnalysisRun | None:
    return AnalysisRun.objects.filter(
        pk=run_id, status__in=[Status.SUCCEEDED, Status.FAILED]
    ).first()


def _without_seconds(value):
    """A result without its timings (they differ from run to run)."""
    if isinstance(value, dict):
        return {k: _without_seconds(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_without_seconds(v) for v in value]
    return value


def _forecasts(run_id: int) -> list[tuple]:
    return list(
        DemandForecast.objects.filter(run_id=run_id)
        .order_by("community__code", "category__code", "period")
        .values_list("community__code", "category__code", "period", "forecast", "lower", "upper")
    )


def test_a_province_run_survives_a_worker_killed_mid_part(redis, two_workers, province):
    admin = AdministratorFactory()
    series_per_city = 4 * 2  # communities x services, one month ahead

    # Unkilled: the parts run on both workers and the run is merged once.
    reference_id = _start(redis, admin, province)
    reference = wait_for(
        lambda: _finished(reference_id), timeout=STARTUP + 240, poll=0.5, what="the first run"
    )
    assert reference.status == Status.SUCCEEDED, reference.error
    parts = list(reference.parts.all())
    assert {p.status for p in parts} == {PartStatus.SUCCEEDED}
    assert {p.worker_host for p in parts} == {w.name for w in two_workers}, "both workers"
    assert DemandForecast.objects.filter(run=reference).count() == CITIES * series_per_city

    # Killed: one worker dies, whole, while it computes a part.
    victim, survivor = two_workers
    run_id = _start(redis, admin, province)

    def victim_computing():
        part = AnalysisRunPart.objects.filter(
            run_id=run_id, status=PartStatus.RUNNING, worker_host=victim.name
        ).first()
        assert not _finished(run_id), "the run finished before a part could be interrupted"
        return part

    killed_part = wait_for(victim_computing, timeout=120, poll=0.01, what="a part on the victim")
    victim.kill()
    killed_at = time.monotonic()

    finished = wait_for(
        lambda: _finished(run_id), timeout=STALE + 4 * SWEEP + 240, poll=0.5, what="the run"
    )
    print(f"succeeded {time.monotonic() - killed_at:.1f} s after the kill")
    assert finished.status == Status.SUCCEEDED, finished.error
    retried = AnalysisRunPart.objects.get(pk=killed_part.pk)
    assert retried.status == PartStatus.SUCCEEDED
    assert retried.attempts == 2
    assert retried.worker_host == survivor.name
    # Each city's forecasts written once, and the same as the unkilled run's.
    for code in province:
        assert (
            DemandForecast.objects.filter(run_id=run_id, community__city__adcode=code).count()
            == series_per_city
        )
    assert _forecasts(run_id) == _forecasts(reference_id)
    assert _without_seconds(finished.result) == _without_seconds(reference.result)
