"""Store associates on a tablet (1024×768), in a real browser: a return of a web order
at the returns desk that the shopper then sees in their online account, a pickup taken
from placed to collected, and an endless-aisle order. Every screen is also captured in
portrait (768×1024) when E2E_SCREENSHOTS is set."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from customers.models import Channel
from customers.selectors import store_credit_balance
from inventory import services as inventory
from orders import services
from orders.models import Fulfilment, Order
from returns.models import Return
from returns.selectors import returns_for_customer
from stores.services import location_distances_rebuild
from tests import factories as f
from tests.e2e.conftest import TABLET

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PORTRAIT = {"width": 768, "height": 1024}
CARD = "4242 4242 4242 4242"
ADDRESS = {"name": "Olivia", "line1": "1 Elm St", "city": "Springfield", "postcode": "62701"}


@pytest.fixture
def shots(screenshot):
    """Landscape (as the test runs) and portrait captures of the page."""
    folder = os.environ.get("E2E_SCREENSHOTS")

    def take(page, name: str) -> None:
        screenshot(page, f"{name}-landscape")
        if folder:
            page.set_viewport_size(PORTRAIT)
            screenshot(page, f"{name}-portrait")
            page.set_viewport_size(TABLET)

    return take


@pytest.fixture
def world(db):
    store = f.LocationFactory(name="Springfield Downtown", code="SPR01")
    other = f.LocationFactory(
        name="Peoria Mall", code="PEO01", latitude=Decimal("40.69"), longitude=Decimal("-89.59")
    )
    warehouse = f.WarehouseFactory(name="Central Warehouse", code="WH01")
    location_distances_rebuild()
    associate = f.AssociateFactory(
        home_location=store, display_name="Luis", locations=[other], user__username="luis"
    )
    product = f.ProductFactory(name="Merino Crewneck")
    sizes = []
    for position, size in enumerate(("S", "M", "L")):
        variant = f.VariantFactory(product=product, size=size, colour="Navy", position=position)
        f.PriceFactory(variant=variant, amount=Decimal("80.00"))
        inventory.stock_receive(variant_id=variant.pk, location_id=warehouse.pk, quantity=10)
        inventory.stock_receive(variant_id=variant.pk, location_id=store.pk, quantity=3)
        sizes.append(variant)
    return {
        "store": store,
        "other": other,
        "warehouse": warehouse,
        "associate": associate,
        "sizes": sizes,
    }


def logged_in_page(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=TABLET)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context.new_page()


def test_return_of_a_web_order_with_store_credit_shows_in_the_account(
    live_server, browser, world, shots
):
    shopper_user = f.UserFactory(username="olivia", email="olivia@example.com")
    customer = f.CustomerFactory(
        user=shopper_user, email="olivia@example.com", first_name="Olivia", last_name="Park"
    )
    f.CustomerIdentityFactory(customer=customer, kind="email", value="olivia@example.com")
    medium = world["sizes"][1]
    order = services.order_place(
        services.OrderRequest(
            lines=[(medium.pk, 1)],
            fulfilment=services.ShipTo(ADDRESS),
            payment=services.PaymentChoice.card(CARD),
            customer=customer,
            channel=Channel.WEB,
        )
    ).order
    parcel = order.fulfilments.get()
    services.fulfilment_start_picking(fulfilment=parcel)
    services.fulfilment_ship(fulfilment=parcel, tracking_number="1Z")
    services.fulfilment_deliver(fulfilment=parcel)
    on_hand_before = medium.stock.get(location=world["store"]).on_hand

    page = logged_in_page(browser, live_server, world["associate"].user)
    page.goto(f"{live_server.url}/backoffice/")
    shots(page, "today")
    page.get_by_role("link", name="Returns", exact=True).first.click()
    page.fill("#return-q", "olivia@example.com")
    page.get_by_role("button", name="Find").click()
    page.wait_for_selector(f"text={order.number}")
    shots(page, "returns-search")
    page.get_by_role("link", name=order.number).click()
    page.wait_for_selector("h1:has-text('Return from order')")
    line = order.lines.get()
    page.fill(f"#qty-{line.pk}", "1")
    page.select_option(f"#reason-{line.pk}", "too_small")
    page.select_option(f"#disposition-{line.pk}", "restock")
    page.check(f"input[name='condition-{line.pk}'][value='A']")
    page.check("input[name='refund_method'][value='store_credit']")
    shots(page, "return-form")
    page.get_by_role("button", name="Take the return").click()
    page.wait_for_selector("h1:has-text('Return receipt')")
    shots(page, "return-receipt")
    page.emulate_media(media="print")  # the printed receipt has no navigation or buttons
    assert not page.locator(".backoffice-header").is_visible()
    assert not page.get_by_role("button", name="Print receipt").is_visible()
    assert page.locator(".ops-receipt").is_visible()
    shots(page, "return-receipt-print")
    page.emulate_media(media="screen")

    done = Return.objects.get()
    assert page.locator("h1").inner_text() == f"Return receipt {done.number}"
    assert done.status == Return.Status.REFUNDED and done.location == world["store"]
    assert medium.stock.get(location=world["store"]).on_hand == on_hand_before + 1
    # The $80.00 shirt with the 6.25% Illinois sales tax it was charged: $85.00 back.
    assert store_credit_balance(customer=customer) == Decimal("85.00")
    assert list(returns_for_customer(customer=customer)) == [done]

    # The shopper's own account (the storefront's) shows the return.
    shopper = logged_in_page(browser, live_server, shopper_user)
    response = shopper.goto(f"{live_server.url}/account/")
    assert response.status == 200
    assert done.number in shopper.content()


def test_pickup_from_placed_to_collected(live_server, browser, world, shots):
    store = world["store"]
    small = world["sizes"][0]
    order = services.order_place(
        services.OrderRequest(
            lines=[(small.pk, 1)],
            fulfilment=services.PickupAt(store_id=store.pk),
            payment=services.PaymentChoice.pay_in_store(),
            contact=services.Contact(email="james@example.com", first_name="James"),
        )
    ).order
    pickup = order.fulfilments.get()
    page = logged_in_page(browser, live_server, world["associate"].user)
    page.goto(f"{live_server.url}/backoffice/pickups/")
    row = page.locator(f"#pickup-row-{pickup.pk}")
    shots(page, "pickups-placed")
    row.get_by_role("button", name="Start picking").click()
    page.wait_for_selector(f"#pickup-row-{pickup.pk} >> text=Picking order")
    row.get_by_role("button", name="Ready for pickup").click()
    page.wait_for_selector(f"#pickup-row-{pickup.pk} >> text=the shopper has been told")
    assert Fulfilment.objects.get(pk=pickup.pk).status == Fulfilment.Status.READY

    page.goto(f"{live_server.url}/backoffice/pickups/?tab=ready")
    row = page.locator(f"#pickup-row-{pickup.pk}")
    row.locator("input[name=code]").fill("W0000000")
    row.get_by_role("button", name="Collect").click()
    page.wait_for_selector(f"#pickup-row-{pickup.pk} >> text=does not match this order")
    shots(page, "pickups-wrong-code")
    assert Fulfilment.objects.get(pk=pickup.pk).status == Fulfilment.Status.READY

    row.locator("input[name=code]").fill(order.number.lower())
    row.get_by_role("button", name="Collect").click()
    page.wait_for_selector(f"#pickup-row-{pickup.pk} >> text=collected.")
    assert Fulfilment.objects.get(pk=pickup.pk).status == Fulfilment.Status.COLLECTED
    page.goto(f"{live_server.url}/backoffice/pickups/{pickup.pk}/")
    shots(page, "pickup-detail")


def test_endless_aisle_order_for_pickup_elsewhere(live_server, browser, world, shots):
    large = world["sizes"][2]
    page = logged_in_page(browser, live_server, world["associate"].user)
    page.goto(f"{live_server.url}/backoffice/aisle/?q=merino")
    page.wait_for_selector(".ops-result")
    page.locator(f"#aq-{large.pk}").fill("2")
    page.locator(".ops-result", has_text=large.sku).get_by_role("button", name="Add").click()
    page.wait_for_selector("text=Subtotal $160.00")
    page.fill("#id_email", "walkin@example.com")
    page.fill("#id_first_name", "Wanda")
    page.check("input[name=fulfilment][value=pickup]")
    page.select_option("#id_pickup_store", str(world["other"].pk))
    page.check("input[name=payment][value=pay_at_pickup]")
    shots(page, "aisle")
    page.get_by_role("button", name="Place order").click()
    page.wait_for_selector("h1:has-text('placed')")
    shots(page, "aisle-done")
    order = Order.objects.get(email="walkin@example.com")
    assert order.number in page.locator("h1").inner_text()
    assert order.channel == Channel.STORE and order.associate == world["associate"]
    assert order.fulfilments.get().location == world["other"]
    # The pickup store's queue now has it, arriving by transfer.
    # The switcher submits itself when the select changes (bo-client's backoffice.js), once
    # the deferred script has bound it.
    page.wait_for_load_state("load")
    with page.expect_navigation():
        page.locator("#bo-location").select_option(str(world["other"].pk))
    page.goto(f"{live_server.url}/backoffice/pickups/")
    assert order.number in page.content()
    shots(page, "pickups-other-store")
    if os.environ.get("E2E_SCREENSHOTS"):
        assert Path(os.environ["E2E_SCREENSHOTS"]).exists()
