"""API parity: an external POS posts a till sale (register, shift, tenders) to
``POST /api/v1/orders/`` and it goes through the till's own sale service."""

from decimal import Decimal

import pytest

from orders.models import Order
from tests.api.conftest import Caller
from till.models import TillSale


@pytest.fixture
def api(db):
    from omni.api.services import api_key_create
    from omni.models import ApiScope

    _key, raw = api_key_create(name="POS", scopes=list(ApiScope.values), location_codes=[])
    caller = Caller()
    caller.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return caller


def _sale(shirt, **extra):
    return {
        "channel": "store",
        "location": "SPR",
        "lines": [{"sku": shirt.sku, "quantity": 2}],
        "register": "T1",
        "tenders": [
            {"kind": "card", "amount": "30.00", "card_number": "4242424242424242"},
            {"kind": "cash", "amount": "20.00"},
        ],
        "external_reference": "POS-42",
        **extra,
    }


def test_a_pos_sale_with_tenders_lands_on_the_shift(api, register, shift, shirt):
    response = api.post("/api/v1/orders/", _sale(shirt))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert Decimal(body["total"]) == Decimal("42.50")
    sale = TillSale.objects.get()
    assert sale.shift == shift and sale.change_due == Decimal("7.50")
    assert sale.order.external_reference == "POS-42"
    again = api.post("/api/v1/orders/", _sale(shirt))
    assert again.status_code == 200 and again.json()["number"] == body["number"]
    assert Order.objects.count() == 1 and TillSale.objects.count() == 1


def test_bad_till_input_is_a_field_error(api, register, shift, shirt):
    short = api.post("/api/v1/orders/", _sale(shirt, tenders=[{"kind": "cash", "amount": "5.00"}]))
    assert short.status_code == 400 and short.json()["code"] == "tender_short"
    unknown = api.post("/api/v1/orders/", _sale(shirt, register="NOPE"))
    assert unknown.status_code == 400 and "register" in str(unknown.json())
    no_ref = api.post("/api/v1/orders/", _sale(shirt, external_reference=""))
    assert no_ref.status_code == 400 and "external_reference" in str(no_ref.json())
    both = api.post("/api/v1/orders/", _sale(shirt, payment={"method": "external"}))
    assert both.status_code == 400
    declined = api.post(
        "/api/v1/orders/",
        _sale(
            shirt, tenders=[{"kind": "card", "amount": "42.50", "card_number": "4000000000000002"}]
        ),
    )
    assert declined.status_code == 402 or declined.status_code == 409 or declined.status_code == 400
    assert not Order.objects.exists()


def test_no_open_shift(api, register, shirt):
    response = api.post("/api/v1/orders/", _sale(shirt))
    assert response.status_code == 400 and "shift" in str(response.json())


def test_a_pos_sale_pays_by_gift_card_on_a_register_only_with_the_redeem_scope(
    db, register, shift, shirt
):
    """On a register a gift card is one more tender (through the one tender service) and
    needs ``tenders:redeem``; cash without a register is refused with its field."""
    from giftcards.models import GiftCard
    from giftcards.services import gift_card_balance, gift_card_issue
    from omni.api.services import api_key_create
    from omni.models import ApiScope

    card = gift_card_issue(
        amount=Decimal("10.00"),
        source=GiftCard.Source.ISSUED,
        reason="Goodwill",
        check_bounds=False,
    )
    tenders = [
        {"kind": "gift_card", "amount": "10.00", "gift_card_code": card.code},
        {"kind": "cash", "amount": "40.00"},
    ]
    scopes = [s for s in ApiScope.values if s != ApiScope.TENDERS_REDEEM]
    _key, raw = api_key_create(name="POS", scopes=scopes, location_codes=[])
    limited = Caller()
    limited.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    refused = limited.post("/api/v1/orders/", _sale(shirt, tenders=tenders))
    assert refused.status_code == 403 and not Order.objects.exists()
    assert gift_card_balance(card=card.card) == Decimal("10.00")

    _key, raw = api_key_create(name="POS2", scopes=list(ApiScope.values), location_codes=[])
    full = Caller()
    full.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    paid = full.post("/api/v1/orders/", _sale(shirt, tenders=tenders))
    assert paid.status_code == 201, paid.json()
    order = Order.objects.get()
    by = {p.provider: p.amount for p in order.payments.all()}
    assert by == {"gift_card": Decimal("10.00"), "cash": Decimal("32.50")}
    assert gift_card_balance(card=card.card) == Decimal("0.00")
    assert TillSale.objects.get().change_due == Decimal("7.50")

    # Cash without a register is refused with the field to fix.
    no_register = {k: v for k, v in _sale(shirt, tenders=tenders).items() if k != "register"}
    no_register["external_reference"] = "POS-43"
    answer = full.post("/api/v1/orders/", no_register)
    assert answer.status_code == 400 and "register" in str(answer.json())


def test_an_external_pos_posts_a_qr_tender_with_its_reference(
    api, register, shift, shirt, settings
):
    from omni.markets import build_market

    settings.OMNI_MARKET_CONFIG = build_market("TH", {"default_language": "en"})
    settings.OMNI_CURRENCY = "THB"
    us_style = [{"kind": "qr", "amount": "40.00", "reference": "R"}]
    missing = api.post("/api/v1/orders/", _sale(shirt, tenders=[{"kind": "qr", "amount": "40"}]))
    assert missing.status_code == 400 and "reference" in str(missing.json())
    tenders = [{"kind": "qr", "amount": "40.00", "reference": "BANK-REF-9"}]
    made = api.post("/api/v1/orders/", _sale(shirt, tenders=tenders))
    assert made.status_code == 201, made.json()
    payment = Order.objects.get().payments.get()
    assert (payment.provider, payment.provider_reference) == ("qr_test", "BANK-REF-9")
    settings.OMNI_MARKET_CONFIG = build_market("US")
    settings.OMNI_CURRENCY = "USD"
    refused = api.post("/api/v1/orders/", _sale(shirt, tenders=us_style, external_reference="2"))
    assert refused.status_code == 400 and "not available" in str(refused.json())
