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
