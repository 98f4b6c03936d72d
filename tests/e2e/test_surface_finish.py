"""What a newcomer saw in the first hour, in a real browser: controls that must stay
hidden where they cannot work (headless Chromium has no BarcodeDetector, so "Scan" and
"Camera" must not show; "Switch" hides once JavaScript runs), the pickup queue's tab
counts following each step without a reload, a back-office chip row that scrolls rather
than being cut off, and the desktop storefront header on the content column's edges."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import Product
from inventory import services as inventory
from orders import services
from stores.services import location_distances_rebuild
from tests import factories as f
from tests.e2e.conftest import PHONE, TABLET
from tests.shop_data import make_shop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PORTRAIT = {"width": 768, "height": 1024}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def world(db):
    store = f.LocationFactory(name="Springfield Downtown", code="SPR01")
    other = f.LocationFactory(
        name="Peoria Mall", code="PEO01", latitude=Decimal("40.69"), longitude=Decimal("-89.59")
    )
    location_distances_rebuild()
    associate = f.AssociateFactory(home_location=store, display_name="Luis", locations=[other])
    variant = f.VariantFactory(product=f.ProductFactory(name="Merino Crewneck"), size="M")
    f.PriceFactory(variant=variant, amount=Decimal("80.00"))
    inventory.stock_receive(variant_id=variant.pk, location_id=store.pk, quantity=9)
    return {"store": store, "associate": associate, "variant": variant}


def _signed_in(browser, live_server, user, viewport):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context.new_page()


def test_camera_controls_stay_hidden_without_a_camera_api(live_server, browser, world, screenshot):
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{live_server.url}/")
    assert page.evaluate("'BarcodeDetector' in window") is False
    scan = page.locator("[data-scan]")
    assert scan.count() == 1 and not scan.is_visible()
    assert page.get_by_role("button", name="Search").is_visible()
    screenshot(page, "storefront-header")

    bo = _signed_in(browser, live_server, world["associate"].user, TABLET)
    for path in ("/backoffice/stock/", "/backoffice/customers/"):
        bo.goto(f"{live_server.url}{path}")
        camera = bo.locator("[data-camera-scan]")
        assert camera.count() == 1 and not camera.is_visible(), path
    # Two stores: the switcher submits on change, its button is for no-JavaScript only.
    assert bo.locator("#bo-location").is_visible()
    assert bo.locator("[data-autosubmit-button]").count() == 1
    assert not bo.get_by_role("button", name="Switch", exact=True).is_visible()
    screenshot(bo, "backoffice-header")


def test_pickup_tab_counts_follow_each_step(live_server, browser, world, screenshot):
    store, variant = world["store"], world["variant"]
    pickups = []
    for email in ("ann@example.com", "ben@example.com"):
        order = services.order_place(
            services.OrderRequest(
                lines=[(variant.pk, 1)],
                fulfilment=services.PickupAt(store_id=store.pk),
                payment=services.PaymentChoice.pay_in_store(),
                contact=services.Contact(email=email, first_name="Ann"),
            )
        ).order
        pickups.append((order, order.fulfilments.get()))
    page = _signed_in(browser, live_server, world["associate"].user, TABLET)
    page.goto(f"{live_server.url}/backoffice/pickups/")

    def counts():
        return {
            key: page.locator(f"#pickup-count-{key}").inner_text()
            for key in ("placed", "picking", "ready", "collected")
        }

    assert counts() == {"placed": "2", "picking": "0", "ready": "0", "collected": "0"}
    order, pickup = pickups[0]
    row = page.locator(f"#pickup-row-{pickup.pk}")
    row.get_by_role("button", name="Start picking").click()
    page.wait_for_selector(f"#pickup-row-{pickup.pk} >> text=Picking order")
    assert counts() == {"placed": "1", "picking": "1", "ready": "0", "collected": "0"}
    row.get_by_role("button", name="Ready for pickup").click()
    page.wait_for_selector(f"#pickup-row-{pickup.pk} >> text=the shopper has been told")
    assert counts() == {"placed": "1", "picking": "0", "ready": "1", "collected": "0"}
    row.locator("input[name=code]").fill("W0000000")
    row.get_by_role("button", name="Collect").click()
    page.wait_for_selector(f"#pickup-row-{pickup.pk} >> text=does not match this order")
    assert page.get_by_text("does not match this order").count() == 1
    row.locator("input[name=code]").fill(order.number)
    row.get_by_role("button", name="Collect").click()
    page.wait_for_selector(f"#pickup-row-{pickup.pk} >> text=collected.")
    assert counts() == {"placed": "1", "picking": "0", "ready": "0", "collected": "1"}
    screenshot(page, "pickups-after-collect")


@pytest.mark.parametrize("viewport", [PORTRAIT, PHONE], ids=["portrait", "phone"])
def test_backoffice_chip_row_scrolls_instead_of_cutting_off(
    live_server, browser, world, viewport, screenshot
):
    """The back-office's row of chips (the customer page's "On this page" jumps) is wider
    than a phone: it scrolls inside itself, its last chip can be brought fully into view,
    and the page never scrolls sideways."""
    customer = f.CustomerFactory(first_name="Nia", last_name="Okafor")
    page = _signed_in(browser, live_server, world["associate"].user, viewport)
    page.goto(f"{live_server.url}/backoffice/customers/{customer.pk}/")
    row = page.locator("nav.bo-jump")
    assert row.count() == 1 and row.is_visible()
    sizes = row.evaluate(
        "el => ({scroll: el.scrollWidth, client: el.clientWidth,"
        " overflow: getComputedStyle(el).overflowX})"
    )
    if viewport == PHONE:
        assert sizes["scroll"] > sizes["client"], sizes  # the case under test: it overflows
    if sizes["scroll"] > sizes["client"]:
        assert sizes["overflow"] in ("auto", "scroll"), sizes
    last = row.locator("a").last
    last.scroll_into_view_if_needed()
    edges = page.evaluate(
        """([row, chip]) => {
            const r = row.getBoundingClientRect(), c = chip.getBoundingClientRect();
            return {rowStart: r.left, rowEnd: r.right, start: c.left, end: c.right,
                    width: c.width, inner: window.innerWidth};
        }""",
        [row.element_handle(), last.element_handle()],
    )
    assert edges["width"] > 0, edges
    # Wholly inside the row's box (not clipped by it) and on the screen.
    assert edges["start"] >= edges["rowStart"] - 1 and edges["end"] <= edges["rowEnd"] + 1, edges
    assert edges["start"] >= 0 and edges["end"] <= edges["inner"], edges
    assert last.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "customer-chips")


def test_desktop_header_lines_up_with_the_content_column(live_server, browser, screenshot):
    make_shop()
    product = Product.objects.get(name="Linen Shirt")
    page = browser.new_page(viewport=DESKTOP)
    for path in ("/", reverse("catalog:product", args=[product.slug])):
        page.goto(f"{live_server.url}{path}")
        assert page.locator("h1").count() and "404" not in page.title(), path
        edges = page.evaluate(
            """() => {
                const box = (el) => {
                    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
                    const px = (name) => parseFloat(s[name]);
                    return {start: r.left + px("paddingLeft") + px("borderLeftWidth"),
                            end: r.right - px("paddingRight") - px("borderRightWidth")};
                };
                return {header: box(document.querySelector(".storefront-header")),
                        main: box(document.querySelector("main#main")),
                        footer: box(document.querySelector(".site-footer .container")),
                        inner: window.innerWidth};
            }"""
        )
        header, main = edges["header"], edges["main"]
        # The column is narrower than the window here, so this is about alignment.
        assert main["end"] - main["start"] < edges["inner"] - 40, (path, edges)
        assert abs(header["start"] - main["start"]) <= 1, (path, edges)
        assert abs(header["end"] - main["end"]) <= 1, (path, edges)
        # The footer's links start and end on the same column.
        assert abs(edges["footer"]["start"] - main["start"]) <= 1, (path, edges)
        assert abs(edges["footer"]["end"] - main["end"]) <= 1, (path, edges)
        # And what is in the header sits on those edges: the brand at the start, search at the end.
        brand = page.locator(".storefront-header .brand").bounding_box()
        search = page.locator(".storefront-header .header-search").bounding_box()
        assert abs(brand["x"] - main["start"]) <= 1, (path, brand, main)
        assert abs(search["x"] + search["width"] - main["end"]) <= 1, (path, search, main)
        screenshot(page, "product" if product.slug in path else "home")
