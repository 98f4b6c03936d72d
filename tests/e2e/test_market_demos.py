"""The local demo retailers in a real browser, as a shopper and an associate there see them:

- the Thai demo (``seed_demo --market th``) on a phone (390×844): home, a store near a
  Thai place name, a product, the cart and the checkout — in Thai, prices in baht with
  the VAT they include, the market's payment methods (PromptPay first);
- the Iranian demo (``seed_demo --market ir``) on a tablet (1024×768): an associate's
  customer 360 and an order's pickup — right to left, Solar Hijri dates in Persian digits,
  amounts in toman as the market is configured.

Selectors name classes, names and URLs, never an English label. E2E_SCREENSHOTS=<dir>
keeps the screens (they were looked at).
"""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from catalog.models import Product
from customers.models import Customer
from demo.config import DEMO_PASSWORD
from omni.markets import build_market
from orders.models import Fulfilment
from stores.models import Associate
from tests.e2e.conftest import PHONE, TABLET
from tests.e2e.test_languages import assert_fits

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

THAI = re.compile(r"[\u0e00-\u0e7f]")
PERSIAN_DIGIT = re.compile(r"[۰-۹]")
SOLAR_HIJRI_MONTHS = (
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
)  # fmt: skip


def seed_market(settings, tmp_path, code: str) -> None:
    """The install set to the market (as OMNI_MARKET=<code> sets it), then its demo."""
    market = build_market(code)
    settings.OMNI_MARKET = market.code
    settings.OMNI_MARKET_CONFIG = market
    settings.OMNI_CURRENCY = market.currency
    settings.OMNI_SHIPPING_FLAT = str(market.shipping_flat)
    settings.OMNI_FREE_SHIPPING_OVER = str(market.free_shipping_over)
    settings.OMNI_TAX_RATE = str(market.standard_tax_rate)
    settings.TIME_ZONE = market.time_zone
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # The demo's shared password is for DEBUG installs only (seed_demo refuses otherwise).
    settings.DEBUG = True
    call_command("seed_demo", "--market", code.lower(), stdout=io.StringIO(), stderr=io.StringIO())
    settings.DEBUG = False


def html_lang_dir(page) -> tuple[str, str]:
    html = page.locator("html")
    return html.get_attribute("lang"), html.get_attribute("dir")


def test_the_thai_demo_storefront_on_a_phone(live_server, browser, screenshot, settings, tmp_path):
    seed_market(settings, tmp_path, "TH")
    page = browser.new_page(viewport=PHONE, locale="th-TH")
    url = live_server.url

    # A Thai shop's home is in Thai (the market's language) at /th/.
    page.goto(f"{url}/")
    page.wait_for_url(re.compile(r"/th/$"))
    assert html_lang_dir(page) == ("th", "ltr")
    assert THAI.search(page.locator("main").inner_text())
    assert "฿" in page.content()
    assert_fits(page, "home")
    screenshot(page, "home")

    # The store finder knows Thai place names.
    with translation.override("th"):
        page.goto(f"{url}{reverse('stores:list')}")
    page.fill("#postcode", "เชียงใหม่")
    page.locator("form.store-search button[type=submit]").click()
    page.wait_for_url(re.compile(r"postcode="))
    first_store = page.locator(".store-card").first.inner_text()
    assert THAI.search(first_store)
    assert_fits(page, "stores")
    screenshot(page, "stores")

    # A product of the Thai catalogue, in Thai, in baht.
    product = (
        Product.objects.filter(is_active=True, variants__prices__isnull=False)
        .exclude(name_th="")
        .distinct()
        .first()
    )
    with translation.override("th"):
        product_url = reverse("catalog:product", args=[product.slug])
    page.goto(f"{url}{product_url}")
    assert product.name_th in page.locator("h1").inner_text()
    assert "฿" in page.locator("main").inner_text()
    assert_fits(page, "product")
    page.check("input[name=variant]:not([disabled]) >> nth=0")
    screenshot(page, "product")
    page.click("button.add-button")
    page.wait_for_function("document.querySelector('.minicart-count').textContent.trim() !== '0'")

    with translation.override("th"):
        page.goto(f"{url}{reverse('orders:cart')}")
    assert page.locator(".cart-line").count() == 1
    assert "฿" in page.locator("main").inner_text()
    assert_fits(page, "cart")
    screenshot(page, "cart")

    with translation.override("th"):
        page.goto(f"{url}{reverse('orders:checkout')}")
    assert html_lang_dir(page) == ("th", "ltr")
    # The market's payment methods, PromptPay's QR first.
    methods = page.locator("input[name=payment]").evaluate_all("els => els.map(e => e.value)")
    assert methods[0] == "qr", methods
    # A Thai address: province, district, subdistrict (the form is the country's).
    assert page.locator("input[name=country]").first.input_value() == "TH"
    assert_fits(page, "checkout")
    screenshot(page, "checkout")


def test_the_iranian_demo_back_office_on_a_tablet(
    live_server, browser, screenshot, settings, tmp_path
):
    seed_market(settings, tmp_path, "IR")
    assert settings.OMNI_MARKET_CONFIG.currency_display == "toman"
    associate = Associate.objects.select_related("user", "home_location").order_by("pk").first()
    assert associate.language == "fa"
    page = browser.new_page(viewport=TABLET, locale="fa-IR")
    url = live_server.url
    page.goto(f"{url}/accounts/login/?next=/backoffice/")
    page.fill("input[name=login]", associate.user.email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(r"/backoffice/$"))
    assert html_lang_dir(page) == ("fa", "rtl")
    assert_fits(page, "today")
    screenshot(page, "today")

    # A customer with orders: the 360 reads right to left, dated in Solar Hijri.
    customer = Customer.objects.filter(orders__isnull=False).order_by("pk").first()
    page.goto(f"{url}{reverse('backoffice:customer-detail', args=[customer.pk])}")
    assert html_lang_dir(page) == ("fa", "rtl")
    body = page.locator("main").inner_text()
    assert any(month in body for month in SOLAR_HIJRI_MONTHS), body[:400]
    assert PERSIAN_DIGIT.search(body)
    assert "تومان" in body  # the orders' totals, in toman
    # The timeline's amounts too, written in the reader's language (stored as parameters).
    assert "Toman" not in body
    assert_fits(page, "customer 360")
    screenshot(page, "customer-360")

    # A pickup at one of the associate's stores.
    pickup = (
        Fulfilment.objects.filter(kind="pickup", location__in=associate.locations.all())
        .order_by("pk")
        .first()
    ) or Fulfilment.objects.filter(kind="pickup").order_by("pk").first()
    if pickup is not None:
        page.goto(f"{url}{reverse('backoffice:pickup-queue')}")
        assert html_lang_dir(page) == ("fa", "rtl")
        assert_fits(page, "pickups")
        screenshot(page, "pickups")
