"""Inventory's answers to questions lower apps ask through signals (it may import them;
they may not import inventory)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import models
from django.db.models import QuerySet

from catalog.signals import ProductStock
from inventory.models import NearestAvailability, Reservation, Stock
from inventory.selectors import (
    availability_for_product,
    reservations_for_reference,
    stock_online_salable,
)
from inventory.services import StockLine, reservations_create, reservations_release


def salable_at_location(
    sender, *, location_id: int, variant_ids: Iterable[int], **kwargs
) -> dict[int, int]:
    """``stores.signals.salable_at_location`` receiver: ``{variant_id: salable}`` at the
    location (``Stock.objects.with_salable()``, floored at 0); variants without a stock
    row there are absent. One query."""
    return dict(
        Stock.objects.with_salable()
        .filter(location_id=location_id, variant_id__in=list(variant_ids))
        .values_list("variant_id", "salable")
    )


def product_stock(
    sender, *, product_id: int, variant_ids: Iterable[int], store_id: int | None, **kwargs
) -> ProductStock:
    """``catalog.signals.product_stock`` receiver: what can ship online (one query) and,
    with a store, each variant there and at the nearest stores (one indexed query)."""
    variant_ids = list(variant_ids)
    return ProductStock(
        online=stock_online_salable(variant_ids=variant_ids) if variant_ids else {},
        at_store=(
            availability_for_product(product_id=product_id, store_id=store_id)
            if store_id is not None
            else None
        ),
    )


def listing_in_stock(sender, *, store_id: int, **kwargs) -> QuerySet:
    """``catalog.signals.listing_in_stock`` receiver: the products with units at the
    store itself (the precomputed rows whose source is the store), as a subquery, so the
    listing's filter adds no query."""
    # The store's own rows are the ones 0 km away: saying so matches the partial index
    # nearest_in_store_idx, so only this store's in-store rows are read.
    return NearestAvailability.objects.filter(
        store_id=store_id, source_location_id=store_id, distance_km=0, quantity__gt=0
    ).values("product_id")


def hold_for_visit(
    sender,
    *,
    location_id: int,
    lines: Sequence[tuple[int, int]],
    expires_at: dt.datetime,
    reference: models.Model,
    **kwargs,
) -> list[Reservation]:
    """``stores.signals.hold_for_visit`` receiver: let go of the visit holds made earlier
    for ``reference``, then hold every line at the location (kind ``visit``), all or none,
    so the same units are never held twice. Runs in the sender's transaction; raises
    InsufficientStock naming every short line."""
    previous = [
        hold.pk
        for hold in reservations_for_reference(reference=reference)
        if hold.kind == Reservation.Kind.VISIT
    ]
    if previous:
        reservations_release(reservation_ids=previous)
    return reservations_create(
        lines=[StockLine(variant_id, location_id, quantity) for variant_id, quantity in lines],
        kind=Reservation.Kind.VISIT,
        expires_at=expires_at,
        reference=reference,
    )


def location_moved(sender, *, location_id: int, **kwargs) -> None:
    """``stores.signals.location_moved`` receiver: rebuild nearest availability on the
    worker once the new distances are committed (a full, set-based recompute: every
    store's "nearest that has it" may have changed, and it writes only changed rows)."""
    from django.db import transaction

    from inventory import tasks

    transaction.on_commit(tasks.availability_recompute_all.delay)
