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
from inventory import errors as inventory_errors
from inventory import services as inventory
from inventory.errors import InsufficientStock as InventoryInsufficientStock
from inventory.models import Reservation, Transfer
from inventory.selectors import reservations_for_reference
from omni.errors import DomainError
from omni.money import ZERO, to_money
from omni.outbox import outbox_record
from orders.errors import InsufficientStock, InvalidQuantity, InvalidTransition, PickupCodeMismatch
from orders.models import Fulfilment, FulfilmentLine, Order, Payment
from orders.services.events import order_events_record
from orders.services.numbers import order_number_normalise
from orders.services.payments import order_refund_value, payment_capture, payment_void
from stores.models import Associate

logger = logging.getLogger(__name__)

Status = Fulfilment.Status
Kind = Fulfilment.Kind

OPEN_PICKUP = (Status.PLACED, Status.PICKING, Status.READY)
OPEN_SHIPMENT = (Status.PLACED, Status.PICKING, Status.PACKED)
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
        "carrier",
        "all_items_here_at",
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
            Status.PACKED: "This parcel is packed and has not been shipped yet.",
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
            inventory.transfer_cancel(
                transfer_id=transfer_id,
                reason=f"Pickup of order {order.number} cancelled",
                associate=associate,
            )
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
            kind__in=[Kind.PICKUP, Kind.SHIP], status__in=[*OPEN_PICKUP, Status.PACKED]
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
    lines: list[FulfilmentLine], quantities: Mapping[int, int] | None, verb: str = "collected"
) -> dict[int, int]:
    """{fulfilment line id: units collected now}, from {order_line_id: units}."""
    if quantities is None:
        return {line.pk: line.quantity for line in lines}
    by_order_line = {line.order_line_id: line for line in lines}
    unknown = set(quantities) - set(by_order_line)
    if unknown:
        raise InvalidQuantity(
            "Some of those lines are not part of this fulfilment.",
            order_line_ids=sorted(unknown),
        )
    taken = {}
    for line in lines:
        count = quantities.get(line.order_line_id, 0)
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= line.quantity:
            raise InvalidQuantity(
                f"Between 0 and {line.quantity} of {line.order_line.product_name} can be {verb}.",
                order_line_id=line.order_line_id,
            )
        taken[line.pk] = count
    if not any(taken.values()):
        if verb == "shipped":
            raise InvalidQuantity("Ship at least one item, or cancel the shipment.")
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
    carrier: str = "",
    quantities: Mapping[int, int] | None = None,
    associate: Associate | None = None,
    now: dt.datetime | None = None,
) -> Fulfilment:
    """The parcel left the building (placed, picking or packed → shipped): its held units
    leave stock (inventory ``stock_ship``), the carrier and tracking number are kept and
    the shopper gets the shipping email with the tracking link (``email.order_shipped``,
    outbox) and ``fulfilment.shipped`` goes to webhooks.

    ``quantities`` ({order_line_id: units}) ships part of the parcel: the rest stays held
    here in a new shipment (placed) of the same order, to follow.

    Locks the fulfilment, its holds and stock rows, then the order. Raises
    InvalidTransition (not a shipment, already shipped or cancelled, units not held),
    InvalidQuantity (a quantity out of range, nothing shipped)."""
    now = now or timezone.now()
    locked = _locked(fulfilment)
    _require_kind(locked, Kind.SHIP, "shipped")
    if locked.status not in OPEN_SHIPMENT:
        raise _refuse(locked, "ship")
    carrier = carrier.strip().lower()
    if carrier and carrier not in settings.OMNI_CARRIERS:
        raise InvalidQuantity(
            "Choose one of the carriers this shop ships with.", field="carrier", carrier=carrier
        )
    holds = _holds(locked)
    lines = _lines(locked)
    needed, held = _needed(lines), _held(holds)
    if held != needed:
        raise InvalidTransition(
            "The items of this parcel are not (or not exactly) held at this location; "
            "check the stock before shipping.",
            fulfilment_id=locked.pk,
            needed=needed,
            held=held,
        )
    sent = _quantities_clean(lines, quantities, verb="shipped")
    rest = {line.pk: line.quantity - sent[line.pk] for line in lines}
    if any(rest.values()):
        holds = _split_off(locked, lines, sent, rest)
    inventory.stock_ship(
        reservation_ids=[h.pk for h in holds],
        reference=locked.order,
        associate=associate,
        actor=f"shipment {locked.order.number}",
    )
    locked.status = Status.SHIPPED
    locked.shipped_at = now
    locked.tracking_number = tracking_number.strip()[:60]
    locked.carrier = carrier
    locked.save(update_fields=["status", "shipped_at", "tracking_number", "carrier", "updated_at"])
    _timeline(
        locked,
        kind=Interaction.Kind.ORDER,
        channel=Channel.SYSTEM,
        summary=f"Order {locked.order.number} shipped from {locked.location.name}"
        + (f" (tracking {locked.tracking_number})" if locked.tracking_number else ""),
        associate=associate,
        detail={"tracking_number": locked.tracking_number, "carrier": carrier},
    )
    _email("order_shipped", locked)
    order_events_record(
        order=locked.order,
        event="fulfilment_shipped",
        key=str(locked.pk),
        detail={"fulfilment_id": locked.pk, "tracking_number": locked.tracking_number},
    )
    _fulfilment_shipped_webhook(locked)
    order_status_refresh(order=locked.order)
    _copy_back(fulfilment, locked)
    return locked


def _fulfilment_shipped_webhook(fulfilment: Fulfilment) -> None:
    from omni.api.webhooks import webhook_event_record

    webhook_event_record(
        event="fulfilment.shipped",
        payload={
            "fulfilment_id": fulfilment.pk,
            "order_id": fulfilment.order_id,
            "number": fulfilment.order.number,
            "location_id": fulfilment.location_id,
            "carrier": fulfilment.carrier,
            "tracking_number": fulfilment.tracking_number,
            "tracking_url": fulfilment.tracking_url,
        },
        dedupe_key=f"fulfilment.shipped:orders.fulfilment:{fulfilment.pk}",
    )


def _split_off(
    fulfilment: Fulfilment,
    lines: list[FulfilmentLine],
    keep: Mapping[int, int],
    rest: Mapping[int, int],
) -> list[Reservation]:
    """Move ``rest`` ({fulfilment line id: units}) of a shipment into a new placed
    shipment of the same order at the same place; this one keeps ``keep``. The holds are
    regrouped so each shipment's are exactly its own. Returns the holds of what this one
    keeps."""
    order = fulfilment.order
    other = Fulfilment.objects.create(
        order=order, kind=Kind.SHIP, status=Status.PLACED, location_id=fulfilment.location_id
    )
    FulfilmentLine.objects.bulk_create(
        FulfilmentLine(fulfilment=other, order_line_id=line.order_line_id, quantity=rest[line.pk])
        for line in lines
        if rest[line.pk]
    )
    for line in lines:
        if keep[line.pk]:
            line.quantity = keep[line.pk]
    FulfilmentLine.objects.bulk_update([ln for ln in lines if keep[ln.pk]], ["quantity"])
    FulfilmentLine.objects.filter(pk__in=[ln.pk for ln in lines if not keep[ln.pk]]).delete()
    kept: dict[int, int] = defaultdict(int)
    stays: dict[int, int] = defaultdict(int)
    for line in lines:
        kept[line.order_line.variant_id] += keep[line.pk]
        stays[line.order_line.variant_id] += rest[line.pk]
    here = fulfilment.location_id
    new_holds = inventory.reservations_rehold(
        reservation_ids=[h.pk for h in _holds(fulfilment)],
        lines=[inventory.StockLine(v, here, q) for v, q in sorted(kept.items())],
        kind=Reservation.Kind.ORDER,
        reference=order,
    )
    # The part to follow stays held here, apart from what leaves now.
    inventory.reservations_rehold(
        reservation_ids=[],
        lines=[inventory.StockLine(v, here, q) for v, q in sorted(stays.items())],
        kind=Reservation.Kind.ORDER,
        reference=order,
    )
    return new_holds


@transaction.atomic
def fulfilment_pack(*, fulfilment: Fulfilment, associate: Associate | None = None) -> Fulfilment:
    """The parcel is packed and labelled, waiting for the carrier (placed or picking →
    packed). Locks the fulfilment, then the order. Raises InvalidTransition."""
    locked = _locked(fulfilment)
    _require_kind(locked, Kind.SHIP, "packed")
    if locked.status not in (Status.PLACED, Status.PICKING):
        if locked.status == Status.PACKED:
            raise InvalidTransition(
                "This parcel is already packed.", fulfilment_id=locked.pk, status=locked.status
            )
        raise _refuse(locked, "pack")
    locked.status = Status.PACKED
    locked.save(update_fields=["status", "updated_at"])
    order_status_refresh(order=locked.order)
    _copy_back(fulfilment, locked)
    return locked


@transaction.atomic
def fulfilment_line_unavailable(
    *,
    fulfilment: Fulfilment,
    order_line_id: int,
    associate: Associate | None = None,
) -> Fulfilment | None:
    """ "Can't find it": a line of a shipment is not on this store's shelf after all. Its
    hold here is let go and the line goes back to sourcing — the next nearest location
    that ships online orders and has it (this one excluded) gets it as a new placed
    shipment, held there. The order is not cancelled. Returns the new shipment; when the
    whole parcel moved, this one is cancelled without refund (nothing is lost).

    Locks the fulfilment, holds and stock rows, then the order. Raises InvalidTransition
    (not an open shipment), InvalidQuantity (a line not on it), InsufficientStock
    (orders': no other location can send it — cancel the line instead)."""
    locked = _locked(fulfilment)
    _require_kind(locked, Kind.SHIP, "re-sourced")
    if locked.status not in OPEN_SHIPMENT:
        raise _refuse(locked, "resource")
    lines = _lines(locked)
    line = next((ln for ln in lines if ln.order_line_id == order_line_id), None)
    if line is None:
        raise InvalidQuantity(
            "That line is not part of this shipment.", order_line_id=order_line_id
        )
    order = locked.order
    address = order.shipping_address or {}
    try:
        plan = inventory.sourcing_for_shipment(
            lines=[(line.order_line.variant_id, line.quantity)],
            postcode=address.get("postcode") or None,
            store_id=None if address.get("postcode") else locked.location_id,
            exclude_location_ids=[locked.location_id],
        )
    except inventory_errors.InsufficientStock:
        raise InsufficientStock(
            f"No other location can send {line.order_line.product_name}; cancel the "
            "shipment or wait for a count.",
            fulfilment_id=locked.pk,
        ) from None
    keep = {ln.pk: (0 if ln.pk == line.pk else ln.quantity) for ln in lines}
    new = None
    for shipment in plan.shipments:
        new = Fulfilment.objects.create(
            order=order, kind=Kind.SHIP, status=Status.PLACED, location_id=shipment.location_id
        )
        FulfilmentLine.objects.create(
            fulfilment=new,
            order_line_id=line.order_line_id,
            quantity=sum(q.quantity for q in shipment.lines),
        )
        inventory.reservations_create(
            lines=[
                inventory.StockLine(q.variant_id, shipment.location_id, q.quantity)
                for q in shipment.lines
            ],
            kind=Reservation.Kind.ORDER,
            reference=order,
        )
    holds = _holds(locked)
    remaining = [ln for ln in lines if keep[ln.pk]]
    kept: dict[int, int] = defaultdict(int)
    for ln in remaining:
        kept[ln.order_line.variant_id] += ln.quantity
    inventory.reservations_rehold(
        reservation_ids=[h.pk for h in holds],
        lines=[inventory.StockLine(v, locked.location_id, q) for v, q in sorted(kept.items())],
        kind=Reservation.Kind.ORDER,
        reference=order,
    )
    line.delete()
    if not remaining:
        locked.status = Status.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
    _timeline(
        locked,
        kind=Interaction.Kind.ORDER,
        summary=f"{line.order_line.product_name} of order {order.number} not found at "
        f"{locked.location.name}; sent from another location instead",
        associate=associate,
        detail={"order_line_id": line.order_line_id},
    )
    order_status_refresh(order=order)
    _copy_back(fulfilment, locked)
    return new


# --- pickups waiting for a transfer ----------------------------------------------------


def pickup_missing(*, fulfilment: Fulfilment) -> dict[int, int]:
    """{variant_id: units} of a pickup not held at its store yet (on their way, or never
    coming). Two queries."""
    needed, held = _needed(_lines(fulfilment)), _held(_holds(fulfilment))
    return {v: q - held.get(v, 0) for v, q in needed.items() if q > held.get(v, 0)}


@transaction.atomic
def pickup_transfer_arrived(
    *, fulfilment: Fulfilment, now: dt.datetime | None = None
) -> Fulfilment:
    """Units a pickup waited for were received at its store (orders' answer to
    ``inventory.signals.transfer_received``). Once every unit is held there it is "all
    items here" (``all_items_here_at``: the top of the store's queue) — and ready at once
    (shopper emailed) where the store's ``ready_on_transfer_receipt`` says so. Until then
    it keeps waiting; its timeline says what arrived.

    Locks the fulfilment, then (when made ready) its holds and the order."""
    now = now or timezone.now()
    locked = _locked(fulfilment)
    if locked.kind != Kind.PICKUP or locked.status not in (Status.PLACED, Status.PICKING):
        return locked
    missing = pickup_missing(fulfilment=locked)
    if missing:
        _timeline(
            locked,
            kind=Interaction.Kind.PICKUP,
            channel=Channel.SYSTEM,
            summary=f"Part of order {locked.order.number} arrived at {locked.location.name}; "
            f"{sum(missing.values())} item(s) still on their way",
            detail={"missing": {str(k): v for k, v in missing.items()}},
        )
        return locked
    locked.all_items_here_at = now
    locked.save(update_fields=["all_items_here_at", "updated_at"])
    _timeline(
        locked,
        kind=Interaction.Kind.PICKUP,
        channel=Channel.SYSTEM,
        summary=f"All items of order {locked.order.number} are at {locked.location.name}",
    )
    _copy_back(fulfilment, locked)
    if locked.location.ready_on_transfer_receipt:
        return fulfilment_ready(fulfilment=locked, now=now)
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
