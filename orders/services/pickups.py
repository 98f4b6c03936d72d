"""Pickups through the store's queue: ready (the hold runs to ``hold_until``), collected
(all or part, with the pickup code), and a pickup waiting for a transfer to arrive.
The lifecycle and the lock order: ``orders.services.fulfilments``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from customers.models import Channel, Interaction
from inventory import services as inventory
from inventory.errors import InsufficientStock as InventoryInsufficientStock
from inventory.models import Reservation, Transfer
from omni import stored_text
from omni.money import ZERO
from orders.errors import InvalidTransition, PickupCodeMismatch
from orders.models import Fulfilment, FulfilmentLine, Payment
from orders.services.events import order_events_record
from orders.services.fulfilments import (
    HOLD_BACKSTOP,
    Kind,
    Status,
    _charge_for,
    _copy_back,
    _email,
    _held,
    _holds,
    _lines,
    _locked,
    _loyalty_reverse,
    _needed,
    _quantities_clean,
    _refuse,
    _require_kind,
    _timeline,
    order_status_refresh,
    pickup_hold_days,
    sales_tax_of,
)
from orders.services.numbers import order_number_normalise
from orders.services.payments import order_qr_payment_required, order_refund_value, payment_capture
from stores.models import Associate

# Timeline entries of this module, read in the reader's language (omni.stored_text).
TIMELINE = stored_text.register(
    {
        "pickup.ready": gettext_lazy("Order %(number)s ready for pickup at %(location)s"),
        "pickup.collected": gettext_lazy("Collected order %(number)s at %(location)s"),
        "pickup.collected_part": ngettext_lazy(
            "Collected order %(number)s at %(location)s (%(count)s of %(ordered)s item)",
            "Collected order %(number)s at %(location)s (%(count)s of %(ordered)s items)",
            "ordered",
        ),
        "pickup.part_arrived": ngettext_lazy(
            "Part of order %(number)s arrived at %(location)s; %(count)s item still on its way",
            "Part of order %(number)s arrived at %(location)s; %(count)s items still on their way",
            "count",
        ),
        "pickup.all_arrived": gettext_lazy("All items of order %(number)s are at %(location)s"),
    }
)


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
            message = _(
                "Some items are still on their way from %(sources)s; this pickup cannot "
                "be ready before they arrive."
            ) % {"sources": sources}
        else:
            message = _("Some items of this pickup are not held in this store any more.")
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
        summary=stored_text.text(
            "pickup.ready", number=locked.order.number, location=locked.location.name
        ),
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
    order_qr_payment_required(order=order)
    if order_number_normalise(code) != order.number.upper():
        raise PickupCodeMismatch(
            _(
                "That code does not match this order. Check the order number on the "
                "shopper's email or receipt."
            ),
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
                _("Some items of this pickup are no longer in stock in this store."),
                fulfilment_id=locked.pk,
                lines=error.details.get("lines", []),
            ) from None
    for line in lines:
        line.quantity_collected = taken[line.pk]
    FulfilmentLine.objects.bulk_update(lines, ["quantity_collected"])
    left = sum(
        (line.order_line.unit_price * (line.quantity - taken[line.pk]) for line in lines), ZERO
    )
    left_tax = sales_tax_of(
        order, [(line.order_line, line.quantity - taken[line.pk]) for line in lines]
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
            payment=payment,
            amount=max(payment.amount - _charge_for(order, left, sales_tax=left_tax), ZERO),
        )
    if left > ZERO:
        if not pending:
            order_refund_value(
                order=order,
                amount=_charge_for(order, left, sales_tax=left_tax),
                reason="Left at pickup",
                reference=locked,
            )
        _loyalty_reverse(locked, left, f"Order {order.number}: items left at pickup")
    items = sum(taken.values())
    ordered = sum(line.quantity for line in lines)
    where = {"number": order.number, "location": locked.location.name}
    _timeline(
        locked,
        kind=Interaction.Kind.PICKUP,
        summary=stored_text.text("pickup.collected", **where)
        if complete
        else stored_text.text("pickup.collected_part", **where, count=items, ordered=ordered),
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
            summary=stored_text.text(
                "pickup.part_arrived",
                number=locked.order.number,
                location=locked.location.name,
                count=sum(missing.values()),
            ),
            detail={"missing": {str(k): v for k, v in missing.items()}},
        )
        return locked
    locked.all_items_here_at = now
    locked.save(update_fields=["all_items_here_at", "updated_at"])
    _timeline(
        locked,
        kind=Interaction.Kind.PICKUP,
        channel=Channel.SYSTEM,
        summary=stored_text.text(
            "pickup.all_arrived", number=locked.order.number, location=locked.location.name
        ),
    )
    _copy_back(fulfilment, locked)
    if locked.location.ready_on_transfer_receipt:
        return fulfilment_ready(fulfilment=locked, now=now)
    # "Your items are here" by text for a shopper who chose texts (their email comes
    # when the pickup is ready).
    from orders.emails import fulfilment_service_text

    fulfilment_service_text("pickup_all_here", locked)
    return locked
