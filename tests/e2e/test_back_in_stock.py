"""A shopper on a phone (390×844) asks to be told when a size is back at her store; a
stock count arrives through the API; exactly one alert email goes out, and its link
opens the product with the size and the store chosen. The form in Persian (RTL) too."""

import os
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from campaigns.models import BackInStockRequest
from omni.api.services import api_key_create
from omni.models import ApiScope
from tests.api.conftest import Caller
from tests.e2e.conftest import PHONE
from tests.shop_data import make_shop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _choose_springfield(page, url):
    page.goto(f"{url}/stores/?postcode=62701&next=/p/wool-sweater-1/")
    page.click("button:has-text('Make Springfield my store')")
    page.wait_for_url(re.compile(r"/p/wool-sweater-1/"))
    page.wait_for_load_state("load")


def test_a_shopper_asks_on_a_phone_and_one_alert_follows_an_api_count(
    live_server, browser, screenshot
):
    shop = make_shop()
    sweater = shop.variant(shop.products[1], size="M")
    page = browser.new_page(viewport=PHONE)
    url = live_server.url
    _choose_springfield(page, url)
    assert "Springfield" in page.locator(".my-store").inner_text()

    page.click("#stock-alert summary")
    page.select_option("#alert-size", str(sweater.pk))
    assert page.locator("input[name=where][value=store]").is_checked()
    page.fill("#alert-contact", "shopper@example.com")
    screenshot(page, "form")
    if os.environ.get("E2E_SCREENSHOTS"):
        page.locator("#stock-alert").screenshot(
            path=os.path.join(os.environ["E2E_SCREENSHOTS"], "back-in-stock-form-only.png")
        )
    page.click("#stock-alert button[type=submit]")
    page.wait_for_load_state("load")
    assert "We will let you know once when M is at Springfield." in page.inner_text("#messages")
    screenshot(page, "asked")
    assert BackInStockRequest.objects.get().email == "shopper@example.com"

    # The WMS counts the store's shelf through the API; the refresh runs after commit.
    _key, raw = api_key_create(name="WMS", scopes=list(ApiScope.values), location_codes=[])
    api = Caller()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = {"location": "SPR", "rows": [{"sku": sweater.sku, "counted": 3}]}
    assert api.post("/api/v1/stock/counts/", body).status_code == 200
    [alert] = [m for m in mail.outbox if m.to == ["shopper@example.com"]]
    assert alert.subject == "Wool Sweater in M is back at Springfield"
    # A recount does not send a second one.
    body["rows"][0]["counted"] = 5
    assert api.post("/api/v1/stock/counts/", body).status_code == 200
    assert len([m for m in mail.outbox if m.to == ["shopper@example.com"]]) == 1

    # The link, on another phone: Springfield chosen, size M picked and in stock.
    link = re.search(r"https?://\S+/back-in-stock/\S+/", alert.body).group(0)
    other = browser.new_page(viewport=PHONE)
    other.goto(f"{url}{urlsplit(link).path}")
    other.wait_for_url(re.compile(rf"/p/wool-sweater-1/\?variant={sweater.pk}"))
    assert "Springfield" in other.locator(".my-store").inner_text()
    assert other.locator(f"input[type=radio][name=variant][value='{sweater.pk}']").is_checked()
    assert other.locator("text=5 at Springfield — pick up today").count() == 1
    screenshot(other, "opened")


def test_the_form_in_persian_reads_right_to_left(live_server, browser, screenshot):
    make_shop()
    page = browser.new_page(viewport=PHONE)
    url = live_server.url
    _choose_springfield(page, url)
    page.goto(f"{url}/fa/p/wool-sweater-1/")
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.click("#stock-alert summary")
    assert page.locator("#alert-contact").is_visible()
    screenshot(page, "fa-form")
