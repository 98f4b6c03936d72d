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
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers import services as customer_services
from customers.models import Channel, Interaction, LoyaltyEntry
from inventory import services as inventory
from inventory.models import Reservation, Transfer
from inventory.selectors import reservations_for_reference
from omni import stored_text
from omni.money import ZERO, to_money
from omni.outbox import outbox_record
from orders.errors import InvalidQuantity, InvalidTransition
from orders.models import Fulfilment, FulfilmentLine, Order, Payment
from orders.services.events import order_events_record
from orders.services.payments import order_refund_value, payment_void
from stores.models import Associate

# Timeline entries of this module, read in the reader's language (omni.stored_text).
TIMELINE = stored_text.register(
    {
        "pickup.cancelled": gettext_lazy("Pickup of order %(number)s cancelled"),
        "pickup.cancelled_because": gettext_lazy(
            "Pickup of order %(number)s cancelled: %(reason)s"
        ),
        "shipment.cancelled": gettext_lazy("Shipment of order %(number)s cancelled"),
        "shipment.cancelled_because": gettext_lazy(
            "Shipment of order %(number)s cancelled: %(reason)s"
        ),
    }
)

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


def _charge_for(order: Order, merchandise: Decimal, *, sales_tax: Decimal = ZERO) -> Decimal:
    """What the shopper paid for ``merchandise`` worth of lines: their share of discount,
    and the ``sales_tax`` those lines were charged on top (``sales_tax_of``; a VAT
    order's tax is inside the merchandise already); shipping not."""
    if order.subtotal <= ZERO:
        return ZERO
    ratio = (order.subtotal - order.discount_total) / order.subtotal
    return to_money(merchandise * ratio + sales_tax)


def sales_tax_of(order: Order, lines_quantities) -> Decimal:
    """The sales tax added on top of these (order line, quantity) pairs: each line's tax
    pro-rated per unit (zero for a VAT order, whose tax is in its prices)."""
    if order.prices_include_tax:
        return ZERO
    return sum(
        (
            to_money(line.tax_amount * quantity / line.quantity)
            for line, quantity in lines_quantities
            if line.quantity
        ),
        ZERO,
    )


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
    *,
    fulfilment: Fulfilment,
    merchandise: Decimal,
    order_cancelled: bool,
    reason: str,
    sales_tax: Decimal = ZERO,
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
    amount = (
        order.total if order_cancelled else _charge_for(order, merchandise, sales_tax=sales_tax)
    )
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
    summary: stored_text.StoredText,
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
            Status.PLACED: _("This pickup is not ready yet."),
            Status.PICKING: _("This pickup is not ready yet."),
            Status.READY: _("This pickup is already ready for collection."),
            Status.COLLECTED: _("This pickup has already been collected."),
            Status.PARTIALLY_COLLECTED: _("This pickup has already been collected."),
            Status.EXPIRED: _(
                "This pickup was not collected in time; its items went back on sale."
            ),
            Status.CANCELLED: _("This pickup was cancelled."),
        }
        if action == "picking" and status == Status.PICKING:
            message = _("This pickup is already being picked.")
        else:
            message = messages.get(status, _("This pickup cannot take that step."))
    else:
        messages = {
            Status.PLACED: _("This parcel has not been shipped yet."),
            Status.PICKING: _("This parcel has not been shipped yet."),
            Status.PACKED: _("This parcel is packed and has not been shipped yet."),
            Status.SHIPPED: _("This parcel has already been shipped."),
            Status.DELIVERED: _("This parcel has already been delivered."),
            Status.CANCELLED: _("This shipment was cancelled."),
        }
        if action == "picking" and status == Status.PICKING:
            message = _("This parcel is already being picked.")
        else:
            message = messages.get(status, _("This shipment cannot take that step."))
    return InvalidTransition(message, fulfilment_id=fulfilment.pk, status=status, action=action)


def _require_kind(fulfilment: Fulfilment, kind: str, action: str) -> None:
    if fulfilment.kind != kind:
        messages = {
            "made ready for collection": _("Only a pickup can be made ready for collection."),
            "collected": _("Only a pickup can be collected."),
            "shipped": _("Only a shipment can be shipped."),
            "packed": _("Only a shipment can be packed."),
            "re-sourced": _("Only a shipment can be re-sourced."),
            "delivered": _("Only a shipment can be delivered."),
        }
        message = messages.get(action) or (
            _("Only a pickup can take this step.")
            if kind == Kind.PICKUP
            else _("Only a shipment can take this step.")
        )
        raise InvalidTransition(message, fulfilment_id=fulfilment.pk, kind=fulfilment.kind)


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
    tax = sales_tax_of(order, [(line.order_line, line.quantity) for line in lines])
    locked.status = Status.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    order = order_status_refresh(order=order)
    locked.order = order
    _money_back(
        fulfilment=locked,
        merchandise=value,
        sales_tax=tax,
        order_cancelled=order.status == Order.Status.CANCELLED,
        reason=reason or "Cancelled",
    )
    _loyalty_reverse(locked, value, f"Order {order.number}: cancelled")
    what = "pickup" if locked.kind == Kind.PICKUP else "shipment"
    _timeline(
        locked,
        kind=Interaction.Kind.PICKUP if locked.kind == Kind.PICKUP else Interaction.Kind.ORDER,
        summary=stored_text.text(f"{what}.cancelled_because", number=order.number, reason=reason)
        if reason
        else stored_text.text(f"{what}.cancelled", number=order.number),
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
            _("Nothing of this order can be cancelled any more."), order_id=order.pk
        )
    for fulfilment in cancellable:
        fulfilment_cancel(fulfilment=fulfilment, associate=associate, reason=reason)
    return Order.objects.get(pk=order.pk)


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
            _("Some of those lines are not part of this fulfilment."),
            order_line_ids=sorted(unknown),
        )
    taken = {}
    for line in lines:
        count = quantities.get(line.order_line_id, 0)
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= line.quantity:
            if verb == "shipped":
                message = _("Between 0 and %(max)d of %(item)s can be shipped.")
            else:
                message = _("Between 0 and %(max)d of %(item)s can be collected.")
            raise InvalidQuantity(
                message % {"max": line.quantity, "item": line.order_line.product_name},
                order_line_id=line.order_line_id,
            )
        taken[line.pk] = count
    if not any(taken.values()):
        if verb == "shipped":
            raise InvalidQuantity(_("Ship at least one item, or cancel the shipment."))
        raise InvalidQuantity(_("Collect at least one item, or cancel the pickup."))
    return taken
