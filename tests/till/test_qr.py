"""A bank-app QR code as a tender at the till: shown for the amount, confirmed by the
associate who sees the money arrive, split with cash, on the receipt and the shift's
report; the same through the API for an external POS."""

from decimal import Decimal

import pytest
from django.urls import reverse

from omni.markets import build_market
from orders.models import Order, Payment
from till.models import TillSale


@pytest.fixture(autouse=True)
def thai(settings):
    """A Thai shop: the market pays by PromptPay QR (a US one has no QR scheme)."""
    settings.OMNI_MARKET_CONFIG = build_market("TH", {"default_language": "en"})
    settings.OMNI_CURRENCY = "THB"
    settings.OMNI_QR_MERCHANT_ID = "0812345678"
    return settings


@pytest.fixture
def desk(client, associate):
    client.force_login(associate.user)
    return client


def _scan(client, register, code):
    return client.post(
        reverse("backoffice:till-basket", args=[register.pk]), {"action": "scan", "code": code}
    )


def _pay(client, register, **data):
    return client.post(reverse("backoffice:till-pay", args=[register.pk]), data)


def test_a_qr_code_for_part_and_cash_for_the_rest(desk, register, shift, shirt):
    _scan(desk, register, shirt.barcode)
    shown = _pay(desk, register, action="qr", qr_amount="10.00")
    page = shown.content.decode()
    assert shown.status_code == 200 and "<svg" in page and "received by QR" in page
    reference = desk.session[f"till:{register.pk}"]["qr"]["reference"]
    assert reference.startswith("T") and reference in page
    paid = _pay(desk, register, qr_received="1", cash="10.00")
    assert paid.status_code == 302
    order = Order.objects.get()
    by_provider = {p.provider: p for p in order.payments.all()}
    assert by_provider["qr_test"].amount == Decimal("10.00")
    assert by_provider["qr_test"].provider_reference == reference
    assert by_provider["qr_test"].status == Payment.Status.CAPTURED
    assert by_provider["cash"].amount == order.total - Decimal("10.00")
    receipt = desk.get(reverse("backoffice:till-receipt", args=[order.number])).content.decode()
    assert "QR payment" in receipt
    report = desk.get(reverse("backoffice:till-report", args=[shift.pk])).content.decode()
    assert "QR payment" in report
    # The next sale starts without the code.
    assert "qr" not in desk.session[f"till:{register.pk}"]


def test_the_whole_sale_by_qr_when_no_amount_is_typed(desk, register, shift, shirt):
    _scan(desk, register, shirt.barcode)
    _pay(desk, register, action="qr", qr_amount="")
    assert _pay(desk, register, qr_received="1").status_code == 302
    order = Order.objects.get()
    assert [(p.provider, p.amount) for p in order.payments.all()] == [("qr_test", order.total)]


def test_a_code_shown_is_not_money_until_the_associate_says_it_arrived(
    desk, register, shift, shirt
):
    _scan(desk, register, shirt.barcode)
    _pay(desk, register, action="qr", qr_amount="")
    refused = _pay(desk, register)  # "Complete sale" without "received"
    assert refused.status_code == 400 and not Order.objects.exists()
    assert not TillSale.objects.filter(order__isnull=False).exists()


def test_bad_qr_amounts_and_a_changed_basket(desk, register, shift, shirt, socks):
    _scan(desk, register, shirt.barcode)
    for amount, message in (("abc", "as numbers"), ("500", "at most"), ("-1", "above zero")):
        response = _pay(desk, register, action="qr", qr_amount=amount)
        assert response.status_code == 400 and message in response.content.decode()
        assert "qr" not in desk.session[f"till:{register.pk}"]
    _pay(desk, register, action="qr", qr_amount="5")
    assert "qr" in desk.session[f"till:{register.pk}"]
    _scan(desk, register, socks.barcode)  # the code was for the old basket
    assert "qr" not in desk.session[f"till:{register.pk}"]
    _pay(desk, register, action="qr", qr_amount="5")
    removed = _pay(desk, register, action="qr_cancel")
    assert removed.status_code == 200 and "qr" not in desk.session[f"till:{register.pk}"]


def test_a_us_till_offers_no_qr_code(desk, register, shift, shirt, settings):
    settings.OMNI_MARKET_CONFIG = build_market("US")
    settings.OMNI_CURRENCY = "USD"
    _scan(desk, register, shirt.barcode)
    page = desk.get(reverse("backoffice:till-sell", args=[register.pk])).content.decode()
    assert "Show QR code" not in page
    refused = _pay(desk, register, action="qr", qr_amount="")
    assert refused.status_code == 400 and "not available" in refused.content.decode()
