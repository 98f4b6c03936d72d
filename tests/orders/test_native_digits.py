"""Native digits through the forms people type them in: the storefront cart and profile,
the back-office pickup desk (omni/digits.py at the input layer)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.selectors import customer_for_user
from orders import services
from orders.models import Cart, Fulfilment
from tests import factories as f
from tests.orders.helpers import place, receive

pytestmark = pytest.mark.django_db

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


@pytest.fixture
def store(places):
    return places["springfield"]


@pytest.fixture
def desk(client, store):
    client.force_login(f.AssociateFactory(home_location=store).user)
    return client


def pickup_for(variant, store, shopper):
    receive(variant, store, 5)
    order = place(
        [(variant.pk, 1)], fulfilment=services.PickupAt(store_id=store.pk), contact=shopper
    )
    return order, order.fulfilments.get(kind=Fulfilment.Kind.PICKUP)


def test_a_scanned_order_number_in_persian_digits_opens_the_pickup(desk, variant, store, shopper):
    order, pickup = pickup_for(variant, store, shopper)
    response = desk.get(
        reverse("backoffice:pickup-queue"), {"code": order.number.translate(PERSIAN)}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:pickup-detail", args=[pickup.pk])


def test_the_pickup_code_typed_in_thai_digits_collects(desk, variant, store, shopper):
    order, pickup = pickup_for(variant, store, shopper)
    services.fulfilment_ready(fulfilment=pickup)
    response = desk.post(
        reverse("backoffice:pickup-action", args=[pickup.pk]),
        {"action": "collect", "status": "ready", "code": order.number.translate(THAI)},
    )
    assert response.status_code in (200, 302)
    pickup.refresh_from_db()
    assert pickup.status == Fulfilment.Status.COLLECTED


def test_a_cart_quantity_in_arabic_indic_digits(client, variant, places):
    receive(variant, places["warehouse"], 10)
    response = client.post(reverse("orders:cart-add"), {"variant": variant.pk, "quantity": "٣"})
    assert response.status_code == 302
    assert Cart.objects.get().lines.get().quantity == 3


def test_a_profile_phone_in_thai_digits_is_stored_with_ascii_digits(client, db):
    user = f.UserFactory(email="ana@example.com")
    f.CustomerFactory(user=user, email="ana@example.com")
    client.force_login(user)
    response = client.post(
        reverse("customers:profile"),
        {"section": "details", "details-phone": "(๒๑๗) ๕๕๕-๐๑๐๐"},
    )
    assert response.status_code == 302
    assert customer_for_user(user=user).phone == "+12175550100"
