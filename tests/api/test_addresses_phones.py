"""The API's orders and customers in each market: a delivery address checked for its
country (400 with an error per field naming what is expected), and a phone number in any
form matched to the one customer."""

from decimal import Decimal

import pytest

from customers.models import Customer
from omni.geo import Place
from omni.markets import build_market
from orders.models import Order
from tests.api.conftest import error_of

ORDERS = "/api/v1/orders/"
CUSTOMERS = "/api/v1/customers/"
BANGKOK = {
    "name": "Somchai",
    "line1": "99 Silom Road",
    "area": "Suriyawong",
    "city": "Bang Rak",
    "region": "Bangkok",
    "postcode": "10110",
    "country": "TH",
}


@pytest.fixture
def thai(settings, monkeypatch):
    settings.OMNI_MARKET_CONFIG = build_market("TH")
    near = Place("62701", "Springfield", "IL", Decimal("39.7817"), Decimal("-89.6501"))
    monkeypatch.setattr("inventory.services.sourcing.place_for_postcode", lambda *a, **k: near)


def web_order(address, phone="081 234 5678", **overrides):
    return {
        "channel": "marketplace",
        "customer": {"email": "somchai@example.com", "phone": phone, "first_name": "Somchai"},
        "lines": [{"sku": "SHIRT-NAVY-M", "quantity": 1}],
        "payment": {"method": "external", "reference": "MP-1"},
        "fulfilment": {"type": "ship", "address": address},
        "external_reference": overrides.pop("external_reference", "MP-1"),
    } | overrides


def fields_of(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in error_of(response)["errors"]}


def test_a_bangkok_delivery_is_placed_with_its_thai_parts(api, world, thai):
    response = api.post(ORDERS, web_order({**BANGKOK, "postcode": "๑๐๑๑๐"}))
    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    assert order.shipping_address == {**BANGKOK, "line2": "", "region": "กรุงเทพมหานคร"}
    assert order.phone == "+66812345678"


def test_a_wrong_address_is_a_400_with_an_error_per_field(api, world, thai):
    response = api.post(
        ORDERS, web_order({**BANGKOK, "postcode": "1011", "region": "Atlantis", "city": ""})
    )
    assert response.status_code == 400
    errors = fields_of(response)
    assert (
        "Enter a valid postcode for Thailand, e.g. 10150" in errors["fulfilment.address.postcode"]
    )
    assert errors["fulfilment.address.city"] == "District is required."
    assert not Order.objects.exists()


def test_a_wrong_phone_is_a_400_naming_the_form_expected(api, world, thai):
    response = api.post(ORDERS, web_order(BANGKOK, phone="081 234"))
    assert response.status_code == 400
    assert fields_of(response)["customer.phone"] == (
        "Enter a valid Thai phone number, e.g. 081 234 5678."
    )
    assert not Customer.objects.exists()


def test_the_same_number_typed_two_ways_is_one_customer(api, world, thai):
    first = api.post(CUSTOMERS, {"phone": "๐๘๑-๒๓๔-๕๖๗๘", "first_name": "Somchai"})
    assert first.status_code == 201, first.json()
    again = api.post(CUSTOMERS, {"phone": "+66 81 234 5678", "email": "s@example.com"})
    assert again.status_code == 200, again.json()
    assert again.json()["id"] == first.json()["id"]
    order = api.post(ORDERS, web_order(BANGKOK, phone="0066812345678"))
    assert order.status_code == 201, order.json()
    assert Customer.objects.count() == 1
    assert Customer.objects.get().phone == "+66812345678"
