"""Fixtures for the customers tests."""

import pytest

from stores.models import Associate
from tests import factories as f


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Associates are users with passwords; hashing them for real is most of the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def store(db):
    return f.LocationFactory(name="Springfield", code="SPR")


@pytest.fixture
def associate(store) -> Associate:
    return f.AssociateFactory(home_location=store, display_name="Maya")


@pytest.fixture
def customer(db):
    return f.CustomerFactory(first_name="Ana", last_name="Lima", email="ana@example.com")
