"""Phone numbers (omni.phones): every form a number is typed in — local, international,
with native digits — gives one E.164 number, read in the market's country; a number that
is not valid gets a message naming the form expected; numbers show in the national
format at home and the international one from abroad."""

import pytest

from omni.markets import build_market
from omni.phones import PhoneInvalid, phone_display, phone_e164, phone_renormalised

# (market, the same number typed in every way a shopper or an associate might, E.164)
SAME_NUMBER = [
    (
        "TH",
        [
            "081 234 5678",
            "0812345678",
            "+66 81 234 5678",
            "+66812345678",
            "๐๘๑ ๒๓๔ ๕๖๗๘",
            "+๖๖ ๘๑ ๒๓๔ ๕๖๗๘",
            "0066 81 234 5678",
        ],
        "+66812345678",
    ),
    (
        "PH",
        ["0917 123 4567", "09171234567", "+63 917 123 4567", "+639171234567", "(0917) 123-4567"],
        "+639171234567",
    ),
    ("VN", ["0912 345 678", "0912345678", "+84 912 345 678", "+84912345678"], "+84912345678"),
    (
        "IR",
        [
            "0912 345 6789",
            "09123456789",
            "+98 912 345 6789",
            "۰۹۱۲ ۳۴۵ ۶۷۸۹",
            "٠٩١٢٣٤٥٦٧٨٩",
            "+۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹",
        ],
        "+989123456789",
    ),
    (
        "US",
        ["(217) 555-0100", "217-555-0100", "2175550100", "+1 217 555 0100", "(۲۱۷) ۵۵۵-۰۱۰۰"],
        "+12175550100",
    ),
]


@pytest.fixture
def market(settings):
    def use(code):
        settings.OMNI_MARKET_CONFIG = build_market(code)

    return use


@pytest.mark.parametrize(("code", "forms", "e164"), SAME_NUMBER)
def test_every_form_of_a_number_is_one_e164_number(market, code, forms, e164):
    market(code)
    assert {phone_e164(typed) for typed in forms} == {e164}


def test_a_number_with_its_country_code_keeps_its_country(market):
    market("TH")
    assert phone_e164("+1 217 555 0100") == "+12175550100"
    assert phone_e164("+63 917 123 4567") == "+639171234567"


@pytest.mark.parametrize(
    ("code", "typed", "message"),
    [
        ("TH", "081 234", "Enter a valid Thai phone number, e.g. 081 234 5678."),
        ("TH", "12", "Enter a valid Thai phone number, e.g. 081 234 5678."),
        ("PH", "0917 123", "Enter a valid Philippine phone number, e.g. 0905 123 4567."),
        ("VN", "abc", "Enter a valid Vietnamese phone number, e.g. 0912 345 678."),
        ("IR", "0912 345", "Enter a valid Iranian phone number, e.g. 0912 345 6789."),
        ("US", "555-0100", "Enter a valid US phone number, e.g. (201) 555-0123."),
        # A number with +CC that is not valid there is refused in its own country's terms.
        ("US", "+66 81 234", "Enter a valid Thai phone number, e.g. 081 234 5678."),
    ],
)
def test_an_invalid_number_names_the_form_expected(market, code, typed, message):
    market(code)
    with pytest.raises(PhoneInvalid) as refused:
        phone_e164(typed)
    assert refused.value.message == message


def test_a_home_number_shows_national_and_a_foreign_one_international(market):
    market("TH")
    assert phone_display("+66812345678") == "081 234 5678"
    assert phone_display("+12175550100") == "+1 217-555-0100"
    assert phone_display("not a number") == "not a number"  # legacy value: as stored
    market("US")
    assert phone_display("+12175550100") == "(217) 555-0100"
    assert phone_display("+66812345678") == "+66 81 234 5678"


def test_the_old_rules_numbers_are_renormalised_in_the_market_country():
    # The old rule gave any 10-digit number +1: a Thai 081 234 5678 became +10812345678.
    assert phone_renormalised("+10812345678", region="TH") == "+66812345678"
    assert phone_renormalised("+66812345678", region="TH") == "+66812345678"
    assert phone_renormalised("+026581000", region="TH") == "+6626581000"
    assert phone_renormalised("+12175550100", region="TH") == "+12175550100"
    assert phone_renormalised("+12175550100", region="US") == "+12175550100"
    assert phone_renormalised("+1555000", region="US") is None  # unreadable: kept as typed
    assert phone_renormalised("", region="US") == ""
