"""Fixtures for the inventory tests: a small real geography, distances computed by the
real service. (The project conftest already runs Celery eagerly and clears the cache.)"""

from decimal import Decimal

import pytest

from stores.models import Location
from stores.services import location_distances_rebuild
from tests import factories as f

# Real towns, so the haversine distances between them are what a shopper would expect.
TOWNS = {
    "springfield": (Decimal("39.781700"), Decimal("-89.650100"), "62701"),
    "peoria": (Decimal("40.693600"), Decimal("-89.589000"), "61602"),
    "chicago": (Decimal("41.878100"), Decimal("-87.629800"), "60601"),
    "stlouis": (Decimal("38.627000"), Decimal("-90.199400"), "63101"),
    "indianapolis": (Decimal("39.768400"), Decimal("-86.158100"), "46204"),
}


def _at(factory, town, **kwargs) -> Location:
    lat, lon, postcode = TOWNS[town]
    return factory(
        name=town.title(),
        city=town.title(),
        latitude=lat,
        longitude=lon,
        postcode=postcode,
        **kwargs,
    )


@pytest.fixture
def places(db):
    """Stores in Springfield, Peoria, Chicago and St. Louis; a shipping warehouse in
    Indianapolis. Chicago ships online orders too."""
    spots = {
        "springfield": _at(f.LocationFactory, "springfield", code="SPR"),
        "peoria": _at(f.LocationFactory, "peoria", code="PEO"),
        "chicago": _at(f.LocationFactory, "chicago", code="CHI", ships_online_orders=True),
        "stlouis": _at(f.LocationFactory, "stlouis", code="STL"),
        "warehouse": _at(f.WarehouseFactory, "indianapolis", code="IND"),
    }
    location_distances_rebuild()
    return spots


@pytest.fixture
def variant(db):
    return f.VariantFactory()
