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
    # HTMX swaps the form for the answer in place (without JavaScript: a redirect back).
    answer = page.locator("#stock-alert[role=status]")
    answer.wait_for()
    assert "We will let you know once when M is at Springfield." in answer.inner_text()
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


def _page_for(browser, live_server, user, viewport):
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context.new_page()


def test_the_store_sees_the_demand_on_a_tablet_and_a_phone(live_server, browser, screenshot):
    from campaigns.services import back_in_stock_request
    from stores.models import Associate
    from tests import factories as f
    from tests.e2e.conftest import TABLET

    shop = make_shop()
    spr = shop.stores["springfield"]
    sweater = shop.products[1]
    for n, size in enumerate(("S", "M", "M", "L", "M")):
        back_in_stock_request(
            variant=shop.variant(sweater, size=size), location=spr, email=f"s{n}@example.com"
        )
    associate = f.AssociateFactory(home_location=spr)
    for language in ("en", "fa"):
        Associate.objects.filter(pk=associate.pk).update(language=language)
        for name, viewport in (("tablet", TABLET), ("phone", PHONE)):
            page = _page_for(browser, live_server, associate.user, viewport)
            page.goto(f"{live_server.url}/backoffice/demand/")
            rows = page.locator(".demand-row")
            assert rows.count() == 3
            if language == "en":
                assert "3 shoppers waiting" in rows.first.inner_text()
            else:
                assert page.locator("html").get_attribute("dir") == "rtl"
            screenshot(page, f"demand-{language}-{name}")
            page.context.close()


def test_the_merchandiser_previews_a_segment_and_composes_a_campaign(
    live_server, browser, screenshot
):
    from campaigns.models import Campaign, CampaignVersion, Segment
    from tests import factories as f
    from tests.e2e.conftest import TABLET

    admin = f.SuperUserFactory(username="merch")
    segment = Segment.objects.create(name="Thai speakers", rules={"languages": ["th"]})
    campaign = Campaign.objects.create(name="Songkran", segment=segment)
    CampaignVersion.objects.create(
        campaign=campaign, language="en", subject="Songkran sale", body="Water-proof picks."
    )
    page = _page_for(browser, live_server, admin, TABLET)
    page.goto(f"{live_server.url}/admin/campaigns/segment/{segment.pk}/change/")
    assert "0 customers" in page.locator(".field-preview").inner_text()
    screenshot(page, "admin-segment")
    f.CustomerFactory(language="fa")
    page.check("input[name=languages][value=fa]")
    page.click("input[name=_preview]")
    page.wait_for_selector("#segment-preview")
    assert "1 customer;" in page.inner_text("#segment-preview")
    screenshot(page, "admin-segment-preview")
    page.goto(f"{live_server.url}/admin/campaigns/campaign/{campaign.pk}/change/")
    assert page.locator("input[name=_send]").is_visible()
    screenshot(page, "admin-campaign")
