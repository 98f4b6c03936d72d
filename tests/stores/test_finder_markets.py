"""Where things are outside the US: the store finder of a Thai, Vietnamese, Filipino or
Iranian shop finds stores by a postcode, a city or a district in the market's language and
script; sourcing and checkout locate a delivery in the address's own country; distances
show in the market's unit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory import services as inventory
from inventory.errors import InvalidDestination
from omni.markets import build_market
from orders import services
from orders.errors import CheckoutInvalid
from orders.models import Order
from tests import factories as f
from tests.orders.helpers import make_variant, place, receive

pytestmark = pytest.mark.django_db

# Each market's demo-like chain: (name, city, postcode, latitude, longitude, time zone).
CHAINS = {
    "TH": [
        ("Siam", "Bangkok", "10330", "13.7456", "100.5347", "Asia/Bangkok"),
        ("Nimman", "Chiang Mai", "50200", "18.7964", "98.9680", "Asia/Bangkok"),
        ("Phuket Town", "Phuket", "83000", "7.8847", "98.3903", "Asia/Bangkok"),
    ],
    "VN": [
        ("Hoàn Kiếm", "Hà Nội", "10000", "21.0288", "105.8525", "Asia/Ho_Chi_Minh"),
        ("Quận 1", "TP Hồ Chí Minh", "70000", "10.7756", "106.7019", "Asia/Ho_Chi_Minh"),
        ("Hải Châu", "Đà Nẵng", "50000", "16.0600", "108.2100", "Asia/Ho_Chi_Minh"),
    ],
    "PH": [
        ("Makati", "Makati", "1226", "14.5547", "121.0244", "Asia/Manila"),
        ("Cebu IT Park", "Cebu City", "6000", "10.3302", "123.9060", "Asia/Manila"),
        ("Davao", "Davao City", "8000", "7.0731", "125.6128", "Asia/Manila"),
    ],
    "IR": [
        ("Vanak", "Tehran", "1994834511", "35.7575", "51.4100", "Asia/Tehran"),
        ("Naqsh-e Jahan", "Isfahan", "8144713311", "32.6574", "51.6776", "Asia/Tehran"),
        ("Vakil", "Shiraz", "7134845794", "29.6160", "52.5360", "Asia/Tehran"),
    ],
}


def chain(market: str, **kwargs) -> dict:
    return {
        name: f.LocationFactory(
            name=name,
            city=city,
            region="",
            postcode=postcode,
            country=market,
            latitude=Decimal(lat),
            longitude=Decimal(lng),
            timezone=tz,
            **kwargs,
        )
        for name, city, postcode, lat, lng, tz in CHAINS[market]
    }


@pytest.fixture
def market(settings):
    def use(code: str):
        settings.OMNI_MARKET_CONFIG = build_market(code)
        return chain(code)

    return use


def first_store(client, query: str) -> str:
    # The storefront opens in the market's language (/th/stores/, /vi/stores/, ...).
    response = client.get("/stores/", {"postcode": query}, follow=True)
    assert response.status_code == 200
    assert response.context["sorted_by_distance"], response.context["error"]
    return response.context["cards"][0].location.name


@pytest.mark.parametrize(
    ("code", "query", "expected"),
    [
        ("TH", "เชียงใหม่", "Nimman"),
        ("TH", "Chiang Mai", "Nimman"),
        ("TH", "10110", "Siam"),  # Khlong Toei, Bangkok — not New York
        ("TH", "ภูเก็ต", "Phuket Town"),
        ("TH", "เขตบางรัก", "Siam"),
        ("VN", "Đà Nẵng", "Hải Châu"),
        ("VN", "da nang", "Hải Châu"),
        ("VN", "Hà Nội", "Hoàn Kiếm"),
        ("VN", "Quận 1", "Quận 1"),
        ("VN", "700000", "Quận 1"),
        ("PH", "Cebu", "Cebu IT Park"),
        ("PH", "cebu city", "Cebu IT Park"),
        ("PH", "Davao", "Davao"),
        ("PH", "1000", "Makati"),  # Manila
        ("IR", "اصفهان", "Naqsh-e Jahan"),
        ("IR", "Esfahan", "Naqsh-e Jahan"),
        ("IR", "شيراز", "Vakil"),  # Arabic yeh
        ("IR", "۷۱۳۴۸۴۵۷۹۴", "Vakil"),  # a Shiraz postcode in Persian digits
        ("IR", "تهران", "Vanak"),
    ],
)
def test_the_store_finder_finds_places_in_the_markets_language(
    client, market, code, query, expected
):
    market(code)
    assert first_store(client, query) == expected


def test_the_nearest_store_to_a_hanoi_address_is_the_hanoi_store(client, market):
    market("VN")
    assert first_store(client, "10000") == "Hoàn Kiếm"
    assert first_store(client, "Hoàn Kiếm") == "Hoàn Kiếm"
    cards = client.get("/vi/stores/", {"postcode": "Cầu Giấy"}, follow=True).context["cards"]
    assert [c.location.name for c in cards] == ["Hoàn Kiếm", "Hải Châu", "Quận 1"]


def test_unknown_places_and_postcodes_are_said_clearly(client, market):
    market("TH")
    response = client.get("/stores/", {"postcode": "Atlantis"}, follow=True)
    assert response.status_code == 200
    assert "“Atlantis”" in response.context["error"]
    assert "“Atlantis”" in response.content.decode()
    assert len(response.context["cards"]) == 3  # every store, by name
    postcode = client.get("/stores/", {"postcode": "19999"}, follow=True)
    assert postcode.status_code == 200
    assert "“19999”" in postcode.context["error"]
    assert postcode.context["error"] != response.context["error"].replace("Atlantis", "19999")


def test_distances_show_in_km_for_thailand(client, market):
    market("TH")
    response = client.get("/th/stores/", {"postcode": "เชียงใหม่"}, follow=True)
    body = response.content.decode()
    assert "2.0 กม." in body  # Nimman, 2 km from the provincial seat; Thai's unit
    assert "ไมล์" not in body


def test_distances_in_miles_for_a_us_shop(client, settings):
    settings.OMNI_MARKET_CONFIG = build_market("US")
    f.LocationFactory(name="Springfield")  # 62701
    body = client.get("/stores/", {"postcode": "62704"}).content.decode()
    assert " mi</span>" in body and " km</span>" not in body


# --- sourcing and checkout -----------------------------------------------------------------


@pytest.fixture
def vn_stock(settings):
    settings.OMNI_MARKET_CONFIG = build_market("VN")
    stores = chain("VN", ships_online_orders=True)
    variant = make_variant("199000")
    for store in stores.values():
        receive(variant, store, 5)
    return stores, variant


def test_sourcing_ships_a_hanoi_address_from_the_hanoi_store(vn_stock):
    stores, variant = vn_stock
    plan = inventory.sourcing_for_shipment(lines=[(variant.pk, 1)], postcode="100000", country="VN")
    assert plan.shipments[0].location_id == stores["Hoàn Kiếm"].pk
    # A postcode the data lacks: the town the address names.
    plan = inventory.sourcing_for_shipment(
        lines=[(variant.pk, 1)], postcode="00000", country="VN", city="Hà Nội"
    )
    assert plan.shipments[0].location_id == stores["Hoàn Kiếm"].pk
    plan = inventory.sourcing_for_shipment(
        lines=[(variant.pk, 1)], postcode="55000", country="VN", city="Quy Nhơn"
    )
    assert plan.shipments[0].location_id == stores["Hải Châu"].pk  # nearest to Quy Nhơn
    with pytest.raises(InvalidDestination) as caught:
        inventory.sourcing_for_shipment(
            lines=[(variant.pk, 1)], postcode="00000", country="VN", city="Atlantis"
        )
    assert caught.value.code == "invalid_destination"


def address(**parts) -> dict:
    return {"name": "Khun Ana", "line1": "1 Thanon Si Lom", **parts}


@pytest.mark.parametrize(
    ("code", "parts", "from_city"),
    [
        ("TH", {"city": "Bang Rak", "region": "Bangkok", "postcode": "10500"}, "Bangkok"),
        (
            "TH",
            {"city": "Khlong Toei", "region": "Bangkok", "postcode": "10110", "country": "TH"},
            "Bangkok",
        ),
        ("PH", {"city": "Manila", "region": "Metro Manila", "postcode": "1000"}, "Makati"),
        (
            "PH",
            {"city": "Cebu City", "region": "Cebu", "postcode": "6000", "country": "PH"},
            "Cebu City",
        ),
        ("IR", {"city": "اصفهان", "region": "اصفهان", "postcode": "8144713311"}, "Isfahan"),
        ("VN", {"city": "Hoàn Kiếm", "region": "Hà Nội", "postcode": "100000"}, "Hà Nội"),
        # A postcode the data does not know, in a town it does.
        ("VN", {"city": "Hải Châu", "region": "Đà Nẵng", "postcode": "00000"}, "Đà Nẵng"),
    ],
)
def test_checkout_delivers_to_the_markets_own_addresses(settings, code, parts, from_city):
    settings.OMNI_MARKET_CONFIG = build_market(code)
    stores = chain(code, ships_online_orders=True)
    variant = make_variant("590.00")
    for store in stores.values():
        receive(variant, store, 3)
    order = place([(variant.pk, 1)], fulfilment=services.ShipTo(address(**parts)))
    assert order.shipping_address["country"] == code
    assert order.fulfilments.get().location.city == from_city


def test_checkout_refuses_a_destination_nowhere(settings):
    settings.OMNI_MARKET_CONFIG = build_market("TH")
    store = chain("TH", ships_online_orders=True)["Siam"]
    variant = make_variant("590.00")
    receive(variant, store, 3)
    # Nowhere in Thailand: no province, a town and a postcode the country has not. The
    # address check refuses it before sourcing would (InvalidDestination, were the parts
    # well formed but nowhere); either way nothing is placed.
    with pytest.raises((InvalidDestination, CheckoutInvalid)) as caught:
        place(
            [(variant.pk, 1)],
            fulfilment=services.ShipTo(address(city="Atlantis", postcode="19999")),
        )
    assert caught.value.code in ("invalid_destination", "checkout_invalid")
    assert not Order.objects.exists()
