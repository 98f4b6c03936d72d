"""The abandoned-cart reminder says the cart's code still works (priced by the one
pricing function)."""

from __future__ import annotations

import pytest
from django.core import mail

from orders import services
from tests.orders.test_recovery import (  # noqa: F401
    abandon,
    clock,
    recovery_settings,
    scan,
    shopper,
    stocked,
)
from tests.promotions.helpers import code_for, promotion

pytestmark = pytest.mark.django_db


def test_the_abandoned_cart_email_says_the_code_still_works(clock, stocked):  # noqa: F811
    p = promotion(name="10% off", trigger="code", benefit="percent_off", value=10)
    code_for(p, "SAVE10")
    cart = abandon(shopper(), stocked)
    services.cart_code_apply(cart=cart, code="save10")
    scan(clock, 60)
    [message] = mail.outbox
    assert "Your code SAVE10 still works: $4.90 off, $44.10 in all." in message.body
    assert "SAVE10" in message.alternatives[0][0]


def test_no_code_line_when_the_cart_has_none(clock, stocked):  # noqa: F811
    abandon(shopper(), stocked)
    scan(clock, 60)
    [message] = mail.outbox
    assert "still works" not in message.body
