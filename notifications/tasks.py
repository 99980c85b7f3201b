"""Celery tasks: each takes ids (or nothing) and calls one action; each is idempotent."""

from celery import shared_task

from notifications import actions


@shared_task(name="notifications.event_process")
def notification_event_process_task(event_id: int) -> int:
    return actions.notification_event_process(event_id=event_id).sent


@shared_task(name="notifications.sla_alerts")
def sla_alerts_task() -> int:
    return actions.sla_alerts_record()


@shared_task(name="notifications.daily_digest")
def daily_digest_task() -> bool:
    return actions.daily_digest_record()


@shared_task(name="notifications.sweep")
def notifications_sweep_task() -> list[int]:
    return list(actions.notifications_sweep())
