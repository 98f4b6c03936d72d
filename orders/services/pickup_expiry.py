"""The pickup sweeps (beat): ready pickups not collected by ``hold_until`` expire (their
holds are released, the money follows, the shopper is told), and reminders go out
before that. The lifecycle and the lock order: ``orders.services.fulfilments``."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from customers.models import Channel, Interaction
from inventory import services as inventory
from omni import stored_text
from omni.errors import DomainError
from omni.money import ZERO
from orders.models import Fulfilment, Order
from orders.services.events import order_events_record
from orders.services.fulfilments import (
    Kind,
    Status,
    _email,
    _holds,
    _lines,
    _loyalty_reverse,
    _money_back,
    _timeline,
    order_status_refresh,
    pickup_reminder_before,
    sales_tax_of,
)

# Timeline entries of this module, read in the reader's language (omni.stored_text).
TIMELINE = stored_text.register(
    {
        "pickup.expired": gettext_lazy(
            "Pickup of order %(number)s at %(location)s not collected; items released"
        )
    }
)

logger = logging.getLogger(__name__)


def _pickup_expire(fulfilment: Fulfilment, now: dt.datetime) -> None:
    """Release one ready pickup past its hold (the row is locked by the caller)."""
    holds = _holds(fulfilment)
    if holds:
        inventory.reservations_release(reservation_ids=[h.pk for h in holds])
    lines = _lines(fulfilment)
    value = sum((line.order_line.unit_price * line.quantity for line in lines), ZERO)
    tax = sales_tax_of(fulfilment.order, [(line.order_line, line.quantity) for line in lines])
    fulfilment.status = Status.EXPIRED
    fulfilment.save(update_fields=["status", "updated_at"])
    order = order_status_refresh(order=fulfilment.order)
    fulfilment.order = order
    _money_back(
        fulfilment=fulfilment,
        merchandise=value,
        sales_tax=tax,
        order_cancelled=order.status == Order.Status.CANCELLED,
        reason="Not collected in time",
    )
    _loyalty_reverse(fulfilment, value, f"Order {order.number}: not collected")
    _timeline(
        fulfilment,
        kind=Interaction.Kind.PICKUP,
        channel=Channel.SYSTEM,
        summary=stored_text.text(
            "pickup.expired", number=order.number, location=fulfilment.location.name
        ),
        detail={"hold_until": fulfilment.hold_until.isoformat() if fulfilment.hold_until else ""},
    )
    _email("pickup_expired", fulfilment)
    order_events_record(
        order=order,
        event="fulfilment_expired",
        key=str(fulfilment.pk),
        detail={"fulfilment_id": fulfilment.pk},
    )


def _due(queryset):
    """Lock the rows a sweep takes; a second sweep running at once skips them."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


def pickups_expire(*, now: dt.datetime | None = None, batch_size: int = 100) -> int:
    """Release every ready pickup whose ``hold_until`` has passed: the units go back on
    sale, the pickup is ``expired``, the order's status follows, the money is given back
    (pay in store voided) and the shopper is told (``email.pickup_expired``). One
    transaction per batch of ``batch_size``; a pickup that fails is logged and left for
    the next run. Returns how many expired.

    Safe to run twice at once: each batch locks its pickups FOR UPDATE SKIP LOCKED (on
    PostgreSQL), so a second run takes other rows, and a pickup collected meanwhile no
    longer matches."""
    now = now or timezone.now()
    total = 0
    while True:
        expired, seen = _expire_batch(now=now, batch_size=batch_size)
        total += expired
        if seen < batch_size or expired == 0:
            return total


@transaction.atomic
def _expire_batch(*, now: dt.datetime, batch_size: int) -> tuple[int, int]:
    due = _due(
        Fulfilment.objects.filter(
            kind=Kind.PICKUP, status=Status.READY, hold_until__lte=now
        ).order_by("hold_until", "pk")
    ).select_related("order__customer", "location")
    rows = list(due[:batch_size])
    expired = 0
    for fulfilment in rows:
        try:
            with transaction.atomic():
                _pickup_expire(fulfilment, now)
            expired += 1
        except DomainError:
            logger.exception("pickups_expire: fulfilment %s could not expire", fulfilment.pk)
    return expired, len(rows)


@transaction.atomic
def pickups_remind(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Remind shoppers whose ready pickup is held for less than
    ``OMNI_PICKUP_REMINDER_HOURS`` (24) more: ``email.pickup_reminder`` once per pickup
    (``reminder_sent_at`` is set, and the outbox and email log dedupe too). Returns how
    many were reminded. Safe to run twice at once (FOR UPDATE SKIP LOCKED)."""
    now = now or timezone.now()
    total = 0
    while True:
        due = _due(
            Fulfilment.objects.filter(
                kind=Kind.PICKUP,
                status=Status.READY,
                reminder_sent_at__isnull=True,
                hold_until__gt=now,
                hold_until__lte=now + pickup_reminder_before(),
            ).order_by("hold_until", "pk")
        ).select_related("order")
        rows = list(due[:batch_size])
        for fulfilment in rows:
            _email("pickup_reminder", fulfilment)
        Fulfilment.objects.filter(pk__in=[f.pk for f in rows]).update(
            reminder_sent_at=now, updated_at=now
        )
        total += len(rows)
        if len(rows) < batch_size:
            return total
