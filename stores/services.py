"""Writes about locations: the precomputed distance table that sourcing and nearest-store
availability join on; and the associate's own settings (their language)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from omni.geo import haversine_km
from stores.models import Associate, Location, LocationDistance
from stores.signals import location_moved

_BATCH = 5000


def associate_language_set(*, associate: Associate, language: str) -> Associate:
    """The language the back-office and the admin speak to this associate ("" follows the
    browser). Raises ValueError for a language the shop does not offer."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValueError(f"not an offered language: {language!r}")
    if associate.language != language:
        associate.language = language
        associate.save(update_fields=["language", "updated_at"])
    return associate


def _rows_from(
    origins: list[tuple[int, float, float]], everyone: list[tuple[int, float, float]]
) -> list[LocationDistance]:
    return [
        LocationDistance(
            origin_id=origin,
            destination_id=destination,
            distance_km=(
                Decimal("0.00")
                if origin == destination
                else Decimal(str(round(haversine_km(olat, olon, dlat, dlon), 2)))
            ),
        )
        for origin, olat, olon in origins
        for destination, dlat, dlon in everyone
    ]


def _points() -> list[tuple[int, float, float]]:
    return [
        (pk, float(lat), float(lon))
        for pk, lat, lon in Location.objects.order_by("pk").values_list(
            "pk", "latitude", "longitude"
        )
    ]


@transaction.atomic
def location_distances_rebuild() -> int:
    """Recompute the whole LocationDistance table from the locations' coordinates
    (haversine, offline): every ordered pair, a location to itself at 0 km. Returns the
    number of rows. One transaction: readers see the old table or the new one."""
    LocationDistance.objects.all().delete()
    points = _points()
    written = 0
    # One origin's row set at a time keeps memory flat however many locations there are.
    chunk: list[LocationDistance] = []
    for origin in points:
        chunk += _rows_from([origin], points)
        if len(chunk) >= _BATCH:
            LocationDistance.objects.bulk_create(chunk)
            written += len(chunk)
            chunk = []
    if chunk:
        LocationDistance.objects.bulk_create(chunk)
        written += len(chunk)
    return written


@transaction.atomic
def location_distances_update(*, location_id: int) -> int:
    """Recompute the distances to and from one location (after it was added or moved).
    Returns the number of rows written."""
    points = _points()
    mine = [p for p in points if p[0] == location_id]
    LocationDistance.objects.filter(
        Q(origin_id=location_id) | Q(destination_id=location_id)
    ).delete()
    if not mine:
        return 0
    rows = _rows_from(mine, points) + _rows_from([p for p in points if p[0] != location_id], mine)
    LocationDistance.objects.bulk_create(rows, batch_size=_BATCH)
    # Nearest-store availability is built on these distances; inventory (above stores)
    # answers by rebuilding it.
    location_moved.send(sender=Location, location_id=location_id)
    return len(rows)


def location_distances_complete() -> bool:
    """Whether the table has a row for every ordered pair of distinct locations (two
    counts). A location's distance to itself is 0 and need not be stored."""
    n = Location.objects.count()
    return LocationDistance.objects.exclude(origin_id=F("destination_id")).count() >= n * (n - 1)
