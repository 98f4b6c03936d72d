"""Celery tasks of the cross-cutting pieces: thin wrappers that take ids and call a service."""

import socket

from celery import shared_task

from omni import outbox
from omni.health import heartbeat_record


@shared_task(name="omni.tasks.outbox_deliver", ignore_result=True)
def outbox_deliver(message_id: int) -> None:
    outbox.outbox_deliver(message_id=message_id)


@shared_task(name="omni.tasks.outbox_sweep", ignore_result=True)
def outbox_sweep() -> None:
    outbox.outbox_sweep()


@shared_task(name="omni.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """A worker took a task off the queue and ran it: what ``/healthz/`` calls alive."""
    heartbeat_record(name="worker", detail=socket.gethostname())
