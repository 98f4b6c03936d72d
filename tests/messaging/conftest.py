"""Fixtures for the messaging tests: a store, associates, a customer with a phone."""

import pytest
from django.test import override_settings

from customers.models import ConsentState, ContactChannel
from stores.models import Associate
from tests import factories as f
from tests.orders.conftest import places, variant  # noqa: F401  (the service-text tests')


@pytest.fixture(autouse=True)
def no_quiet_hours():
    """Tests send at any hour unless they are about quiet hours."""
    with override_settings(OMNI_MESSAGE_QUIET_HOURS="", SMS_URL="console:"):
        yield


@pytest.fixture
def store(db):
    return f.LocationFactory(name="Salem", code="SAL", timezone="America/New_York")


@pytest.fixture
def other_store(db):
    return f.LocationFactory(name="Portland", code="POR")


@pytest.fixture
def associate(store) -> Associate:
    return f.AssociateFactory(home_location=store, display_name="Caleb")


@pytest.fixture
def manager(store) -> Associate:
    return f.AssociateFactory(
        home_location=store, display_name="Morgan", role=Associate.Role.MANAGER
    )


@pytest.fixture
def customer(db, store):
    customer = f.CustomerFactory(
        first_name="Ana",
        last_name="Lima",
        email="ana@example.com",
        phone="+12015550123",
        home_store=store,
    )
    f.CustomerIdentityFactory(customer=customer, kind="phone", value="+12015550123")
    return customer


def consent(customer, channel, state):
    from customers.services import consent_set

    return consent_set(customer=customer, channel=channel, state=state, source="web")


@pytest.fixture
def textable(customer):
    """Ana agreed to one-to-one texts and emails from associates."""
    consent(customer, ContactChannel.SMS, ConsentState.ONE_TO_ONE)
    consent(customer, ContactChannel.EMAIL, ConsentState.ONE_TO_ONE)
    return customer
