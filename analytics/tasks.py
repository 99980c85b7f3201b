from celery import shared_task

from analytics import actions


@shared_task(name="analytics.analysis_run_execute", acks_late=True, reject_on_worker_lost=True)
def analysis_run_execute_task(run_id: int) -> None:
    actions.analysis_run_execute(run_id=run_id)


@shared_task(name="analytics.monthly_refresh")
def analytics_monthly_refresh_task() -> None:
    actions.analytics_monthly_refresh()
