"""An associate on a tablet finds a customer and adds an item with a note to their list;
the shopper then sees it online with the associate's name. Screens are also shot at
1024x768 and 768x1024 when E2E_SCREENSHOTS is set."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from customers import services
from customers.selectors import store_today
from tests import factories as f
from tests.e2e.conftest import TABLET

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PORTRAIT = {"width": 768, "height": 1024}
PASSWORD = "pass-word-123"


def log_in(page, base, email, next_url):
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"**{next_url}")


def shoot_both(page, screenshot, name):
    for label, size in (("landscape", TABLET), ("portrait", PORTRAIT)):
        page.set_viewport_size(size)
        screenshot(page, f"{name}-{label}")
    page.set_viewport_size(TABLET)


@pytest.fixture
def shop():
    store = f.LocationFactory(name="Springfield", code="SPR")
    peoria = f.LocationFactory(name="Peoria", code="PEO")
    warehouse = f.WarehouseFactory(name="Central DC", code="DC1")
    f.LocationDistanceFactory(origin=store, destination=peoria, distance_km=Decimal("110"))
    f.LocationDistanceFactory(origin=store, destination=warehouse, distance_km=Decimal("290"))
    maya_user = f.UserFactory(username="maya", email="maya@example.com", first_name="Maya")
    maya = f.AssociateFactory(user=maya_user, home_location=store, display_name="Maya")
    ana_user = f.UserFactory(username="ana", email="ana@example.com")
    ana = f.CustomerFactory(
        user=ana_user, first_name="Ana", last_name="Lima", email="ana@example.com"
    )
    f.ConsentFactory(customer=ana, channel="email", state="one_to_one")
    f.SizePreferenceFactory(customer=ana, size_group="tops", size="M")
    f.LoyaltyEntryFactory(customer=ana, points=340)
    wishlist = services.list_create(customer=ana, name="Autumn wishlist")
    blazer = f.ProductFactory(name="Linen blazer", category__size_group="tops")
    blazer_m = f.VariantFactory(product=blazer, size="M", sku="BLZ-M", colour="Sand")
    f.VariantFactory(product=blazer, size="L", sku="BLZ-L", colour="Sand")
    f.StockFactory(variant=blazer_m, location=store, on_hand=2)
    f.StockFactory(variant=blazer_m, location=warehouse, on_hand=30)
    shirt = f.VariantFactory(product__name="Oxford shirt", size="M", sku="OXF-M", colour="Blue")
    for variant in (blazer_m, shirt):
        f.PriceFactory(variant=variant, amount=Decimal("89.00"))
    f.StockFactory(variant=shirt, location=store, on_hand=4)
    f.StockFactory(variant=shirt, location=peoria, on_hand=6)
    services.list_add_item(shopping_list=wishlist, product=shirt.product, variant=shirt)
    order = f.OrderFactory(customer=ana, number="W900100", channel="web")
    f.OrderLineFactory(order=order, variant=shirt, product_name="Oxford shirt")
    services.note_add(customer=ana, associate=maya, body="Prefers slim fits", pinned=True)
    services.task_create(
        customer=ana,
        location=store,
        reason="Call when the blazer in M is back",
        due_on=store_today(location=store),
        created_by=maya,
        assigned_to=maya,
    )
    for n in range(20):
        services.interaction_record(
            customer=ana,
            kind="store_visit",
            channel="store",
            summary=f"Visited Springfield ({n})",
            location=store,
            occurred_at=timezone.now() - dt.timedelta(days=n + 1),
        )
    james = f.CustomerFactory(first_name="James", last_name="Park")
    sent = services.list_create(customer=james, name="Wedding outfit")
    services.list_add_item(shopping_list=sent, product=shirt.product, variant=shirt, quantity=2)
    services.list_add_item(shopping_list=sent, product=blazer, variant=blazer_m, quantity=3)
    services.list_send_to_store(
        shopping_list=sent, location=store, visit_date=timezone.localdate() + dt.timedelta(days=2)
    )
    return {"store": store, "ana": ana, "wishlist": wishlist, "maya": maya}


def test_associate_adds_to_a_customers_list_and_the_shopper_sees_it(
    live_server, browser, screenshot, shop
):
    base = live_server.url
    page = browser.new_page(viewport=TABLET)
    log_in(page, base, "maya@example.com", "/backoffice/customers/")

    # Find the customer with the live search.
    page.fill("#customer-q", "lima")
    page.wait_for_selector("#search-results a.bo-result")
    shoot_both(page, screenshot, "search")
    page.click("#search-results a.bo-result")
    page.wait_for_selector("h1:has-text('Ana Lima')")
    assert page.locator("#here-now").inner_text().count("Oxford shirt") == 1
    shoot_both(page, screenshot, "customer-360")

    # Older timeline entries append in place.
    before = page.locator(".bo-timeline li.bo-entry").count()
    page.click("#timeline-more a")
    page.wait_for_function(
        f"document.querySelectorAll('.bo-timeline li.bo-entry').length > {before}"
    )

    # Open the list and add the blazer with a note, on Ana's behalf.
    page.click("#lists a:has-text('Autumn wishlist')")
    page.wait_for_selector("#add-sku")
    # Typing before the deferred scripts ran would send no live search (htmx not bound yet).
    page.wait_for_load_state("load")
    page.fill("#finder-q", "linen")
    page.wait_for_selector("#finder [data-fill-sku='BLZ-M']")
    page.click("#finder [data-fill-sku='BLZ-M']")
    assert page.input_value("#add-sku") == "BLZ-M"
    page.fill("#add-note", "Runs small, I'd take the M")
    page.click("#list-body button[type=submit]")
    page.wait_for_selector("#list-body :text('Linen blazer')")
    assert "Added by Maya" in page.locator("#list-body").inner_text()
    assert "Added Linen blazer M" in page.locator("#messages").inner_text()
    shoot_both(page, screenshot, "customer-list")

    # The other screens an associate uses on the floor.
    page.goto(f"{base}/backoffice/lists/")
    page.wait_for_selector(".bo-queue-card")
    shoot_both(page, screenshot, "lists-queue")
    page.click(".bo-queue-card button:has-text('Hold for the visit')")
    page.wait_for_selector("#messages .message.error")
    assert "Not enough in stock" in page.locator("#messages").inner_text()
    shoot_both(page, screenshot, "lists-queue-short")
    page.goto(f"{base}/backoffice/tasks/")
    shoot_both(page, screenshot, "tasks")
    page.click(".bo-task button:has-text('Done')")
    page.wait_for_selector(".bo-task.is-closed")
    page.goto(f"{base}/backoffice/stock/")
    page.fill("#stock-q", "BLZ-M")
    page.wait_for_selector("#stock-results .bo-stock-variant")
    shoot_both(page, screenshot, "stock")
    page.context.clear_cookies()

    # The shopper sees it in their account, with the associate's name and note.
    shopper = browser.new_page(viewport={"width": 390, "height": 844})
    list_url = f"/account/lists/{shop['wishlist'].pk}/"
    log_in(shopper, base, "ana@example.com", list_url)
    text = shopper.locator("main").inner_text()
    assert "Linen blazer" in text and "Maya" in text and "Runs small" in text
    screenshot(shopper, "shopper-list")
