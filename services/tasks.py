from celery import shared_task

from services import actions


@shared_task(name="services.idempotency_records_prune")
def idempotency_records_prune_task() -> int:
    return actions.idempotency_records_prune()


@shared_task(name="services.requests_free_text_purge")
def requests_free_text_purge_task() -> int:
    return actions.requests_free_text_purge()


@shared_task(name="services.request_partitions_ensure")
def request_partitions_ensure_task() -> list[str]:
    return actions.request_partitions_ensure()


@shared_task(name="services.request_months_count")
def request_months_count_task() -> list[str]:
    return [f"{month:%Y-%m}" for month in actions.request_months_count()]
