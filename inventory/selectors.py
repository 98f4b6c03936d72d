"""Reads of stock used by more than one surface (storefront, back-office, API, emails).
Each is a fixed number of queries, whatever the number of variants or locations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext

from catalog.models import Variant
from inventory.errors import UnknownLocation, UnknownVariant
from inventory.models import (
    NearestAvailability,
    Reservation,
    Stock,
    StockMovement,
    Transfer,
    TransferLine,
    low_stock_threshold,
)
from omni.models import TypedReference
from stores.models import Location
from stores.selectors import location_distances_from

# --- product page: nearest-store availability ------------------------------------------


@dataclass(frozen=True)
class AvailabilitySource:
    """Salable units at a location near the shopper's store."""

    location: Location
    quantity: int
    distance_km: Decimal

    @property
    def transfer_days(self) -> int:
        """Days for a transfer from here to the shopper's store ("pick up tomorrow")."""
        from inventory.services.transfers import transfer_transit_time

        return transfer_transit_time(distance_km=self.distance_km).days


@dataclass(frozen=True)
class VariantAvailability:
    variant_id: int
    here: int = 0  # salable at the shopper's store
    nearby: tuple[AvailabilitySource, ...] = ()  # the nearest other locations that have it
    low_stock_threshold: int = 0

    @property
    def in_stock_here(self) -> bool:
        return self.here > 0

    @property
    def low_stock(self) -> bool:
        """'Only N left' at this store."""
        return 0 < self.here <= self.low_stock_threshold

    @property
    def nearest_elsewhere(self) -> AvailabilitySource | None:
        return self.nearby[0] if self.nearby else None


@dataclass(frozen=True)
class ProductAvailability:
    product_id: int
    store_id: int
    variants: dict[int, VariantAvailability] = field(default_factory=dict)
    low_stock_threshold: int = 0

    def for_variant(self, variant_id: int) -> VariantAvailability:
        """A variant's availability; nothing anywhere near when it has no rows."""
        return self.variants.get(
            variant_id,
            VariantAvailability(variant_id, low_stock_threshold=self.low_stock_threshold),
        )

    @property
    def in_stock_here(self) -> bool:
        return any(v.here for v in self.variants.values())


def availability_for_product(*, product_id: int, store_id: int) -> ProductAvailability:
    """For each variant of a product, at one store: units here, the nearest other
    locations with units (and how far), the low-stock flag. Exactly one indexed query
    (NearestAvailability on (product, store, rank), source location joined)."""
    threshold = low_stock_threshold()
    rows = (
        NearestAvailability.objects.filter(product_id=product_id, store_id=store_id)
        .select_related("source_location")
        .order_by("variant_id", "rank")
    )
    here: dict[int, int] = {}
    nearby: dict[int, list[AvailabilitySource]] = {}
    for row in rows:
        nearby.setdefault(row.variant_id, [])
        if row.source_location_id == store_id:
            here[row.variant_id] = row.quantity
        else:
            nearby[row.variant_id].append(
                AvailabilitySource(row.source_location, row.quantity, row.distance_km)
            )
    return ProductAvailability(
        product_id=product_id,
        store_id=store_id,
        low_stock_threshold=threshold,
        variants={
            variant_id: VariantAvailability(
                variant_id,
                here=here.get(variant_id, 0),
                nearby=tuple(sources),
                low_stock_threshold=threshold,
            )
            for variant_id, sources in nearby.items()
        },
    )


# --- stock levels ----------------------------------------------------------------------


def stock_list(
    *,
    location_id: int | None = None,
    variant_ids: Iterable[int] | None = None,
    product_id: int | None = None,
) -> QuerySet[Stock]:
    """Stock rows with ``salable`` annotated and variant, product and location joined
    (back-office stock screen, API ``stock`` resource)."""
    qs = Stock.objects.with_salable().select_related("variant__product", "location")
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    if variant_ids is not None:
        qs = qs.filter(variant_id__in=list(variant_ids))
    if product_id is not None:
        qs = qs.filter(variant__product_id=product_id)
    return qs


@dataclass(frozen=True)
class StockSource:
    """Salable units of one variant at another location, and how far it is from here
    (None when the distance is not known)."""

    location: Location
    salable: int
    distance_km: Decimal | None


@dataclass(frozen=True)
class StockHereAndNearest:
    """One variant's salable units at this location and at the others, nearest first."""

    here: int = 0
    elsewhere: tuple[StockSource, ...] = ()

    @property
    def total_elsewhere(self) -> int:
        return sum(source.salable for source in self.elsewhere)


def stock_here_and_nearest(
    *, variant_ids: Iterable[int], location: Location, limit: int | None = None
) -> dict[int, StockHereAndNearest]:
    """``{variant_id: StockHereAndNearest}`` for every variant asked about: salable units
    here, and the other active locations with salable units, nearest first (unknown
    distances last, then by location), at most ``limit`` of them. The back-office's one
    "stock here plus the nearest elsewhere" (stock lookup, aisle sale). 2 queries (3 when
    the distances from here are computed on the fly), however many variants or locations."""
    ids = list(dict.fromkeys(variant_ids))
    if not ids:
        return {}
    rows = stock_list(variant_ids=ids).filter(location__is_active=True, salable__gt=0).order_by()
    distances = location_distances_from(location_id=location.pk)
    here: dict[int, int] = {}
    elsewhere: dict[int, list[StockSource]] = {}
    for stock in rows:
        if stock.location_id == location.pk:
            here[stock.variant_id] = stock.salable
        else:
            elsewhere.setdefault(stock.variant_id, []).append(
                StockSource(stock.location, stock.salable, distances.get(stock.location_id))
            )

    def nearest_first(source: StockSource) -> tuple:
        return (source.distance_km is None, source.distance_km or 0, source.location.pk)

    return {
        pk: StockHereAndNearest(
            here.get(pk, 0), tuple(sorted(elsewhere.get(pk, ()), key=nearest_first)[:limit])
        )
        for pk in ids
    }


def stock_salable(*, variant_id: int, location_id: int) -> int:
    """Units of a variant the web may still promise at a location (0 if none). 1 query."""
    return (
        Stock.objects.with_salable()
        .filter(variant_id=variant_id, location_id=location_id)
        .values_list("salable", flat=True)
        .first()
        or 0
    )


def stock_salable_at(*, location_id: int, variant_ids: Iterable[int]) -> dict[int, int]:
    """``{variant_id: units}`` a location can still sell of those variants
    (``Stock.objects.with_salable()``, never below 0); variants without a stock row there
    are absent. 1 query."""
    rows = (
        Stock.objects.with_salable()
        .filter(location_id=location_id, variant_id__in=list(variant_ids))
        .values_list("variant_id", "salable")
    )
    return {variant_id: max(salable, 0) for variant_id, salable in rows}


def products_in_stock_at(*, store_id: int) -> QuerySet:
    """The ids of the products with units at the store itself (its precomputed in-store
    availability rows), as a subquery, so a listing filtered by it adds no query."""
    # The store's own rows are the ones 0 km away: saying so matches the partial index
    # nearest_in_store_idx, so only this store's in-store rows are read.
    return NearestAvailability.objects.filter(
        store_id=store_id, source_location_id=store_id, distance_km=0, quantity__gt=0
    ).values("product_id")


def stock_online_salable(*, variant_ids: Iterable[int]) -> dict[int, int]:
    """{variant_id: units salable for shipping} summed over the active locations that
    ship online orders (variants with none are absent). 1 query."""
    rows = (
        Stock.objects.with_salable()
        .filter(
            variant_id__in=list(variant_ids),
            location__is_active=True,
            location__ships_online_orders=True,
            salable__gt=0,
        )
        .values("variant_id")
        .annotate(total=Sum("salable"))
        .values_list("variant_id", "total")
    )
    return dict(rows)


def stock_movements(
    *,
    variant_id: int | None = None,
    location_id: int | None = None,
    reference: tuple[str, str | int] | None = None,
) -> QuerySet[StockMovement]:
    """The ledger, newest first, with associate and location joined."""
    qs = StockMovement.objects.select_related("location", "associate", "variant")
    if variant_id is not None:
        qs = qs.filter(variant_id=variant_id)
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    if reference is not None:
        qs = qs.filter(reference_type=reference[0], reference_id=str(reference[1]))
    return qs


def reservations_for_reference(
    *, reference: TypedReference | tuple[str, str | int] | object, active_only: bool = True
) -> QuerySet[Reservation]:
    """The holds made for an order, a fulfilment, a cart or a transfer (a model instance
    or an ("app_label.model", id) pair), stock, variant and location joined."""
    if isinstance(reference, tuple):
        reference_type, reference_id = reference
    else:
        reference_type, reference_id = reference._meta.label_lower, reference.pk
    qs = Reservation.objects.select_related("stock__variant", "stock__location").filter(
        reference_type=reference_type, reference_id=str(reference_id)
    )
    if active_only:
        qs = qs.filter(status=Reservation.Status.ACTIVE)
    return qs


def transfers_for_location(
    *, location_id: int, incoming: bool = True, statuses: Iterable[str] | None = None
) -> QuerySet[Transfer]:
    """Transfers arriving at (or leaving) a location, lines prefetched."""
    qs = Transfer.objects.select_related("source", "destination").prefetch_related("lines__variant")
    qs = qs.filter(destination_id=location_id) if incoming else qs.filter(source_id=location_id)
    if statuses is not None:
        qs = qs.filter(status__in=list(statuses))
    return qs


def transfer_queue(
    *, location: Location | int, outgoing: bool | None, statuses: Iterable[str]
) -> QuerySet[Transfer]:
    """The back-office queue of a store's transfers — leaving it (``outgoing``), arriving
    (False) or both (None) — in the order they must move (expected soonest first), with
    both places and the lines' SKUs, products and images loaded. Four queries for any
    length."""
    location_id = location.pk if isinstance(location, Location) else location
    if outgoing is None:
        side = Q(source_id=location_id) | Q(destination_id=location_id)
    else:
        side = Q(source_id=location_id) if outgoing else Q(destination_id=location_id)
    return (
        Transfer.objects.filter(side, status__in=list(statuses))
        .select_related("source", "destination", "requested_by")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=TransferLine.objects.select_related("variant__product").order_by("pk"),
            ),
            "lines__variant__product__images",
        )
        .order_by(F("expected_at").asc(nulls_last=True), "created_at", "pk")
    )


def transfer_counts(
    *, location: Location | int, day_start: dt.datetime, now: dt.datetime
) -> dict[str, int]:
    """The today page's figures for a store, in one query: ``to_ship`` (requested from
    it), ``arriving_today`` (on their way to it, expected before tomorrow),
    ``late`` (to or from it, not arrived, expected before now)."""
    location_id = location.pk if isinstance(location, Location) else location
    tomorrow = day_start + dt.timedelta(days=1)
    requested, shipped = Transfer.Status.REQUESTED, Transfer.Status.SHIPPED
    return Transfer.objects.filter(
        Q(source_id=location_id) | Q(destination_id=location_id),
        status__in=[requested, shipped],
    ).aggregate(
        to_ship=Count("pk", filter=Q(source_id=location_id, status=requested)),
        arriving_today=Count(
            "pk",
            filter=Q(destination_id=location_id, status=shipped, expected_at__lt=tomorrow),
        ),
        late=Count("pk", filter=Q(expected_at__lt=now)),
    )


# --- lookups for integrations (POS, WMS) ------------------------------------------------


def variant_id_for_sku(*, sku: str) -> int:
    """The variant with this SKU or barcode. Raises UnknownVariant."""
    found = Variant.objects.filter(Q(sku=sku) | Q(barcode=sku)).values_list("pk", flat=True).first()
    if found is None:
        raise UnknownVariant(gettext("Unknown SKU."), sku=sku)
    return found


def location_id_for_code(*, code: str) -> int:
    """The location with this code. Raises UnknownLocation."""
    found = Location.objects.filter(code=code).values_list("pk", flat=True).first()
    if found is None:
        raise UnknownLocation(gettext("Unknown location."), code=code)
    return found
