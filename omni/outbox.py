"""The outbox: side effects recorded in the same transaction as the change they follow.

A service calls ``outbox_record(topic=..., payload=..., dedupe_key=...)`` inside its
transaction. After commit the message is handed to Celery (``omni.tasks.outbox_deliver``);
if the broker is down the row simply stays pending and ``outbox_sweep`` (beat) hands it
over again later, so a broker outage delays side effects and loses none. Delivery locks
the row and marks it done in the same transaction as the handler's own writes, so two
workers given the same message run the handler once.

Handlers are registered by topic from each app's ``AppConfig.ready()`` — this module
imports no domain app.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from omni.models import OutboxMessage
from omni.observability import HEADER as REQUEST_ID_HEADER
from omni.observability import current_request_id, request_id_reset, request_id_set

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
_HANDLERS: dict[str, Handler] = {}

MAX_ATTEMPTS = 8
# A message handed to the broker but not done after this long is handed over again.
REDISPATCH_AFTER = dt.timedelta(minutes=10)


class UnknownTopic(LookupError):
    pass


def register_handler(topic: str, handler: Handler) -> None:
    """Register the function that performs ``topic``; called from AppConfig.ready()."""
    _HANDLERS[topic] = handler


def handler_for(topic: str) -> Handler:
    try:
        return _HANDLERS[topic]
    except KeyError:
        raise UnknownTopic(f"No outbox handler registered for topic {topic!r}") from None


def outbox_record(
    *,
    topic: str,
    payload: dict[str, Any],
    dedupe_key: str,
    available_at: dt.datetime | None = None,
) -> OutboxMessage | None:
    """Record a side effect in the caller's transaction; relay it after commit.

    ``dedupe_key`` names the side effect ("email.pickup_ready:orders.fulfilment:42"): a
    second record with the same key is ignored and returns None.
    """
    request_id = current_request_id()
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                topic=topic,
                payload=payload,
                dedupe_key=dedupe_key,
                available_at=available_at or timezone.now(),
                request_id=request_id,
            )
    except IntegrityError:
        return None
    if message.available_at <= timezone.now():
        transaction.on_commit(
            lambda: outbox_dispatch(message_ids=[message.pk], request_ids={message.pk: request_id})
        )
    return message


def outbox_dispatch(*, message_ids: list[int], request_ids: dict[int, str] | None = None) -> int:
    """Hand messages to the broker, each tagged with the request id that recorded it. A
    broker failure is logged (once per call, not per message), not raised: the rows stay
    pending and the sweep retries them. Returns how many were handed over."""
    from omni.metrics import OUTBOX_DISPATCH_FAILURES
    from omni.tasks import outbox_deliver

    request_ids = request_ids or {}
    handed = 0
    failures = 0
    for message_id in message_ids:
        try:
            OutboxMessage.objects.filter(pk=message_id, status=OutboxMessage.Status.PENDING).update(
                status=OutboxMessage.Status.DISPATCHED, dispatched_at=timezone.now()
            )
            headers = (
                {REQUEST_ID_HEADER: request_ids[message_id]} if request_ids.get(message_id) else {}
            )
            outbox_deliver.apply_async(args=[message_id], headers=headers)
            handed += 1
        except Exception as exc:  # broker down: the sweep will retry
            OutboxMessage.objects.filter(
                pk=message_id, status=OutboxMessage.Status.DISPATCHED
            ).update(status=OutboxMessage.Status.PENDING, last_error=f"dispatch: {exc!r}"[:2000])
            OUTBOX_DISPATCH_FAILURES.inc()
            if not failures:
                logger.warning(
                    "outbox: broker did not take message %s (%r); left pending for the sweep",
                    message_id,
                    exc,
                    extra={"event": "outbox_dispatch_failed", "outbox_message_id": message_id},
                )
            failures += 1
    if failures > 1:
        logger.warning(
            "outbox: %s of %s message(s) left pending for the sweep",
            failures,
            len(message_ids),
            extra={"event": "outbox_dispatch_failed"},
        )
    return handed


def outbox_deliver(*, message_id: int) -> bool:
    """Run the handler of one message, once. Locks the row, so a second worker holding the
    same message waits and then sees it done. Returns True if this call ran the handler.

    On failure the attempt is counted and the message retried later with exponential
    backoff; after MAX_ATTEMPTS it is marked failed (visible in the admin)."""
    try:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update()
                .filter(pk=message_id)
                .exclude(status__in=[OutboxMessage.Status.DONE, OutboxMessage.Status.FAILED])
                .first()
            )
            if message is None:
                return False
            token = request_id_set(message.request_id) if message.request_id else None
            try:
                handler_for(message.topic)(message.payload)
            finally:
                if token is not None:
                    request_id_reset(token)
            message.status = OutboxMessage.Status.DONE
            message.done_at = timezone.now()
            message.attempts += 1
            message.save(update_fields=["status", "done_at", "attempts"])
            return True
    except Exception as exc:
        _record_failure(message_id, exc)
        return False


def _record_failure(message_id: int, exc: Exception) -> None:
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status == OutboxMessage.Status.DONE:
            return
        message.attempts += 1
        message.last_error = repr(exc)[:2000]
        if message.attempts >= MAX_ATTEMPTS or isinstance(exc, UnknownTopic):
            message.status = OutboxMessage.Status.FAILED
        else:
            message.status = OutboxMessage.Status.PENDING
            message.available_at = timezone.now() + dt.timedelta(seconds=30 * 2**message.attempts)
        message.save(update_fields=["attempts", "last_error", "status", "available_at"])
    logger.warning(
        "outbox: message %s (%s) failed, attempt %s of %s%s: %r",
        message_id,
        message.topic,
        message.attempts,
        MAX_ATTEMPTS,
        ", giving up" if message.status == OutboxMessage.Status.FAILED else ", will retry",
        exc,
        extra={
            "event": "outbox_message_failed",
            "outbox_message_id": message_id,
            "topic": message.topic,
            "gave_up": message.status == OutboxMessage.Status.FAILED,
        },
    )


def outbox_sweep(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Hand over again what is due and still pending, and what was handed to a broker that
    lost it. Safe to run twice at once: dispatch only flips pending rows."""
    now = now or timezone.now()
    due = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.PENDING, available_at__lte=now
    ).order_by("available_at", "id")
    stale = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.DISPATCHED, dispatched_at__lt=now - REDISPATCH_AFTER
    )
    lost = stale.update(status=OutboxMessage.Status.PENDING)
    if lost:
        logger.warning(
            "outbox: %s message(s) handed to the broker over %s ago and not done: again",
            lost,
            REDISPATCH_AFTER,
            extra={"event": "outbox_redispatch", "count": lost},
        )
    rows = list(due.values_list("id", "request_id")[:batch_size])
    return outbox_dispatch(message_ids=[pk for pk, _ in rows], request_ids=dict(rows))
