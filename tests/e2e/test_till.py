"""The till in a real browser at 1024×768: a whole sale (scan two barcodes + Enter,
attach a customer, apply a code, pay part by gift card and the rest in cash, print the
receipt), the order in the customer's online account, a return by scanning the receipt
code, the shift closed and its Z report read; and the offline till (two cash sales while
the browser is offline, both posted once, in order, with their idempotency keys, when it
is back online)."""

from __future__ import annotations

import os
import time
from decimal import Decimal

import pytest
from django.test import Client

from giftcards.models import GiftCard
from giftcards.services import gift_card_issue
from inventory import services as inventory
from orders.models import Order
from returns.models import Return
from stores.models import Associate
from tests import factories as f
from tests.e2e.conftest import TABLET
from tests.promotions import helpers as promotions
from till import services as till
from till.models import Shift, TillSale

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PORTRAIT = {"width": 768, "height": 1024}


@pytest.fixture
def shots(screenshot):
    folder = os.environ.get("E2E_SCREENSHOTS")

    def take(page, name: str) -> None:
        screenshot(page, f"{name}-landscape")
        if folder:
            page.set_viewport_size(PORTRAIT)
            screenshot(page, f"{name}-portrait")
            page.set_viewport_size(TABLET)

    return take


@pytest.fixture
def shop(db):
    store = f.LocationFactory(name="Springfield Downtown", code="SPR01", region="IL")
    manager = f.AssociateFactory(
        home_location=store, display_name="Maya", role=Associate.Role.MANAGER
    )
    register = till.register_create(location=store, code="T1", name="Till 1")
    items = []
    for name, price, barcode in (
        ("Merino Crewneck", "80.00", "0400000000017"),
        ("Linen Scarf", "20.00", "0400000000024"),
    ):
        variant = f.VariantFactory(product=f.ProductFactory(name=name), barcode=barcode, size="M")
        f.PriceFactory(variant=variant, amount=Decimal(price))
        inventory.stock_receive(variant_id=variant.pk, location_id=store.pk, quantity=5)
        items.append(variant)
    next_visit = promotions.promotion(
        name="10% next visit", trigger="code", benefit="percent_off", value=10
    )
    promotions.code_for(next_visit, "NEXT10")
    card = gift_card_issue(
        amount=Decimal("30.00"),
        source=GiftCard.Source.ISSUED,
        reason="Goodwill",
        check_bounds=False,
    )
    return {
        "store": store,
        "manager": manager,
        "register": register,
        "items": items,
        "gift_card": card.code,
    }


def logged_in(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=TABLET)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context, context.new_page()


def scan(page, code: str, expect: str) -> None:
    field = page.locator("#till-scan")
    field.fill(code)
    field.press("Enter")
    page.wait_for_selector(expect)


def return_by_receipt(page, order, line, refund_method: str) -> None:
    """On the till: scan ``order``'s receipt code, which opens the returns desk, and take
    one unit of ``line`` back (too small, grade A, restocked) by ``refund_method``."""
    field = page.locator("#till-scan")
    field.fill(order.number)
    field.press("Enter")
    page.wait_for_selector("h1:has-text('Return from order')")
    page.fill(f"#qty-{line.pk}", "1")
    page.select_option(f"#reason-{line.pk}", "too_small")
    page.select_option(f"#disposition-{line.pk}", "restock")
    page.check(f"input[name='condition-{line.pk}'][value='A']")
    page.check(f"input[name='refund_method'][value='{refund_method}']")
    page.get_by_role("button", name="Take the return").click()


def test_a_trading_day_at_the_till(live_server, browser, shop, shots):
    shopper_user = f.UserFactory(username="olivia", email="olivia@example.com")
    customer = f.CustomerFactory(
        user=shopper_user, email="olivia@example.com", first_name="Olivia", last_name="Park"
    )
    f.CustomerIdentityFactory(customer=customer, kind="email", value="olivia@example.com")
    crew, scarf = shop["items"]
    context, page = logged_in(browser, live_server, shop["manager"].user)
    page.goto(f"{live_server.url}/backoffice/")
    page.get_by_role("link", name="Till", exact=True).click()
    page.wait_for_load_state("load")
    page.fill("#till-float", "100.00")
    page.get_by_role("button", name="Open shift").click()
    page.wait_for_load_state("load")

    scan(page, crew.barcode, ".till-line >> text=Merino Crewneck")
    started = time.perf_counter()
    scan(page, scarf.barcode, ".till-line >> text=Linen Scarf")
    # The bench figure the issue asks for: Enter after a scan to the updated basket.
    print(f"[till] Enter to updated basket: {(time.perf_counter() - started) * 1000:.0f} ms")
    scan(page, "999999", "text=No item has the code 999999")
    page.fill("#till-cq", "olivia@example.com")
    page.locator(".till-customer-find").get_by_role("button", name="Find").click()
    page.locator("#till-customers").get_by_role("button", name="Attach").click()
    page.wait_for_selector(".till-attached >> text=Olivia Park")
    # $100.00 of goods + 6.25% Illinois sales tax.
    assert "$106.25" in page.locator("#till-due").inner_text()
    # A code typed at the till: 10% off, priced by the one pricing function.
    page.fill("#till-code", "next10")
    page.locator(".till-code").get_by_role("button", name="Apply").click()
    page.wait_for_selector(".till-offers >> text=10% next visit")
    # $90.00 after the code + 6.25% tax.
    assert "$95.63" in page.locator("#till-due").inner_text()
    shots(page, "sell")

    # Part by the gift card the customer holds, the rest in cash.
    page.fill("input[name=gift_card_code]", shop["gift_card"])
    page.fill("input[name=gift_card_amount]", "30.00")
    page.fill("#till-cash", "70.00")
    page.get_by_role("button", name="Complete sale").click()
    page.wait_for_selector("text=Sale complete.")
    order = Order.objects.get()
    assert order.channel == "store" and order.customer == customer
    assert order.total == Decimal("95.63") and order.discount_total == Decimal("10.00")
    paid = {p.provider: p.amount for p in order.payments.all()}
    assert paid == {"gift_card": Decimal("30.00"), "cash": Decimal("65.63")}
    assert "Change due: $4.37" in page.content()
    shots(page, "receipt")
    page.emulate_media(media="print")
    assert not page.locator(".backoffice-header").is_visible()
    assert not page.get_by_role("button", name="Print receipt").is_visible()
    assert page.locator(".till-receipt img").is_visible()
    shots(page, "receipt-print")
    page.emulate_media(media="screen")

    # The shopper sees it in their online account.
    shopper_context, shopper = logged_in(browser, live_server, shopper_user)
    shopper.goto(f"{live_server.url}/account/")
    assert order.number in shopper.content()
    shopper_context.close()

    # A return: the receipt's code scanned at the till opens the returns desk.
    page.get_by_role("link", name="Next sale").click()
    page.wait_for_load_state("load")
    return_by_receipt(page, order, order.lines.get(variant=scarf), "original")
    page.wait_for_selector("h1:has-text('Return receipt')")
    # What the scarf really cost: $20.00 less its 10% ($18.00) + 6.25% tax.
    assert Return.objects.get().refund_total == Decimal("19.13")

    # Close the shift: the cash refund of the scarf came out of the drawer.
    page.goto(f"{live_server.url}/backoffice/till/{shop['register'].pk}/shift/")
    expected = page.locator("#report-expected").inner_text()
    shots(page, "shift")
    shift = Shift.objects.get()
    report = till.shift_report(shift=shift)
    assert report.by_tender == {"cash": Decimal("65.63"), "gift_card": Decimal("30.00")}
    assert report.refunds_total == Decimal("19.13")
    assert "$" in expected
    page.fill("#sh-counted", str(report.expected_cash))
    page.get_by_role("button", name="Close shift").click()
    page.wait_for_selector("h2:has-text('Z report')")
    shots(page, "z-report")
    assert "$0.00" in page.locator("#report-variance").inner_text()
    shift.refresh_from_db()
    assert shift.status == "closed" and shift.variance == Decimal("0.00")
    context.close()


def test_offline_cash_sales_are_posted_once_in_order(live_server, browser, shop, shots):
    crew, scarf = shop["items"]
    register = shop["register"]
    till.shift_open(register=register, associate=shop["manager"], opening_float="50")
    context, page = logged_in(browser, live_server, shop["manager"].user)
    page.goto(f"{live_server.url}/backoffice/till/{register.pk}/")
    page.wait_for_load_state("load")
    # The catalogue is cached while online.
    page.wait_for_function(f"localStorage.getItem('till-catalogue-{register.pk}') !== null")

    context.set_offline(True)
    page.wait_for_selector("#till-offline:not([hidden])")
    scan(page, crew.barcode, ".till-line >> text=Merino Crewneck")
    page.fill("#till-offline-cash", "100")
    page.get_by_role("button", name="Complete cash sale").click()
    page.wait_for_selector("text=Sale saved")
    scan(page, scarf.barcode, ".till-line >> text=Linen Scarf")
    page.fill("#till-offline-cash", "25")
    page.get_by_role("button", name="Complete cash sale").click()
    page.wait_for_selector("#till-waiting:has-text('2')")
    shots(page, "offline")
    keys = page.evaluate(
        f"JSON.parse(localStorage.getItem('till-queue-{register.pk}')).map(s => s.key)"
    )
    assert len(keys) == 2 and not Order.objects.exists()

    context.set_offline(False)
    page.wait_for_function(
        f"JSON.parse(localStorage.getItem('till-queue-{register.pk}') || '[]').length === 0"
    )
    page.wait_for_load_state("load")
    sales = list(TillSale.objects.order_by("pk"))
    assert [s.idempotency_key for s in sales] == keys
    assert all(s.offline and s.order_id for s in sales)
    assert [s.order.lines.get().variant_id for s in sales] == [crew.pk, scarf.pk]
    assert Order.objects.count() == 2
    assert [s.change_due for s in sales] == [Decimal("15.00"), Decimal("3.75")]
    context.close()


def test_the_till_on_a_phone_in_persian(live_server, browser, shop, screenshot):
    """Right to left, 390 px wide: nothing runs off the screen."""
    from tests.e2e.conftest import PHONE

    crew = shop["items"][0]
    manager = shop["manager"]
    manager.language = "fa"
    manager.save(update_fields=["language"])
    till.shift_open(register=shop["register"], associate=manager, opening_float="50")
    client = Client()
    client.force_login(manager.user)
    context = browser.new_context(viewport=PHONE)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/backoffice/till/{shop['register'].pk}/")
    page.wait_for_load_state("load")
    scan(page, crew.barcode, ".till-line")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "phone-fa")
    page.goto(f"{live_server.url}/backoffice/till/{shop['register'].pk}/shift/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "phone-fa-shift")
    context.close()


def test_the_till_page_opens_offline_from_the_service_worker(live_server, browser, shop):
    register = shop["register"]
    till.shift_open(register=register, associate=shop["manager"], opening_float="50")
    context, page = logged_in(browser, live_server, shop["manager"].user)
    url = f"{live_server.url}/backoffice/till/{register.pk}/"
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.ready")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now controlled by the worker: this copy is cached
    page.wait_for_load_state("load")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_function(f"localStorage.getItem('till-catalogue-{register.pk}') !== null")
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#till-offline:not([hidden])")
    scan(page, shop["items"][1].barcode, ".till-line >> text=Linen Scarf")
    context.close()
