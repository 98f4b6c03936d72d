"""Offers in a real browser: the badge on the product page, a code typed in the cart on a
phone (HTMX swaps the cart in place), the applied offer listed, a refused code said
beside the field; in English and in Persian (right to left)."""

import pytest

from tests.e2e.conftest import PHONE
from tests.promotions.helpers import code_for, promotion
from tests.shop_data import make_shop, refresh

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop_with_offers():
    shop = make_shop()
    promotion(
        name="20% off this weekend", benefit="percent_off", value=20, categories=[shop.category]
    )
    p = promotion(name="10% next visit", trigger="code", benefit="percent_off", value=10)
    code_for(p, "SAVE10")
    refresh(shop)
    return shop


@pytest.mark.parametrize("language", ["en", "fa"])
def test_a_code_applied_in_the_cart_on_a_phone(
    live_server, browser, screenshot, shop_with_offers, language
):
    prefix = "" if language == "en" else "/fa"
    page = browser.new_page(viewport=PHONE, locale="en-US" if language == "en" else "fa-IR")
    page.goto(f"{live_server.url}{prefix}/p/linen-shirt-0/")
    page.wait_for_load_state("load")
    assert page.locator(".price-line .badge.offer").inner_text() == "20% off this weekend"
    assert page.locator(".price-line .price-was").count() == 1
    page.check("input[name=variant] >> nth=1")
    page.click("button.add-button")
    page.wait_for_function("document.querySelector('.minicart-count').textContent.trim() === '1'")
    page.goto(f"{live_server.url}{prefix}/cart/")
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "fa" else "ltr")
    page.fill("#code-input", "nope")
    page.click(".code-form button[type=submit]")
    page.locator("#code-error").wait_for()
    assert "NOPE" in page.locator("#code-error").inner_text()
    page.fill("#code-input", "save10")
    page.click(".code-form button[type=submit]")
    page.locator(".code-applied").wait_for()
    assert page.url.endswith("/cart/")  # swapped in place
    rows = page.locator(".summary-row.discount").all_inner_texts()
    assert any("10% next visit" in r for r in rows)
    assert any("20% off this weekend" in r for r in rows)
    summary = page.locator(".cart-summary").bounding_box()
    assert summary["x"] >= 0 and summary["x"] + summary["width"] <= PHONE["width"] + 0.5
    screenshot(page, f"cart-code-{language}")
    page.close()
