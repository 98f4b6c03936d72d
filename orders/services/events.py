"""Order events for integrations (webhooks): the one hook every order service calls.

``order_events_record(order=..., event="created")`` records an outbox message on topic
``order.<event>`` ("order.created", "order.fulfilment_ready", "order.fulfilment_shipped",
"order.fulfilment_collected", "order.fulfilment_expired", "order.fulfilment_cancelled",
"order.status_changed") in the caller's transaction — but only once a handler is
registered for that topic (``omni.outbox.register_handler``, e.g. the API's webhook
delivery), because the outbox marks a message without a handler as failed. Until then
it records nothing, so the order services never depend on whether webhooks exist.

Every event is also announced by ``order_event_recorded`` (``order_id``, ``event``,
``key``), inside the caller's transaction. Its one receiver is reporting's
(``reporting.receivers.order_event_recorded``): after commit, a worker recomputes the
numbers of the days the order touches.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

from omni.api.webhooks import webhook_order_event_record
from omni.models import OutboxMessage
from omni.outbox import UnknownTopic, handler_for, outbox_record
from orders.models import Order

order_event_recorded = Signal()

ORDER_EVENTS = frozenset(
    {
        "created",
        "status_changed",
        "fulfilment_ready",
        "fulfilment_shipped",
        "fulfilment_delivered",
        "fulfilment_collected",
        "fulfilment_expired",
        "fulfilment_cancelled",
    }
)


def order_event_topic(event: str) -> str:
    return f"order.{event}"


def order_events_record(
    *, order: Order, event: str, key: str = "", detail: dict[str, Any] | None = None
) -> OutboxMessage | None:
    """Record ``order.<event>`` for integrations when someone listens (see the module
    docstring); None when nobody does, or this event was recorded already. ``key`` makes
    the event unique when it can happen more than once per order (a fulfilment id, a
    status)."""
    if event not in ORDER_EVENTS:
        raise ValueError(f"Unknown order event {event!r}")
    order_event_recorded.send(sender=Order, order_id=order.pk, event=event, key=key)
    # Webhook subscribers (order.created / order.updated / pickup.ready); no query when
    # nobody subscribes.
    webhook_order_event_record(
        event=event,
        order_id=order.pk,
        number=order.number,
        status=order.status,
        key=key,
        detail=detail,
    )
    topic = order_event_topic(event)
    try:
        handler_for(topic)
    except UnknownTopic:
        return None
    return outbox_record(
        topic=topic,
        payload={
            "event": event,
            "order_id": order.pk,
            "number": order.number,
            "status": order.status,
            **(detail or {}),
        },
        dedupe_key=f"{topic}:orders.order:{order.pk}" + (f":{key}" if key else ""),
    )
