"""Addresses by country (omni.addresses, Google's address data shipped in the package):
each market's parts and labels, required parts, postcode rules, the province's canonical
name, and the address written as its country writes it."""

import socket

import pytest
from django.utils import translation

from omni.addresses import AddressInvalid, address_fields, address_lines, address_normalise

BANGKOK = {
    "name": "Somchai Jaidee",
    "line1": "99 Silom Road",
    "area": "Suriyawong",
    "city": "Bang Rak",
    "region": "Bangkok",
    "postcode": "10110",
    "country": "TH",
}


@pytest.mark.parametrize(
    ("country", "parts"),
    [
        ("TH", [("area", "Subdistrict"), ("city", "District"), ("region", "Province")]),
        ("VN", [("area", "Ward"), ("city", "District"), ("region", "Province or city")]),
        ("PH", [("area", "Barangay"), ("city", "City or municipality"), ("region", "Province")]),
        ("IR", [("city", "City"), ("region", "Province")]),
        ("US", [("city", "City"), ("region", "State"), ("postcode", "ZIP code")]),
    ],
)
def test_each_country_has_its_own_parts_and_labels(country, parts):
    with translation.override("en"):
        fields = {f.name: f for f in address_fields(country)}
    for name, label in parts:
        assert fields[name].label == label
    assert fields["postcode"].required and fields["region"].required
    assert ("area" in fields) == (country != "US")


def test_a_bangkok_10110_address_is_accepted_with_native_digits_and_no_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("an address was looked up on the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    address = address_normalise({**BANGKOK, "postcode": "๑๐๑๑๐"})
    assert address == {**BANGKOK, "line2": "", "region": "กรุงเทพมหานคร", "postcode": "10110"}
    with translation.override("en"):
        assert address_lines(address) == [
            "Somchai Jaidee",
            "99 Silom Road",
            "Suriyawong, Bang Rak",
            "BANGKOK 10110",
            "THAILAND",
        ]
    with translation.override("th"):
        assert "กรุงเทพมหานคร 10110" in address_lines(address)


@pytest.mark.parametrize(
    ("address", "errors"),
    [
        ({**BANGKOK, "postcode": "1011"}, {"postcode": "e.g. 10150"}),
        ({**BANGKOK, "region": "Atlantis"}, {"region": "Province: enter a name used in Thailand"}),
        ({**BANGKOK, "city": "", "postcode": ""}, {"city": "District is required", "postcode": ""}),
        (
            {
                "country": "PH",
                "line1": "1 Ayala Ave",
                "city": "Makati",
                "region": "Metro Manila",
                "postcode": "12345",
            },
            {"postcode": "Enter a valid postcode for the Philippines, e.g. 1008"},
        ),
        (
            {
                "country": "IR",
                "line1": "Valiasr St 12",
                "city": "Tehran",
                "region": "Tehran",
                "postcode": "123",
            },
            {"postcode": "Iran, e.g. 11936-12345"},
        ),
        (
            {"country": "US", "line1": "1 Main St", "city": "Springfield", "postcode": "6270"},
            {"postcode": "the United States, e.g. 95014", "region": "State is required"},
        ),
        ({"country": "XX", "line1": "1 Main St"}, {"country": "two-letter code"}),
    ],
)
def test_an_invalid_address_says_per_field_what_is_expected(address, errors):
    with translation.override("en"), pytest.raises(AddressInvalid) as refused:
        address_normalise(address)
    assert set(refused.value.errors) == set(errors)
    for field, text in errors.items():
        assert text in refused.value.errors[field]


def test_each_market_address_is_normalised_to_its_country_names():
    vn = address_normalise(
        {
            "country": "VN",
            "line1": "12 Tràng Tiền",
            "area": "Tràng Tiền",
            "city": "Hoàn Kiếm",
            "region": "Ha Noi",
            "postcode": "100000",
        }
    )
    assert (vn["region"], vn["area"]) == ("Hà Nội", "Tràng Tiền")
    ph = address_normalise(
        {
            "country": "PH",
            "line1": "12 Ayala Ave",
            "area": "San Lorenzo",
            "city": "Makati",
            "region": "metro manila",
            "postcode": "1223",
        }
    )
    assert (ph["region"], ph["area"], ph["city"]) == ("Metro Manila", "San Lorenzo", "Makati")
    ir = address_normalise(
        {
            "country": "IR",
            "line1": "خیابان ولیعصر ۱۲",
            "city": "تهران",
            "region": "Tehran",
            "postcode": "۱۱۹۳۶۱۲۳۴۵",
        }
    )
    assert (ir["region"], ir["postcode"]) == ("استان تهران", "1193612345")
    # A US ZIP alone gives its state (a till that sends no state still ships).
    us = address_normalise({"line1": "1 Main St", "city": "Springfield", "postcode": "62701"})
    assert (us["region"], us["country"]) == ("IL", "US")


def test_a_zip_of_another_state_is_refused_by_the_forms_but_not_by_the_order_service():
    boston_street = {"line1": "300 Boylston Street", "city": "Boston", "region": "MA"}
    with translation.override("en"), pytest.raises(AddressInvalid) as refused:
        address_normalise({**boston_street, "postcode": "78201"})
    assert "e.g. 95014" in refused.value.errors["postcode"]
    lenient = address_normalise({**boston_street, "postcode": "78201"}, postcode_in_region=False)
    assert (lenient["region"], lenient["postcode"]) == ("MA", "78201")
    with pytest.raises(AddressInvalid):  # the country's own format is still required
        address_normalise({**boston_street, "postcode": "7820"}, postcode_in_region=False)
