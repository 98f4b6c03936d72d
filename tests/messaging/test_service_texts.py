"""Service messages go by the one channel the customer chose: pickup ready and its
reminder, the items of a pickup arrived by transfer, a return received — a text when they
chose texts, else the email; never both."""

from __future__ import annotations

import pytest
from django.core import mail

from messaging.models import Message
from orders import services as order_services
from orders.emails import pickup_reminder_send
from tests import factories as f
from tests.orders.helpers import place, receive

pytestmark = pytest.mark.django_db


def _pickup(places, variant, customer, capture):
    store = places["springfield"]
    receive(variant, store, 5)
    with capture(execute=True):
        order = place(
            [(variant.pk, 1)],
            customer=customer,
            fulfilment=order_services.PickupAt(store_id=store.pk),
        )
    mail.outbox.clear()
    return order


@pytest.mark.parametrize("chosen", ["email", "sms"])
def test_pickup_ready_by_the_chosen_channel_only(
    places,
    variant,
    chosen,
    django_capture_on_commit_callbacks,
):
    customer = f.CustomerFactory(
        email="sara@example.com", phone="+12015550123", service_messages_by=chosen, language="fa"
    )
    order = _pickup(places, variant, customer, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        order_services.fulfilment_ready(fulfilment=order.fulfilments.get())
    texts = Message.objects.filter(channel="sms", kind="pickup_ready")
    if chosen == "sms":
        assert mail.outbox == []
        (text,) = texts
        assert text.status == Message.Status.SENT and text.to == "+12015550123"
        assert order.number in text.body and "Springfield" in text.body
        assert text.language == "fa" and "سفارش" in text.body  # in Persian, their language
        # The reminder too, once.
        fulfilment = order.fulfilments.get()
        payload = {"fulfilment_id": fulfilment.pk}
        with django_capture_on_commit_callbacks(execute=True):
            pickup_reminder_send(payload)
            pickup_reminder_send(payload)
        assert Message.objects.filter(kind="pickup_reminder").count() == 1
        assert mail.outbox == []
    else:
        assert not texts.exists()
        assert len(mail.outbox) == 1


def test_an_unusable_number_falls_back_to_the_email(
    places, variant, django_capture_on_commit_callbacks
):
    customer = f.CustomerFactory(email="x@example.com", phone="+1 555", service_messages_by="sms")
    order = _pickup(places, variant, customer, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        order_services.fulfilment_ready(fulfilment=order.fulfilments.get())
    assert len(mail.outbox) == 1
    assert not Message.objects.exists()


def test_return_received_by_text(django_capture_on_commit_callbacks):
    from returns.emails import return_received_email_send

    customer = f.CustomerFactory(phone="+12015550123", service_messages_by="sms")
    order = f.OrderFactory(customer=customer, email="r@example.com")
    return_request = f.ReturnFactory(order=order, customer=customer)
    with django_capture_on_commit_callbacks(execute=True):
        return_received_email_send({"return_id": return_request.pk})
    (text,) = Message.objects.filter(kind="return_received")
    assert return_request.number in text.body
    assert mail.outbox == []
    customer.service_messages_by = "email"
    customer.save()
    Message.objects.all().delete()
    other = f.ReturnFactory(order=order, customer=customer)
    return_received_email_send({"return_id": other.pk})
    assert not Message.objects.exists() and len(mail.outbox) == 1


def test_items_arrived_for_a_pickup_by_text(places, variant, django_capture_on_commit_callbacks):
    store = places["springfield"]
    store.ready_on_transfer_receipt = False
    store.save()
    customer = f.CustomerFactory(phone="+12015550123", service_messages_by="sms")
    order = _pickup(places, variant, customer, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        order_services.pickup_transfer_arrived(fulfilment=order.fulfilments.get())
    (text,) = Message.objects.filter(kind="pickup_all_here")
    assert order.number in text.body and text.status == Message.Status.SENT


def test_both_only_when_asked(places, variant, django_capture_on_commit_callbacks):
    customer = f.CustomerFactory(
        email="both@example.com", phone="+12015550123", service_messages_by="both"
    )
    order = _pickup(places, variant, customer, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        order_services.fulfilment_ready(fulfilment=order.fulfilments.get())
    assert Message.objects.filter(kind="pickup_ready", channel="sms").count() == 1
    assert len(mail.outbox) == 1
