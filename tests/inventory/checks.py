"""Invariants the inventory tests assert after every kind of operation, and a plain
Python model of nearest availability to check the SQL against."""

from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum

from inventory.models import NearestAvailability, Reservation, Stock, StockMovement
from stores.models import Location, LocationDistance


def assert_ledger_true() -> None:
    """On-hand is the sum of the ledger, nothing is negative, reserved is the sum of the
    active holds and never above on-hand — for every stock row."""
    sums = {
        (row["variant_id"], row["location_id"]): row["total"]
        for row in StockMovement.objects.values("variant_id", "location_id").annotate(
            total=Sum("delta")
        )
    }
    held = {
        row["stock_id"]: row["total"]
        for row in Reservation.objects.filter(status=Reservation.Status.ACTIVE)
        .values("stock_id")
        .annotate(total=Sum("quantity"))
    }
    for stock in Stock.objects.all():
        assert stock.on_hand == sums.get((stock.variant_id, stock.location_id), 0), stock
        assert 0 <= stock.reserved <= stock.on_hand, stock
        assert stock.reserved == held.get(stock.pk, 0), stock
    assert not StockMovement.objects.filter(on_hand_after__lt=0).exists()


def nearest_rows(variant_ids=None) -> set[tuple]:
    """What NearestAvailability holds, as comparable tuples."""
    qs = NearestAvailability.objects.all()
    if variant_ids is not None:
        qs = qs.filter(variant_id__in=variant_ids)
    return {
        (r.variant_id, r.store_id, r.rank, r.source_location_id, r.quantity, Decimal(r.distance_km))
        for r in qs
    }


def expected_nearest_rows(variant_ids=None) -> set[tuple]:
    """The same rows computed the obvious way in Python."""
    depth = settings.OMNI_NEAREST_AVAILABILITY_DEPTH
    active = dict(Location.objects.filter(is_active=True).values_list("pk", "safety_stock"))
    stores = set(
        Location.objects.filter(is_active=True, kind=Location.Kind.STORE).values_list(
            "pk", flat=True
        )
    )
    distance = {
        (o, d): Decimal(km)
        for o, d, km in LocationDistance.objects.values_list(
            "origin_id", "destination_id", "distance_km"
        )
    }
    salable: dict[int, dict[int, int]] = defaultdict(dict)
    # Only what is on sale (the variant and its product active) has availability.
    stock = Stock.objects.filter(variant__is_active=True, variant__product__is_active=True)
    if variant_ids is not None:
        stock = stock.filter(variant_id__in=variant_ids)
    for s in stock:
        if s.location_id not in active:
            continue
        safety = s.safety_stock if s.safety_stock is not None else active[s.location_id]
        qty = s.on_hand - s.reserved - safety
        if qty > 0:
            salable[s.variant_id][s.location_id] = qty
    rows = set()
    for variant_id, at in salable.items():
        for store in stores:
            options = sorted(
                (
                    (Decimal("0.00") if loc == store else distance[(store, loc)], loc)
                    for loc in at
                    if loc == store or (store, loc) in distance
                ),
            )
            for rank, (km, loc) in enumerate(options[:depth], start=1):
                rows.add((variant_id, store, rank, loc, at[loc], km))
    return rows
