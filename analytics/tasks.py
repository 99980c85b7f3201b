import socket

from celery import shared_task
from django.conf import settings

from analytics import actions


@shared_task(
    bind=True, name="analytics.analysis_run_execute", acks_late=True, reject_on_worker_lost=True
)
def analysis_run_execute_task(self, run_id: int) -> None:
    # In a worker the run says it is alive while it computes (the sweeper fails silent ones).
    heartbeat = None if self.request.is_eager else settings.RUN_HEARTBEAT_SECONDS
    actions.analysis_run_execute(run_id=run_id, heartbeat_seconds=heartbeat)


# A province run's parts and merge step (analytics.actions): the parts are the header of one
# Celery chord, the merge its body. Their results are stored (the chord counts its parts in
# the result backend); what they return is only the part's status.
@shared_task(
    bind=True,
    name="analytics.analysis_run_part_execute",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=False,
)
def analysis_run_part_execute_task(self, part_id: int) -> str:
    heartbeat = None if self.request.is_eager else settings.RUN_HEARTBEAT_SECONDS
    part = actions.analysis_run_part_execute(
        part_id=part_id,
        heartbeat_seconds=heartbeat,
        worker=self.request.hostname or socket.gethostname(),
    )
    return part.status


@shared_task(name="analytics.analysis_run_merge", acks_late=True, reject_on_worker_lost=True)
def analysis_run_merge_task(run_id: int) -> None:
    actions.analysis_run_merge(run_id=run_id)


@shared_task(name="analytics.monthly_refresh")
def analytics_monthly_refresh_task() -> None:
    actions.analytics_monthly_refresh()


@shared_task(name="analytics.runs_sweep")
def analysis_runs_sweep_task() -> None:
    actions.analysis_runs_sweep()
