"""The storefront checkout in each market: the delivery address has the country's parts
(province/district/subdistrict in Thailand, barangay/city/province in the Philippines,
...), a wrong part gets a field error naming what is expected, and a phone number typed
in the local form and in the international form is one customer."""

from decimal import Decimal

import pytest
from django.test import Client

from customers.models import Customer, CustomerIdentity
from omni.geo import Place
from omni.markets import build_market
from orders.models import Order
from tests.orders.test_views import CARD, add
from tests.shop_data import make_shop

# (market, a local delivery address, the phone typed locally, internationally, E.164)
MARKETS = {
    "TH": (
        {
            "line1": "99 Silom Road",
            "area": "Suriyawong",
            "city": "Bang Rak",
            "region": "Bangkok",
            "postcode": "10110",
        },
        "๐๘๑ ๒๓๔ ๕๖๗๘",
        "+66 81 234 5678",
        "+66812345678",
    ),
    "VN": (
        {
            "line1": "12 Tràng Tiền",
            "area": "Tràng Tiền",
            "city": "Hoàn Kiếm",
            "region": "Hà Nội",
            "postcode": "100000",
        },
        "0912 345 678",
        "+84 912 345 678",
        "+84912345678",
    ),
    "PH": (
        {
            "line1": "6750 Ayala Avenue",
            "area": "San Lorenzo",
            "city": "Makati",
            "region": "Metro Manila",
            "postcode": "1223",
        },
        "0917 123 4567",
        "+63 917 123 4567",
        "+639171234567",
    ),
    "IR": (
        {
            "line1": "خیابان ولیعصر، پلاک ۱۲",
            "city": "تهران",
            "region": "تهران",
            "postcode": "۱۱۹۳۶-۱۲۳۴۵",
        },
        "۰۹۱۲ ۳۴۵ ۶۷۸۹",
        "+98 912 345 6789",
        "+989123456789",
    ),
    "US": (
        {"line1": "1 Capitol Ave", "city": "Springfield", "region": "IL", "postcode": "62701"},
        "(217) 555-0100",
        "+1 217 555 0100",
        "+12175550100",
    ),
}
LABELS = {
    "TH": ["Subdistrict", "District", "Province", "Postcode"],
    "VN": ["Ward", "District", "Province or city", "Postcode"],
    "PH": ["Barangay", "City or municipality", "Province", "ZIP code"],
    "IR": ["Neighbourhood", "City", "Province", "Postcode"],
    "US": ["City", "State", "ZIP code"],
}


@pytest.fixture
def shop(db, monkeypatch):
    # Where a postcode is (omni.geo) is another part of the work: every postcode here is
    # near the warehouse, so sourcing ships whatever the country.
    near = Place("62701", "Springfield", "IL", Decimal("39.7817"), Decimal("-89.6501"))
    monkeypatch.setattr("inventory.services.sourcing.place_for_postcode", lambda *a, **k: near)
    return make_shop()


@pytest.fixture
def market(settings):
    def use(code):
        settings.OMNI_MARKET_CONFIG = build_market(code)

    return use


def checkout(client, address, **fields):
    data = {
        "email": "ana@example.com",
        "first_name": "Ana",
        "last_name": "Shopper",
        "fulfilment": "ship",
        "payment": "card",
        **CARD,
        **address,
        **fields,
    }
    return client.post("/checkout/", data)


@pytest.mark.parametrize("code", list(MARKETS))
def test_the_checkout_asks_for_the_markets_address_parts(shop, market, code):
    market(code)
    client = Client()
    add(client, shop.variant())
    # In English (a Thai shop also speaks English): the labels are checked as written.
    page = client.get("/checkout/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for label in LABELS[code]:
        assert f">{label}</label>" in page
    assert ('name="area"' in page) == (code != "US")
    assert f'name="country" value="{code}"' in page


@pytest.mark.parametrize("code", list(MARKETS))
def test_a_local_delivery_with_a_phone_typed_two_ways_is_one_customer(shop, market, code):
    market(code)
    address, local, international, e164 = MARKETS[code]
    first = Client()
    add(first, shop.variant())
    response = checkout(first, address, phone=local, email="one@example.com")
    assert response.status_code == 302, response.content.decode()[:3000]
    order = Order.objects.get()
    assert order.phone == e164
    assert order.shipping_address["country"] == code
    assert order.shipping_address["postcode"].replace("-", "").isascii()
    assert order.shipping_address["city"] == address["city"]

    second = Client()  # the same person, on another device, typing the number the other way
    add(second, shop.variant())
    response = checkout(second, address, phone=international, email="two@example.com")
    assert response.status_code == 302
    assert Customer.objects.count() == 1
    assert CustomerIdentity.objects.get(kind="phone").value == e164
    assert {o.customer_id for o in Order.objects.all()} == {Customer.objects.get().pk}


@pytest.mark.parametrize(
    ("code", "change", "field", "text"),
    [
        ("TH", {"postcode": "1011"}, "postcode", "Enter a valid postcode for Thailand, e.g. 10150"),
        ("TH", {"region": "Atlantis"}, "region", "Province: enter a name used in Thailand"),
        ("TH", {"city": ""}, "city", "District is required"),
        ("PH", {"postcode": "12345"}, "postcode", "for the Philippines, e.g. 1008"),
        ("VN", {"region": ""}, "region", "Province or city is required"),
        ("IR", {"postcode": "123"}, "postcode", "for Iran, e.g. 11936-12345"),
        ("US", {"postcode": "6270", "region": "IL"}, "postcode", "for the United States"),
        ("TH", {"phone": "081 234"}, "phone", "Enter a valid Thai phone number, e.g. 081 234 5678"),
        ("PH", {"phone": "12"}, "phone", "Enter a valid Philippine phone number"),
    ],
)
def test_a_wrong_part_is_a_field_error_naming_what_is_expected(
    shop, market, code, change, field, text
):
    market(code)
    client = Client()
    add(client, shop.variant())
    response = checkout(client, {"phone": MARKETS[code][1], **MARKETS[code][0], **change})
    assert response.status_code == 400
    body = response.content.decode()
    assert f'id="id_{field}_error"' in body
    assert text in body
    assert not Order.objects.exists() and not Customer.objects.exists()


def test_a_thai_shopper_reads_the_parts_in_thai(shop, market):
    market("TH")
    client = Client()
    add(client, shop.variant())
    page = client.get("/checkout/", follow=True).content.decode()
    for label in ("ตำบล/แขวง", "อำเภอ/เขต", "จังหวัด", "รหัสไปรษณีย์"):
        assert f">{label}</label>" in page
    assert "กรุงเทพมหานคร" in page  # the provinces by their Thai names
