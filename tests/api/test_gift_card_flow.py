"""End to end through screens and endpoints only: a shopper buys an emailed gift card on
the storefront (or a manager issues one at the desk), the recipient's email has the code,
the code pays part of a web order and a card the rest, and a return (through the API)
refunds onto the same gift card."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from giftcards.models import GiftCardProduct
from inventory.models import StockMovement
from orders.models import Order
from tests import factories as f

pytestmark = pytest.mark.django_db

CARD = {
    "card_number": "4242 4242 4242 4242",
    "card_name": "Bo Recipient",
    "card_expiry": "12/40",
    "card_cvc": "123",
}
CHECKOUT = {
    "email": "bo@example.com",
    "first_name": "Bo",
    "last_name": "Recipient",
    "fulfilment": "ship",
    "payment": "card",
    "line1": "1 Capitol Ave",
    "city": "Springfield",
    "region": "IL",
    "postcode": "62701",
}


def _gift_card_product():
    category = f.CategoryFactory(name="Gift cards", slug="gift-cards", tax_class="zero")
    product = f.ProductFactory(name="E-gift card", category=category)
    variant = f.VariantFactory(product=product, sku="GIFT-EMAIL")
    return GiftCardProduct.objects.create(variant=variant, delivery="email")


def _issued_at_the_desk(world, capture):
    desk = Client()
    desk.force_login(world["manager"].user)
    with capture(execute=True):
        issued = desk.post(
            "/backoffice/gift-cards/issue/",
            {
                "amount": "30",
                "reason": "Birthday",
                "delivery": "email",
                "recipient_name": "Bo",
                "recipient_email": "bo@example.com",
            },
        )
    assert issued.status_code == 200


def _bought_on_the_storefront(world, capture):
    _gift_card_product()
    buyer = Client()
    with capture(execute=True):
        bought = buyer.post(
            "/gift-cards/buy/",
            {
                "amount": "30",
                "recipient_name": "Bo",
                "recipient_email": "bo@example.com",
                "message": "Happy birthday!",
                "email": "ana@example.com",
                "first_name": "Ana",
                **CARD,
            },
        )
    assert bought.status_code == 302, bought.content.decode()[:2000]
    sale = Order.objects.get()
    assert [(p.provider, p.amount) for p in sale.payments.all()] == [("test", Decimal("30.00"))]
    line = sale.lines.get()
    assert line.is_final_sale and line.tax_amount == 0
    receipt = buyer.get(bought.url).content.decode()
    assert sale.number in receipt and "E-gift card" in receipt
    assert any(sale.number in m.subject for m in mail.outbox if m.to == ["ana@example.com"])
    assert not StockMovement.objects.filter(variant=line.variant).exists()


@pytest.mark.parametrize("source", ["storefront", "desk"])
def test_gift_card_emailed_spent_with_a_card_and_refunded(
    api, world, django_capture_on_commit_callbacks, source
):
    if source == "desk":
        _issued_at_the_desk(world, django_capture_on_commit_callbacks)
    else:
        _bought_on_the_storefront(world, django_capture_on_commit_callbacks)
    email = next(m for m in mail.outbox if m.to == ["bo@example.com"])
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", email.body).group(0)

    shopper = Client()
    balance = shopper.post("/gift-cards/balance/", {"code": code})
    assert "$30.00" in balance.content.decode()
    shopper.post("/cart/add/", {"variant": world["navy"].pk, "quantity": 1})
    applied = shopper.post(
        "/checkout/", {**CHECKOUT, "gift_card_code": code, "tender_action": "apply_gift_card"}
    )
    assert "Left to pay" in applied.content.decode()
    placed = shopper.post("/checkout/", {**CHECKOUT, **CARD})
    assert placed.status_code == 302
    order = Order.objects.exclude(lines__sku="GIFT-EMAIL").get()
    paid = {p.provider: p.amount for p in order.payments.all()}
    assert paid["gift_card"] == Decimal("30.00")
    assert paid["test"] == order.total - Decimal("30.00")
    assert "$0.00" in shopper.post("/gift-cards/balance/", {"code": code}).content.decode()

    # Everything comes back at a store: the card part goes back to the card (newest
    # payment first), the rest onto the gift card.
    Order.objects.filter(pk=order.pk).update(status="fulfilled")
    order.fulfilments.update(status="collected")
    returned = api.post(
        "/api/v1/returns/",
        {
            "order": order.number,
            "location": "SPR",
            "associate": "E-SPR",
            "lines": [
                {
                    "sku": "SHIRT-NAVY-M",
                    "quantity": 1,
                    "reason": "too_small",
                    "condition": "A",
                    "disposition": "restock",
                }
            ],
            "refund_method": "original",
        },
    )
    assert returned.status_code == 201, returned.json()
    refunded = {
        refund.payment.provider: refund.amount
        for payment in order.payments.all()
        for refund in payment.refunds.all()
    }
    # The goods with their sales tax; delivery is not refunded for a return.
    assert sum(refunded.values()) == order.total - order.shipping_total
    assert refunded["gift_card"] > Decimal("0.00")
    left = shopper.post("/gift-cards/balance/", {"code": code}).content.decode()
    assert f"${refunded['gift_card']}" in left
