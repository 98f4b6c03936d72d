"""Reads about locations used by more than one surface: nearest locations to a point and
distances between locations (from the precomputed LocationDistance table)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from omni.geo import Place, haversine_km, place_for_postcode, place_for_text
from stores.models import Associate, Location, LocationDistance


@dataclass(frozen=True)
class NearbyLocation:
    location: Location
    distance_km: Decimal


def locations_active(
    *,
    kind: str | None = None,
    ships_online_orders: bool | None = None,
    offers_pickup: bool | None = None,
    accepts_returns: bool | None = None,
) -> QuerySet[Location]:
    """Active locations, optionally narrowed by kind and flags."""
    qs = Location.objects.filter(is_active=True)
    if kind is not None:
        qs = qs.filter(kind=kind)
    for flag, value in (
        ("ships_online_orders", ships_online_orders),
        ("offers_pickup", offers_pickup),
        ("accepts_returns", accepts_returns),
    ):
        if value is not None:
            qs = qs.filter(**{flag: value})
    return qs


def _km(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


def locations_nearest_to_point(
    *,
    latitude: float | Decimal,
    longitude: float | Decimal,
    kind: str | None = None,
    ships_online_orders: bool | None = None,
    offers_pickup: bool | None = None,
    accepts_returns: bool | None = None,
    limit: int | None = None,
) -> list[NearbyLocation]:
    """Active locations ordered by great-circle distance from a point (offline haversine;
    one query). Ties go to the lower id so the order is stable."""
    lat, lon = float(latitude), float(longitude)
    nearby = [
        NearbyLocation(loc, _km(haversine_km(lat, lon, float(loc.latitude), float(loc.longitude))))
        for loc in locations_active(
            kind=kind,
            ships_online_orders=ships_online_orders,
            offers_pickup=offers_pickup,
            accepts_returns=accepts_returns,
        )
    ]
    nearby.sort(key=lambda n: (n.distance_km, n.location.pk))
    return nearby[:limit] if limit is not None else nearby


def locations_nearest_to_postcode(
    *, postcode: str, country: str | None = None, limit: int | None = None, **flags
) -> list[NearbyLocation] | None:
    """As ``locations_nearest_to_point`` from a postcode of ``country`` (the market's by
    default; bundled data, offline); None when the postcode is malformed or unknown."""
    return locations_nearest_to_place(
        place=place_for_postcode(postcode, country), limit=limit, **flags
    )


def locations_nearest_to_text(
    *, text: str, country: str | None = None, limit: int | None = None, **flags
) -> list[NearbyLocation] | None:
    """As ``locations_nearest_to_point`` from what a shopper typed: a postcode, a city, a
    province or a district, in English or the local script (``omni.geo.place_for_text``);
    None when it names no place we know."""
    return locations_nearest_to_place(place=place_for_text(text, country), limit=limit, **flags)


def locations_nearest_to_place(
    *, place: Place | None, limit: int | None = None, **flags
) -> list[NearbyLocation] | None:
    if place is None:
        return None
    return locations_nearest_to_point(
        latitude=place.latitude, longitude=place.longitude, limit=limit, **flags
    )


def location_distances_from(*, location_id: int) -> dict[int, Decimal]:
    """{location id: km} from one location to every other (0 to itself), read from the
    LocationDistance table; computed on the fly (haversine) when the table has no row for
    this origin yet."""
    distances = dict(
        LocationDistance.objects.filter(origin_id=location_id).values_list(
            "destination_id", "distance_km"
        )
    )
    if not distances:
        points = {
            pk: (float(lat), float(lon))
            for pk, lat, lon in Location.objects.values_list("pk", "latitude", "longitude")
        }
        if location_id not in points:
            return {}
        here = points[location_id]
        distances = {pk: _km(haversine_km(*here, *there)) for pk, there in points.items()}
    distances[location_id] = Decimal("0.00")
    return distances


# --- back-office access -------------------------------------------------------------------


def associate_for_user(*, user) -> Associate | None:
    """The user's active Associate record with their home location, or None: without one
    there is no back-office access, whatever the user's staff flags say."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Associate.objects.select_related("home_location").filter(user=user, is_active=True).first()
    )


def locations_for_associate(*, associate: Associate) -> list[Location]:
    """The active locations the associate may act for: their home store plus any others
    they are assigned to, home first, then by name."""
    allowed = {loc.pk: loc for loc in associate.locations.filter(is_active=True).order_by("name")}
    home = associate.home_location
    ordered = [home] if home.is_active else []
    ordered += [loc for pk, loc in allowed.items() if pk != home.pk]
    return ordered
