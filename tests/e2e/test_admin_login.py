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


def _merchandiser_at_1280(live_server, browser):
    """A 1280x800 window, logged into the admin as the "merch" superuser."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "merch")
    page.fill("#id_password", "pass-word-123")
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    return page


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
    page = _merchandiser_at_1280(live_server, browser)
    page.goto(f"{live_server.url}/admin/catalog/product/{product.pk}/change/")
    screenshot(page, "product-variants-1280")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    prices = page.locator(".variant-rows tr.has_original input[name$='-price']")
    assert prices.count() == 5


def test_the_stock_list_fits_a_1280_px_window(live_server, browser, screenshot):
    """Inventory › Stock with the demo's longest names: no sideways scrolling, the row
    links (Adjust, Count, Receive) and the filters in view."""
    from tests.factories import LocationFactory, StockFactory, VariantFactory

    SuperUserFactory(username="merch", email="merch@example.com")
    stores = [
        LocationFactory(name="Boston Back Bay", code="BOS01"),
        LocationFactory(name="Eastern Distribution Center", code="WH-EAST", kind="warehouse"),
    ]
    product = ProductFactory(name="Waxed Cotton Field Jacket with Corduroy Collar")
    for index, size in enumerate(("XS", "S", "M", "L", "XL", "XXL")):
        variant = VariantFactory(product=product, size=size, sku=f"NW00042-BRN-{size}")
        for store in stores:
            StockFactory(variant=variant, location=store, on_hand=100 + index)
    page = _merchandiser_at_1280(live_server, browser)
    page.goto(f"{live_server.url}/admin/inventory/stock/")
    screenshot(page, "stock-list-1280")
    assert page.locator("#result_list tbody tr").count() == 12
    widths = page.evaluate(
        """() => [document.documentElement, document.querySelector('#changelist .results')]
            .map(el => [el.scrollWidth, el.clientWidth])"""
    )
    for scroll, client in widths:
        assert scroll <= client, widths
    assert page.locator("#changelist-filter").is_visible()
    assert page.get_by_role("link", name="Adjust").first.is_visible()
