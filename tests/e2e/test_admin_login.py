"""A merchandiser logs into the admin in a real browser and finds a product."""

import pytest

from tests.e2e.conftest import TABLET
from tests.factories import ProductFactory, SuperUserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_merchandiser_logs_in_and_searches_products(live_server, browser, screenshot):
    SuperUserFactory(username="merch", email="merch@example.com")
    ProductFactory(name="Merino Crewneck Sweater")
    ProductFactory(name="Linen Camp Shirt")
    page = browser.new_page(viewport=TABLET)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "merch")
    page.fill("#id_password", "pass-word-123")
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    page.goto(f"{live_server.url}/admin/catalog/product/?q=merino")
    screenshot(page, "products")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "Merino Crewneck Sweater" in rows.first.inner_text()


def test_the_product_page_with_its_variant_rows_fits_a_1280_px_window(
    live_server, browser, screenshot
):
    from tests.factories import PriceFactory, VariantFactory

    SuperUserFactory(username="merch", email="merch@example.com")
    product = ProductFactory(name="Waxed Field Jacket")
    for index, size in enumerate(("XS", "S", "M", "L", "XL")):
        variant = VariantFactory(
            product=product,
            size=size,
            colour="Brown",
            colour_hex="#5a3a22",
            sku=f"NW00042-BRN-{size}",
            barcode=f"200000004200{index}",
        )
        PriceFactory(variant=variant)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "merch")
    page.fill("#id_password", "pass-word-123")
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    page.goto(f"{live_server.url}/admin/catalog/product/{product.pk}/change/")
    screenshot(page, "product-variants-1280")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    prices = page.locator(".variant-rows tr.has_original input[name$='-price']")
    assert prices.count() == 5
