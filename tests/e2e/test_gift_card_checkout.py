"""A shopper on a phone applies a gift card at checkout and pays the rest by card, in a
real browser (390×844), in English and in Persian (right to left); the desk and the
balance page at phone and tablet sizes. Screenshots under E2E_SCREENSHOTS."""

import re
from decimal import Decimal

import pytest

from giftcards import services as gift_cards
from giftcards.models import GiftCard
from orders.models import Order
from stores.models import Associate
from tests import factories as f
from tests.e2e.conftest import PHONE, TABLET
from tests.shop_data import make_shop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["en", "fa"])
def test_a_gift_card_pays_part_and_a_card_the_rest(live_server, browser, screenshot, language):
    shop = make_shop()
    issued = gift_cards.gift_card_issue(
        amount=Decimal("20.00"), source=GiftCard.Source.ISSUED, reason="e2e"
    )
    page = browser.new_page(viewport=PHONE)
    url = live_server.url
    prefix = "" if language == "en" else f"/{language}"
    page.goto(f"{url}{prefix}/c/tops/")
    page.click(".product-card a:has-text('Linen Shirt')")
    page.wait_for_url(re.compile(r"/p/linen-shirt"))
    page.wait_for_load_state("load")
    page.check("input[name=variant] >> nth=1")
    page.click("button.add-button")
    page.wait_for_function("document.querySelector('.minicart-count').textContent.trim() === '1'")
    page.goto(f"{url}{prefix}/checkout/")
    page.wait_for_load_state("load")
    page.check("input[name=fulfilment][value=ship]")
    page.fill("#id_email", "ana@example.com")
    page.fill("#id_first_name", "Ana")
    page.fill("#id_last_name", "Shopper")
    page.fill("#id_line1", "1 Capitol Ave")
    page.fill("#id_city", "Springfield")
    if page.locator("select#id_region").count():
        page.select_option("#id_region", "IL")
    else:
        page.fill("#id_region", "IL")
    page.fill("#id_postcode", "62701")
    page.fill("#id_gift_card_code", issued.code)
    page.click("button[name=tender_action][value=apply_gift_card]")
    page.wait_for_load_state("load")
    assert page.locator(f"text=•••• {issued.card.last4}").first.is_visible()
    # What was typed is still there.
    assert page.input_value("#id_line1") == "1 Capitol Ave"
    page.locator("#tenders").scroll_into_view_if_needed()
    screenshot(page, f"payment-step-{language}")
    page.fill("#id_card_number", "4242 4242 4242 4242")
    page.fill("#id_card_name", "Ana Shopper")
    page.fill("#id_card_expiry", "12/40")
    page.fill("#id_card_cvc", "123")
    page.click("button.place-order")
    page.wait_for_load_state("load")
    screenshot(page, f"after-place-{language}")
    page.wait_for_url(re.compile(r"/checkout/done/"))
    order = Order.objects.get()
    assert {p.provider for p in order.payments.all()} == {"gift_card", "test"}
    assert shop  # the shop's stock was used


@pytest.mark.parametrize(("viewport", "language"), [(PHONE, "fa"), (TABLET, "en")])
def test_the_desk_and_the_balance_page(live_server, browser, screenshot, viewport, language):
    store = f.LocationFactory(name="Springfield", code="SPR")
    manager = f.AssociateFactory(
        home_location=store, role=Associate.Role.MANAGER, language=language
    )
    manager.user.email = "manager@example.com"
    manager.user.set_password("pw-e2e-123")
    manager.user.save()
    issued = gift_cards.gift_card_issue(
        amount=Decimal("35.00"), source=GiftCard.Source.ISSUED, reason="e2e"
    )
    page = browser.new_page(viewport=viewport)
    url = live_server.url
    page.goto(f"{url}/accounts/login/?next=/backoffice/gift-cards/")
    page.wait_for_load_state("load")
    page.fill("input[name=login]", "manager@example.com")
    page.fill("input[name=password]", "pw-e2e-123")
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/backoffice/gift-cards/")
    page.wait_for_load_state("load")
    page.fill("#id_code", issued.code)
    page.locator("#check-h ~ form button[type=submit]").click()
    page.wait_for_selector("#gift-card-check table")
    screenshot(page, "desk")
    prefix = "" if language == "en" else f"/{language}"
    page.goto(f"{url}{prefix}/gift-cards/balance/")
    page.wait_for_load_state("load")
    page.fill("#id_code", issued.code)
    page.click("main form button[type=submit]")
    page.wait_for_selector("#gift-card-result .card")
    screenshot(page, "balance")
