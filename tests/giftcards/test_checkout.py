"""The checkout's gift card field and points / store credit buttons, through the views:
a card applied shows what it pays and what is left; it pays with a card for the rest, or
alone; a short card says what remains; a wrong code is said under the field."""

import re
from decimal import Decimal

import pytest
from django.test import override_settings

from customers.models import LoyaltyEntry
from giftcards import services as gift_cards
from giftcards.models import GiftCard
from orders.models import Order
from tests import factories as f
from tests.shop_data import make_shop

pytestmark = pytest.mark.django_db

GOOD_CARD = "4242 4242 4242 4242"
CARD = {
    "card_number": GOOD_CARD,
    "card_name": "Ana Shopper",
    "card_expiry": "12/40",
    "card_cvc": "123",
}
ADDRESS = {"line1": "1 Capitol Ave", "city": "Springfield", "region": "IL", "postcode": "62701"}
FORM = {
    "email": "ana@example.com",
    "first_name": "Ana",
    "last_name": "Shopper",
    "fulfilment": "ship",
    "payment": "card",
    **ADDRESS,
}


@pytest.fixture
def shop(db):
    return make_shop()


def _issue(amount):
    return gift_cards.gift_card_issue(
        amount=Decimal(amount), source=GiftCard.Source.ISSUED, reason="Test"
    )


def _add(client, shop, quantity=1):
    client.post("/cart/add/", {"variant": shop.variant().pk, "quantity": quantity})


def _apply(client, code, **extra):
    return client.post(
        "/checkout/",
        {**FORM, "gift_card_code": code, "tender_action": "apply_gift_card", **extra},
    )


def test_a_gift_card_applied_shows_what_it_pays_and_then_a_card_pays_the_rest(client, shop):
    _add(client, shop)  # 49.00 + 5.95 delivery
    issued = _issue("20.00")
    page = _apply(client, issued.code.lower().replace("-", " "))
    assert page.status_code == 200
    body = page.content.decode()
    assert f"Gift card •••• {issued.card.last4} applied" in body
    assert re.search(r"Gift card •••• \w{4}</span><span><bdi>−\$20\.00", body)
    assert "Left to pay" in body
    # What the shopper typed is still there; the code and card number are not echoed.
    assert 'value="1 Capitol Ave"' in body and issued.code not in body
    response = client.post("/checkout/", {**FORM, **CARD})
    assert response.status_code == 302, response.content.decode()[:3000]
    order = Order.objects.get()
    paid = {p.provider: p.amount for p in order.payments.all()}
    assert paid == {"gift_card": Decimal("20.00"), "test": order.total - Decimal("20.00")}
    assert gift_cards.gift_card_balance(card=issued.card) == Decimal("0.00")
    receipt = client.get(response.url).content.decode()
    assert order.number in receipt
    assert f"Gift card •••• <bdi>{issued.card.last4}</bdi>: $20.00" in receipt


def test_a_gift_card_that_covers_the_order_needs_no_card_details(client, shop):
    _add(client, shop)
    issued = _issue("200.00")
    _apply(client, issued.code)
    response = client.post("/checkout/", FORM)  # "card" chosen, but nothing typed
    assert response.status_code == 302
    order = Order.objects.get()
    assert [(p.provider, p.amount) for p in order.payments.all()] == [("gift_card", order.total)]


def test_a_short_card_without_another_payment_says_what_remains(client, shop):
    _add(client, shop)
    issued = _issue("10.00")
    _apply(client, issued.code)
    response = client.post("/checkout/", {**FORM, "payment": "card"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter your card number." in body
    assert re.search(r"Left to pay</span><strong>\$\d+\.\d\d", body)
    assert not Order.objects.exists()
    assert gift_cards.gift_card_balance(card=issued.card) == Decimal("10.00")


def test_a_wrong_code_is_said_under_the_field_and_nothing_changes(client, shop):
    _add(client, shop)
    response = _apply(client, "WRONG-CODE-1234-5678")
    assert response.status_code == 400
    body = response.content.decode()
    assert "We could not find a gift card with this code" in body
    assert 'id="gift-card-error"' in body and "Left to pay" not in body


@override_settings(OMNI_GIFT_CARD_CHECKS_PER_WINDOW=2)
def test_guessing_codes_is_slowed_down(client, shop):
    from django.core.cache import cache

    cache.clear()
    _add(client, shop)
    for _ in range(2):
        _apply(client, "AAAA-AAAA-AAAA-AAAB")
    body = _apply(client, "AAAA-AAAA-AAAA-AAAC").content.decode()
    assert "Too many tries" in body


def test_a_removed_card_pays_nothing(client, shop):
    _add(client, shop)
    issued = _issue("20.00")
    _apply(client, issued.code)
    page = client.post(
        "/checkout/", {**FORM, "tender_action": f"remove_gift_card:{issued.card.pk}"}
    )
    assert "Left to pay" not in page.content.decode()
    client.post("/checkout/", {**FORM, **CARD})
    assert Order.objects.get().payments.get().provider == "test"


def test_a_member_uses_points_and_store_credit(client, shop, settings):
    settings.OMNI_LOYALTY_POINT_VALUE = {"points": 100, "value": "5"}
    user = f.UserFactory(username="ana", email="ana@example.com")
    customer = f.CustomerFactory(user=user, email="ana@example.com")
    f.LoyaltyEntryFactory(customer=customer, points=300)  # 15.00
    f.StoreCreditEntryFactory(customer=customer, amount=Decimal("10.00"))
    client.force_login(user)
    _add(client, shop)
    page = client.get("/checkout/").content.decode()
    assert "You have 300 points, worth $15.00." in page
    assert "You have $10.00 of store credit." in page
    client.post("/checkout/", {**FORM, "tender_action": "use_points"})
    page = client.post("/checkout/", {**FORM, "tender_action": "use_store_credit"})
    body = page.content.decode()
    assert "300 points</span><span><bdi>−$15.00" in body
    assert "Store credit</span><span><bdi>−$10.00" in body
    response = client.post("/checkout/", {**FORM, **CARD})
    assert response.status_code == 302
    order = Order.objects.get()
    paid = {p.provider: p.amount for p in order.payments.all()}
    assert paid["loyalty_points"] == Decimal("15.00")
    assert paid["store_credit"] == Decimal("10.00")
    assert paid["test"] == order.total - Decimal("25.00")
    assert LoyaltyEntry.objects.get(reason="redemption").points == -300


@pytest.mark.parametrize("cards", [1, 3])
def test_the_checkout_page_with_gift_cards_applied_has_flat_queries(
    client, shop, cards, django_assert_max_num_queries
):
    """Each applied card costs its balance read (at most three can be applied), the rest
    of the page is the same as without; 1 vs 3 cards and 1 vs 10 lines stay within one
    budget."""
    from tests.shop_data import add_product

    _add(client, shop)
    for n in range(9 if cards == 3 else 0):
        product = add_product(shop, f"Shirt {n}", price="10.00", warehouse=5)
        client.post("/cart/add/", {"variant": shop.variant(product).pk, "quantity": 1})
    for _ in range(cards):
        _apply(client, _issue("5.00").code)
    with django_assert_max_num_queries(42):
        page = client.get("/checkout/")
    assert page.status_code == 200
    assert page.content.decode().count("applied</span>") == cards
