"""The two journeys of the languages issue in a real browser:

- a shopper in Persian on a phone (390×844): store finder, product, cart, checkout,
  confirmation — right to left, mirrored, nothing wider than the screen, no English UI
  string left;
- an associate whose language is Thai on a tablet (1024×768): the returns desk and the
  customer's 360, in Thai, nothing wider than the screen, no English UI string left.

Every selector names a class, a name or a URL, never an English label: the pages are not
in English. Set E2E_SCREENSHOTS=<dir> to keep the screens (they were looked at).
"""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from orders.models import Order
from stores.models import Associate
from tests import factories as f
from tests.e2e.conftest import PHONE, TABLET
from tests.returns.conftest import LineSpec, _order_with, places  # noqa: F401
from tests.shop_data import add_product, make_shop, refresh
from tests.test_i18n_no_english import english_left

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"


def assert_fits(page, where: str) -> None:
    """Nothing is wider than the viewport (no sideways scrolling on a phone or tablet)."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"{where}: {overflow}px wider than the screen"


def assert_spoken_in(page, language: str, direction: str, where: str) -> None:
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == (language, direction)
    with translation.override(language):
        left, _attrs = english_left(page.content(), language)
    assert left == [], f"{where}: English left {left}"
    assert_fits(page, where)


def test_a_shopper_buys_in_persian_on_a_phone(live_server, browser, screenshot):
    shop = make_shop()
    add_product(shop, "Oxford Shirt", price="59.00", colours=("Navy",), stock={"springfield": 4})
    refresh(shop)
    # The merchandiser wrote the category's name in Persian.
    shop.category.name_fa = "بالاپوش"
    shop.category.save()
    page = browser.new_page(viewport=PHONE, locale="fa-IR")
    url = live_server.url

    # Accept-Language fa: the unprefixed home sends the shopper to /fa/.
    page.goto(f"{url}/")
    page.wait_for_url(re.compile(r"/fa/$"))
    assert_spoken_in(page, "fa", "rtl", "home")
    # Mirrored: the header starts at the right edge.
    brand = page.locator("header a").first.bounding_box()
    assert brand["x"] > PHONE["width"] / 2, brand
    screenshot(page, "home")

    page.locator(f"a.chip[href*='/c/{shop.category.slug}/']").first.click()
    page.wait_for_url(re.compile(rf"/fa/c/{shop.category.slug}/"))
    assert_spoken_in(page, "fa", "rtl", "category")
    screenshot(page, "listing")

    with translation.override("fa"):
        product_url = reverse("catalog:product", args=[shop.product.slug])
    page.locator(f".product-card a[href='{product_url}']").first.click()
    page.wait_for_url(re.compile(re.escape(product_url)))
    page.click("a.my-store")
    page.wait_for_url(re.compile(r"/fa/stores/"))
    # The postcode typed with Persian digits finds the same stores.
    page.fill("#postcode", "۶۲۷۰۱")
    page.locator("form.store-search button[type=submit]").click()
    page.wait_for_url(re.compile(r"postcode="))
    assert_spoken_in(page, "fa", "rtl", "stores")
    screenshot(page, "stores")
    store = shop.stores["springfield"]
    page.locator(f"form:has(input[name=location][value='{store.pk}']) button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(product_url)))
    assert "Springfield" in page.locator(".my-store").inner_text()
    assert_spoken_in(page, "fa", "rtl", "product")

    page.check("input[name=variant] >> nth=0")
    screenshot(page, "product")
    page.click("button.add-button")
    page.wait_for_function("document.querySelector('.minicart-count').textContent.trim() !== '0'")
    with translation.override("fa"):
        page.goto(f"{url}{reverse('orders:cart')}")
    assert page.locator(".cart-line").count() == 1
    assert_spoken_in(page, "fa", "rtl", "cart")
    screenshot(page, "cart")

    with translation.override("fa"):
        page.goto(f"{url}{reverse('orders:checkout')}")
    page.check("input[name=fulfilment][value=pickup]")
    page.fill("#id_email", "sara@example.com")
    page.fill("#id_first_name", "سارا")
    page.fill("#id_last_name", "احمدی")
    # Card number and expiry in Persian digits: the same card.
    page.fill("#id_card_number", "۴۲۴۲ ۴۲۴۲ ۴۲۴۲ ۴۲۴۲")
    page.fill("#id_card_name", "Sara Ahmadi")
    page.fill("#id_card_expiry", "۱۲/۴۰")
    page.fill("#id_card_cvc", "۱۲۳")
    assert_spoken_in(page, "fa", "rtl", "checkout")
    screenshot(page, "checkout")
    page.click("button.place-order")
    page.wait_for_url(re.compile(r"/fa/checkout/done/"))

    order = Order.objects.get()
    assert order.customer.language == "fa"
    assert order.number in page.locator(".order-number").inner_text()
    # The order number stays left to right inside the Persian sentence: it is isolated in
    # a <bdi>, whose direction the browser takes from the number itself.
    number = page.locator(".order-number bdi")
    assert number.count() == 1
    assert number.evaluate("el => el.matches(':dir(ltr)')")
    assert_spoken_in(page, "fa", "rtl", "confirmation")
    screenshot(page, "confirmation")


def test_an_associate_works_the_returns_desk_and_the_360_in_thai(
    live_server,
    browser,
    screenshot,
    places,  # noqa: F811
):
    user = f.UserFactory(email="nok@example.com")
    f.AssociateFactory(
        user=user, home_location=places.springfield, role=Associate.Role.MANAGER, language="th"
    )
    customer = f.CustomerFactory(
        first_name="Somchai", last_name="Jaidee", email="somchai@example.com", language="th"
    )
    order = _order_with(places=places, customer=customer, lines=[LineSpec(), LineSpec()])

    page = browser.new_page(viewport=TABLET, locale="th-TH")
    base = live_server.url
    page.goto(f"{base}/accounts/login/?next=/backoffice/returns/")
    page.fill("input[name=login]", "nok@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(r"/backoffice/returns/"))
    assert_spoken_in(page, "th", "ltr", "returns desk")
    screenshot(page, "returns-desk")

    page.fill("input[name=q]", "somchai@example.com")
    page.press("input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"q=somchai"))
    assert order.number in page.content()
    assert_spoken_in(page, "th", "ltr", "returns desk found")
    screenshot(page, "returns-desk-found")

    page.goto(f"{base}{reverse('backoffice:return-form', args=[order.number])}")
    assert page.locator("input[type=checkbox], input[type=number]").count() >= 2
    assert_spoken_in(page, "th", "ltr", "return form")
    screenshot(page, "return-form")

    page.goto(f"{base}{reverse('backoffice:customer-detail', args=[customer.pk])}")
    assert "Somchai" in page.content()
    assert_spoken_in(page, "th", "ltr", "customer 360")
    screenshot(page, "customer-360")
