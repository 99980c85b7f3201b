"""Runs that cannot hang, against real processes: the broker down when a run is queued, the
broker restarted without persistence while a run waits, and a worker SIGKILLed whole while
it computes. Every run ends succeeded or failed within the sweeper's period, and its rows are
written once.

Each test has a broker of its own (a throwaway redis-server with no persistence) and workers
with celery beat inside, on short lifecycle periods (``worker_process.FAST_LIFECYCLE``).
Needs PostgreSQL and a Celery broker configured (CI: ``.ci/run``, where these must run);
skipped on the embedded default.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db import connection

from analytics import actions
from analytics.models import AnalysisRun
from analytics.tasks import analysis_run_execute_task
from residents.models import City, Region
from residents.reference import sync_cities
from tests.analytics.worker_process import (
    FAST_LIFECYCLE,
    RedisServer,
    Worker,
    app_broker,
    wait_for,
)
from tests.factories import AdministratorFactory, api_client

pytestmark = [
    pytest.mark.celery_worker,
    # serialized_rollback: the flush after these tests must not re-create the content types
    # that the next serialized test restores (they would collide on PostgreSQL).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL or connection.vendor != "postgresql",
        reason="needs a Celery broker and PostgreSQL (set CELERY_BROKER_URL and DATABASE_URL)",
    ),
]

Status = AnalysisRun.Status
LIST = "/api/v1/analysis-runs/"
SWEEP = float(FAST_LIFECYCLE["RUN_SWEEP_SECONDS"])
STALE = float(FAST_LIFECYCLE["RUN_STALE_AFTER_SECONDS"])
# A worker process takes a few seconds to start (Django, pandas, scikit-learn).
STARTUP = 20.0


@pytest.fixture
def redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def workers(tmp_path, redis):
    started: list[Worker] = []

    def start() -> Worker:
        worker = Worker(redis.url, tmp_path)
        worker.start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture(autouse=True)
def _reference_data():
    # An earlier transactional test may have flushed the reference data the migrations load.
    sync_cities(Region, City)


def _finished(run_id: int) -> AnalysisRun | None:
    return AnalysisRun.objects.filter(
        pk=run_id, status__in=[Status.SUCCEEDED, Status.FAILED]
    ).first()


def _rows_written_once(run: AnalysisRun) -> None:
    assert run.city_scores.count() == run.result["n_city_years"]


def test_broker_down_at_queue_time_answers_503_and_leaves_no_queued_run(redis):
    redis.stop()
    admin = AdministratorFactory()
    with app_broker(redis.url):
        started = time.monotonic()
        response = api_client(admin).post(
            LIST, {"kind": "equalization", "params": {}}, format="json"
        )
        waited = time.monotonic() - started

    assert response.status_code == 503, response.content
    assert int(response["Retry-After"]) > 0
    assert waited < 10, "the request gave up on the broker quickly"
    assert not AnalysisRun.objects.exclude(status=Status.FAILED).exists()
    run = AnalysisRun.objects.get()
    assert run.error == actions.NOT_QUEUED_ERROR


def test_broker_restarted_without_persistence_the_lost_run_is_queued_again(redis, workers):
    admin = AdministratorFactory()
    with app_broker(redis.url):
        response = api_client(admin).post(
            LIST, {"kind": "equalization", "params": {}}, format="json"
        )
    assert response.status_code == 202
    run_id = response.json()["id"]
    # The broker restarts empty before any worker took the message.
    redis.stop()
    redis.start()
    restarted_at = time.monotonic()
    # Once the run has waited past the stale limit, a worker (with its beat) comes up.
    time.sleep(STALE)
    workers()

    finished = wait_for(
        lambda: _finished(run_id), timeout=STARTUP + SWEEP + 60, poll=0.2, what="the run"
    )
    print(f"succeeded {time.monotonic() - restarted_at:.1f} s after the broker restarted")
    assert finished.status == Status.SUCCEEDED, finished.error
    assert finished.attempts == 1
    _rows_written_once(finished)


def test_worker_sigkilled_whole_the_run_is_failed_within_the_sweepers_period(redis, workers):
    run = AnalysisRun.objects.create(kind=AnalysisRun.Kind.EQUALIZATION, params={})
    victim = workers()
    with app_broker(redis.url):
        analysis_run_execute_task.apply_async(args=[run.pk])

    def running():
        current = AnalysisRun.objects.get(pk=run.pk)
        assert current.status != Status.SUCCEEDED, "finished before it was killed"
        return current if current.status == Status.RUNNING else None

    wait_for(running, timeout=STARTUP + 30, poll=0.01, what="the run to start")
    victim.kill()  # the whole worker: its message stays unacknowledged, nothing redelivers it
    killed_at = time.monotonic()
    workers()  # the operator's restart (or another machine's worker) brings beat back

    failed = wait_for(
        lambda: _finished(run.pk), timeout=STARTUP + STALE + SWEEP + 10, poll=0.2, what="the sweep"
    )
    took = time.monotonic() - killed_at
    print(f"failed {took:.1f} s after the kill (stale after {STALE} s, sweep every {SWEEP} s)")
    assert (failed.status, failed.error) == (Status.FAILED, actions.WORKER_LOST_ERROR)
    assert took <= STARTUP + STALE + SWEEP + 10
    assert failed.city_scores.count() == 0  # nothing half written

    # The killed attempt's message comes back (after the visibility timeout, or as a
    # duplicate): the failed run is left as it is.
    with app_broker(redis.url):
        analysis_run_execute_task.apply_async(args=[run.pk])
    time.sleep(3)
    again = AnalysisRun.objects.get(pk=run.pk)
    assert (again.status, again.attempts, again.finished_at) == (
        Status.FAILED,
        failed.attempts,
        failed.finished_at,
    )
    assert again.city_scores.count() == 0
