"""Parcels out of the door: packed, shipped (all or part: the rest follows as a new
shipment), a line found unavailable, delivered. The lifecycle and the lock order:
``orders.services.fulfilments``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import Channel, Interaction
from inventory import errors as inventory_errors
from inventory import services as inventory
from inventory.models import Reservation
from omni import stored_text
from orders.errors import InsufficientStock, InvalidQuantity, InvalidTransition
from orders.models import Fulfilment, FulfilmentLine
from orders.services.events import order_events_record
from orders.services.fulfilments import (
    OPEN_SHIPMENT,
    Kind,
    Status,
    _copy_back,
    _email,
    _held,
    _holds,
    _lines,
    _locked,
    _needed,
    _quantities_clean,
    _refuse,
    _require_kind,
    _timeline,
    order_status_refresh,
)
from stores.models import Associate

# Timeline entries of this module, read in the reader's language (omni.stored_text).
TIMELINE = stored_text.register(
    {
        "order.shipped": gettext_lazy("Order %(number)s shipped from %(location)s"),
        "order.shipped_tracked": gettext_lazy(
            "Order %(number)s shipped from %(location)s (tracking %(tracking)s)"
        ),
        "order.line_rerouted": gettext_lazy(
            "%(product)s of order %(number)s not found at %(location)s; "
            "sent from another location instead"
        ),
        "order.delivered": gettext_lazy("Order %(number)s delivered"),
    }
)


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
            _("Choose one of the carriers this shop ships with."), field="carrier", carrier=carrier
        )
    holds = _holds(locked)
    lines = _lines(locked)
    needed, held = _needed(lines), _held(holds)
    if held != needed:
        raise InvalidTransition(
            _(
                "The items of this parcel are not (or not exactly) held at this location; "
                "check the stock before shipping."
            ),
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
    shipped = {"number": locked.order.number, "location": locked.location.name}
    _timeline(
        locked,
        kind=Interaction.Kind.ORDER,
        channel=Channel.SYSTEM,
        summary=stored_text.text(
            "order.shipped_tracked", tracking=locked.tracking_number, **shipped
        )
        if locked.tracking_number
        else stored_text.text("order.shipped", **shipped),
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
                _("This parcel is already packed."), fulfilment_id=locked.pk, status=locked.status
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
            _("That line is not part of this shipment."), order_line_id=order_line_id
        )
    order = locked.order
    address = order.shipping_address or {}
    try:
        plan = inventory.sourcing_for_shipment(
            lines=[(line.order_line.variant_id, line.quantity)],
            postcode=address.get("postcode") or None,
            country=address.get("country") or None,
            city=address.get("city", ""),
            region=address.get("region", ""),
            store_id=None if address.get("postcode") else locked.location_id,
            exclude_location_ids=[locked.location_id],
        )
    except inventory_errors.InsufficientStock:
        raise InsufficientStock(
            _("No other location can send %(item)s; cancel the shipment or wait for a count.")
            % {"item": line.order_line.product_name},
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
        summary=stored_text.text(
            "order.line_rerouted",
            product=line.order_line.product_name,
            number=order.number,
            location=locked.location.name,
        ),
        associate=associate,
        detail={"order_line_id": line.order_line_id},
    )
    order_status_refresh(order=order)
    _copy_back(fulfilment, locked)
    return new


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
        summary=stored_text.text("order.delivered", number=locked.order.number),
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
