"""The customer's one choice for service messages (email or text), set at checkout when
they give a phone, in the account profile, and on the 360."""

import pytest
from django.urls import reverse

from customers.models import Customer
from tests import factories as f
from tests.orders.test_views import add, guest_checkout, shop  # noqa: F401

pytestmark = pytest.mark.django_db


def test_checkout_with_a_phone_can_choose_texts(client, shop):  # noqa: F811
    add(client, shop.variant())
    guest_checkout(client, email="ben@example.com", phone="2175550123", service_sms="on")
    assert Customer.objects.get(email="ben@example.com").service_messages_by == "sms"


def test_checkout_texts_need_a_phone(client, shop):  # noqa: F811
    add(client, shop.variant())
    response = guest_checkout(client, email="cy@example.com", service_sms="on")
    assert response.status_code == 400
    assert "Give a phone number to get texts." in response.content.decode()


def test_the_account_profile_sets_it(client):
    user = f.UserFactory()
    customer = f.CustomerFactory(user=user, phone="+12015550123")
    client.force_login(user)
    page = client.get(reverse("customers:profile")).content.decode()
    assert "Order and pickup messages by" in page
    response = client.post(
        reverse("customers:profile"),
        {
            "section": "consent",
            "consent-consent_email": "none",
            "consent-consent_sms": "one_to_one",
            "consent-consent_phone": "none",
            "consent-service_messages_by": "sms",
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.service_messages_by == "sms"


def test_the_360_sets_it_and_texts_need_a_phone(client, customer, associate):
    client.force_login(associate.user)
    url = reverse("backoffice:customer-service-channel", args=[customer.pk])
    assert (
        client.post(url, {"service_messages_by": "sms"}, HTTP_HX_REQUEST="true").status_code == 200
    )
    customer.refresh_from_db()
    assert customer.service_messages_by == "sms"
    customer.phone = ""
    customer.save()
    assert client.post(url, {"service_messages_by": "sms"}).status_code == 400
    assert client.post(url, {"service_messages_by": "pigeon"}).status_code == 400
