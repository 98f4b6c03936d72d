"""Back in stock at my store: the request, the one alert when a stock change makes the size
salable there (through inventory's availability refresh and its signal), idempotency,
expiry, online requests, and a phone-only request's one text."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from campaigns.errors import BackInStockInvalid
from campaigns.models import BackInStockRequest
from campaigns.services import (
    back_in_stock_alert_send,
    back_in_stock_alerts_due,
    back_in_stock_expire,
    back_in_stock_request,
)
from inventory import services as inventory
from inventory.signals import availability_gained
from messaging.models import Message
from omni.models import EmailLog, OutboxMessage
from tests import factories as f
from tests.shop_data import add_product, make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    """Linen shirt: 3 of each size at Springfield and 10 at the warehouse; wool sweater:
    5 at the warehouse only (so not at any store's own shelf)."""
    return make_shop()


def _sweater(shop, size="M"):
    return shop.variant(shop.products[1], size=size)


def _receive(django_capture_on_commit_callbacks, variant, location, quantity):
    with django_capture_on_commit_callbacks(execute=True):
        inventory.stock_receive(variant_id=variant.pk, location_id=location.pk, quantity=quantity)


def test_a_guest_asks_and_gets_one_alert_when_the_size_arrives_at_the_store(
    shop, django_capture_on_commit_callbacks
):
    spr = shop.stores["springfield"]
    sweater = _sweater(shop)
    request = back_in_stock_request(
        variant=sweater, location=spr, email=" Guest@Example.com ", language="en"
    )
    assert request.email == "guest@example.com" and request.status == "open"
    assert request.expires_at - request.created_at == dt.timedelta(days=60)

    _receive(django_capture_on_commit_callbacks, sweater, spr, 2)

    [email] = mail.outbox
    assert email.to == ["guest@example.com"]
    assert email.subject == "Wool Sweater in M is back at Springfield"
    assert "/back-in-stock/" in email.body
    request.refresh_from_db()
    assert request.status == "notified" and request.notified_at is not None

    # More stock, another refresh: no second alert.
    _receive(django_capture_on_commit_callbacks, sweater, spr, 3)
    assert len(mail.outbox) == 1


def test_stock_elsewhere_does_not_alert_a_store_request(shop, django_capture_on_commit_callbacks):
    spr, peo = shop.stores["springfield"], shop.stores["peoria"]
    sweater = _sweater(shop)
    request = back_in_stock_request(variant=sweater, location=spr, email="a@example.com")
    _receive(django_capture_on_commit_callbacks, sweater, peo, 4)
    assert mail.outbox == []
    request.refresh_from_db()
    assert request.status == "open"


def test_the_signal_says_only_what_went_from_unavailable_to_available(
    shop, django_capture_on_commit_callbacks
):
    spr = shop.stores["springfield"]
    sweater = _sweater(shop)
    heard = []

    def listen(sender, **kwargs):
        heard.append((kwargs["variant_id"], kwargs["store_ids"], kwargs["online"]))

    availability_gained.connect(listen)
    try:
        _receive(django_capture_on_commit_callbacks, sweater, spr, 1)
        _receive(django_capture_on_commit_callbacks, sweater, spr, 1)  # already salable there
    finally:
        availability_gained.disconnect(listen)
    # The sweater already shipped online from the warehouse: only the store is new.
    assert heard == [(sweater.pk, [spr.pk], False)]


def test_an_online_request_is_alerted_when_a_shipping_location_gets_it(
    shop, django_capture_on_commit_callbacks
):
    product = add_product(shop, "Rain Jacket", price="120.00")  # no stock anywhere
    inventory.availability_recompute_all()
    jacket = shop.variant(product, size="L")
    member = f.CustomerFactory(email="member@example.com", first_name="Ana", language="th")
    request = back_in_stock_request(variant=jacket, location=None, customer=member)
    assert request.language == "th"

    _receive(django_capture_on_commit_callbacks, jacket, shop.warehouse, 5)

    [email] = mail.outbox
    assert email.to == ["member@example.com"]
    assert email.extra_headers["Content-Language"] == "th"
    request.refresh_from_db()
    assert request.status == "notified"
    # The member's timeline shows it.
    from customers.models import Interaction

    entry = Interaction.objects.get(customer=member, kind=Interaction.Kind.EMAIL)
    assert entry.detail["email_kind"] == "back_in_stock"


def test_expired_requests_are_never_alerted(shop, django_capture_on_commit_callbacks):
    spr = shop.stores["springfield"]
    sweater = _sweater(shop)
    long_ago = timezone.now() - dt.timedelta(days=61)
    old = back_in_stock_request(
        variant=sweater, location=spr, email="old@example.com", now=long_ago
    )
    # Not yet swept by beat: the claim itself leaves expired requests out.
    _receive(django_capture_on_commit_callbacks, sweater, spr, 1)
    assert mail.outbox == []
    assert back_in_stock_expire() == 1
    old.refresh_from_db()
    assert old.status == "expired"
    assert back_in_stock_expire() == 0


def test_claiming_twice_records_one_alert_and_sending_twice_sends_one_email(shop):
    spr = shop.stores["springfield"]
    sweater = _sweater(shop)
    request = back_in_stock_request(variant=sweater, location=spr, email="a@example.com")
    assert back_in_stock_alerts_due(variant_id=sweater.pk, store_ids=[spr.pk], online=False) == 1
    assert back_in_stock_alerts_due(variant_id=sweater.pk, store_ids=[spr.pk], online=False) == 0
    assert OutboxMessage.objects.filter(topic="campaigns.back_in_stock_alert").count() == 1
    assert back_in_stock_alert_send({"request_id": request.pk}) is True
    assert back_in_stock_alert_send({"request_id": request.pk}) is False
    assert len(mail.outbox) == 1
    assert EmailLog.objects.filter(kind="back_in_stock").count() == 1


def test_asking_twice_keeps_one_open_request(shop):
    spr = shop.stores["springfield"]
    sweater = _sweater(shop)
    first = back_in_stock_request(variant=sweater, location=spr, phone="(217) 555-0142")
    again = back_in_stock_request(variant=sweater, location=spr, phone="217 555 0142")
    assert first.pk == again.pk and first.phone == "+12175550142"
    assert BackInStockRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "contact"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "12"}, "phone"),
    ],
)
def test_a_request_needs_a_valid_contact(shop, kwargs, field):
    with pytest.raises(BackInStockInvalid) as caught:
        back_in_stock_request(variant=_sweater(shop), location=shop.stores["springfield"], **kwargs)
    assert caught.value.field == field


def test_a_warehouse_is_not_a_store_to_wait_at(shop):
    with pytest.raises(BackInStockInvalid) as caught:
        back_in_stock_request(
            variant=_sweater(shop), location=shop.warehouse, email="a@example.com"
        )
    assert caught.value.field == "location"


@override_settings(SMS_URL="console:", OMNI_MESSAGE_QUIET_HOURS="")
def test_a_phone_only_request_gets_one_text(shop, django_capture_on_commit_callbacks):
    spr = shop.stores["springfield"]
    sweater = _sweater(shop)
    request = back_in_stock_request(variant=sweater, location=spr, phone="+1 217 555 0142")
    with django_capture_on_commit_callbacks(execute=True):
        _receive(django_capture_on_commit_callbacks, sweater, spr, 1)
    assert mail.outbox == []
    request.refresh_from_db()
    assert request.status == "notified" and request.notified_at
    text = Message.objects.get()
    assert text.channel == "sms" and text.to == "+12175550142"
    assert text.status == Message.Status.SENT
    assert "Springfield" in text.body and "/back-in-stock/" in text.body

    # A retried alert (the outbox delivers at least once) sends no second text.
    request.status = "due"
    request.save(update_fields=["status"])
    with django_capture_on_commit_callbacks(execute=True):
        back_in_stock_alert_send({"request_id": request.pk})
    assert Message.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_record_one_alert_per_request():
    shop = make_shop()
    spr = shop.stores["springfield"]
    sweater = _sweater(shop)
    requests = [
        back_in_stock_request(variant=sweater, location=spr, email=f"r{n}@example.com")
        for n in range(5)
    ]
    barrier = threading.Barrier(2)
    counts = []

    def claim():
        try:
            barrier.wait()
            counts.append(
                back_in_stock_alerts_due(variant_id=sweater.pk, store_ids=[spr.pk], online=False)
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == len(requests)
    assert OutboxMessage.objects.filter(topic="campaigns.back_in_stock_alert").count() == 5
