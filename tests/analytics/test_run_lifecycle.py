"""The generic life of a run: what happens when people leave, when the broker is down, when a
run is lost or its worker dies. Data SYNTHETIC."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from analytics import actions, queries, runs
from analytics.actions import analysis_run_now
from analytics.models import AnalysisRun, ResidentSegment
from analytics.tasks import analysis_run_execute_task
from residents.actions import resident_erase
from tests.factories import (
    AdministratorFactory,
    ResidentFactory,
    ServiceRequestFactory,
    api_client,
    make_world,
)

pytestmark = pytest.mark.django_db

Status = AnalysisRun.Status
LIST = "/api/v1/analysis-runs/"


def _city_with_requests(n: int = 40):
    world = make_world()
    residents = []
    for i in range(n):
        resident = ResidentFactory(
            community=world.home if i % 2 else world.other, birth_year=1940 + i
        )
        ServiceRequestFactory(resident=resident, history=False)
        residents.append(resident)
    return world, residents


@pytest.mark.slow  # a real portraits run
def test_a_portraits_run_succeeds_after_a_resident_erased_their_account():
    world, residents = _city_with_requests()
    resident_erase(user=world.admin, resident=residents[3])
    resident_erase(user=world.resident_owner, resident=world.owner_profile)

    run = analysis_run_now(kind="portraits", params={})

    assert run.status == Status.SUCCEEDED, run.error
    segmented = set(ResidentSegment.objects.filter(run=run).values_list("resident_id", flat=True))
    assert residents[3].pk not in segmented and world.owner_profile.pk not in segmented
    assert residents[4].pk in segmented


# The broker down when a run is queued ---------------------------------------------------------

# Real commits: a run is handed to the broker when its row is committed.
COMMITTED = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@COMMITTED
def test_the_api_answers_503_with_retry_after_and_leaves_no_queued_run(broker_down):
    admin = AdministratorFactory()
    response = api_client(admin).post(LIST, {"kind": "portraits", "params": {}}, format="json")

    assert response.status_code == 503
    assert response["Retry-After"] == str(actions.QUEUE_RETRY_AFTER_SECONDS)
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert "task queue cannot be reached" in body["detail"]
    assert broker_down, "it did try the broker"
    assert not AnalysisRun.objects.filter(status__in=[Status.QUEUED, Status.RUNNING]).exists()
    run = AnalysisRun.objects.get()
    assert (run.status, run.error) == (Status.FAILED, actions.NOT_QUEUED_ERROR)
    assert run.finished_at is not None
    # The failure is visible where the run is read.
    shown = api_client(admin).get(f"{LIST}{run.pk}/").json()
    assert shown["status"] == "failed" and shown["error"] == actions.NOT_QUEUED_ERROR


@COMMITTED
def test_the_page_says_the_queue_is_unreachable_in_the_readers_language(client, broker_down):
    admin = AdministratorFactory()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("analytics:run_list", kwargs={"kind": "portraits"})

    page = client.post(url, {})

    assert page.status_code == 503
    assert page["Retry-After"] == str(actions.QUEUE_RETRY_AFTER_SECONDS)
    run = AnalysisRun.objects.get()
    assert run.status == Status.FAILED
    assert f"run #{run.pk} could not be started" in page.content.decode()
    detail = client.get(f"/zh-hans{reverse('analytics:run_detail', kwargs={'pk': run.pk})}")
    assert actions.NOT_QUEUED_ERROR not in detail.content.decode()
    assert "任务队列" in detail.content.decode()


@COMMITTED
def test_failed_and_stuck_what_ifs_do_not_count_against_the_allowance(broker_down, settings):
    settings.WHAT_IF_RUNS_IN_FLIGHT = 1
    world = make_world()
    post = {"kind": "what_if", "params": {"community": world.home.code, "schools_added": 1}}
    for _ in range(3):  # each one fails to queue, so none holds the place
        response = api_client(world.worker_assigned).post(LIST, post, format="json")
        assert response.status_code == 503
    assert AnalysisRun.objects.filter(status=Status.FAILED).count() == 3


def test_what_counts_as_in_flight():
    long_ago = timezone.now() - timedelta(seconds=settings.RUN_STALE_AFTER_SECONDS + 1)
    queued = AnalysisRun.objects.create(kind="what_if", status=Status.QUEUED)
    working = AnalysisRun.objects.create(
        kind="what_if", status=Status.RUNNING, heartbeat_at=timezone.now()
    )
    silent = AnalysisRun.objects.create(
        kind="what_if", status=Status.RUNNING, heartbeat_at=long_ago
    )
    never_started = AnalysisRun.objects.create(
        kind="what_if",
        status=Status.QUEUED,
        created_at=timezone.now() - timedelta(seconds=settings.RUN_QUEUED_TIMEOUT_SECONDS + 1),
    )
    failed = AnalysisRun.objects.create(kind="what_if", status=Status.FAILED)
    in_flight = set(queries.runs_in_flight().values_list("pk", flat=True))
    assert queued.pk in in_flight and working.pk in in_flight
    assert not {silent.pk, never_started.pk, failed.pk} & in_flight


# The sweeper ---------------------------------------------------------------------------------


def _ago(seconds: float):
    return timezone.now() - timedelta(seconds=seconds)


@pytest.fixture
def published(monkeypatch):
    """The run ids handed to the broker (held there: no worker runs them)."""
    sent = []
    monkeypatch.setattr(
        analysis_run_execute_task, "apply_async", lambda args, **kwargs: sent.append(args[0])
    )
    return sent


def test_the_sweeper_fails_runs_whose_worker_went_silent(published):
    stale = settings.RUN_STALE_AFTER_SECONDS + 1
    silent = AnalysisRun.objects.create(
        kind="forecast",
        status=Status.RUNNING,
        attempts=1,
        started_at=_ago(stale * 3),
        heartbeat_at=_ago(stale),
        worker_host="another-machine",
        worker_pid=4242,
        progress=15,
    )
    alive = AnalysisRun.objects.create(
        kind="forecast",
        status=Status.RUNNING,
        attempts=1,
        started_at=_ago(stale * 3),
        heartbeat_at=timezone.now(),
        worker_host="another-machine",
        worker_pid=4243,
    )

    assert actions.analysis_runs_sweep() == {"failed": 1, "requeued": 0}

    silent.refresh_from_db()
    alive.refresh_from_db()
    assert (silent.status, silent.error) == (Status.FAILED, actions.WORKER_LOST_ERROR)
    assert alive.status == Status.RUNNING
    assert published == []


def test_the_sweeper_queues_again_a_run_whose_message_was_lost(published):
    stale = settings.RUN_STALE_AFTER_SECONDS + 1
    lost = AnalysisRun.objects.create(
        kind="forecast", status=Status.QUEUED, created_at=_ago(stale), queued_at=_ago(stale)
    )
    just_queued = AnalysisRun.objects.create(
        kind="forecast", status=Status.QUEUED, queued_at=timezone.now()
    )
    never_started = AnalysisRun.objects.create(
        kind="forecast",
        status=Status.QUEUED,
        created_at=_ago(settings.RUN_QUEUED_TIMEOUT_SECONDS + 1),
        queued_at=_ago(stale),
    )

    assert actions.analysis_runs_sweep() == {"failed": 1, "requeued": 1}

    assert published == [lost.pk]
    lost.refresh_from_db()
    assert lost.status == Status.QUEUED and lost.queued_at > _ago(5)
    just_queued.refresh_from_db()
    assert just_queued.status == Status.QUEUED
    never_started.refresh_from_db()
    assert (never_started.status, never_started.error) == (
        Status.FAILED,
        actions.NEVER_STARTED_ERROR,
    )
    # Swept again at once: the re-queued run is waiting again, not lost.
    assert actions.analysis_runs_sweep() == {"failed": 0, "requeued": 0}


# Deliveries of one run: effects once ---------------------------------------------------------


@pytest.fixture
def fake_runner(monkeypatch):
    def install(function):
        # The executor gets the function itself, whatever it returns (no typed result).
        monkeypatch.setattr(runs, "runner_for", lambda kind: function)

    return install


def test_a_duplicate_message_leaves_a_run_another_live_worker_computes(fake_runner):
    def runner_never_called(run, progress):
        raise AssertionError("a second worker computed the run")

    fake_runner(runner_never_called)
    run = AnalysisRun.objects.create(
        kind="forecast",
        status=Status.RUNNING,
        attempts=1,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        worker_host="another-machine",
        worker_pid=4242,
    )
    actions.analysis_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.attempts, run.worker_host) == (Status.RUNNING, 1, "another-machine")


def test_a_redelivery_after_the_worker_process_died_computes_the_run(fake_runner):
    def runner_fine(run, progress):
        return {"ok": True}

    fake_runner(runner_fine)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    run = AnalysisRun.objects.create(
        kind="forecast",
        status=Status.RUNNING,
        attempts=1,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),  # killed a moment ago
        worker_host=socket.gethostname(),
        worker_pid=dead.pid,
    )
    actions.analysis_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.attempts, run.worker_pid) == (Status.SUCCEEDED, 2, os.getpid())


def test_a_worker_that_comes_back_after_the_sweeper_failed_its_run_writes_nothing(fake_runner):
    def runner_outlived_by_the_sweeper(run, progress):
        # The worker stalls past the stale limit; meanwhile the sweeper gives up on it.
        AnalysisRun.objects.filter(pk=run.pk).update(
            heartbeat_at=_ago(settings.RUN_STALE_AFTER_SECONDS + 1), worker_host="elsewhere"
        )
        assert actions.analysis_runs_sweep()["failed"] == 1

        def write(stored_run):
            raise AssertionError("a failed run's rows were written")

        return {"late": True}, write

    fake_runner(runner_outlived_by_the_sweeper)
    run = actions.analysis_run_now(kind="forecast", params={})
    assert (run.status, run.error, run.result) == (
        Status.FAILED,
        actions.WORKER_LOST_ERROR,
        None,
    )


@COMMITTED  # the heartbeat thread writes on its own connection
def test_the_heartbeat_says_the_run_is_alive_while_it_computes(fake_runner, settings):
    def runner_slow(run, progress):
        before = AnalysisRun.objects.get(pk=run.pk).heartbeat_at
        time.sleep(0.5)
        return {"beat": AnalysisRun.objects.get(pk=run.pk).heartbeat_at > before}

    fake_runner(runner_slow)
    run = AnalysisRun.objects.create(kind="forecast", params={})
    run = actions.analysis_run_execute(run_id=run.pk, heartbeat_seconds=0.1)
    assert run.status == Status.SUCCEEDED and run.result == {"beat": True}


@COMMITTED  # the heartbeat thread writes on its own connection
def test_a_run_computed_by_a_command_is_not_failed_by_the_sweeper_while_it_computes(
    fake_runner, settings
):
    settings.RUN_HEARTBEAT_SECONDS = 0.1
    settings.RUN_STALE_AFTER_SECONDS = 0.6

    def runner_long_and_silent(run, progress):
        time.sleep(1.2)  # no progress reported for twice the stale limit
        return {"swept": actions.analysis_runs_sweep()}

    fake_runner(runner_long_and_silent)
    run = actions.analysis_run_now(kind="forecast", params={})
    assert run.status == Status.SUCCEEDED, run.error
    assert run.result == {"swept": {"failed": 0, "requeued": 0}}
