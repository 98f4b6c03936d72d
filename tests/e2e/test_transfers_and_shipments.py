"""Stores fulfil what the web sells, in a real browser and through screens only:

- a shopper on a phone orders two items for pickup at Springfield, which lacks one of
  them; Peoria's associate ships it at 1024×768; Springfield's associate receives it by
  typing the packing slip's code; the pickup shows "All items here", is marked ready, the
  shopper's order page says so and the email went out; it is collected with the order code.
- a delivery sourced to the Chicago store is picked, packed and shipped with a tracking
  number; the shopper's order page links to the carrier's tracking page.

With E2E_SCREENSHOTS set, every screen is captured at 1024×768, 768×1024 and 390×844."""

from __future__ import annotations

import os
import re
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from inventory import services as inventory
from inventory.models import Stock, Transfer
from orders import services
from orders.models import Fulfilment, Order
from stores.services import location_distances_rebuild
from tests import factories as f
from tests.e2e.conftest import PHONE, TABLET
from tests.orders.helpers import at_town

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PORTRAIT = {"width": 768, "height": 1024}


@pytest.fixture
def shots(screenshot):
    folder = os.environ.get("E2E_SCREENSHOTS")

    def take(page, name: str) -> None:
        if not folder:
            return
        size = page.viewport_size
        for label, viewport in (("tablet", TABLET), ("portrait", PORTRAIT), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            screenshot(page, f"{name}-{label}")
        page.set_viewport_size(size)

    return take


@pytest.fixture
def world(db):
    spr = at_town(f.LocationFactory, "springfield", code="SPR", offers_pickup=True)
    peo = at_town(f.LocationFactory, "peoria", code="PEO", offers_pickup=True)
    chi = at_town(f.LocationFactory, "chicago", code="CHI", ships_online_orders=True)
    location_distances_rebuild()
    category = f.CategoryFactory(name="Tops", slug="tops")
    shirt_product = f.ProductFactory(name="Linen Shirt", slug="linen-shirt", category=category)
    sweater_product = f.ProductFactory(name="Wool Sweater", slug="wool-sweater", category=category)
    shirt = f.VariantFactory(product=shirt_product, size="M", colour="Navy", sku="SHIRT-NAVY-M")
    sweater = f.VariantFactory(product=sweater_product, size="L", colour="Grey", sku="SWTR-GREY-L")
    for variant, price in ((shirt, "49.00"), (sweater, "89.00")):
        f.PriceFactory(variant=variant, amount=Decimal(price))
    inventory.stock_receive(variant_id=shirt.pk, location_id=spr.pk, quantity=3)
    inventory.stock_receive(variant_id=shirt.pk, location_id=chi.pk, quantity=3)
    # The sweater is only at Peoria: a pickup at Springfield needs a transfer.
    inventory.stock_receive(variant_id=sweater.pk, location_id=peo.pk, quantity=2)
    inventory.availability_recompute_all()
    user = f.UserFactory(username="olivia", email="olivia@example.com", first_name="Olivia")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    customer = f.CustomerFactory(user=user, first_name="Olivia", email=user.email, home_store=spr)
    return {
        "spr": spr,
        "peo": peo,
        "chi": chi,
        "shirt": shirt,
        "sweater": sweater,
        "user": user,
        "customer": customer,
        "luis": f.AssociateFactory(home_location=spr, display_name="Luis"),
        "pia": f.AssociateFactory(home_location=peo, display_name="Pia"),
        "carl": f.AssociateFactory(home_location=chi, display_name="Carl"),
    }


def page_for(browser, live_server, user, viewport):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context.new_page()


def add_to_cart(page, url, slug):
    page.goto(f"{url}/p/{slug}/")
    page.check("input[name=variant] >> nth=0")
    page.click("button.add-button")
    page.wait_for_selector("#messages:has-text('Added')")


def test_pickup_waiting_for_a_transfer_through_screens(live_server, browser, world, shots):
    url = live_server.url
    # 1. The shopper, on a phone, orders both for pickup at Springfield.
    shopper = page_for(browser, live_server, world["user"], PHONE)
    add_to_cart(shopper, url, "linen-shirt")
    add_to_cart(shopper, url, "wool-sweater")
    shopper.goto(f"{url}/checkout/")
    shopper.check("input[name=fulfilment][value=pickup]")
    springfield = shopper.locator(f"input[name=store][value='{world['spr'].pk}']")
    springfield.check()
    assert (
        "sent from another store"
        in shopper.locator("ul.pickup-stores li", has_text="Springfield").inner_text()
    )
    shopper.fill("#id_card_number", "4242 4242 4242 4242")
    shopper.fill("#id_card_name", "Ana Shopper")
    shopper.fill("#id_card_expiry", "12/40")
    shopper.fill("#id_card_cvc", "123")
    shots(shopper, "checkout")
    shopper.click("button.place-order")
    shopper.wait_for_url(re.compile(r"/checkout/done/"))
    order = Order.objects.get()
    transfer = Transfer.objects.get(reference_id=str(order.pk))
    assert (transfer.source_id, transfer.destination_id) == (world["peo"].pk, world["spr"].pk)

    # 2. Peoria's associate ships it, at 1024×768.
    pia = page_for(browser, live_server, world["pia"].user, TABLET)
    pia.goto(f"{url}/backoffice/transfers/")
    row = pia.locator(f"#transfer-row-{transfer.pk}")
    assert f"For pickup of order {order.number}" in row.inner_text()
    shots(pia, "transfers-outgoing")
    row.get_by_role("link", name="Pick and ship").click()
    pia.wait_for_selector("h2:has-text('Ship')")
    shots(pia, "transfer-ship")
    pia.goto(f"{url}/backoffice/transfers/{transfer.pk}/slip/")
    assert pia.locator(".tr-slip-number").inner_text() == transfer.number
    assert pia.locator("img[src^='data:image/svg+xml']").evaluate("i => i.naturalWidth > 0")
    shots(pia, "transfer-slip")
    pia.goto(f"{url}/backoffice/transfers/{transfer.pk}/")
    pia.locator("#ship").get_by_role("button", name="Ship").click()
    pia.wait_for_selector("text=shipped: 1 units to Springfield")
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.SHIPPED

    # 3. Springfield's associate types the slip's code and receives it.
    luis = page_for(browser, live_server, world["luis"].user, TABLET)
    luis.goto(f"{url}/backoffice/transfers/?tab=incoming")
    shots(luis, "transfers-incoming")
    luis.fill("#transfer-code", transfer.number.lower())
    luis.get_by_role("button", name="Open").click()
    luis.wait_for_selector("#receive")
    shots(luis, "transfer-receive")
    luis.locator("#receive").get_by_role("button", name="Receive").click()
    luis.wait_for_selector(f"text=Transfer {transfer.number} received.")
    assert Stock.objects.get(variant=world["sweater"], location=world["spr"]).on_hand == 1

    # 4. The pickup is "All items here", on top of the queue; Luis marks it ready.
    luis.goto(f"{url}/backoffice/pickups/")
    pickup = order.fulfilments.get()
    pickup_row = luis.locator(f"#pickup-row-{pickup.pk}")
    assert "All items here" in pickup_row.inner_text()
    assert luis.locator("article.ops-row").first.get_attribute("id") == f"pickup-row-{pickup.pk}"
    shots(luis, "pickups-all-here")
    pickup_row.get_by_role("button", name="Ready for pickup").click()
    luis.wait_for_selector(f"#pickup-row-{pickup.pk} .badge.ok:has-text('Ready for pickup')")
    assert any("ready" in m.subject.lower() and order.number in m.subject for m in mail.outbox)

    # 5. The shopper's order page says so, step by step.
    shopper.goto(f"{url}/account/orders/{order.number}/")
    steps = shopper.locator("ol.progress").inner_text()
    assert "Sent from Peoria" in steps and "All items here" in steps
    assert shopper.locator("ol.progress li[aria-current=step]").inner_text() == "Ready"
    shots(shopper, "account-order-ready")

    # 6. Collected with the order code.
    luis.goto(f"{url}/backoffice/pickups/?tab=ready")
    luis.fill(f"#code-{pickup.pk}", order.number)
    luis.locator(f"#pickup-row-{pickup.pk}").get_by_role("button", name="Collect").click()
    luis.wait_for_selector(f"#pickup-row-{pickup.pk} :text('Collected')")
    pickup.refresh_from_db()
    assert pickup.status == Fulfilment.Status.COLLECTED


def test_delivery_sourced_to_a_store_is_shipped_with_tracking(live_server, browser, world, shots):
    url = live_server.url
    order = services.order_place(
        services.OrderRequest(
            lines=[(world["shirt"].pk, 1)],
            fulfilment=services.ShipTo(
                {"name": "Olivia", "line1": "1 Lake St", "city": "Chicago", "postcode": "60601"}
            ),
            payment=services.PaymentChoice.card("4242 4242 4242 4242"),
            customer=world["customer"],
        )
    ).order
    parcel = order.fulfilments.get()
    assert parcel.location_id == world["chi"].pk

    carl = page_for(browser, live_server, world["carl"].user, TABLET)
    carl.goto(f"{url}/backoffice/shipments/")
    row = carl.locator(f"#shipment-row-{parcel.pk}")
    assert "SHIRT-NAVY-M" in row.inner_text()
    shots(carl, "shipments-to-pick")
    row.get_by_role("button", name="Start picking").click()
    carl.goto(f"{url}/backoffice/shipments/?tab=picking")
    carl.locator(f"#shipment-row-{parcel.pk}").get_by_role("button", name="Packed").click()
    carl.goto(f"{url}/backoffice/shipments/?tab=packed")
    row = carl.locator(f"#shipment-row-{parcel.pk}")
    shots(carl, "shipments-packed")
    row.locator("select[name=carrier]").select_option("ups")
    row.locator("input[name=tracking_number]").fill("1Z999AA10123456784")
    row.get_by_role("button", name="Ship").click()
    carl.wait_for_selector("text=shipped; the shopper has the tracking link by email")
    carl.goto(f"{url}/backoffice/shipments/{parcel.pk}/")
    shots(carl, "shipment-detail")

    shopper = page_for(browser, live_server, world["user"], PHONE)
    shopper.goto(f"{url}/account/orders/{order.number}/")
    link = shopper.get_by_role("link", name="Track parcel 1Z999AA10123456784")
    assert link.get_attribute("href") == "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    assert shopper.locator("ol.progress li[aria-current=step]").inner_text() == "Shipped"
    shots(shopper, "account-order-shipped")
