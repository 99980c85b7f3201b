"""Writes for analysis runs: start one (queued after commit) and execute one (from a task)."""

from __future__ import annotations

import logging
import math
import os
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from analytics import runs
from analytics.engine.errors import EngineInputError
from analytics.models import AnalysisRun
from core.errors import LimitReached

logger = logging.getLogger(__name__)


# A run queued this long ago and still unfinished is stuck (its worker lost), not in flight.
IN_FLIGHT_WINDOW = timedelta(hours=1)
WHAT_IF_RETRY_AFTER_SECONDS = 30


def _check_what_if_allowance(user) -> None:
    limit = settings.WHAT_IF_RUNS_IN_FLIGHT
    in_flight = AnalysisRun.objects.filter(
        kind=AnalysisRun.Kind.WHAT_IF,
        created_by=user,
        status__in=(AnalysisRun.Status.QUEUED, AnalysisRun.Status.RUNNING),
        created_at__gte=timezone.now() - IN_FLIGHT_WINDOW,
    ).count()
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


@transaction.atomic
def analysis_run_start(*, kind: str, params: dict[str, Any], user=None) -> AnalysisRun:
    """Record a run and queue it once the surrounding transaction commits.

    A user may have only ``WHAT_IF_RUNS_IN_FLIGHT`` what-ifs queued or running at once
    (``LimitReached`` beyond that); other kinds are started by administrators only."""
    from analytics.tasks import analysis_run_execute_task

    if kind == AnalysisRun.Kind.WHAT_IF and user is not None:
        _check_what_if_allowance(user)
    run = AnalysisRun.objects.create(kind=kind, params=params, created_by=user)
    transaction.on_commit(lambda: analysis_run_execute_task.delay(run.pk))
    return run


def _claim(run_id: int) -> AnalysisRun | None:
    with transaction.atomic():
        run = AnalysisRun.objects.select_for_update().get(pk=run_id)
        if run.is_finished:
            return None
        run.status = AnalysisRun.Status.RUNNING
        run.attempts += 1
        run.started_at = timezone.now()
        run.worker_pid = os.getpid()
        run.progress = 0
        run.save(update_fields=["status", "attempts", "started_at", "worker_pid", "progress"])
        return run


def _progress_reporter(run_id: int):
    def report(percent: int, message: str = "") -> None:
        AnalysisRun.objects.filter(pk=run_id, status=AnalysisRun.Status.RUNNING).update(
            progress=max(0, min(100, int(percent))), progress_message=message[:200]
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


def analysis_run_execute(*, run_id: int) -> AnalysisRun:
    """Compute a run's result and store it exactly once in effect.

    Safe to call again for the same run (a redelivered task): a finished run is left as it
    is, and a run whose worker died is recomputed from its parameters; the result and the
    rows it writes land in one transaction with the status change.
    """
    run = _claim(run_id)
    if run is None:
        return AnalysisRun.objects.get(pk=run_id)
    started = time.perf_counter()
    try:
        outcome = runs.runner_for(run.kind)(run, _progress_reporter(run_id))
    except (EngineInputError, LookupError) as exc:
        _finish(
            run_id,
            status=AnalysisRun.Status.FAILED,
            error=str(exc),
            timings={"total": round(time.perf_counter() - started, 3)},
        )
    except Exception:
        logger.exception("analysis run %s (%s) failed", run_id, run.kind)
        _finish(
            run_id,
            status=AnalysisRun.Status.FAILED,
            error="The run failed with an internal error; it has been logged for the operators.",
            timings={"total": round(time.perf_counter() - started, 3)},
        )
    else:
        result, writes = outcome if isinstance(outcome, tuple) else (outcome, None)
        timings = dict(result.pop("_timings", {})) if isinstance(result, dict) else {}
        timings["total"] = round(time.perf_counter() - started, 3)
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
            # A result that cannot be stored must not leave the run "running" for ever.
            logger.exception("analysis run %s (%s): storing the result failed", run_id, run.kind)
            _finish(
                run_id,
                status=AnalysisRun.Status.FAILED,
                error="The result could not be stored; it has been logged for the operators.",
                timings=timings,
            )
    return AnalysisRun.objects.get(pk=run_id)


def analysis_run_now(*, kind: str, params: dict[str, Any], user=None) -> AnalysisRun:
    """Record a run and execute it in this process (management commands, tests)."""
    run = AnalysisRun.objects.create(kind=kind, params=params, created_by=user)
    return analysis_run_execute(run_id=run.pk)


class PlanNotApprovable(Exception):
    """An allocation plan that cannot be approved; the message says why."""


@transaction.atomic
def allocation_plan_approve(*, run_id: int, user) -> int:
    """Approve an allocation plan: its recommended units (whole requests, rounded down) become
    the planned supply capacities of its period, by provider. Returns the lines written.

    Approving twice, or approving a plan for a period another approved plan already covers,
    is refused, so capacities are never counted twice.
    """
    from services.models import SupplyCapacity

    run = AnalysisRun.objects.select_for_update().get(pk=run_id)
    if run.kind != AnalysisRun.Kind.ALLOCATION or run.status != AnalysisRun.Status.SUCCEEDED:
        raise PlanNotApprovable("only a finished allocation run can be approved")
    if run.approved_at:
        raise PlanNotApprovable(f"this plan was already approved on {run.approved_at:%Y-%m-%d}")
    period = run.result["period"]
    if AnalysisRun.objects.filter(
        kind=AnalysisRun.Kind.ALLOCATION, approved_at__isnull=False, result__period=period
    ).exists():
        raise PlanNotApprovable(f"another plan for {period} is already approved")
    written = 0
    for line in run.allocation_lines.all():
        units = int(line.recommended_units + 1e-6)
        if units <= 0:
            continue
        capacity, _ = SupplyCapacity.objects.get_or_create(
            community_id=line.community_id,
            category_id=line.category_id,
            period=period,
            provider=line.provider,
            defaults={"capacity": 0, "budget": 0, "source": SupplyCapacity.Source.PLAN},
        )
        capacity.capacity += units
        # The plan's cost is for fractional units; the capacity budgets the whole ones.
        capacity.budget += (
            line.cost * Decimal(units) / Decimal(str(line.recommended_units))
        ).quantize(Decimal("0.01"))
        capacity.source = SupplyCapacity.Source.PLAN
        capacity.created_by = user
        capacity.save()
        written += 1
    run.approved_by = user
    run.approved_at = timezone.now()
    run.save(update_fields=["approved_by", "approved_at"])
    return written


@transaction.atomic
def analytics_monthly_refresh(*, today=None) -> list[AnalysisRun]:
    """Retrain and re-forecast once a month (celery beat): a portraits run, then a forecast.

    Idempotent within a month: runs already started this month are not started again.
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
        if not this_month.exists():
            started.append(analysis_run_start(kind=kind, params=params))
    return started
