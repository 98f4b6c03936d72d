"""A guest on a phone browses, chooses a store, adds to the cart, checks out for pickup and
sees the confirmation with the order code — in a real browser (390×844)."""

import re

import pytest

from orders.models import Order
from tests.e2e.conftest import PHONE
from tests.shop_data import add_product, make_shop, refresh

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_guest_buys_for_pickup_on_a_phone(live_server, browser, screenshot):
    shop = make_shop()
    for name, price in (("Oxford Shirt", "59.00"), ("Chambray Shirt", "45.00")):
        add_product(shop, name, price=price, colours=("Navy", "Sand"), stock={"springfield": 4})
    refresh(shop)
    page = browser.new_page(viewport=PHONE)
    url = live_server.url

    page.goto(f"{url}/")
    assert page.locator("h2", has_text="New in").is_visible()
    screenshot(page, "home")

    page.click("a.chip:has-text('Tops')")
    page.wait_for_url(re.compile(r"/c/tops/"))
    assert page.locator(".product-card").count() == 4
    screenshot(page, "listing")

    page.click(".product-card a:has-text('Linen Shirt')")
    page.wait_for_url(re.compile(r"/p/linen-shirt"))
    page.click("a.my-store")
    page.wait_for_url(re.compile(r"/stores/"))
    page.fill("#postcode", "62701")
    page.click("button:has-text('Find stores')")
    page.wait_for_url(re.compile(r"postcode=62701"))
    screenshot(page, "stores")
    page.click("button:has-text('Make Springfield my store')")
    page.wait_for_url(re.compile(r"/p/linen-shirt"))
    assert "Springfield" in page.locator(".my-store").inner_text()
    assert page.locator("text=3 at Springfield — pick up today").count() == 3

    page.check("input[name=variant] >> nth=1")
    screenshot(page, "product")
    page.click("button.add-button")
    # HTMX swaps the mini-cart in place: no page load.
    page.wait_for_function("document.querySelector('.minicart-count').textContent.trim() === '1'")
    assert "Added Linen Shirt (Navy / M)" in page.locator("#messages").inner_text()

    # The header's cart opens the mini-cart (a drawer on a phone); from it, the cart.
    page.click("#minicart")
    panel = page.locator("#mini-cart-panel")
    panel.locator(".mini-cart-line").wait_for()
    assert "Linen Shirt" in panel.inner_text()
    screenshot(page, "mini-cart")
    panel.get_by_role("link", name="View cart").click()
    page.wait_for_url(re.compile(r"/cart/$"))
    assert page.locator(".cart-line").count() == 1
    screenshot(page, "cart")

    page.click("a:has-text('Check out')")
    page.wait_for_url(re.compile(r"/checkout/$"))
    page.check("input[name=fulfilment][value=pickup]")
    assert page.locator("input[name=store]:checked").get_attribute("value") == str(
        shop.stores["springfield"].pk
    )
    # With JavaScript the delivery address is hidden once pickup is chosen.
    assert not page.locator("#id_line1").is_visible()
    page.fill("#id_email", "guest@example.com")
    page.fill("#id_first_name", "Gia")
    page.fill("#id_last_name", "Guest")
    page.fill("#id_card_number", "4242 4242 4242 4242")
    page.fill("#id_card_name", "Ana Shopper")
    page.fill("#id_card_expiry", "12/40")
    page.fill("#id_card_cvc", "123")
    screenshot(page, "checkout")
    page.click("button.place-order")
    page.wait_for_url(re.compile(r"/checkout/done/"))

    order = Order.objects.get()
    assert order.number in page.locator(".order-number").inner_text()
    assert page.locator("h2", has_text="Pick up at Springfield").is_visible()
    code = page.locator(".order-code img")
    assert code.get_attribute("src").startswith("data:image/svg+xml")
    assert code.evaluate("img => img.naturalWidth > 0")
    screenshot(page, "confirmation")
