"""Each market from the shopper's checkout to a partial return, through the screens: a
delivery to a local address with a local phone and a pickup, the tax inside (or, in the
US, added to) the price exact in Decimal on the order, the confirmation page and the
email, and a return of one of two units refunding its gross and the tax it carried."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from omni.money import to_money
from orders.models import Order
from returns.models import Return, ReturnLine
from returns.services import return_receive
from tests import factories as f
from tests.orders.helpers import CARD_FIELDS, make_variant, receive
from tests.orders.test_checkout_markets import MARKETS as LOCAL
from tests.orders.test_tax import english, market, money, store_sale, text_of  # noqa: F401

pytestmark = pytest.mark.django_db

# market: (shelf price, VAT rate): two units make a round net in the local currency.
PRICES = {
    "TH": ("1070.00", Decimal("0.07")),
    "VN": ("1100000", Decimal("0.10")),
    "PH": ("1120.00", Decimal("0.12")),
    "IR": ("11000000", Decimal("0.10")),
}


def vat_in(gross: Decimal, rate: Decimal, code: str) -> Decimal:
    return to_money(gross * rate / (1 + rate), code)


def checkout(client, store, fields, capture):
    with capture(execute=True):
        return client.post(
            "/checkout/",
            {
                "email": "shopper@example.com",
                "first_name": "Mali",
                "last_name": "Suk",
                "payment": "card",
                **CARD_FIELDS,
                **fields,
            },
        )


@pytest.mark.parametrize("code", sorted(PRICES))
@pytest.mark.parametrize("fulfilment", ["ship", "pickup"])
def test_a_local_checkout_is_taxed_exactly_on_the_order_page_and_email(
    english,  # noqa: F811
    client,
    market,  # noqa: F811
    places,
    django_capture_on_commit_callbacks,
    code,
    fulfilment,
):
    chosen = market(code)
    price, rate = PRICES[code]
    currency = chosen.currency
    store = places["springfield"]
    shirt = make_variant(price)
    receive(shirt, store, 5)
    receive(shirt, places["warehouse"], 5)
    receive(shirt, places["chicago"], 5)
    client.post("/cart/add/", {"variant": shirt.pk, "quantity": 2, "next": "/cart/"})
    address, local_phone, _international, e164 = LOCAL[code]
    fields = (
        {"fulfilment": "ship", "phone": local_phone, **address}
        if fulfilment == "ship"
        else {"fulfilment": "pickup", "store": store.pk, "phone": local_phone}
    )
    response = checkout(client, store, fields, django_capture_on_commit_callbacks)
    assert response.status_code == 302, text_of(response.content.decode())[:1500]

    order = Order.objects.get()
    (line,) = order.lines.all()
    gross = Decimal(price) * 2
    line_vat = vat_in(gross, rate, currency)
    assert (order.currency, order.prices_include_tax, order.phone) == (currency, True, e164)
    assert (line.tax_rate, line.tax_amount) == (rate, line_vat)
    assert line.net_total == gross - line_vat
    # Delivery, where charged, carries VAT at the standard rate too; the total is what
    # the shelf said plus delivery (VAT is inside, never added).
    shipping_vat = vat_in(order.shipping_total, rate, currency)
    assert order.tax_total == line_vat + shipping_vat
    assert order.total == gross + order.shipping_total
    assert order.payments.get().amount == order.total
    if fulfilment == "ship":
        assert order.shipping_address["country"] == code

    page = text_of(client.get(response.url).content.decode())
    assert f"Total {money(str(order.total), currency)}" in page
    assert money(str(order.tax_total), currency) in page
    (email,) = [m for m in mail.outbox if order.number in m.subject]
    body = text_of(email.body)
    assert f"Total: {money(str(order.total), currency)}" in body
    assert money(str(order.tax_total), currency) in body


@pytest.mark.parametrize("code", sorted(PRICES))
def test_a_partial_return_refunds_the_gross_and_the_vat_it_carried(
    market,  # noqa: F811
    places,
    code,
):
    chosen = market(code)
    price, rate = PRICES[code]
    store = places["springfield"]
    associate = f.AssociateFactory(home_location=store, language="en")
    shirt = make_variant(price)
    receive(shirt, store, 5)
    order = store_sale(store, associate, [(shirt.pk, 2)])
    line = order.lines.get()
    received = return_receive(
        order=order,
        location=store,
        associate=associate,
        lines=[(line.pk, 1, ReturnLine.Reason.TOO_SMALL, "A", "restock")],
        refund_method=Return.RefundMethod.ORIGINAL,
    )
    unit = Decimal(price)
    assert received.refund_total == unit
    assert received.refund_tax == vat_in(unit, rate, chosen.currency)
    assert order.payments.get().refunds.get().amount == unit
    # The second unit gives back exactly the rest: together, what was paid.
    second = return_receive(
        order=order,
        location=store,
        associate=associate,
        lines=[(line.pk, 1, ReturnLine.Reason.TOO_SMALL, "A", "restock")],
        refund_method=Return.RefundMethod.ORIGINAL,
    )
    assert received.refund_tax + second.refund_tax == line.tax_amount
    assert received.refund_total + second.refund_total == line.line_total
