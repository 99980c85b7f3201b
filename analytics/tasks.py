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


@shared_task(name="analytics.monthly_refresh")
def analytics_monthly_refresh_task() -> None:
    actions.analytics_monthly_refresh()


@shared_task(name="analytics.runs_sweep")
def analysis_runs_sweep_task() -> None:
    actions.analysis_runs_sweep()
