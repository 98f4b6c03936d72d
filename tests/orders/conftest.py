"""Fixtures for the orders tests: a small real geography (distances computed by the real
service), a priced variant and a shopper. Helpers live in ``tests.orders.helpers``."""

import pytest

from orders import services
from stores.services import location_distances_rebuild
from tests import factories as f
from tests.orders.helpers import at_town, make_variant


@pytest.fixture
def places(db):
    """Pickup stores in Springfield and Peoria; Chicago is a store that also ships online
    orders; the Indianapolis warehouse ships online orders."""
    spots = {
        "springfield": at_town(f.LocationFactory, "springfield", code="SPR"),
        "peoria": at_town(f.LocationFactory, "peoria", code="PEO"),
        "chicago": at_town(f.LocationFactory, "chicago", code="CHI", ships_online_orders=True),
        "warehouse": at_town(f.WarehouseFactory, "indianapolis", code="IND"),
    }
    location_distances_rebuild()
    return spots


@pytest.fixture
def variant(db):
    return make_variant("49.00", size="M", colour="Navy")


@pytest.fixture
def shopper(db):
    return services.Contact(
        email="ana@example.com", phone="(217) 555-0100", first_name="Ana", last_name="Shopper"
    )
