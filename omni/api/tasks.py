"""The API's Celery tasks (imported by omni's AppConfig.ready())."""

from celery import shared_task

from omni.api.idempotency import idempotency_records_purge


@shared_task(name="omni.api.tasks.idempotency_records_purge", ignore_result=True)
def idempotency_records_purge_task() -> int:
    """Beat, hourly: forget Idempotency-Keys older than a day."""
    return idempotency_records_purge()
