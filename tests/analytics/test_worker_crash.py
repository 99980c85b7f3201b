"""No lost work with a real broker and worker: a worker process killed in the middle of an
analysis run does not lose the run, and the run takes effect exactly once.

Needs ``CELERY_BROKER_URL`` and PostgreSQL (the worker is a separate process, so it must see
the test database); CI provides both and refuses to run without them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from analytics.models import AnalysisRun
from analytics.tasks import analysis_run_execute_task
from config.celery import worker_argv
from residents.models import City, Region
from residents.reference import sync_cities

ROOT = Path(__file__).resolve().parents[2]

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


def _test_database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_queue():
    from config.celery import app

    app.conf.task_always_eager = False  # the unit-test default; here a real worker runs tasks
    queue = f"crash-test-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, DATABASE_URL=_test_database_url(), DATABASE_CONN_MAX_AGE="0")
    process = subprocess.Popen(
        worker_argv(queues=[queue], hostname=f"{queue}@%h"),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield queue
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(predicate, timeout: float, poll: float = 0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError("timed out waiting for the worker")


def test_killed_worker_process_loses_no_run_and_the_run_takes_effect_once(worker_queue):
    # An earlier transactional test may have flushed the reference data the migrations load.
    sync_cities(Region, City)
    run = AnalysisRun.objects.create(kind=AnalysisRun.Kind.EQUALIZATION, params={})
    analysis_run_execute_task.apply_async(args=[run.pk], queue=worker_queue)

    def first_attempt_running():
        current = AnalysisRun.objects.get(pk=run.pk)
        if current.status == AnalysisRun.Status.RUNNING and current.worker_pid:
            return current
        assert current.status != AnalysisRun.Status.SUCCEEDED, "finished before it was killed"
        return None

    running = _wait_for(first_attempt_running, timeout=60)
    assert running.attempts == 1
    os.kill(running.worker_pid, signal.SIGKILL)

    finished = _wait_for(
        lambda: AnalysisRun.objects.filter(pk=run.pk, status__in=["succeeded", "failed"]).first(),
        timeout=120,
        poll=0.2,
    )
    assert finished.status == AnalysisRun.Status.SUCCEEDED, finished.error
    assert finished.attempts == 2, "the killed attempt was redelivered and run again"
    assert finished.worker_pid != running.worker_pid
    assert finished.result
    # The rows the run writes exist once, not once per attempt.
    assert finished.city_scores.count() == finished.result["n_city_years"]

    # A further delivery of the same message (a duplicate) changes nothing.
    analysis_run_execute_task.apply_async(args=[run.pk], queue=worker_queue)
    time.sleep(2)
    again = AnalysisRun.objects.get(pk=run.pk)
    assert (again.attempts, again.finished_at) == (finished.attempts, finished.finished_at)
    assert again.city_scores.count() == finished.result["n_city_years"]
