"""Writes for analysis runs: start one (queued after commit) and execute one (from a task)."""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django import db
from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from kombu.exceptions import OperationalError as KombuOperationalError

from analytics import kinds, partitions, queries, runs
from analytics.engine.equalization.schema import (
    CITY_COLUMN,
    YEAR_COLUMN,
    panel_fingerprint,
    read_panel_csv,
    validate_panel,
)
from analytics.engine.errors import EngineInputError
from analytics.models import (
    AllocationPlan,
    AnalysisRun,
    AnalysisRunPart,
    PanelDataset,
    PanelRow,
)
from core.errors import ActionNotAllowed, LimitReached, ServiceUnavailable
from core.roles import is_administrator
from core.rows import spreadsheet_rows
from geography import load_prefecture_cities
from residents.models import City
from residents.queries import answers_for_everything
from services.actions import CapacityLine, supply_capacities_write
from services.models import CapacityChange, SupplyCapacity

logger = logging.getLogger(__name__)


WHAT_IF_RETRY_AFTER_SECONDS = 30
QUEUE_RETRY_AFTER_SECONDS = 60

# What a run's error says when its life, not its computation, went wrong. Stored in English
# and worded in the reader's language where shown.
NOT_QUEUED_ERROR = gettext_noop(
    "The run could not be queued because the task queue was unreachable; start it again."
)
WORKER_LOST_ERROR = gettext_noop(
    "The worker computing this run stopped responding; start the run again."
)
NEVER_STARTED_ERROR = gettext_noop("No worker started this run in time; start it again.")
INTERNAL_ERROR = gettext_noop(
    "The run failed with an internal error; it has been logged for the operators."
)
NOT_STORED_ERROR = gettext_noop(
    "The result could not be stored; it has been logged for the operators."
)
# The broker cannot be reached: kombu's OperationalError, or the socket error itself.
BROKER_ERRORS = (KombuOperationalError, OSError)


def _check_what_if_allowance(user) -> None:
    limit = settings.WHAT_IF_RUNS_IN_FLIGHT
    in_flight = (
        queries.runs_in_flight().filter(kind=AnalysisRun.Kind.WHAT_IF, created_by=user).count()
    )
    if in_flight >= limit:
        raise LimitReached(
            ngettext(
                "You already have %(count)d what-if scenario being computed; start another "
                "when it has finished.",
                "You already have %(count)d what-if scenarios being computed; start another "
                "when one has finished.",
                in_flight,
            )
            % {"count": in_flight},
            retry_after=WHAT_IF_RETRY_AFTER_SECONDS,
        )


def _publish(run_id: int) -> bool:
    """Hand the run's task to the broker (with no broker, run it here): a province run's
    parts as one Celery chord (a group of part tasks, then the merge step). False when the
    broker cannot be reached, after the short retry of ``CELERY_TASK_PUBLISH_RETRY_POLICY``."""
    from celery import chord, group

    from analytics.tasks import (
        analysis_run_execute_task,
        analysis_run_merge_task,
        analysis_run_part_execute_task,
    )

    part_ids = list(
        AnalysisRunPart.objects.filter(run_id=run_id)
        .order_by("partition")
        .values_list("pk", flat=True)
    )
    try:
        if part_ids and (settings.CELERY_RESULT_BACKEND or settings.CELERY_TASK_ALWAYS_EAGER):
            chord(
                [analysis_run_part_execute_task.si(part_id) for part_id in part_ids],
                analysis_run_merge_task.si(run_id),
            ).apply_async(retry=True)
        elif part_ids:
            # No result backend for a chord to count its parts in: the parts alone, and the
            # sweeper merges the run once they have all succeeded.
            group(analysis_run_part_execute_task.si(part_id) for part_id in part_ids).apply_async(
                retry=True
            )
        else:
            analysis_run_execute_task.apply_async(args=[run_id], retry=True)
    except BROKER_ERRORS as exc:
        logger.warning(
            "analysis run %s: the broker is unreachable (%s)", run_id, exc.__class__.__name__
        )
        return False
    return True


def _fail_unless_finished(
    run_id: int, error: str, *, only_if=None, error_parts=None, partition: str = ""
) -> bool:
    """Mark a run failed unless it has finished meanwhile (or, with ``only_if``, unless it no
    longer matches that check, read under the row lock). True if it was marked. ``partition``:
    the part of a province run that failed it (kept in its timings, named on its page)."""
    with transaction.atomic():
        run = AnalysisRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.is_finished or (only_if is not None and not only_if(run)):
            return False
        run.status = AnalysisRun.Status.FAILED
        run.error = error
        run.error_parts = error_parts or []
        run.finished_at = timezone.now()
        if partition:
            run.timings = {**(run.timings or {}), "failed_part": partition}
        run.save(update_fields=["status", "error", "error_parts", "finished_at", "timings"])
    return True


def _queue_or_fail(run_id: int) -> None:
    if not _publish(run_id):
        _fail_unless_finished(run_id, NOT_QUEUED_ERROR)
        raise ServiceUnavailable(
            _(
                "The task queue cannot be reached just now, so run #%(id)s could not be "
                "started (it is marked failed). Try again in a minute."
            )
            % {"id": run_id},
            retry_after=QUEUE_RETRY_AFTER_SECONDS,
        )


def analysis_run_start(*, kind: str, params: dict[str, Any], user=None) -> AnalysisRun:
    """Record a run and queue it once its row is committed.

    A user may have only ``WHAT_IF_RUNS_IN_FLIGHT`` what-ifs in flight at once
    (``LimitReached`` beyond that); other kinds are started by administrators only. When the
    broker cannot be reached the run is marked failed, with that reason, and
    ``ServiceUnavailable`` is raised (after the surrounding transaction commits): no run is
    left queued with no message behind it.

    ``user`` ``None`` is the site itself (scheduled runs, the demo's seed); a user must be
    allowed to start this kind (``queries.may_start_kind``): the API's and the pages' checks
    are the same rule, and the action holds it too, as the one write path."""
    if user is not None and not queries.may_start_kind(user, kind):
        raise ActionNotAllowed(
            _(
                "Only administrators may start analysis runs or approve plans; community "
                "workers may start what-if scenarios."
            )
        )
    with transaction.atomic():
        if kind == AnalysisRun.Kind.WHAT_IF and user is not None:
            _check_what_if_allowance(user)
        run = AnalysisRun.objects.create(
            kind=kind, params=params, created_by=user, queued_at=timezone.now()
        )
        _parts_create(run)
        transaction.on_commit(partial(_queue_or_fail, run.pk), robust=False)
    return run


def _parts_create(run: AnalysisRun) -> list[AnalysisRunPart]:
    """A province run's parts, one per partition it names (none for a run that is not split,
    or whose kind cannot be)."""
    if not partitions.is_partitioned(run.params):
        return []
    if kinds.get(run.kind).partitioned is None:
        return []
    now = timezone.now()
    return AnalysisRunPart.objects.bulk_create(
        [
            AnalysisRunPart(run=run, partition=key, queued_at=now)
            for key in partitions.keys_of(run.params)
        ]
    )


def _worker_alive(run: AnalysisRun) -> bool:
    """Whether the worker that claimed ``run`` may still be computing it: its heartbeat is
    recent and, when it ran on this machine, its process still exists."""
    if run.heartbeat_at is None or run.heartbeat_at < _stale_before():
        return False
    if run.worker_host == socket.gethostname() and run.worker_pid:
        try:
            os.kill(run.worker_pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
    return True


def _stale_before() -> datetime:
    return timezone.now() - timedelta(seconds=settings.RUN_STALE_AFTER_SECONDS)


def _claim(run_id: int) -> AnalysisRun | None:
    """Take the run for this process: a queued one, or a running one whose worker died (a
    redelivery after a crash). A finished run, or one another live worker is computing (a
    duplicate message), is left alone (``None``)."""
    with transaction.atomic():
        run = AnalysisRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.is_finished:
            return None
        if run.status == AnalysisRun.Status.RUNNING and _worker_alive(run):
            return None
        now = timezone.now()
        run.status = AnalysisRun.Status.RUNNING
        run.attempts += 1
        run.started_at = now
        run.heartbeat_at = now
        run.worker_pid = os.getpid()
        run.worker_host = socket.gethostname()[:200]
        run.progress = 0
        run.save(
            update_fields=[
                "status",
                "attempts",
                "started_at",
                "heartbeat_at",
                "worker_pid",
                "worker_host",
                "progress",
            ]
        )
        return run


def _beat(run_id: int, attempt: int) -> int:
    return AnalysisRun.objects.filter(
        pk=run_id, status=AnalysisRun.Status.RUNNING, attempts=attempt
    ).update(heartbeat_at=timezone.now())


@contextmanager
def _heartbeat(run_id: int, attempt: int, every: float | None, beat_once=None):
    """While the body runs, say every ``every`` seconds that this attempt is alive (a thread,
    so a long engine step with no progress report still counts as alive). Dies with the
    process, which is the point. ``beat_once``: how to say it (default: the run's)."""
    beat_once = beat_once or _beat
    if not every:
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(every):
                try:
                    beat_once(run_id, attempt)
                except Exception:  # a missed beat is retried; the run goes on
                    logger.warning("analysis run %s: heartbeat not stored", run_id)
        finally:
            db.connection.close()

    thread = threading.Thread(target=beat, name=f"run-{run_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 5)


def _progress_reporter(run_id: int):
    def report(percent: int, message: str = "") -> None:
        AnalysisRun.objects.filter(pk=run_id, status=AnalysisRun.Status.RUNNING).update(
            progress=max(0, min(100, int(percent))),
            progress_message=message[:200],
            heartbeat_at=timezone.now(),
        )

    return report


def _finish(run_id: int, **fields: Any) -> bool:
    """Store the outcome unless another delivery of the same run already did."""
    writes = fields.pop("writes", None)
    with transaction.atomic():
        run = AnalysisRun.objects.select_for_update().get(pk=run_id)
        if run.is_finished:
            return False
        for name, value in fields.items():
            setattr(run, name, value)
        run.finished_at = timezone.now()
        run.save()
        if writes is not None:
            writes(run)
    return True


def _json_safe(value: Any) -> Any:
    """Results are stored as JSON: numpy scalars become Python numbers, NaN and infinities
    become null (an engine may report "no value" that way, e.g. a gap with no rural
    communities)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def analysis_run_execute(*, run_id: int, heartbeat_seconds: float | None = None) -> AnalysisRun:
    """Compute a run's result and store it exactly once in effect.

    Safe to call again for the same run (a redelivered or duplicate task): a finished run is
    left as it is, as is one another live worker is computing; a run whose worker died is
    recomputed from its parameters; the result and the rows it writes land in one transaction
    with the status change, which happens only if the run is not finished by then (e.g.
    failed by the sweeper). With ``heartbeat_seconds`` (in a worker) a thread records that
    the computation is alive.
    """
    run = _claim(run_id)
    if run is None:
        return AnalysisRun.objects.get(pk=run_id)
    started = time.perf_counter()
    try:
        with _heartbeat(run_id, run.attempts, heartbeat_seconds):
            outcome = runs.runner_for(run.kind)(run, _progress_reporter(run_id))
    except (EngineInputError, LookupError) as exc:
        _finish(
            run_id,
            status=AnalysisRun.Status.FAILED,
            error=str(exc),
            error_parts=exc.parts if isinstance(exc, EngineInputError) else [],
            timings={"total": round(time.perf_counter() - started, 3)},
        )
    except Exception:
        logger.exception("analysis run %s (%s) failed", run_id, run.kind)
        _finish(
            run_id,
            status=AnalysisRun.Status.FAILED,
            error=INTERNAL_ERROR,
            timings={"total": round(time.perf_counter() - started, 3)},
        )
    else:
        result, writes = outcome if isinstance(outcome, tuple) else (outcome, None)
        timings = dict(result.pop("_timings", {})) if isinstance(result, dict) else {}
        timings["total"] = round(time.perf_counter() - started, 3)
        _store_success(run_id, run.kind, result=result, timings=timings, writes=writes)
    return AnalysisRun.objects.get(pk=run_id)


def _store_success(run_id: int, kind: str, *, result: Any, timings: dict, writes: Any) -> None:
    """Finish a run as succeeded with its result and writes (whole or merged from parts); a
    result that cannot be stored fails the run instead of leaving it "running" for ever."""
    result = _json_safe(result)
    try:
        _finish(
            run_id,
            status=AnalysisRun.Status.SUCCEEDED,
            result=result,
            progress=100,
            progress_message="",
            timings=timings,
            data_fingerprint=(result or {}).get("data_fingerprint", "")
            if isinstance(result, dict)
            else "",
            writes=writes,
        )
    except Exception:
        logger.exception("analysis run %s (%s): storing the result failed", run_id, kind)
        _finish(run_id, status=AnalysisRun.Status.FAILED, error=NOT_STORED_ERROR, timings=timings)


def analysis_run_now(*, kind: str, params: dict[str, Any], user=None) -> AnalysisRun:
    """Record a run and execute it in this process (management commands, the demo's seed,
    tests). It says it is alive as a worker does, so the sweeper of a deployment's workers
    never fails a run a command is still computing."""
    with transaction.atomic():
        run = AnalysisRun.objects.create(kind=kind, params=params, created_by=user)
        parts = _parts_create(run)
    if not parts:
        return analysis_run_execute(run_id=run.pk, heartbeat_seconds=settings.RUN_HEARTBEAT_SECONDS)
    for part in parts:
        analysis_run_part_execute(part_id=part.pk, heartbeat_seconds=settings.RUN_HEARTBEAT_SECONDS)
    return analysis_run_merge(run_id=run.pk)


# Province runs: parts executed by workers of their own, then merged once -----------------------

PART_FAILED_ERROR = gettext_noop(
    "A part of this run failed every time it was tried; start the run again."
)
INTERNAL_ERROR = "The run failed with an internal error; it has been logged for the operators."


def _part_worker_alive(part: AnalysisRunPart) -> bool:
    """Whether the worker that claimed ``part`` may still be computing it: its heartbeat is
    recent and, when it ran on this machine, its process still exists."""
    if part.heartbeat_at is None or part.heartbeat_at < _stale_before():
        return False
    if part.worker_host.rsplit("@", 1)[-1] == socket.gethostname() and part.worker_pid:
        try:
            os.kill(part.worker_pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
    return True


def _claim_part(part_id: int, worker: str) -> AnalysisRunPart | None:
    """Take the part for this process: a queued one, or a running one whose worker died. A
    finished part, a part of a finished run, or one another live worker is computing (a
    duplicate or redelivered message) is left alone (``None``)."""
    with transaction.atomic():
        run_id = AnalysisRunPart.objects.filter(pk=part_id).values_list("run_id", flat=True).first()
        if run_id is None:
            return None
        run = AnalysisRun.objects.select_for_update().get(pk=run_id)
        part = AnalysisRunPart.objects.select_for_update().get(pk=part_id)
        if run.is_finished or part.is_finished:
            return None
        if part.status == AnalysisRunPart.Status.RUNNING and _part_worker_alive(part):
            return None
        now = timezone.now()
        part.status = AnalysisRunPart.Status.RUNNING
        part.attempts += 1
        part.started_at = part.heartbeat_at = now
        part.worker_pid = os.getpid()
        part.worker_host = worker[:200]
        part.progress = 0
        part.save(
            update_fields=[
                "status",
                "attempts",
                "started_at",
                "heartbeat_at",
                "worker_pid",
                "worker_host",
                "progress",
            ]
        )
        if run.status == AnalysisRun.Status.QUEUED:
            run.status = AnalysisRun.Status.RUNNING
            run.started_at = run.heartbeat_at = now
            run.attempts = 1
            run.save(update_fields=["status", "started_at", "heartbeat_at", "attempts"])
        part.run = run
        return part


def _beat_part(part_id: int, attempt: int) -> int:
    return AnalysisRunPart.objects.filter(
        pk=part_id, status=AnalysisRunPart.Status.RUNNING, attempts=attempt
    ).update(heartbeat_at=timezone.now())


def _run_progress_update(run_id: int) -> None:
    """A province run's progress: the sum of its parts' progress over the whole (each part
    counts for an equal share)."""
    progress = AnalysisRunPart.objects.filter(run_id=run_id).aggregate(mean=Avg("progress"))
    AnalysisRun.objects.filter(pk=run_id, status=AnalysisRun.Status.RUNNING).update(
        progress=int(progress["mean"] or 0), heartbeat_at=timezone.now()
    )


def _part_progress_reporter(part: AnalysisRunPart):
    def report(percent: int, message: str = "") -> None:
        AnalysisRunPart.objects.filter(
            pk=part.pk, status=AnalysisRunPart.Status.RUNNING, attempts=part.attempts
        ).update(
            progress=max(0, min(100, int(percent))),
            progress_message=message[:200],
            heartbeat_at=timezone.now(),
        )
        _run_progress_update(part.run_id)

    return report


def _finish_part(part: AnalysisRunPart, *, writes=None, **fields: Any) -> bool:
    """Store a part's outcome, with the rows it writes, in one transaction, unless the part
    was finished meanwhile (another delivery, or the sweeper failed it) or its run was."""
    with transaction.atomic():
        run = AnalysisRun.objects.select_for_update().get(pk=part.run_id)
        current = AnalysisRunPart.objects.select_for_update().get(pk=part.pk)
        if run.is_finished or current.is_finished or current.attempts != part.attempts:
            return False
        for name, value in fields.items():
            setattr(current, name, value)
        current.finished_at = timezone.now()
        current.save()
        if writes is not None:
            writes(run)
    _run_progress_update(part.run_id)
    return True


def analysis_run_part_execute(
    *, part_id: int, heartbeat_seconds: float | None = None, worker: str = ""
) -> AnalysisRunPart:
    """Compute one part of a province run and store it exactly once in effect.

    Safe to call again for the same part (a redelivered, duplicate or retried task): a
    finished part is left as it is, as is one another live worker is computing. Its result
    and the rows it writes land in one transaction with its status change. A part the engine
    refuses (its city has too little history) fails the whole run at once, naming the city;
    any other error fails the part, which the sweeper retries up to ``RUN_PART_ATTEMPTS``
    times. ``worker``: the name of the Celery worker computing it (recorded on the part)."""
    part = _claim_part(part_id, worker or socket.gethostname())
    if part is None:
        return AnalysisRunPart.objects.get(pk=part_id)
    run = part.run
    started = time.perf_counter()
    try:
        with _heartbeat(part.pk, part.attempts, heartbeat_seconds, beat_once=_beat_part):
            result, rows, writes, timings = kinds.get(run.kind).execute_part(
                run, part.partition, _part_progress_reporter(part)
            )
    except EngineInputError as exc:
        _finish_part(
            part,
            status=AnalysisRunPart.Status.FAILED,
            error=str(exc),
            error_parts=exc.parts,
            timings={"total": round(time.perf_counter() - started, 3)},
        )
        _fail_unless_finished(
            run.pk, f"{part.partition}: {exc}", error_parts=exc.parts, partition=part.partition
        )
    except Exception:
        logger.exception("analysis run %s part %s failed", run.pk, part.partition)
        _finish_part(
            part,
            status=AnalysisRunPart.Status.FAILED,
            error=INTERNAL_ERROR,
            timings={"total": round(time.perf_counter() - started, 3)},
        )
    else:
        timings["total"] = round(time.perf_counter() - started, 3)
        _finish_part(
            part,
            writes=writes,
            status=AnalysisRunPart.Status.SUCCEEDED,
            result=_json_safe(result),
            rows=_json_safe(rows),
            progress=100,
            progress_message="",
            timings=timings,
        )
    return AnalysisRunPart.objects.get(pk=part_id)


def analysis_run_merge(*, run_id: int) -> AnalysisRun:
    """The merge step of a province run: once every part has succeeded, make the run's one
    result from them and store it, with the rows it writes, in one transaction with the
    status change. Does nothing for a finished run (a second merge, from the chord and the
    sweeper both) or one with parts still to finish."""
    run = AnalysisRun.objects.get(pk=run_id)
    parts = list(run.parts.order_by("partition"))
    if run.is_finished or not parts:
        return run
    if any(part.status != AnalysisRunPart.Status.SUCCEEDED for part in parts):
        return run
    started = time.perf_counter()
    try:
        result, writes = kinds.get(run.kind).merge(
            run, [(part.partition, part.result, part.rows) for part in parts]
        )
    except Exception:
        logger.exception("analysis run %s (%s): merging its parts failed", run_id, run.kind)
        _finish(run_id, status=AnalysisRun.Status.FAILED, error=INTERNAL_ERROR)
        return AnalysisRun.objects.get(pk=run_id)
    timings = {f"part {part.partition}": part.timings.get("total", 0.0) for part in parts}
    timings.update(dict(result.pop("_timings", {}) or {}))
    timings["merge"] = round(time.perf_counter() - started, 3)
    timings["total"] = round(
        (timezone.now() - (run.started_at or run.created_at)).total_seconds(), 3
    )
    _store_success(run_id, run.kind, result=result, timings=timings, writes=writes)
    return AnalysisRun.objects.get(pk=run_id)


def _send(task, object_id: int, what: str) -> bool:
    """Queue ``task`` for ``object_id``; False (logged, never raised) when the broker is
    unreachable, so the sweeper sends it again later."""
    try:
        task.apply_async(args=[object_id], retry=True)
    except BROKER_ERRORS as exc:
        logger.warning("%s: the broker is unreachable (%s)", what, type(exc).__name__)
        return False
    return True


def _publish_part(part_id: int) -> bool:
    from analytics.tasks import analysis_run_part_execute_task

    return _send(analysis_run_part_execute_task, part_id, f"run part {part_id}")


def _publish_merge(run_id: int) -> bool:
    from analytics.tasks import analysis_run_merge_task

    return _send(analysis_run_merge_task, run_id, f"run {run_id} merge")


def _sweep_parts(stale_before: datetime, now: datetime) -> dict[str, int]:
    """The sweeper's work on province runs' parts: a running part whose worker went silent
    is failed; a failed part is queued again, alone, up to ``RUN_PART_ATTEMPTS`` attempts
    (then its run fails, saying so); a queued part not picked up within the stale limit is
    queued again (its message may have been lost); a run whose parts have all succeeded but
    which was not merged (its chord lost a member to a retry, or its merge message was lost)
    is merged."""
    counts = {
        "parts_failed": 0,
        "parts_retried": 0,
        "parts_requeued": 0,
        "runs_failed": 0,
        "merged": 0,
    }
    live = AnalysisRunPart.objects.exclude(
        run__status__in=[AnalysisRun.Status.SUCCEEDED, AnalysisRun.Status.FAILED]
    )
    silent = live.filter(status=AnalysisRunPart.Status.RUNNING).filter(
        Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True, started_at__lt=stale_before)
    )
    for part_id in silent.values_list("pk", flat=True):
        with transaction.atomic():
            part = AnalysisRunPart.objects.select_for_update().get(pk=part_id)
            if part.status != AnalysisRunPart.Status.RUNNING or _part_worker_alive(part):
                continue
            part.status = AnalysisRunPart.Status.FAILED
            part.error = WORKER_LOST_ERROR
            part.finished_at = now
            part.save(update_fields=["status", "error", "finished_at"])
        counts["parts_failed"] += 1
        logger.warning("run part %s: its worker stopped; marked failed", part_id)
    for part_id in live.filter(status=AnalysisRunPart.Status.FAILED).values_list("pk", flat=True):
        with transaction.atomic():
            part = AnalysisRunPart.objects.select_for_update().get(pk=part_id)
            if part.status != AnalysisRunPart.Status.FAILED:
                continue
            if part.attempts >= settings.RUN_PART_ATTEMPTS:
                give_up = True
            else:
                give_up = False
                part.status = AnalysisRunPart.Status.QUEUED
                part.queued_at = now
                part.progress = 0
                part.save(update_fields=["status", "queued_at", "progress"])
        if give_up:
            if _fail_unless_finished(part.run_id, PART_FAILED_ERROR, partition=part.partition):
                counts["runs_failed"] += 1
            continue
        if _publish_part(part_id):
            counts["parts_retried"] += 1
            logger.warning("run part %s: tried again (attempt %s)", part_id, part.attempts + 1)
    waiting = live.filter(status=AnalysisRunPart.Status.QUEUED).filter(
        Q(queued_at__lt=stale_before) | Q(queued_at__isnull=True)
    )
    for part_id in waiting.values_list("pk", flat=True):
        updated = AnalysisRunPart.objects.filter(
            pk=part_id, status=AnalysisRunPart.Status.QUEUED
        ).update(queued_at=now)
        if updated and _publish_part(part_id):
            counts["parts_requeued"] += 1
    unmerged = (
        AnalysisRun.objects.filter(status=AnalysisRun.Status.RUNNING, parts__isnull=False)
        .exclude(parts__status__in=[s for s in AnalysisRunPart.Status.values if s != "succeeded"])
        .exclude(parts__finished_at__gte=stale_before)
        .distinct()
    )
    for run_id in unmerged.values_list("pk", flat=True):
        if _publish_merge(run_id):
            counts["merged"] += 1
    return counts


class PlanNotApprovable(Exception):
    """An allocation plan that cannot be approved, replaced or revoked now; the message (in
    the reader's language) says why."""


@dataclass(frozen=True)
class PlanDecision:
    """What approving or revoking a plan did: the decision, the supply lines written or
    removed, and whether it had been done already (a repeated click or request)."""

    plan: AllocationPlan
    written: int
    removed: int
    already: bool = False


def _plan_lines(run: AnalysisRun) -> list[CapacityLine]:
    """A plan's lines as supply capacity: whole units at the plan's own cost, to the fen."""
    lines = []
    for line in run.allocation_lines.all():
        units = round(line.recommended_units)
        if units <= 0:
            continue
        lines.append(
            CapacityLine(
                community_id=line.community_id,
                category_id=line.category_id,
                provider=line.provider,
                capacity=units,
                budget=line.cost,
            )
        )
    return lines


def _plan_result_refusal(problem: queries.PlanResultProblem) -> str:
    if problem == queries.PlanResultProblem.UNREADABLE:
        return _(
            "The stored result of this plan cannot be read by this version; run the "
            "allocation again to approve a plan."
        )
    return _(
        "This plan was computed before plans were in whole units; run the allocation "
        "again to approve one."
    )


@transaction.atomic
def allocation_plan_approve(*, run_id: int, user, replace: bool = False) -> PlanDecision:
    """Approve an allocation plan: its whole units become the supply capacities of its month
    (source "plan", one row per community, service and provider, at the plan's cost), in one
    transaction through the services write path, audited.

    Approving an approved plan again does nothing (``already``). With another plan approved
    for the month, ``replace=True`` replaces it (it becomes superseded and its rows are
    rewritten as this plan's); without it the approval is refused, naming that plan.
    """
    run = AnalysisRun.objects.select_for_update().get(pk=run_id)
    if run.kind != AnalysisRun.Kind.ALLOCATION or run.status != AnalysisRun.Status.SUCCEEDED:
        raise PlanNotApprovable(_("Only a finished allocation run can be approved."))
    decided = AllocationPlan.objects.filter(run=run).first()
    if decided is not None:
        if decided.state == AllocationPlan.State.APPROVED:
            return PlanDecision(plan=decided, written=0, removed=0, already=True)
        raise PlanNotApprovable(_plan_ended_reason(decided))
    problem = queries.plan_result_problem(run)
    if problem is not None:
        raise PlanNotApprovable(_plan_result_refusal(problem))
    period = date.fromisoformat(run.result["period"])
    current = (
        AllocationPlan.objects.select_for_update()
        .filter(period=period, state=AllocationPlan.State.APPROVED)
        .first()
    )
    _check_plan_in_area(user, [run, current.run if current is not None else None])
    if current is not None and not replace:
        raise PlanNotApprovable(
            _("Plan #%(plan)s is already approved for %(month)s; replace it to approve this one.")
            % {"plan": current.run_id, "month": f"{period:%Y-%m}"}
        )
    now = timezone.now()
    if current is not None:
        current.state = AllocationPlan.State.SUPERSEDED
        current.ended_by, current.ended_at = user, now
        current.save(update_fields=["state", "ended_by", "ended_at"])
        _mark_run_approved(current, approved=False)
    outcome = supply_capacities_write(
        user=user,
        period=period,
        source=SupplyCapacity.Source.PLAN,
        reason=(
            CapacityChange.Reason.PLAN_REPLACED
            if current is not None
            else CapacityChange.Reason.PLAN_APPROVED
        ),
        lines=_plan_lines(run),
        replace_all=True,
        plan_run_id=run.pk,
    )
    plan = AllocationPlan.objects.create(
        run=run,
        period=period,
        state=AllocationPlan.State.APPROVED,
        replaced=current,
        approved_by=user,
        approved_at=now,
    )
    run.approved_by, run.approved_at = user, now
    run.save(update_fields=["approved_by", "approved_at"])
    return PlanDecision(
        plan=plan, written=outcome.created + outcome.changed, removed=outcome.removed
    )


def _check_plan_in_area(user, runs: list[AnalysisRun | None]) -> None:
    """An administrator with an area decides only plans wholly inside it."""
    if not is_administrator(user):
        raise ActionNotAllowed(_("Only administrators approve or revoke plans."))
    outside = queries.plan_communities_outside(user=user, runs=runs)
    if outside:
        raise PlanNotApprovable(
            ngettext(
                "This plan supplies %(count)d community outside the area you administer; an "
                "administrator whose area holds all its communities decides it.",
                "This plan supplies %(count)d communities outside the area you administer; an "
                "administrator whose area holds all its communities decides it.",
                outside,
            )
            % {"count": outside}
        )


def _mark_run_approved(plan: AllocationPlan, *, approved: bool) -> None:
    """The run's own approval fields show the plan in force (badges, API); the decision's
    history stays on the plan."""
    AnalysisRun.objects.filter(pk=plan.run_id).update(
        approved_by=plan.approved_by if approved else None,
        approved_at=plan.approved_at if approved else None,
    )


def _plan_ended_reason(plan: AllocationPlan) -> str:
    if plan.state == AllocationPlan.State.SUPERSEDED:
        return _("This plan was replaced by a later plan on %(day)s; run a new plan.") % {
            "day": f"{plan.ended_at:%Y-%m-%d}"
        }
    return _("This plan was revoked on %(day)s; run a new plan.") % {
        "day": f"{plan.ended_at:%Y-%m-%d}"
    }


@transaction.atomic
def allocation_plan_revoke(*, run_id: int, user) -> PlanDecision:
    """Revoke an approved plan: the month's supply goes back to what it had before the plan
    (the plan it replaced, approved again, or no plan rows). Revoking a revoked plan again
    does nothing (``already``); a plan never approved, or replaced, cannot be revoked."""
    run = AnalysisRun.objects.select_for_update().get(pk=run_id)
    plan = AllocationPlan.objects.select_for_update().filter(run=run).first()
    if plan is None:
        raise PlanNotApprovable(
            _("This plan has not been approved, so there is nothing to revoke.")
        )
    if plan.state == AllocationPlan.State.REVOKED:
        return PlanDecision(plan=plan, written=0, removed=0, already=True)
    if plan.state == AllocationPlan.State.SUPERSEDED:
        raise PlanNotApprovable(
            _("This plan was replaced by a later plan; revoke that one to bring this one back.")
        )
    _check_plan_in_area(user, [run, plan.replaced.run if plan.replaced is not None else None])
    now = timezone.now()
    plan.state, plan.ended_by, plan.ended_at = AllocationPlan.State.REVOKED, user, now
    plan.save(update_fields=["state", "ended_by", "ended_at"])
    previous = plan.replaced
    _mark_run_approved(plan, approved=False)
    if previous is not None:
        previous.state = AllocationPlan.State.APPROVED
        previous.ended_by, previous.ended_at = None, None
        previous.save(update_fields=["state", "ended_by", "ended_at"])
        _mark_run_approved(previous, approved=True)
    outcome = supply_capacities_write(
        user=user,
        period=plan.period,
        source=SupplyCapacity.Source.PLAN,
        reason=CapacityChange.Reason.PLAN_REVOKED,
        lines=_plan_lines(previous.run) if previous is not None else [],
        replace_all=True,
        plan_run_id=previous.run_id if previous is not None else None,
    )
    return PlanDecision(
        plan=plan, written=outcome.created + outcome.changed, removed=outcome.removed
    )


# A scheduled run that keeps failing is tried at most this many times a month.
MONTHLY_REFRESH_TRIES = 3


def analytics_monthly_refresh(*, today=None) -> list[AnalysisRun]:
    """Retrain and re-forecast once a month (celery beat, checked hourly): a portraits run,
    then a forecast.

    Idempotent within a month: a kind whose scheduled run this month succeeded or is in
    flight is not started again; one whose runs all failed (or were lost and failed by the
    sweeper) is started again, up to ``MONTHLY_REFRESH_TRIES`` times a month. A broker that
    cannot be reached leaves the run failed, so the next hour tries again.
    """
    today = today or timezone.localdate()
    started = []
    for kind, params in (
        (AnalysisRun.Kind.PORTRAITS, {"scheduled": True}),
        (AnalysisRun.Kind.FORECAST, {"horizon": 6, "scheduled": True}),
    ):
        this_month = AnalysisRun.objects.filter(
            kind=kind,
            params__scheduled=True,
            created_at__year=today.year,
            created_at__month=today.month,
        )
        done_or_going = this_month.filter(status=AnalysisRun.Status.SUCCEEDED).exists() or (
            queries.runs_in_flight().filter(pk__in=this_month.values("pk")).exists()
        )
        if done_or_going or this_month.count() >= MONTHLY_REFRESH_TRIES:
            continue
        try:
            started.append(analysis_run_start(kind=kind, params=params))
        except ServiceUnavailable:
            logger.warning("monthly refresh: %s not queued, the broker is unreachable", kind)
    return started


@transaction.atomic
def resident_segments_forget(*, resident_id: int) -> int:
    """Delete the segments portrait runs gave a resident who withdrew consent or was erased
    (the runs' community-level results are aggregates and stay). Returns how many went."""
    from analytics.models import ResidentSegment

    deleted, _ = ResidentSegment.objects.filter(resident_id=resident_id).delete()
    return deleted


def analysis_runs_sweep() -> dict[str, int]:
    """Make sure no run hangs (celery beat, every ``RUN_SWEEP_SECONDS``).

    * a running run whose worker went silent for ``RUN_STALE_AFTER_SECONDS`` (killed, machine
      lost) is failed, saying so; if its message is redelivered later the finished run is
      left alone, so its effects never apply twice;
    * a queued run never started within ``RUN_QUEUED_TIMEOUT_SECONDS`` is failed;
    * a queued run not picked up for ``RUN_STALE_AFTER_SECONDS`` is queued again: its message
      may have been lost (a broker restarted without persistence). If the first message was
      only waiting, the second finds the run taken or finished and does nothing.

    * the parts of province runs likewise, one by one (``_sweep_parts``): a silent part is
      failed and tried again alone, up to ``RUN_PART_ATTEMPTS``; a run whose parts all
      succeeded but was not merged is merged.

    Returns how many runs and parts were failed, and re-queued (parts tried again and merges
    queued included).
    """
    stale_before = _stale_before()
    now = timezone.now()
    failed = requeued = 0
    # A province run's parts are swept one by one (``_sweep_parts``), not the run.
    running = AnalysisRun.objects.filter(
        status=AnalysisRun.Status.RUNNING, parts__isnull=True
    ).filter(
        Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True, started_at__lt=stale_before)
    )
    for run_id in running.values_list("pk", flat=True):
        if _fail_unless_finished(
            run_id,
            WORKER_LOST_ERROR,
            only_if=lambda run: run.status == AnalysisRun.Status.RUNNING and not _worker_alive(run),
        ):
            failed += 1
            logger.warning("analysis run %s: its worker stopped; marked failed", run_id)
    queued = AnalysisRun.objects.filter(status=AnalysisRun.Status.QUEUED)
    never_started = now - timedelta(seconds=settings.RUN_QUEUED_TIMEOUT_SECONDS)
    for run_id in queued.filter(created_at__lt=never_started).values_list("pk", flat=True):
        if _fail_unless_finished(
            run_id,
            NEVER_STARTED_ERROR,
            only_if=lambda run: run.status == AnalysisRun.Status.QUEUED,
        ):
            failed += 1
            logger.warning("analysis run %s: never started; marked failed", run_id)
    waiting = queued.filter(parts__isnull=True).filter(
        Q(queued_at__lt=stale_before) | Q(queued_at__isnull=True, created_at__lt=stale_before)
    )
    for run_id in waiting.values_list("pk", flat=True):
        updated = AnalysisRun.objects.filter(pk=run_id, status=AnalysisRun.Status.QUEUED).update(
            queued_at=now
        )
        if updated and _publish(run_id):
            requeued += 1
    parts = _sweep_parts(stale_before, now)
    return {
        "failed": failed + parts["parts_failed"] + parts["runs_failed"],
        "requeued": requeued + parts["parts_retried"] + parts["parts_requeued"] + parts["merged"],
    }


# Removing what is no longer wanted (administrators, through the admin site) --------------------


@transaction.atomic
def analysis_run_delete(*, user, run: AnalysisRun) -> None:
    """Delete a run and the rows it wrote (segments, forecasts, plan lines go with it).
    Administrators only; a run serves the whole country, so an administrator of an area
    deletes only the what-if scenarios of their area (``queries.runs_for``)."""
    if not is_administrator(user):
        raise ActionNotAllowed(_("Only administrators may delete analysis runs."))
    if not answers_for_everything(user=user) and not (
        run.kind in queries.WORKER_START_KINDS and queries.runs_for(user).filter(pk=run.pk).exists()
    ):
        raise ActionNotAllowed(
            _(
                "Only a nationwide administrator deletes analysis runs; administrators of an "
                "area delete the what-if scenarios of their area."
            )
        )
    run.delete()


@transaction.atomic
def panel_dataset_import(*, source_file, name: str, source: str = "", user=None) -> PanelDataset:
    """Validate a yearbook panel CSV and store it, all or nothing (the one write path of panel
    datasets and their rows; the equalization run reads the newest).

    Raises :class:`EngineInputError` (with ``problems`` naming row and column, the rows as a
    spreadsheet shows the file: ``core.rows``) before writing
    anything when the file has missing columns, duplicate city-years, non-numeric values,
    unknown city codes or years out of range.
    """
    frame = read_panel_csv(source_file)
    cities = load_prefecture_cities()
    validated = validate_panel(
        frame, city_codes=cities["adcode"], rows=spreadsheet_rows(frame.index.to_numpy())
    )
    clean = validated.frame
    city_ids = dict(City.objects.values_list("adcode", "id"))
    missing = sorted(set(clean[CITY_COLUMN].astype(str)) - set(city_ids))
    if missing:
        raise EngineInputError(
            f"city codes not loaded in this installation: {', '.join(missing[:10])}",
            code="panel_cities_not_loaded",
            params={"codes": missing[:10], "count": len(missing)},
        )
    dataset = PanelDataset.objects.create(
        name=name,
        source=source,
        fingerprint=panel_fingerprint(clean),
        synthetic=False,
        imported_by=user,
    )
    value_columns = [c for c in clean.columns if c not in (CITY_COLUMN, YEAR_COLUMN)]
    rows = []
    for record in clean.to_dict(orient="records"):
        values = {}
        for column in value_columns:
            value = record[column]
            if hasattr(value, "item"):
                value = value.item()
            values[column] = None if isinstance(value, float) and value != value else value
        rows.append(
            PanelRow(
                dataset=dataset,
                city_id=city_ids[str(record[CITY_COLUMN])],
                year=int(record[YEAR_COLUMN]),
                values=values,
            )
        )
    PanelRow.objects.bulk_create(rows, batch_size=5000)
    return dataset


@transaction.atomic
def panel_dataset_delete(*, user, dataset: PanelDataset) -> None:
    """Delete an imported panel and its rows; the equalization falls back to the next newest
    (or the SYNTHETIC panel). Administrators only."""
    if not answers_for_everything(user=user):
        raise ActionNotAllowed(_("Only a nationwide administrator deletes panels."))
    dataset.delete()
