"""Fixtures for the till: a store (Springfield, IL: 6.25% sales tax) with a register, an
associate and a manager, and two priced variants in stock there."""

from decimal import Decimal

import pytest

from stores.models import Associate
from tests import factories as f
from tests.orders.helpers import make_variant, receive
from till import services


@pytest.fixture
def store(db):
    return f.LocationFactory(code="SPR", name="Springfield", region="IL")


@pytest.fixture
def register(store):
    return services.register_create(location=store, code="T1", name="Till 1")


@pytest.fixture
def associate(store):
    return f.AssociateFactory(home_location=store, display_name="Ann")


@pytest.fixture
def manager(store):
    return f.AssociateFactory(home_location=store, display_name="Mo", role=Associate.Role.MANAGER)


@pytest.fixture
def shift(register, associate):
    return services.shift_open(register=register, associate=associate, opening_float="100.00")


@pytest.fixture
def shirt(store):
    variant = make_variant("20.00", size="M", colour="Navy", barcode="111000111000")
    receive(variant, store, 5)
    return variant


@pytest.fixture
def socks(store):
    variant = make_variant("4.00", size="L", colour="Grey", barcode="222000222000")
    receive(variant, store, 1)
    return variant


def cash(amount: str) -> services.Tender:
    return services.Tender(kind=services.CASH, amount=Decimal(amount))


def card(amount: str, number: str = "4242 4242 4242 4242") -> services.Tender:
    return services.Tender(kind=services.CARD, amount=Decimal(amount), card_number=number)


def desk_return(client, order, refund_method: str, **extra):
    """Take the first line of ``order`` back at the returns desk (one unit, too small,
    grade A, restocked) with ``refund_method``: the desk's response."""
    from django.urls import reverse

    line = order.lines.first()
    return client.post(
        reverse("backoffice:return-form", args=[order.number]),
        {
            f"qty-{line.pk}": "1",
            f"reason-{line.pk}": "too_small",
            f"condition-{line.pk}": "A",
            f"disposition-{line.pk}": "restock",
            "refund_method": refund_method,
            **extra,
        },
    )
