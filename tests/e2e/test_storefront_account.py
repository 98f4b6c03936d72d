"""A member on a phone (390×844): logs in, saves a product to a list from its page, sends
the list to their store; starts a return online and sees the return code. Screenshots of
every account page go to E2E_SCREENSHOTS when it is set."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import expect

from customers import services
from customers.models import List
from orders.models import Fulfilment
from returns.models import Return
from tests import factories as f
from tests.e2e.conftest import PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(db):
    store = f.LocationFactory(name="Springfield", code="SPR", city="Springfield")
    warehouse = f.WarehouseFactory(name="Indianapolis DC", code="IND")
    user = f.UserFactory(username="olivia", email="olivia@example.com", first_name="Olivia")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    customer = f.CustomerFactory(user=user, first_name="Olivia", email=user.email, home_store=store)
    category = f.CategoryFactory(name="Coats", slug="coats")
    product = f.ProductFactory(name="Wool Overcoat", slug="wool-overcoat", category=category)
    for size in ("S", "M", "L"):
        variant = f.VariantFactory(product=product, size=size, colour="Camel")
        f.PriceFactory(variant=variant, amount=Decimal("189.00"))
        f.StockFactory(variant=variant, location=store, on_hand=4)
    return {
        "store": store,
        "warehouse": warehouse,
        "user": user,
        "customer": customer,
        "product": product,
    }


def _log_in(page, live_server, screenshot=None, next_url="/account/"):
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    if screenshot:
        screenshot(page, "login")
    page.fill("#id_login", "olivia@example.com")
    page.fill("#id_password", "pass-word-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(re.escape(next_url) + "$"))


def test_member_saves_a_product_and_sends_the_list_to_the_store(
    live_server, browser, screenshot, world
):
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{live_server.url}/accounts/signup/")
    screenshot(page, "signup")
    _log_in(page, live_server, screenshot)
    expect(page.get_by_role("heading", name="Hello, Olivia")).to_be_visible()
    screenshot(page, "account-home")

    page.goto(f"{live_server.url}/p/wool-overcoat/")
    page.get_by_role("button", name=re.compile("Add to list")).click()
    page.wait_for_url(re.compile(r"/p/wool-overcoat/"))
    expect(page.locator(".messages")).to_contain_text("Saved Wool Overcoat")

    page.goto(f"{live_server.url}/account/lists/")
    screenshot(page, "lists")
    page.get_by_role("link", name=re.compile("My wishlist")).click()
    expect(page.locator(".list-item")).to_contain_text("Wool Overcoat")
    expect(page.locator(".list-item")).to_contain_text("at Springfield")
    screenshot(page, "list-detail")

    page.select_option("#id_location", label="Springfield")
    visit = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    page.fill("#id_visit_date", visit)
    page.get_by_role("button", name="Send to the store").click()
    expect(page.locator(".messages")).to_contain_text("Sent to Springfield")
    expect(page.locator(".store-status")).to_contain_text("Sent")
    screenshot(page, "list-sent")
    wishlist = List.objects.get(customer=world["customer"])
    assert wishlist.store_status == List.StoreStatus.NEW
    assert wishlist.sent_to_location == world["store"]

    page.get_by_role("button", name="Share by link").click()
    link = page.locator("#share-link").input_value()
    assert "/lists/" in link
    public = browser.new_page(viewport=PHONE)
    public.goto(link)
    expect(public.get_by_role("heading", name="My wishlist")).to_be_visible()
    expect(public.locator(".list-item")).to_contain_text("Wool Overcoat")
    screenshot(public, "shared-list")


def test_member_starts_a_return_online_and_sees_the_code(live_server, browser, screenshot, world):
    customer, store = world["customer"], world["store"]
    variant = world["product"].variants.get(size="M")
    order = f.OrderFactory(
        customer=customer,
        number="W0004242",
        location=store,
        subtotal=Decimal("378.00"),
        total=Decimal("378.00"),
        placed_at=timezone.now() - dt.timedelta(days=5),
    )
    line = f.OrderLineFactory(order=order, variant=variant, quantity=2, unit_price=Decimal("189"))
    fulfilment = f.FulfilmentFactory(
        order=order,
        kind=Fulfilment.Kind.PICKUP,
        location=store,
        status=Fulfilment.Status.COLLECTED,
        collected_at=timezone.now() - dt.timedelta(days=2),
    )
    f.FulfilmentLineFactory(fulfilment=fulfilment, order_line=line, quantity_collected=2)
    f.PaymentFactory(order=order)
    services.loyalty_add(customer=customer, points=378, reason="purchase")

    page = browser.new_page(viewport=PHONE)
    _log_in(page, live_server)
    page.get_by_role("link", name="Orders", exact=True).click()
    expect(page.locator(".order-card")).to_contain_text("W0004242")
    screenshot(page, "orders")
    page.get_by_role("link", name="Order W0004242").click()
    expect(page.locator(".order-code img")).to_be_visible()
    screenshot(page, "order-detail")

    page.get_by_role("link", name="Start a return").click()
    page.select_option(f"#qty_{line.pk}", "1")
    page.select_option(f"#reason_{line.pk}", "too_small")
    page.select_option("#location", label="Springfield")
    screenshot(page, "return-start")
    page.get_by_role("button", name="Start the return").click()

    created = Return.objects.get(order=order)
    expect(page.locator(".return-number")).to_have_text(created.number)
    expect(page.locator(".order-code img")).to_be_visible()
    screenshot(page, "return-detail")
    assert created.status == Return.Status.REQUESTED and created.location == store
    assert created.lines.get().quantity == 1

    page.goto(f"{live_server.url}/account/profile/")
    page.get_by_label("News and offers").first.check()
    screenshot(page, "profile")
    page.get_by_role("button", name="Save contact choices").click()
    expect(page.locator(".messages")).to_contain_text("Saved.")
    assert customer.consents.get(channel="email").state == "marketing"
