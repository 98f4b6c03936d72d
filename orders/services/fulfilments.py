"""Fulfilments after checkout: pickups through the store's queue, parcels out of the door.

Pickup: placed → picking → ready → collected (or partially collected), and from any of
the open states → cancelled; a ready pickup not collected by ``hold_until`` expires.
Ship: placed → picking → shipped → delivered; placed or picking → cancelled.

The units of a fulfilment are the order's active stock holds at the fulfilment's location
(``inventory`` reservations referencing the order; a transfer made for a pickup holds
the arriving units at the store for the same order). Collecting or shipping commits them
(they leave on-hand); expiry and cancellation release them back to sale. Money follows the
units: pay in store is captured for what is collected and voided for the rest; a paid
order gets back what was not collected or was cancelled. The order's status is recomputed
from its fulfilments after every step, and every step the shopper would care about lands
on their timeline (and, where it should, in their inbox through the outbox).

Lock order: the fulfilment row, then (inside inventory) reservations and stock rows in
primary-key order, then payments, then the order row — the same everywhere, so
transitions, the expiry sweep and checkouts cannot deadlock one another.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from customers import services as customer_services
from customers.models import Channel, Interaction, LoyaltyEntry
from inventory import services as inventory
from inventory.errors import InsufficientStock as InventoryInsufficientStock
from inventory.models import Reservation, Transfer
from inventory.selectors import reservations_for_reference
from omni.errors import DomainError
from omni.money import ZERO, to_money
from omni.outbox import outbox_record
from orders.errors import InvalidQuantity, InvalidTransition, PickupCodeMismatch
from orders.models import Fulfilment, FulfilmentLine, Order, Payment
from orders.services.events import order_events_record
from orders.services.numbers import order_number_normalise
from orders.services.payments import order_refund_value, payment_capture, payment_void
from stores.models import Associate

logger = logging.getLogger(__name__)

Status = Fulfilment.Status
Kind = Fulfilment.Kind

OPEN_PICKUP = (Status.PLACED, Status.PICKING, Status.READY)
OPEN_SHIPMENT = (Status.PLACED, Status.PICKING)
DONE = frozenset({Status.SHIPPED, Status.DELIVERED, Status.COLLECTED})
CLOSED = frozenset({Status.EXPIRED, Status.CANCELLED})

# A pickup hold outlives its hold_until by this much, so inventory's own expiry sweep is
# only a backstop: ``pickups_expire`` releases it first and tells the shopper.
HOLD_BACKSTOP = dt.timedelta(days=1)


def pickup_hold_days() -> int:
    return int(getattr(settings, "OMNI_PICKUP_HOLD_DAYS", 5))


def pickup_reminder_before() -> dt.timedelta:
    return dt.timedelta(hours=int(getattr(settings, "OMNI_PICKUP_REMINDER_HOURS", 24)))


# --- shared pieces ------------------------------------------------------------------------


def _locked(fulfilment: Fulfilment) -> Fulfilment:
    return (
        Fulfilment.objects.select_for_update(of=("self",))
        .select_related("order", "location")
        .get(pk=fulfilment.pk)
    )


def _copy_back(target: Fulfilment, source: Fulfilment) -> None:
    for name in (
        "status",
        "ready_at",
        "hold_until",
        "reminder_sent_at",
        "shipped_at",
        "delivered_at",
        "collected_at",
        "tracking_number",
    ):
        setattr(target, name, getattr(source, name))


def _holds(fulfilment: Fulfilment) -> list[Reservation]:
    """The order's active holds at this fulfilment's location, in primary-key order."""
    return list(
        reservations_for_reference(reference=("orders.order", fulfilment.order_id))
        .filter(stock__location_id=fulfilment.location_id)
        .order_by("pk")
    )


def _lines(fulfilment: Fulfilment) -> list[FulfilmentLine]:
    return list(fulfilment.lines.select_related("order_line").order_by("pk"))


def _needed(lines: list[FulfilmentLine]) -> dict[int, int]:
    needed: dict[int, int] = defaultdict(int)
    for line in lines:
        needed[line.order_line.variant_id] += line.quantity - line.quantity_collected
    return dict(needed)


def _held(holds: list[Reservation]) -> dict[int, int]:
    held: dict[int, int] = defaultdict(int)
    for hold in holds:
        held[hold.stock.variant_id] += hold.quantity
    return dict(held)


def _charge_for(order: Order, merchandise: Decimal) -> Decimal:
    """What the shopper paid for ``merchandise`` worth of lines: their share of discount
    and tax included, shipping not."""
    if order.subtotal <= ZERO:
        return ZERO
    ratio = (order.subtotal - order.discount_total + order.tax_total) / order.subtotal
    return to_money(merchandise * ratio)


def _pickup_label(fulfilment: Fulfilment) -> str:
    return f"order {fulfilment.order.number} at {fulfilment.location.name}"


def order_status_for(statuses: list[str]) -> str:
    """An order's status from its fulfilments' statuses."""
    present = set(statuses)
    if not present:
        return Order.Status.PLACED
    if present <= CLOSED:
        return Order.Status.CANCELLED
    if present <= DONE:
        return Order.Status.FULFILLED
    if present & (DONE | {Status.PARTIALLY_COLLECTED}):
        return Order.Status.PARTIALLY_FULFILLED
    if present - CLOSED == {Status.PLACED}:
        return Order.Status.PLACED
    return Order.Status.PROCESSING


@transaction.atomic
def order_status_refresh(*, order: Order) -> Order:
    """Recompute the order's status from its fulfilments (after any fulfilment step).
    Locks the order row, then reads the fulfilments, so two steps on two fulfilments of
    one order end with the status both of them imply."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    status = order_status_for(list(locked.fulfilments.values_list("status", flat=True)))
    if status != locked.status:
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
        order_events_record(order=locked, event="status_changed", key=status)
    order.status = locked.status
    return locked


def _money_back(
    *, fulfilment: Fulfilment, merchandise: Decimal, order_cancelled: bool, reason: str
) -> None:
    """Units that will not reach the shopper: their share of what was paid goes back;
    when nothing of the order is left, everything paid goes back (shipping too) and a
    pay-in-store payment still pending is voided."""
    order = fulfilment.order
    if order_cancelled:
        for payment in order.payments.filter(
            status__in=[Payment.Status.PENDING, Payment.Status.AUTHORISED]
        ):
            payment_void(payment=payment)
    amount = order.total if order_cancelled else _charge_for(order, merchandise)
    if amount > ZERO:
        order_refund_value(order=order, amount=amount, reason=reason, reference=fulfilment)


def _loyalty_reverse(fulfilment: Fulfilment, merchandise: Decimal, note: str) -> None:
    points = int(merchandise)
    if points > 0:
        customer_services.loyalty_add(
            customer=fulfilment.order.customer,
            points=-points,
            reason=LoyaltyEntry.Reason.ADJUSTMENT,
            reference=fulfilment.order,
            location=fulfilment.location,
            note=note,
        )


def _email(kind: str, fulfilment: Fulfilment) -> None:
    if fulfilment.order.email:
        outbox_record(
            topic=f"email.{kind}",
            payload={"fulfilment_id": fulfilment.pk},
            dedupe_key=f"email.{kind}:orders.fulfilment:{fulfilment.pk}",
        )


def _timeline(
    fulfilment: Fulfilment,
    *,
    kind: str,
    summary: str,
    channel: str = Channel.STORE,
    associate: Associate | None = None,
    detail: dict | None = None,
) -> None:
    customer_services.interaction_record(
        customer=fulfilment.order.customer,
        kind=kind,
        channel=channel,
        summary=summary,
        subject=fulfilment.order,
        location=fulfilment.location,
        associate=associate,
        detail={
            "number": fulfilment.order.number,
            "fulfilment_id": fulfilment.pk,
            **(detail or {}),
        },
    )


def _refuse(fulfilment: Fulfilment, action: str) -> InvalidTransition:
    """The clear sentence for a step the fulfilment's state does not allow."""
    status, pickup = fulfilment.status, fulfilment.kind == Kind.PICKUP
    if pickup:
        messages = {
            Status.PLACED: "This pickup is not ready yet.",
            Status.PICKING: "This pickup is not ready yet.",
            Status.READY: "This pickup is already ready for collection.",
            Status.COLLECTED: "This pickup has already been collected.",
            Status.PARTIALLY_COLLECTED: "This pickup has already been collected.",
            Status.EXPIRED: "This pickup was not collected in time; its items went back on sale.",
            Status.CANCELLED: "This pickup was cancelled.",
        }
        if action == "picking" and status == Status.PICKING:
            message = "This pickup is already being picked."
        else:
            message = messages.get(status, "This pickup cannot take that step.")
    else:
        messages = {
            Status.PLACED: "This parcel has not been shipped yet.",
            Status.PICKING: "This parcel has not been shipped yet.",
            Status.SHIPPED: "This parcel has already been shipped.",
            Status.DELIVERED: "This parcel has already been delivered.",
            Status.CANCELLED: "This shipment was cancelled.",
        }
        if action == "picking" and status == Status.PICKING:
            message = "This parcel is already being picked."
        else:
            message = messages.get(status, "This shipment cannot take that step.")
    return InvalidTransition(message, fulfilment_id=fulfilment.pk, status=status, action=action)


def _require_kind(fulfilment: Fulfilment, kind: str, action: str) -> None:
    if fulfilment.kind != kind:
        what = "a pickup" if kind == Kind.PICKUP else "a shipment"
        raise InvalidTransition(
            f"Only {what} can be {action}.", fulfilment_id=fulfilment.pk, kind=fulfilment.kind
        )


# --- both kinds ---------------------------------------------------------------------------


@transaction.atomic
def fulfilment_start_picking(
    *, fulfilment: Fulfilment, associate: Associate | None = None
) -> Fulfilment:
    """An associate starts picking the items (placed → picking), for a pickup or a
    shipment. Locks the fulfilment, then the order. Raises InvalidTransition."""
    locked = _locked(fulfilment)
    if locked.kind not in (Kind.PICKUP, Kind.SHIP) or locked.status != Status.PLACED:
        raise _refuse(locked, "picking")
    locked.status = Status.PICKING
    locked.save(update_fields=["status", "updated_at"])
    order_status_refresh(order=locked.order)
    _copy_back(fulfilment, locked)
    return locked


@transaction.atomic
def fulfilment_cancel(
    *, fulfilment: Fulfilment, associate: Associate | None = None, reason: str = ""
) -> Fulfilment:
    """Call off a pickup (placed, picking or ready) or a shipment not shipped yet: its
    held units go back on sale, a transfer still waiting to leave for it is cancelled,
    and the money for its lines is given back (a pending pay-in-store payment is voided
    when the whole order is off; a paid order is refunded, shipping included then).

    Locks the fulfilment, its holds and stock rows, payments, then the order. Raises
    InvalidTransition (already shipped, collected, expired or cancelled)."""
    locked = _locked(fulfilment)
    allowed = OPEN_PICKUP if locked.kind == Kind.PICKUP else OPEN_SHIPMENT
    if locked.kind == Kind.CARRY_OUT or locked.status not in allowed:
        raise _refuse(locked, "cancel")
    order = locked.order
    holds = _holds(locked)
    if holds:
        inventory.reservations_release(reservation_ids=[h.pk for h in holds])
    if locked.kind == Kind.PICKUP:
        waiting = Transfer.objects.filter(
            reference_type="orders.order",
            reference_id=str(order.pk),
            destination_id=locked.location_id,
            status=Transfer.Status.REQUESTED,
        ).values_list("pk", flat=True)
        for transfer_id in list(waiting):
            inventory.transfer_cancel(transfer_id=transfer_id)
    lines = _lines(locked)
    value = sum((line.order_line.unit_price * line.quantity for line in lines), ZERO)
    locked.status = Status.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    order = order_status_refresh(order=order)
    locked.order = order
    _money_back(
        fulfilment=locked,
        merchandise=value,
        order_cancelled=order.status == Order.Status.CANCELLED,
        reason=reason or "Cancelled",
    )
    _loyalty_reverse(locked, value, f"Order {order.number}: cancelled")
    what = "Pickup" if locked.kind == Kind.PICKUP else "Shipment"
    _timeline(
        locked,
        kind=Interaction.Kind.PICKUP if locked.kind == Kind.PICKUP else Interaction.Kind.ORDER,
        summary=f"{what} of order {order.number} cancelled" + (f": {reason}" if reason else ""),
        associate=associate,
        detail={"reason": reason},
    )
    order_events_record(
        order=order,
        event="fulfilment_cancelled",
        key=str(locked.pk),
        detail={"fulfilment_id": locked.pk},
    )
    _copy_back(fulfilment, locked)
    return locked


@transaction.atomic
def order_cancel(*, order: Order, associate: Associate | None = None, reason: str = "") -> Order:
    """Cancel every fulfilment of the order that has not left yet (see
    ``fulfilment_cancel``). Raises InvalidTransition when none can be cancelled."""
    open_ones = list(
        order.fulfilments.filter(
            kind__in=[Kind.PICKUP, Kind.SHIP], status__in=list(OPEN_PICKUP)
        ).order_by("pk")
    )
    cancellable = [f for f in open_ones if f.kind == Kind.PICKUP or f.status in OPEN_SHIPMENT]
    if not cancellable:
        raise InvalidTransition(
            "Nothing of this order can be cancelled any more.", order_id=order.pk
        )
    for fulfilment in cancellable:
        fulfilment_cancel(fulfilment=fulfilment, associate=associate, reason=reason)
    return Order.objects.get(pk=order.pk)


# --- pickups ------------------------------------------------------------------------------


@transaction.atomic
def fulfilment_ready(
    *, fulfilment: Fulfilment, associate: Associate | None = None, now: dt.datetime | None = None
) -> Fulfilment:
    """The items are bagged and waiting at the store (placed or picking → ready): sets
    ``ready_at`` and ``hold_until`` (``OMNI_PICKUP_HOLD_DAYS`` later), turns the order's
    holds there into pickup holds, tells the shopper (``email.pickup_ready`` after
    commit) and puts it on their timeline.

    Locks the fulfilment, its holds, then the order. Raises InvalidTransition (not a
    pickup; not placed or picking; some units not in the store yet, e.g. a transfer on
    its way)."""
    now = now or timezone.now()
    locked = _locked(fulfilment)
    _require_kind(locked, Kind.PICKUP, "made ready for collection")
    if locked.status not in (Status.PLACED, Status.PICKING):
        raise _refuse(locked, "ready")
    holds = _holds(locked)
    needed, held = _needed(_lines(locked)), _held(holds)
    if any(held.get(variant_id, 0) < quantity for variant_id, quantity in needed.items()):
        incoming = list(
            Transfer.objects.filter(
                reference_type="orders.order",
                reference_id=str(locked.order_id),
                destination_id=locked.location_id,
                status__in=[Transfer.Status.REQUESTED, Transfer.Status.SHIPPED],
            ).select_related("source")
        )
        if incoming:
            sources = ", ".join(sorted({t.source.name for t in incoming}))
            message = (
                f"Some items are still on their way from {sources}; this pickup cannot "
                "be ready before they arrive."
            )
        else:
            message = "Some items of this pickup are not held in this store any more."
        raise InvalidTransition(message, fulfilment_id=locked.pk, needed=needed, held=held)
    hold_until = now + dt.timedelta(days=pickup_hold_days())
    for hold in holds:
        inventory.reservation_convert(
            reservation_id=hold.pk,
            kind=Reservation.Kind.PICKUP,
            expires_at=hold_until + HOLD_BACKSTOP,
        )
    locked.status = Status.READY
    locked.ready_at = now
    locked.hold_until = hold_until
    locked.reminder_sent_at = None
    locked.save(
        update_fields=["status", "ready_at", "hold_until", "reminder_sent_at", "updated_at"]
    )
    _timeline(
        locked,
        kind=Interaction.Kind.PICKUP,
        summary=f"Order {locked.order.number} ready for pickup at {locked.location.name}",
        associate=associate,
        detail={"hold_until": hold_until.isoformat()},
    )
    _email("pickup_ready", locked)
    order_events_record(
        order=locked.order,
        event="fulfilment_ready",
        key=str(locked.pk),
        detail={"fulfilment_id": locked.pk},
    )
    order_status_refresh(order=locked.order)
    _copy_back(fulfilment, locked)
    return locked


def _quantities_clean(
    lines: list[FulfilmentLine], quantities: Mapping[int, int] | None
) -> dict[int, int]:
    """{fulfilment line id: units collected now}, from {order_line_id: units}."""
    if quantities is None:
        return {line.pk: line.quantity for line in lines}
    by_order_line = {line.order_line_id: line for line in lines}
    unknown = set(quantities) - set(by_order_line)
    if unknown:
        raise InvalidQuantity(
            "Some of those lines are not part of this pickup.", order_line_ids=sorted(unknown)
        )
    taken = {}
    for line in lines:
        count = quantities.get(line.order_line_id, 0)
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= line.quantity:
            raise InvalidQuantity(
                f"Between 0 and {line.quantity} of {line.order_line.product_name} can be "
                "collected.",
                order_line_id=line.order_line_id,
            )
        taken[line.pk] = count
    if not any(taken.values()):
        raise InvalidQuantity("Collect at least one item, or cancel the pickup.")
    return taken


@transaction.atomic
def fulfilment_collect(
    *,
    fulfilment: Fulfilment,
    code: str,
    quantities: Mapping[int, int] | None = None,
    associate: Associate | None = None,
    now: dt.datetime | None = None,
) -> Fulfilment:
    """The shopper collects a ready pickup. ``code`` is the order code they show (the
    order number, typed or scanned from the QR code). ``quantities`` ({order_line_id:
    units}) records a partial collection (they leave something behind): the units taken
    leave stock, the others go back on sale at once, and the pickup ends
    ``partially_collected``. Pay in store is captured for what was taken; a paid order is
    refunded what was left; loyalty points for it are taken back.

    Locks the fulfilment, its holds and stock rows, payments, then the order. Raises
    PickupCodeMismatch, InvalidTransition ("This pickup is not ready yet", already
    collected, expired, cancelled; items no longer in the store), InvalidQuantity (a
    quantity out of range)."""
    now = now or timezone.now()
    locked = _locked(fulfilment)
    _require_kind(locked, Kind.PICKUP, "collected")
    order = locked.order
    if locked.status != Status.READY:
        raise _refuse(locked, "collect")
    if order_number_normalise(code) != order.number.upper():
        raise PickupCodeMismatch(
            "That code does not match this order. Check the order number on the "
            "shopper's email or receipt.",
            fulfilment_id=locked.pk,
        )
    lines = _lines(locked)
    taken = _quantities_clean(lines, quantities)
    holds = _holds(locked)
    complete = all(taken[line.pk] == line.quantity for line in lines)
    if complete and _held(holds) == _needed(lines):
        inventory.stock_collect(
            reservation_ids=[h.pk for h in holds],
            reference=order,
            associate=associate,
            actor=f"pickup {order.number}",
        )
    else:
        # A partial pickup (inventory has no partial commit), or holds that lapsed while
        # the bag waited on the shelf: let the holds go, then sell what leaves the store.
        if holds:
            inventory.reservations_release(reservation_ids=[h.pk for h in holds])
        sold: dict[int, int] = defaultdict(int)
        for line in lines:
            if taken[line.pk]:
                sold[line.order_line.variant_id] += taken[line.pk]
        try:
            inventory.stock_sell(
                location_id=locked.location_id,
                lines=list(sold.items()),
                reference=order,
                associate=associate,
                actor=f"pickup {order.number}",
            )
        except InventoryInsufficientStock as error:
            raise InvalidTransition(
                "Some items of this pickup are no longer in stock in this store.",
                fulfilment_id=locked.pk,
                lines=error.details.get("lines", []),
            ) from None
    for line in lines:
        line.quantity_collected = taken[line.pk]
    FulfilmentLine.objects.bulk_update(lines, ["quantity_collected"])
    left = sum(
        (line.order_line.unit_price * (line.quantity - taken[line.pk]) for line in lines), ZERO
    )
    locked.status = Status.COLLECTED if complete else Status.PARTIALLY_COLLECTED
    locked.collected_at = now
    locked.save(update_fields=["status", "collected_at", "updated_at"])
    order = order_status_refresh(order=order)
    locked.order = order
    pending = list(order.payments.filter(status=Payment.Status.PENDING))
    for payment in pending:
        # Pay in store: the shopper pays at the counter for what they take.
        payment_capture(
            payment=payment, amount=max(payment.amount - _charge_for(order, left), ZERO)
        )
    if left > ZERO:
        if not pending:
            order_refund_value(
                order=order,
                amount=_charge_for(order, left),
                reason="Left at pickup",
                reference=locked,
            )
        _loyalty_reverse(locked, left, f"Order {order.number}: items left at pickup")
    items = sum(taken.values())
    ordered = sum(line.quantity for line in lines)
    _timeline(
        locked,
        kind=Interaction.Kind.PICKUP,
        summary=f"Collected {_pickup_label(locked)}"
        + ("" if complete else f" ({items} of {ordered} items)"),
        associate=associate,
        detail={"collected": items, "ordered": ordered},
    )
    order_events_record(
        order=order,
        event="fulfilment_collected",
        key=str(locked.pk),
        detail={"fulfilment_id": locked.pk, "complete": complete},
    )
    _copy_back(fulfilment, locked)
    return locked


def _pickup_expire(fulfilment: Fulfilment, now: dt.datetime) -> None:
    """Release one ready pickup past its hold (the row is locked by the caller)."""
    holds = _holds(fulfilment)
    if holds:
        inventory.reservations_release(reservation_ids=[h.pk for h in holds])
    lines = _lines(fulfilment)
    value = sum((line.order_line.unit_price * line.quantity for line in lines), ZERO)
    fulfilment.status = Status.EXPIRED
    fulfilment.save(update_fields=["status", "updated_at"])
    order = order_status_refresh(order=fulfilment.order)
    fulfilment.order = order
    _money_back(
        fulfilment=fulfilment,
        merchandise=value,
        order_cancelled=order.status == Order.Status.CANCELLED,
        reason="Not collected in time",
    )
    _loyalty_reverse(fulfilment, value, f"Order {order.number}: not collected")
    _timeline(
        fulfilment,
        kind=Interaction.Kind.PICKUP,
        channel=Channel.SYSTEM,
        summary=f"Pickup of {_pickup_label(fulfilment)} not collected; items released",
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


# --- shipments ----------------------------------------------------------------------------


@transaction.atomic
def fulfilment_ship(
    *,
    fulfilment: Fulfilment,
    tracking_number: str = "",
    associate: Associate | None = None,
    now: dt.datetime | None = None,
) -> Fulfilment:
    """The parcel left the building (placed or picking → shipped): its held units leave
    stock (inventory ``stock_ship``), the tracking number is kept.

    Locks the fulfilment, its holds and stock rows, then the order. Raises
    InvalidTransition (not a shipment, already shipped or cancelled, units not held)."""
    now = now or timezone.now()
    locked = _locked(fulfilment)
    _require_kind(locked, Kind.SHIP, "shipped")
    if locked.status not in OPEN_SHIPMENT:
        raise _refuse(locked, "ship")
    holds = _holds(locked)
    needed, held = _needed(_lines(locked)), _held(holds)
    if held != needed:
        raise InvalidTransition(
            "The items of this parcel are not (or not exactly) held at this location; "
            "check the stock before shipping.",
            fulfilment_id=locked.pk,
            needed=needed,
            held=held,
        )
    inventory.stock_ship(
        reservation_ids=[h.pk for h in holds],
        reference=locked.order,
        associate=associate,
        actor=f"shipment {locked.order.number}",
    )
    locked.status = Status.SHIPPED
    locked.shipped_at = now
    locked.tracking_number = tracking_number.strip()[:60]
    locked.save(update_fields=["status", "shipped_at", "tracking_number", "updated_at"])
    _timeline(
        locked,
        kind=Interaction.Kind.ORDER,
        channel=Channel.SYSTEM,
        summary=f"Order {locked.order.number} shipped from {locked.location.name}"
        + (f" (tracking {locked.tracking_number})" if locked.tracking_number else ""),
        associate=associate,
        detail={"tracking_number": locked.tracking_number},
    )
    order_events_record(
        order=locked.order,
        event="fulfilment_shipped",
        key=str(locked.pk),
        detail={"fulfilment_id": locked.pk, "tracking_number": locked.tracking_number},
    )
    order_status_refresh(order=locked.order)
    _copy_back(fulfilment, locked)
    return locked


@transaction.atomic
def fulfilment_deliver(*, fulfilment: Fulfilment, now: dt.datetime | None = None) -> Fulfilment:
    """The carrier delivered the parcel (shipped → delivered). Locks the fulfilment, then
    the order. Raises InvalidTransition (not shipped yet, or delivered already)."""
    now = now or timezone.now()
    locked = _locked(fulfilment)
    _require_kind(locked, Kind.SHIP, "delivered")
    if locked.status != Status.SHIPPED:
        raise _refuse(locked, "deliver")
    locked.status = Status.DELIVERED
    locked.delivered_at = now
    locked.save(update_fields=["status", "delivered_at", "updated_at"])
    _timeline(
        locked,
        kind=Interaction.Kind.ORDER,
        channel=Channel.SYSTEM,
        summary=f"Order {locked.order.number} delivered",
    )
    order_events_record(
        order=locked.order,
        event="fulfilment_delivered",
        key=str(locked.pk),
        detail={"fulfilment_id": locked.pk},
    )
    order_status_refresh(order=locked.order)
    _copy_back(fulfilment, locked)
    return locked
