"""The till in a real browser at 1024×768 in a Thai shop: a sale paid by a PromptPay QR
code on the screen; its receipt scanned at the till opens the returns desk; the return
taken as an exchange at the till comes back to the till as the first tender of the new
sale; what the cheaper new item does not use is printed on the receipt with the card's
code. Screenshots in English, Thai and (right to left) Persian."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory import services as inventory
from omni.markets import build_market
from orders.models import Order
from returns.models import Return
from stores.models import Associate
from tests import factories as f
from tests.e2e.test_till import (  # noqa: F401 (shots: a fixture)
    logged_in,
    return_by_receipt,
    scan,
    shots,
)
from till import services as till

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def thai_shop(db, settings):
    settings.OMNI_MARKET_CONFIG = build_market("TH", {"default_language": "en"})
    settings.OMNI_CURRENCY = "THB"
    settings.OMNI_QR_MERCHANT_ID = "0812345678"
    store = f.LocationFactory(name="Siam Square", code="BKK01", region="Bangkok")
    manager = f.AssociateFactory(
        home_location=store, display_name="Nok", role=Associate.Role.MANAGER, language="en"
    )
    register = till.register_create(location=store, code="T1", name="Till 1")
    till.shift_open(register=register, associate=manager, opening_float="1000")
    items = []
    for name, price, barcode in (
        ("Merino Crewneck", "1990.00", "0400000000017"),
        ("Linen Scarf", "590.00", "0400000000024"),
    ):
        variant = f.VariantFactory(product=f.ProductFactory(name=name), barcode=barcode, size="M")
        f.PriceFactory(variant=variant, amount=Decimal(price), currency="THB")
        inventory.stock_receive(variant_id=variant.pk, location_id=store.pk, quantity=5)
        items.append(variant)
    return {"store": store, "manager": manager, "register": register, "items": items}


def _language(manager, page, code: str) -> None:
    manager.language = code
    manager.save(update_fields=["language"])
    page.reload()
    page.wait_for_load_state("load")


def test_a_qr_sale_then_an_exchange_at_the_till(live_server, browser, thai_shop, shots):  # noqa: F811
    crew, scarf = thai_shop["items"]
    manager, register = thai_shop["manager"], thai_shop["register"]
    context, page = logged_in(browser, live_server, manager.user)
    page.goto(f"{live_server.url}/backoffice/till/{register.pk}/")
    page.wait_for_load_state("load")
    scan(page, crew.barcode, ".till-line >> text=Merino Crewneck")

    # The whole sale by QR: the code for the amount, then "received" once the bank app
    # on the counter shows the money.
    page.get_by_role("button", name="Show QR code").click()
    page.wait_for_selector(".till-qr-code svg")
    shots(page, "qr")
    _language(manager, page, "th")
    assert page.locator(".till-qr-code svg").is_visible()
    shots(page, "qr-th")
    _language(manager, page, "en")
    page.locator("button[name=qr_received]").click()
    page.wait_for_selector("text=Sale complete.")
    sale = Order.objects.get()
    assert [(p.provider, p.amount) for p in sale.payments.all()] == [("qr_test", sale.total)]
    assert "QR payment" in page.locator(".till-receipt").inner_text()

    # The receipt scanned at the till opens the desk; the return becomes an exchange.
    page.get_by_role("link", name="Next sale").click()
    page.wait_for_load_state("load")
    return_by_receipt(page, sale, sale.lines.get(), "till_exchange")
    page.wait_for_selector(".till-exchange")
    returned = Return.objects.get()
    assert returned.refund_total == sale.total
    assert returned.number in page.locator(".till-exchange").inner_text()

    scan(page, scarf.barcode, ".till-line >> text=Linen Scarf")
    shots(page, "exchange")
    _language(manager, page, "fa")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.locator(".till-exchange").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shots(page, "exchange-fa")
    _language(manager, page, "en")

    # The scarf costs less than the crewneck: nothing more to pay, the rest stays on the
    # card, its code printed once on the receipt.
    page.get_by_role("button", name="Complete sale").last.click()
    page.wait_for_selector("text=Sale complete.")
    new = Order.objects.order_by("-pk").first()
    assert [(p.provider, p.amount) for p in new.payments.all()] == [("gift_card", new.total)]
    left = page.locator(".till-exchange-left").inner_text()
    assert "Exchange credit left" in left and "1,400.00" in left
    shots(page, "exchange-receipt")
    context.close()
