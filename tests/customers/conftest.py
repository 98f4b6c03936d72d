"""Fixtures for the customers tests."""

import pytest

from stores.models import Associate
from tests import factories as f


@pytest.fixture
def store(db):
    return f.LocationFactory(name="Springfield", code="SPR")


@pytest.fixture
def associate(store) -> Associate:
    return f.AssociateFactory(home_location=store, display_name="Maya")


@pytest.fixture
def customer(db):
    return f.CustomerFactory(first_name="Ana", last_name="Lima", email="ana@example.com")
