"""Offers in the emails: the abandoned-cart reminder says the cart's code still works
(priced by the one pricing function), the post-purchase thank-you hands out one one-time
code of the campaign's batch per customer."""

from __future__ import annotations

import pytest
from django.core import mail

from promotions.models import Voucher
from promotions.services import voucher_batch_generate
from tests.orders.test_followups import (  # noqa: F401
    START,
    bought_online,
    catalog,
    clock,
    follow_up_settings,
)
from tests.orders.test_followups import scan as follow_up_scan
from tests.orders.test_followups import shopper as consenting_shopper
from tests.promotions.helpers import promotion

pytestmark = pytest.mark.django_db


def test_the_thank_you_hands_out_one_code_per_customer(clock, catalog, settings):  # noqa: F811
    settings.OMNI_POST_PURCHASE_CAMPAIGN = "post-purchase"
    p = promotion(name="10% next visit", trigger="code", benefit="percent_off", value=10)
    batch = voucher_batch_generate(
        promotion=p, name="Next visit", count=3, campaign="post-purchase"
    )
    customer = consenting_shopper()
    bought_online(customer, catalog["bought"])
    follow_up_scan(clock, 3)
    [message] = mail.outbox
    issued = Voucher.objects.get(batch=batch, issued_to=customer)
    assert f"10% next visit with the code {issued.code}" in message.body
    assert issued.code in message.alternatives[0][0]
    # A second order's thank-you gives the same code, not another one.
    mail.outbox.clear()
    bought_online(customer, catalog["bought"])
    follow_up_scan(clock, 7)
    assert Voucher.objects.filter(batch=batch, issued_to__isnull=False).count() == 1


def test_no_code_left_still_sends_the_thank_you(clock, catalog, settings):  # noqa: F811
    settings.OMNI_POST_PURCHASE_CAMPAIGN = "empty-campaign"
    bought_online(consenting_shopper(), catalog["bought"])
    follow_up_scan(clock, 3)
    [message] = mail.outbox
    assert "with the code" not in message.body
