"""Celery tasks of the cross-cutting pieces: thin wrappers that take ids and call a service."""

from celery import shared_task

from omni import outbox


@shared_task(name="omni.tasks.outbox_deliver", ignore_result=True)
def outbox_deliver(message_id: int) -> None:
    outbox.outbox_deliver(message_id=message_id)


@shared_task(name="omni.tasks.outbox_sweep", ignore_result=True)
def outbox_sweep() -> None:
    outbox.outbox_sweep()
