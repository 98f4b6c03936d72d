"""The numbers in a real browser: a store manager of the demo retailer opens the
dashboard on a tablet (1024×768) and sees the store's weeks across channels as charts with
the numbers beside them, in English and in Persian (right to left, Persian digits); on a
phone (390×844) nothing spills sideways. E2E_SCREENSHOTS=<dir> keeps the screens (they
were looked at)."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from stores.models import Associate
from tests.e2e.conftest import PHONE, TABLET
from tests.e2e.test_languages import assert_fits

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PERSIAN_DIGIT = re.compile(r"[۰-۹]")


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.DEBUG = True  # the demo's shared password is for DEBUG installs only
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    settings.DEBUG = False
    return Associate.objects.filter(role=Associate.Role.MANAGER).order_by("pk").first()


def _page(browser, live_server, user, viewport):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context.new_page()


def test_a_manager_sees_the_store_in_pictures_on_a_tablet(live_server, browser, demo, screenshot):
    page = _page(browser, live_server, demo.user, TABLET)
    page.goto(f"{live_server.url}/backoffice/")
    page.click("a[href='/backoffice/numbers/']")
    page.wait_for_load_state("load")
    page.click("button[name=period][value='90']")
    page.wait_for_load_state("load")
    assert "period=90" in page.url
    charts = page.locator(".nb-chart svg.pygal-chart")
    assert charts.count() >= 6
    assert page.locator(".nb-chart svg").first.bounding_box()["width"] > 800
    # Every chart has its numbers beside it, and a CSV of them.
    assert page.locator(".nb-section table").count() >= 8
    with page.expect_download() as download:
        page.locator("#nb-sales_by_day a[download]").click()
    assert download.value.suggested_filename.startswith("numbers-sales_by_day-")
    assert_fits(page, "numbers, tablet")
    screenshot(page, "numbers-tablet")
    page.set_viewport_size(PHONE)
    assert_fits(page, "numbers, phone")
    screenshot(page, "numbers-phone")


def test_the_dashboard_in_persian_right_to_left(live_server, browser, demo, screenshot):
    demo.language = "fa"
    demo.save(update_fields=["language"])
    page = _page(browser, live_server, demo.user, TABLET)
    page.goto(f"{live_server.url}/backoffice/numbers/?period=30")
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("fa", "rtl")
    assert PERSIAN_DIGIT.search(page.locator(".nb-tiles").inner_text())
    assert PERSIAN_DIGIT.search(page.locator(".nb-chart").first.inner_html())
    assert_fits(page, "numbers, fa")
    screenshot(page, "numbers-fa")
