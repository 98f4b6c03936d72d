"""Reporting's receivers: the order and return services announce a change (one
notification signal each, documented beside it); the numbers of the days it touches are
recomputed by a worker after commit, through the outbox, so a broker outage delays them
and loses none."""

from __future__ import annotations

from django.utils import timezone

from omni.outbox import outbox_record
from reporting.services import REFRESH_TOPIC


def _stamp() -> str:
    # Two changes of one order in separate transactions each need their own recompute.
    return timezone.now().isoformat()


def order_event_recorded(sender, *, order_id: int, event: str, key: str = "", **kwargs) -> None:
    """``orders.services.events.order_event_recorded`` receiver."""
    outbox_record(
        topic=REFRESH_TOPIC,
        payload={"order_id": order_id, "event": event},
        dedupe_key=f"{REFRESH_TOPIC}:orders.order:{order_id}:{event}:{key}:{_stamp()}",
    )


def return_changed(sender, *, return_id: int, **kwargs) -> None:
    """``returns.signals.return_changed`` receiver."""
    outbox_record(
        topic=REFRESH_TOPIC,
        payload={"return_id": return_id},
        dedupe_key=f"{REFRESH_TOPIC}:returns.return:{return_id}:{_stamp()}",
    )
