"""Offline geography: great-circle distances and postcode lookup from a bundled dataset.

No web service is called: postcodes come from the `zipcodes` package (US ZIP codes with
coordinates, shipped inside the package).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Place:
    postcode: str
    city: str
    region: str
    latitude: Decimal
    longitude: Decimal


@lru_cache(maxsize=4096)
def place_for_postcode(postcode: str) -> Place | None:
    """The town and coordinates of a US ZIP code, or None if it is unknown or malformed."""
    import zipcodes

    code = (postcode or "").strip()[:5]
    if len(code) != 5 or not code.isdigit():
        return None
    try:
        matches = zipcodes.matching(code)
    except (ValueError, TypeError):
        return None
    if not matches:
        return None
    row = matches[0]
    return Place(
        postcode=row["zip_code"],
        city=row["city"].title(),
        region=row["state"],
        latitude=Decimal(row["lat"]).quantize(Decimal("0.000001")),
        longitude=Decimal(row["long"]).quantize(Decimal("0.000001")),
    )
