"""The post-purchase thank-you: a few days after an order in any channel, once, with what
goes with it and whether the shopper's store has it; never during an open return."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from customers import services as customer_services
from customers.models import Channel, ConsentState, ContactChannel
from inventory.services import availability_refresh_variant
from omni.models import EmailLog
from orders import services
from returns.models import Return
from tests import factories as f
from tests.orders.helpers import make_variant, place, receive

START = dt.datetime(2026, 4, 6, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def follow_up_settings(settings):
    settings.OMNI_POST_PURCHASE_DAYS = 3
    settings.OMNI_POST_PURCHASE_CATCH_UP_DAYS = 4
    settings.SITE_URL = "https://shop.example.com"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def catalog(places):
    """A shirt bought, and what could go with it in its category."""
    category = f.CategoryFactory(name="Shirts", slug="shirts")

    def product(name, price="30.00", **kwargs):
        item = f.ProductFactory(name=name, category=category, **kwargs)
        variant = f.VariantFactory(product=item)
        if price:
            f.PriceFactory(variant=variant, amount=price)
            receive(variant, places["chicago"], 10)
        return item, variant

    bought, bought_variant = product("Linen Shirt")
    goes_with, goes_with_variant = product("Oxford Shirt")
    related, _ = product("Chino Trousers")
    related.category = f.CategoryFactory(name="Trousers", slug="trousers")
    related.save()
    bought.related_products.add(related)
    product("Retired Shirt", is_active=False)
    product("Shirt Without Price", price=None)
    return {
        "bought": bought_variant,
        "goes_with": goes_with,
        "goes_with_variant": goes_with_variant,
        "related": related,
    }


def shopper(*, consent=ConsentState.MARKETING, **kwargs):
    customer = f.CustomerFactory(first_name="Ana", **kwargs)
    customer_services.consent_set(
        customer=customer, channel=ContactChannel.EMAIL, state=consent, source=Channel.WEB
    )
    return customer


def bought_online(customer, variant):
    order = place([(variant.pk, 1)], customer=customer)
    mail.outbox.clear()
    return order


def scan(clock, days, hours=0):
    clock.move_to(START + dt.timedelta(days=days, hours=hours))
    return services.orders_follow_up()


def test_the_thank_you_comes_after_the_set_days_with_what_goes_with_the_order(clock, catalog):
    customer = shopper()
    order = bought_online(customer, catalog["bought"])

    assert scan(clock, 2, 23).emailed == 0
    run = scan(clock, 3)

    assert run.emailed == 1
    [message] = mail.outbox
    assert message.to == [customer.email]
    assert order.number in message.subject
    text, html = message.body, message.alternatives[0][0]
    # Related products first, then the same category; never what was bought, nor what is
    # retired or has no price.
    assert text.index("Chino Trousers") < text.index("Oxford Shirt")
    for absent in ("Retired Shirt", "Shirt Without Price", "- Linen Shirt"):
        assert absent not in text
    assert "https://shop.example.com/p/" in html
    assert "/email/unsubscribe/" in text
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    log = EmailLog.objects.get(kind="post_purchase")
    assert (log.object_type, log.object_id) == ("orders.order", str(order.pk))


def test_sent_once_per_order_however_often_it_runs(clock, catalog):
    bought_online(shopper(), catalog["bought"])
    scan(clock, 3)
    scan(clock, 3, 1)
    scan(clock, 5)
    assert len(mail.outbox) == 1


def test_in_store_purchases_are_thanked_too(clock, catalog, places):
    store = places["chicago"]
    customer = shopper()
    place(
        [(catalog["bought"].pk, 1)],
        customer=customer,
        fulfilment=services.CarryOut(),
        payment=services.PaymentChoice.pay_in_store(),
        channel=Channel.STORE,
        location=store,
    )
    mail.outbox.clear()

    scan(clock, 3)

    [message] = mail.outbox
    assert "shopping with us in store" in message.body


@pytest.mark.parametrize("consent", [ConsentState.NONE, ConsentState.ONE_TO_ONE])
def test_no_thank_you_without_marketing_consent(clock, catalog, consent):
    bought_online(shopper(consent=consent), catalog["bought"])
    run = scan(clock, 3)
    assert run.emailed == 0 and run.no_consent == 1
    assert mail.outbox == []


def test_an_open_return_holds_it_a_closed_one_does_not(clock, catalog):
    returning, done_returning = shopper(), shopper()
    open_order = bought_online(returning, catalog["bought"])
    closed_order = bought_online(done_returning, catalog["bought"])
    f.ReturnFactory(order=open_order, status=Return.Status.REQUESTED)
    f.ReturnFactory(order=closed_order, status=Return.Status.CANCELLED)

    run = scan(clock, 3)

    assert run.blocked == 1
    assert [m.to for m in mail.outbox] == [[done_returning.email]]


def test_cancelled_and_too_old_orders_are_left_alone(clock, catalog):
    cancelled = bought_online(shopper(), catalog["bought"])
    services.order_cancel(order=cancelled)
    bought_online(shopper(), catalog["bought"])

    assert scan(clock, 3 + 4 + 1).emailed == 0  # past the catch-up window


def test_availability_at_the_shoppers_store(clock, catalog, places):
    home = places["springfield"]
    receive(catalog["goes_with_variant"], home, 2)
    availability_refresh_variant(variant_id=catalog["goes_with_variant"].pk)
    with_store = shopper(home_store=home)
    bought_online(with_store, catalog["bought"])
    without = shopper()
    bought_online(without, catalog["bought"])

    scan(clock, 3)

    by_to = {m.to[0]: m.body for m in mail.outbox}
    line = next(x for x in by_to[with_store.email].splitlines() if "Oxford Shirt" in x)
    assert "in stock today at Springfield" in line
    other = next(x for x in by_to[with_store.email].splitlines() if "Chino Trousers" in x)
    assert "in stock" not in other
    assert "in stock today" not in by_to[without.email]


def test_nothing_to_suggest_means_no_email(clock, places):
    lonely = make_variant("10.00")
    receive(lonely, places["chicago"], 3)
    bought_online(shopper(), lonely)
    assert scan(clock, 3).emailed == 0


def test_queries_stay_flat_per_order(clock, catalog):
    for _ in range(2):
        bought_online(shopper(), catalog["bought"])
    clock.move_to(START + dt.timedelta(days=3))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as two:
        services.orders_follow_up()
    EmailLog.objects.all().delete()
    clock.move_to(START)
    for _ in range(3):
        bought_online(shopper(), catalog["bought"])
    clock.move_to(START + dt.timedelta(days=3, minutes=1))
    with CaptureQueriesContext(connection) as five:
        services.orders_follow_up()
    per_order = (len(five) - len(two)) / 3
    # Recommendations, their availability and images, the email log, the timeline entry.
    assert per_order <= 12
    assert len(two) - 2 * per_order <= 8  # the batch's orders, lines, consent, returns
