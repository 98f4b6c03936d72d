"""A shopper in Bangkok on a phone: the checkout offers PromptPay first, pay at pickup
only for a pickup and cash on delivery only for a delivery; the QR page shows the code
for the amount and moves on to the confirmation by itself (HTMX polling) once the bank's
signed callback arrives — in a real browser (390×844)."""

import hashlib
import hmac
import json
import re

import pytest

from omni.markets import build_market
from omni.templatetags.money import money
from orders.models import Order
from tests.e2e.conftest import PHONE
from tests.shop_data import make_shop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SECRET = "e2e-qr-secret"


def test_a_thai_shopper_pays_by_promptpay_and_the_page_moves_on(
    live_server, browser, settings, screenshot
):
    settings.OMNI_MARKET_CONFIG = build_market("TH")
    settings.OMNI_CURRENCY = "THB"
    settings.OMNI_QR_CALLBACK_SECRET = SECRET
    shop = make_shop()
    page = browser.new_page(viewport=PHONE)
    url = live_server.url

    page.goto(f"{url}/c/tops/")
    page.click(".product-card a:has-text('Linen Shirt')")
    page.wait_for_url(re.compile(r"/p/linen-shirt"))
    page.check("input[name=variant] >> nth=1")
    page.click("button.add-button")
    page.wait_for_function("document.querySelector('.minicart-count').textContent.trim() === '1'")
    page.goto(f"{url}/checkout/")
    values = page.locator("input[name=payment]").evaluate_all("els => els.map(e => e.value)")
    assert values == ["qr", "card", "cod", "store"]
    assert page.locator("input[name=payment][value=qr]").is_checked()
    # The card's fields only show for a card.
    assert not page.locator("#id_card_number").is_visible()

    page.check("input[name=fulfilment][value=ship]")
    assert page.locator("input[name=payment][value=store]").is_disabled()
    page.check("input[name=payment][value=cod]")
    page.check("input[name=fulfilment][value=pickup]")
    # Cash on delivery does not fit a pickup: it gives way to the first method that does.
    assert page.locator("input[name=payment][value=cod]").is_disabled()
    assert page.locator("input[name=payment][value=qr]").is_checked()
    page.check(f"input[name=store][value='{shop.stores['springfield'].pk}']")
    page.fill("#id_email", "somchai@example.com")
    page.fill("#id_first_name", "Somchai")
    page.fill("#id_last_name", "Jaidee")
    screenshot(page, "checkout")
    page.click("button.place-order")
    page.wait_for_url(re.compile(r"/checkout/pay/"))

    order = Order.objects.get()
    payment = order.payments.get()
    assert money(order.total, "THB") in page.locator(".qr-amount").inner_text()
    assert page.locator("#qr-status svg").count() == 1
    screenshot(page, "qr")

    body = json.dumps(
        {
            "reference": payment.provider_reference,
            "amount": str(payment.amount),
            "currency": "THB",
            "transaction_id": "KBANK-1",
        }
    ).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    answer = page.request.post(
        f"{url}/api/v1/payments/qr/callback/",
        data=body,
        headers={"Content-Type": "application/json", "X-Omni-Signature": f"sha256={signature}"},
    )
    assert answer.status == 200, answer.text()
    # No click: the polled status sends the browser on to the receipt.
    page.wait_for_url(re.compile(r"/checkout/done/"), timeout=15000)
    assert order.number in page.locator(".order-number").inner_text()
    screenshot(page, "confirmation")
