"""Sourcing: which location fulfils which lines.

Read-only planning: it returns plain dataclasses and writes nothing. The caller (checkout)
then holds the planned stock with ``reservations_create`` / ``transfer_request``; if a
racing buyer took a unit in between, that raises InsufficientStock and the caller plans
again. Distances are offline: haversine from the delivery point, the precomputed
LocationDistance table between locations. It knows nothing of orders: callers pass
(variant_id, quantity) lines and a destination.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext

from inventory.errors import InsufficientStock, InvalidDestination
from inventory.models import Stock
from inventory.services.stock import Line, StockLine, ensure_known, normalise_lines
from inventory.services.transfers import transfer_transit_time
from omni.geo import place_for_postcode, place_for_text
from stores.models import Location
from stores.selectors import location_distances_from, locations_nearest_to_point

# Exact search for the fewest locations tries at most this many combinations, then
# falls back to a greedy cover (still few locations, not provably the fewest).
_EXACT_SEARCH_BUDGET = 20_000


@dataclass(frozen=True)
class Shipment:
    """Lines sent from one location."""

    location_id: int
    location_name: str
    distance_km: Decimal
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class ShipmentPlan:
    shipments: tuple[Shipment, ...]

    @property
    def is_split(self) -> bool:
        return len(self.shipments) > 1

    def reservation_lines(self) -> list[StockLine]:
        """The holds to place for this plan (pass to ``reservations_create``)."""
        return [
            StockLine(line.variant_id, s.location_id, line.quantity)
            for s in self.shipments
            for line in s.lines
        ]


@dataclass(frozen=True)
class PlannedTransfer:
    """Lines to move to the pickup store from another location."""

    source_id: int
    source_name: str
    distance_km: Decimal
    lines: tuple[Line, ...]
    expected_at: dt.datetime


@dataclass(frozen=True)
class PickupPlan:
    store_id: int
    lines_in_store: tuple[Line, ...]
    transfers: tuple[PlannedTransfer, ...]
    ready_at: dt.datetime

    @property
    def ready_now(self) -> bool:
        return not self.transfers


def _salable(variant_ids: Sequence[int], location_ids: Sequence[int]) -> dict[tuple[int, int], int]:
    """{(location_id, variant_id): salable} in one query."""
    rows = (
        Stock.objects.with_salable()
        .filter(variant_id__in=variant_ids, location_id__in=location_ids, salable__gt=0)
        .values_list("location_id", "variant_id", "salable")
    )
    return {(loc, v): q for loc, v, q in rows}


def _destination_point(
    *,
    postcode: str | None,
    latitude: float | Decimal | None,
    longitude: float | Decimal | None,
    store_id: int | None,
    country: str | None = None,
    city: str = "",
    region: str = "",
) -> tuple[float, float]:
    if latitude is not None and longitude is not None:
        lat, lon = float(latitude), float(longitude)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InvalidDestination(gettext("Those coordinates are not on Earth."))
        return lat, lon
    if postcode or city:
        # The address's own country (the market's when it has none): Bangkok 10110 is not
        # New York 10110. A postcode the bundled data lacks falls back to the town, then
        # the province, the address names.
        place = place_for_postcode(postcode, country) if postcode else None
        place = place or place_for_text(city, country) or place_for_text(region, country)
        if place is not None:
            return float(place.latitude), float(place.longitude)
        if store_id is None:
            raise InvalidDestination(
                gettext("We do not recognise that postcode."), postcode=postcode or ""
            )
    if store_id is not None:
        store = Location.objects.filter(pk=store_id).values_list("latitude", "longitude").first()
        if store is None:
            raise InvalidDestination(gettext("Unknown store."), store_id=store_id)
        return float(store[0]), float(store[1])
    raise InvalidDestination(gettext("A postcode, coordinates or a store is needed."))


def _covers(
    salable: dict[tuple[int, int], int], location_id: int, lines: Sequence[Line]
) -> list[Line]:
    return [ln for ln in lines if salable.get((location_id, ln.variant_id), 0) >= ln.quantity]


def _fewest_locations(
    lines: Sequence[Line],
    candidates: Sequence[int],
    salable: dict[tuple[int, int], int],
    distance: dict[int, Decimal],
) -> dict[int, list[Line]] | None:
    """Assign whole lines to the fewest candidate locations (then the least total
    distance); None when no set of whole-line locations covers everything."""
    useful = [loc for loc in candidates if _covers(salable, loc, lines)]
    for size in range(2, len(lines) + 1):
        if math.comb(len(useful), size) > _EXACT_SEARCH_BUDGET:
            return None
        best: tuple[Decimal, dict[int, list[Line]]] | None = None
        for combo in itertools.combinations(useful, size):  # useful is nearest-first
            plan: dict[int, list[Line]] = {}
            for ln in lines:
                # Each line from the nearest location of the combination that has it all.
                loc = next((c for c in combo if _covers(salable, c, [ln])), None)
                if loc is None:
                    break
                plan.setdefault(loc, []).append(ln)
            else:
                if len(plan) == size:
                    total = sum(distance[loc] for loc in plan)
                    if best is None or total < best[0]:
                        best = (total, plan)
        if best:
            return best[1]
    return None


def _greedy(
    lines: Sequence[Line],
    candidates: Sequence[int],
    salable: dict[tuple[int, int], int],
) -> tuple[dict[int, list[Line]], list[Line]]:
    """Cover with few locations, splitting a line's quantity where no single location has
    it all: repeatedly take the location that supplies the most missing units (nearest on
    a tie). Returns the plan and whatever stays short."""
    missing = {ln.variant_id: ln.quantity for ln in lines}
    plan: dict[int, list[Line]] = {}
    remaining = list(candidates)
    while any(missing.values()) and remaining:

        def supply(loc: int) -> int:
            return sum(min(q, salable.get((loc, v), 0)) for v, q in missing.items())

        loc = max(remaining, key=lambda c: (supply(c), -remaining.index(c)))
        if supply(loc) == 0:
            break
        remaining.remove(loc)
        for v, q in missing.items():
            take = min(q, salable.get((loc, v), 0))
            if take:
                plan.setdefault(loc, []).append(Line(v, take))
                missing[v] = q - take
    short = [Line(v, q) for v, q in missing.items() if q]
    return plan, short


def _short_error(lines: Sequence[Line], short: Sequence[Line]) -> InsufficientStock:
    # Only now tell an unknown SKU from one out of stock: the happy path saves the query.
    ensure_known(variant_ids=[ln.variant_id for ln in short])
    requested = {ln.variant_id: ln.quantity for ln in lines}
    return InsufficientStock(
        gettext("Not enough stock in the locations that can fulfil this."),
        lines=[
            {
                "variant_id": ln.variant_id,
                "requested": requested[ln.variant_id],
                "missing": ln.quantity,
            }
            for ln in short
        ],
    )


def sourcing_for_shipment(
    *,
    lines: Sequence[Line | tuple[int, int]],
    postcode: str | None = None,
    latitude: float | Decimal | None = None,
    longitude: float | Decimal | None = None,
    store_id: int | None = None,
    exclude_location_ids: Sequence[int] = (),
    only_location_ids: Collection[int] | None = None,
    country: str | None = None,
    city: str = "",
    region: str = "",
) -> ShipmentPlan:
    """Where to ship ``lines`` from, to a postcode (of ``country``, the market's by
    default; the address's ``city`` or ``region`` when the postcode is unknown), a point
    or a store: the nearest active
    location that ships online orders and can send every line; else the fewest such
    locations (a split), nearest first. ``only_location_ids`` (an integration bound to
    some stores) limits where the stock may come from. Reads only (2 queries; 3 for a
    store).

    Raises InsufficientStock (details ``lines``: variant_id, requested, missing) when even
    all of them together cannot, InvalidDestination, UnknownVariant, InvalidQuantity."""
    lines = normalise_lines(lines)
    lat, lon = _destination_point(
        postcode=postcode,
        latitude=latitude,
        longitude=longitude,
        store_id=store_id,
        country=country,
        city=city,
        region=region,
    )
    nearby = locations_nearest_to_point(latitude=lat, longitude=lon, ships_online_orders=True)
    # A location whose shelf turned out empty ("can't find it") is skipped; a store-bound
    # API key sources only from its own locations.
    candidates = [
        n.location.pk
        for n in nearby
        if n.location.pk not in exclude_location_ids
        and (only_location_ids is None or n.location.pk in only_location_ids)
    ]
    names = {n.location.pk: n.location.name for n in nearby}
    distance = {n.location.pk: n.distance_km for n in nearby}
    salable = _salable([ln.variant_id for ln in lines], candidates)

    def shipment(loc: int, its_lines: list[Line]) -> Shipment:
        return Shipment(loc, names[loc], distance[loc], tuple(its_lines))

    for loc in candidates:
        if len(_covers(salable, loc, lines)) == len(lines):
            return ShipmentPlan((shipment(loc, list(lines)),))
    plan = _fewest_locations(lines, candidates, salable, distance)
    if plan is None:
        plan, short = _greedy(lines, candidates, salable)
        if short:
            raise _short_error(lines, short)
    ordered = sorted(plan, key=lambda loc: (distance[loc], loc))
    return ShipmentPlan(tuple(shipment(loc, plan[loc]) for loc in ordered))


def sourcing_for_pickup(
    *,
    lines: Sequence[Line | tuple[int, int]],
    store_id: int,
    now: dt.datetime | None = None,
    only_location_ids: Collection[int] | None = None,
) -> PickupPlan:
    """How ``lines`` reach a pickup store: the lines the store can hold now stay there;
    the others come by transfer from the nearest active location that has all of them
    (else each from the nearest that has it), and the pickup is ready when the last
    transfer is expected (``transfer_transit_time``). ``only_location_ids`` limits the
    transfer sources (an integration bound to some stores). Reads only (4 queries).

    Raises InvalidDestination (not an active store offering pickup), InsufficientStock
    (no location has a line), UnknownVariant, InvalidQuantity."""
    lines = normalise_lines(lines)
    now = now or timezone.now()
    store = Location.objects.filter(pk=store_id).first()
    if store is None or not (store.is_active and store.is_store and store.offers_pickup):
        raise InvalidDestination(gettext("That store does not offer pickup."), store_id=store_id)
    distances = location_distances_from(location_id=store_id)
    sources = dict(
        Location.objects.filter(is_active=True, pk__in=distances)
        .exclude(pk=store_id)
        .values_list("pk", "name")
    )
    ordered_sources = sorted(
        (loc for loc in sources if only_location_ids is None or loc in only_location_ids),
        key=lambda loc: (distances[loc], loc),
    )
    salable = _salable([ln.variant_id for ln in lines], [store_id, *ordered_sources])
    here = _covers(salable, store_id, lines)
    elsewhere = [ln for ln in lines if ln not in here]
    transfers: list[PlannedTransfer] = []
    if elsewhere:
        complete = next(
            (
                loc
                for loc in ordered_sources
                if len(_covers(salable, loc, elsewhere)) == len(elsewhere)
            ),
            None,
        )
        if complete is not None:
            plan = {complete: elsewhere}
        else:
            plan = _fewest_locations(elsewhere, ordered_sources, salable, distances)
            if plan is None:
                plan, short = _greedy(elsewhere, ordered_sources, salable)
                if short:
                    raise _short_error(lines, short)
        for loc in sorted(plan, key=lambda loc: (distances[loc], loc)):
            transfers.append(
                PlannedTransfer(
                    source_id=loc,
                    source_name=sources[loc],
                    distance_km=distances[loc],
                    lines=tuple(plan[loc]),
                    expected_at=now + transfer_transit_time(distance_km=distances[loc]),
                )
            )
    ready_at = max((t.expected_at for t in transfers), default=now)
    return PickupPlan(
        store_id=store_id, lines_in_store=tuple(here), transfers=tuple(transfers), ready_at=ready_at
    )
