"""Dates and times on the order surfaces (omni/calendars.py): the shopper's order page in
Persian is on the Solar Hijri calendar with Persian digits; a Thai receipt carries the
Buddhist Era year in the Thai market; a pickup deadline is on the store's clock (a store in
Bangkok while the install's clock is New York's), on the storefront and in the
back-office."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from omni.markets import build_market
from orders import services
from orders.models import Fulfilment, Order
from tests import factories as f
from tests.orders.helpers import make_variant, place, receive

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)  # 12 Azar 1405 · 7 a.m. in New York
# 6 p.m. on 5 December in Bangkok (UTC+7), 6 a.m. that day in New York (UTC-5).
HOLD_UNTIL = dt.datetime(2026, 12, 5, 11, 0, tzinfo=dt.UTC)


@pytest.fixture
def new_york(settings):
    settings.TIME_ZONE = "America/New_York"


def member(language: str, client):
    user = f.UserFactory(email=f"{language}@example.com")
    customer = f.CustomerFactory(user=user, email=user.email, language=language)
    client.force_login(user)
    return customer


def pickup_order(store, customer, variant):
    receive(variant, store, 5)
    order = place(
        [(variant.pk, 1)], customer=customer, fulfilment=services.PickupAt(store_id=store.pk)
    )
    return order, order.fulfilments.get(kind=Fulfilment.Kind.PICKUP)


def test_a_persian_order_page_is_dated_on_the_solar_hijri_calendar(
    client, places, variant, new_york
):
    customer = member("fa", client)
    order, _pickup = pickup_order(places["springfield"], customer, variant)
    Order.objects.filter(pk=order.pk).update(placed_at=NOON)
    with translation.override("fa"):
        url = reverse("orders:account-order-detail", args=[order.number])
    assert url.startswith("/fa/")
    page = client.get(url).content.decode()
    assert "۱۲ آذر ۱۴۰۵" in page  # 3 December 2026, Persian month and digits
    assert "2026" not in page and "December" not in page


def test_a_pickup_deadline_is_on_the_stores_clock(client, variant, new_york):
    # Its own street number: a factory sequence could print the year being asserted on.
    store = f.LocationFactory(
        name="Siam", code="BKK", timezone="Asia/Bangkok", address_line1="1 Rama I Road"
    )
    customer = member("en", client)
    order, pickup = pickup_order(store, customer, variant)
    services.fulfilment_ready(fulfilment=pickup)
    Fulfilment.objects.filter(pk=pickup.pk).update(hold_until=HOLD_UNTIL)

    page = client.get(reverse("orders:account-order-detail", args=[order.number])).content
    assert "held until <strong>Dec. 5, 2026, 6 p.m.</strong>" in page.decode()

    associate = f.AssociateFactory(home_location=store, display_name="Nok")
    client.force_login(associate.user)
    detail = client.get(reverse("backoffice:pickup-detail", args=[pickup.pk])).content.decode()
    # Not New York's 6 a.m. (a placed-at time such as "5:06 a.m." is no match).
    assert "Dec. 5, 2026, 6 p.m." in detail and not re.search(r"(?<![\d:])6 a\.m\.", detail)
    # The back-office's clock was the store's for that request only.
    assert timezone.get_current_timezone_name() == "America/New_York"


def test_a_thai_receipt_carries_the_buddhist_era_year(settings, django_capture_on_commit_callbacks):
    settings.OMNI_MARKET_CONFIG = build_market("TH")
    settings.TIME_ZONE = "Asia/Bangkok"
    # Its own street number: a factory sequence could print the year being asserted on.
    store = f.LocationFactory(
        name="Siam", code="BKK", timezone="Asia/Bangkok", address_line1="1 Rama I Road"
    )
    variant = make_variant("490.00", size="M", colour="Navy")
    receive(variant, store, 5)
    customer = f.CustomerFactory(email="somchai@example.com", language="th")
    with django_capture_on_commit_callbacks(execute=True):
        place([(variant.pk, 1)], customer=customer, fulfilment=services.PickupAt(store_id=store.pk))
    (message,) = mail.outbox
    today = timezone.localtime(timezone.now(), dt.timezone(dt.timedelta(hours=7))).date()
    be_year = today.year + 543
    # "3 ธันวาคม 2569, 14:05": day, Thai month, Buddhist Era year, 24-hour time.
    assert re.search(rf"\b{today.day} \S+ {be_year}, \d{{1,2}}:\d\d\b", message.body)
    assert str(today.year) not in message.body
