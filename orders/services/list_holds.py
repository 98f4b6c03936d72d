"""Holding a shopper's list at a store for their visit: customers' list and inventory's
stock in one transaction. Orders sits above both, so it calls each directly (customers
and inventory sit side by side and never call one another)."""

from __future__ import annotations

from django.db import transaction

from customers import services as customer_services
from customers.models import List
from inventory import services as inventory_services
from inventory.errors import InsufficientStock
from inventory.models import Reservation
from stores.models import Associate, Location


@transaction.atomic
def list_hold_for_visit(
    *,
    shopping_list: List,
    location: Location,
    associate: Associate,
    hours: int = 48,
) -> list[Reservation]:
    """Put the list's items aside at this store for the shopper's visit: one expiring
    hold (kind ``visit``) per item, all or none. Holding again replaces the earlier visit
    holds, so the same units are never held twice. A list sent to this store and still
    new becomes prepared, and the hold is on the customer's timeline. If reserving fails,
    nothing of the hold is written.

    Locks the list row, then the stock rows in primary-key order. Raises customers'
    LocationNotAvailable (not an active store, the associate does not work there),
    InvalidList (empty list, hours outside 1–``customers.services.HOLD_HOURS_MAX``),
    SizeNotChosen (items saved without a size), and inventory's InsufficientStock naming
    every short item (details ``lines`` as inventory gives them)."""
    hold = customer_services.list_hold_plan(
        shopping_list=shopping_list, location=location, associate=associate, hours=hours
    )
    try:
        holds = inventory_services.reservations_hold_for_visit(
            location_id=location.pk,
            lines=hold.lines,
            expires_at=hold.until,
            reference=hold.shopping_list,
        )
    except InsufficientStock as error:
        raise customer_services.list_hold_short(hold=hold, error=error) from error
    customer_services.list_hold_record(
        hold=hold, reservation_ids=[reservation.pk for reservation in holds]
    )
    return holds
