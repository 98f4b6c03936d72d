"""The header's mini-cart in a real browser: a drawer across a phone, a box under the cart
link on a tablet, closed with Escape or a click outside; without JavaScript the link is the
cart page."""

import re

import pytest

from tests.e2e.conftest import PHONE, TABLET
from tests.shop_data import add_product, make_shop, refresh

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop_with_a_cart_line():
    shop = make_shop()
    add_product(shop, "Oxford Shirt", price="59.00", stock={"springfield": 4})
    refresh(shop)
    return shop


def _add_to_cart(page, url):
    page.goto(f"{url}/p/linen-shirt-0/")
    page.check("input[name=variant] >> nth=1")
    page.click("button.add-button")
    page.wait_for_function("document.querySelector('.minicart-count').textContent.trim() === '1'")


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["phone", "tablet"])
def test_the_mini_cart_opens_over_the_page_and_closes(
    live_server, browser, screenshot, shop_with_a_cart_line, viewport
):
    page = browser.new_page(viewport=viewport)
    _add_to_cart(page, live_server.url)
    page.click("#minicart")
    panel = page.locator("#mini-cart-panel")
    panel.locator(".mini-cart-line").wait_for()
    assert page.url.endswith("/p/linen-shirt-0/")  # opened in place, no page load
    assert page.locator("#minicart").get_attribute("aria-expanded") == "true"
    text = panel.inner_text()
    assert "Linen Shirt" in text and "$49.00" in text and "Check out" in text
    assert panel.locator(".mini-cart-line .line-thumb").count() == 1
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 0.5
    if viewport is PHONE:
        assert box["width"] == pytest.approx(viewport["width"], abs=1)  # a full-width drawer
    else:
        assert box["width"] < viewport["width"] / 2  # a box under the link
    screenshot(page, "open")

    page.keyboard.press("Escape")
    assert panel.is_hidden()
    page.click("#minicart")
    panel.locator(".mini-cart-line").wait_for()
    page.mouse.click(5, viewport["height"] - 5)  # outside the panel
    assert panel.is_hidden()


def test_without_javascript_the_cart_link_opens_the_cart(
    live_server, browser, shop_with_a_cart_line
):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/p/linen-shirt-0/")
    page.check("input[name=variant] >> nth=1")
    page.click("button.add-button")
    page.goto(f"{live_server.url}/p/linen-shirt-0/")
    assert page.locator("#mini-cart-panel").is_hidden()
    page.click("#minicart")
    page.wait_for_url(re.compile(r"/cart/$"))
    assert page.locator(".cart-line").count() == 1
    context.close()
