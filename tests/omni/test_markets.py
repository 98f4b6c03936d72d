"""The market an install sells in (omni.markets): the five markets and their overrides."""

from decimal import Decimal

import pytest

from omni.markets import BUDDHIST, MARKETS, PAYMENT_METHODS, PERSIAN, build_market


@pytest.mark.parametrize("code", ["US", "TH", "VN", "PH", "IR"])
def test_every_market_is_complete(code):
    market = build_market(code)
    assert market.country == code
    assert market.default_language == market.languages[0]
    assert set(market.payment_methods) <= set(PAYMENT_METHODS)
    assert market.distance_unit in ("km", "mi")
    assert isinstance(market.standard_tax_rate, Decimal)


def test_the_standard_rates_are_each_countrys():
    rates = {code: market.standard_tax_rate for code, market in MARKETS.items()}
    assert rates == {
        "US": Decimal("0"),  # sales tax is added at checkout from the state's table
        "TH": Decimal("0.07"),
        "VN": Decimal("0.10"),
        "PH": Decimal("0.12"),
        "IR": Decimal("0.10"),
    }
    assert build_market("VN").tax_rate("reduced") == Decimal("0.05")
    # A class the market has not is taxed at the standard rate.
    assert build_market("TH").tax_rate("reduced") == Decimal("0.07")


def test_calendars():
    assert build_market("TH").calendar_for("th") == BUDDHIST
    assert build_market("IR").calendar_for("fa") == PERSIAN
    assert build_market("US").calendar_for("en") == "gregorian"


def test_overrides_are_typed_and_checked():
    market = build_market("ir", {"currency_display": "", "shipping_flat": "2000000"})
    assert market.code == "IR" and market.currency_display == ""
    assert market.shipping_flat == Decimal("2000000")
    assert build_market("TH", {"tax_rates": {"standard": "0.1"}}).standard_tax_rate == Decimal(
        "0.1"
    )
    with pytest.raises(ValueError, match="expected one of US, TH, VN, PH, IR"):
        build_market("XX")
    with pytest.raises(ValueError, match="'colour' is not a part of a market"):
        build_market("TH", {"colour": "red"})


def test_the_settings_read_the_market(settings):
    from omni.markets import current_market

    settings.OMNI_MARKET_CONFIG = build_market("PH")
    assert current_market().currency == "PHP"
