"""The storefront balance check and the back-office gift card desk through the views."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import override_settings

from giftcards import services
from giftcards.models import GiftCard
from stores.models import Associate
from tests import factories as f

pytestmark = pytest.mark.django_db


def _issue(amount="35.00"):
    return services.gift_card_issue(
        amount=Decimal(amount), source=GiftCard.Source.ISSUED, reason="Test"
    )


def test_the_storefront_balance_check(client):
    cache.clear()
    issued = _issue()
    page = client.get("/gift-cards/balance/")
    assert page.status_code == 200 and "Check balance" in page.content.decode()
    response = client.post("/gift-cards/balance/", {"code": issued.code})
    body = response.content.decode()
    assert response.status_code == 200
    assert f"Gift card •••• {issued.card.last4}" in body and "$35.00" in body
    assert issued.code not in body
    wrong = client.post("/gift-cards/balance/", {"code": "AAAA-BBBB-CCCC-DDDD"})
    assert wrong.status_code == 404
    assert "We could not find a gift card" in wrong.content.decode()
    assert client.post("/gift-cards/balance/", {"code": ""}).status_code == 400


def test_the_htmx_balance_answer_is_the_fragment(client):
    cache.clear()
    issued = _issue()
    response = client.post("/gift-cards/balance/", {"code": issued.code}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="gift-card-result"') and "$35.00" in body


@override_settings(OMNI_GIFT_CARD_CHECKS_PER_WINDOW=3)
def test_guessing_on_the_balance_page_is_slowed_down(client):
    cache.clear()
    for _ in range(3):
        client.post("/gift-cards/balance/", {"code": "AAAA-BBBB-CCCC-DDDD"})
    issued = _issue()
    response = client.post("/gift-cards/balance/", {"code": issued.code})
    assert response.status_code == 429
    assert "Too many tries" in response.content.decode()


def test_an_anonymous_get_writes_nothing(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert client.get("/gift-cards/balance/").status_code == 200


@pytest.fixture
def store(db):
    return f.LocationFactory(name="Springfield", code="SPR")


def test_the_desk_checks_a_balance_with_its_history(client, store):
    associate = f.AssociateFactory(home_location=store)
    client.force_login(associate.user)
    issued = _issue()
    services.gift_card_debit(card=issued.card, amount=Decimal("5.00"))
    response = client.post("/backoffice/gift-cards/", {"code": issued.code})
    body = response.content.decode()
    assert response.status_code == 200
    assert "$30.00" in body and "Spent on an order" in body and "Issued" in body
    # An associate checks but does not issue.
    assert "Issue a card" not in body
    assert client.post("/backoffice/gift-cards/issue/", {}).status_code == 403


def test_a_manager_issues_a_card_and_sees_its_code_once(client, store):
    manager = f.AssociateFactory(home_location=store, role=Associate.Role.MANAGER)
    client.force_login(manager.user)
    response = client.post(
        "/backoffice/gift-cards/issue/",
        {
            "amount": "40",
            "reason": "Apology for a late parcel",
            "delivery": "email",
            "recipient_name": "Bo",
            "recipient_email": "bo@example.com",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    card = GiftCard.objects.get()
    code = re.search(r'class="gift-code" dir="ltr"><strong>([A-Z0-9-]+)<', body).group(1)
    assert services.gift_card_find(code=code) == card
    assert card.reason == "Apology for a late parcel" and card.issued_by == manager.user
    assert services.gift_card_balance(card=card) == Decimal("40.00")
    # Shown once: the desk never shows it again.
    assert code not in client.get("/backoffice/gift-cards/").content.decode()


def test_the_desk_refuses_bad_issues_field_by_field(client, store):
    manager = f.AssociateFactory(home_location=store, role=Associate.Role.MANAGER)
    client.force_login(manager.user)
    response = client.post(
        "/backoffice/gift-cards/issue/", {"amount": "9999", "reason": "x", "delivery": "physical"}
    )
    assert response.status_code == 400
    assert "A gift card can be worth from" in response.content.decode()
    response = client.post(
        "/backoffice/gift-cards/issue/", {"amount": "20", "reason": "", "delivery": "email"}
    )
    assert response.status_code == 400
    assert not GiftCard.objects.exists()


def test_the_emailed_card_reaches_the_recipient_with_its_code(
    client, store, django_capture_on_commit_callbacks
):
    manager = f.AssociateFactory(home_location=store, role=Associate.Role.MANAGER)
    client.force_login(manager.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/backoffice/gift-cards/issue/",
            {
                "amount": "40",
                "reason": "Prize",
                "delivery": "email",
                "recipient_email": "bo@example.com",
            },
        )
    code = re.search(r"<strong>([A-Z0-9]{4}-[A-Z0-9-]{14})<", response.content.decode()).group(1)
    sent = [m for m in mail.outbox if m.to == ["bo@example.com"]]
    assert sent and code in sent[0].body and "$40.00" in sent[0].subject
    from omni.models import OutboxMessage

    assert OutboxMessage.objects.get(topic="email.gift_card").payload["code"] == ""


@pytest.fixture
def gift_card_product(db):
    from giftcards.models import GiftCardProduct

    category = f.CategoryFactory(name="Gift cards", slug="gift-cards", tax_class="zero")
    product = f.ProductFactory(name="E-gift card", category=category)
    variant = f.VariantFactory(product=product, sku="GIFT-EMAIL")
    return GiftCardProduct.objects.create(variant=variant, delivery="email")


BUY = {
    "amount": "50",
    "recipient_email": "bo@example.com",
    "email": "ana@example.com",
    "card_number": "4242 4242 4242 4242",
    "card_name": "Ana",
    "card_expiry": "12/40",
    "card_cvc": "123",
}


def test_buying_refuses_amounts_out_of_bounds_and_declined_cards(client, gift_card_product):
    from orders.models import Order

    page = client.get("/gift-cards/buy/").content.decode()
    assert "from $5.00 to $500.00" in page
    response = client.post("/gift-cards/buy/", {**BUY, "amount": "501"})
    assert response.status_code == 400
    assert "A gift card can be worth from $5.00 to $500.00." in response.content.decode()
    declined = client.post("/gift-cards/buy/", {**BUY, "card_number": "4000 0000 0000 0002"})
    assert declined.status_code == 402
    assert "Your card was declined." in declined.content.decode()
    assert not Order.objects.exists() and not GiftCard.objects.exists()
    missing = client.post("/gift-cards/buy/", {**BUY, "recipient_email": "", "email": ""})
    assert missing.status_code == 400
    assert client.post("/gift-cards/buy/", BUY).status_code == 302
    card = GiftCard.objects.get()
    assert card.source == "sold" and card.reference_type == "orders.orderline"


def test_no_gift_card_product_no_page(client):
    assert client.get("/gift-cards/buy/").status_code == 404
