"""Money is Decimal, quantised to its currency's minor units, with its currency. Never float.

A currency's minor units come from CLDR (babel): two for USD, THB and PHP (cents, satang,
sentimo), none for VND and IRR (whole dong and rial).
"""

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.conf import settings

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def currency() -> str:
    """The install's currency (the market's, ``OMNI_CURRENCY`` overrides)."""
    return settings.OMNI_CURRENCY


@lru_cache(maxsize=64)
def minor_units(code: str | None = None) -> int:
    """How many decimals the currency has (2 for USD, 0 for VND)."""
    from babel.numbers import get_currency_precision

    return get_currency_precision((code or currency()).upper())


def smallest_unit(code: str | None = None) -> Decimal:
    """The smallest amount of the currency: 0.01 for USD, 1 for VND."""
    return Decimal(1).scaleb(-minor_units(code))


def to_money(value: Decimal | int | str, code: str | None = None) -> Decimal:
    """Quantise to the currency's minor units (the install's currency unless ``code`` is
    given) with commercial rounding; refuses floats (they lose cents)."""
    if isinstance(value, float):
        raise TypeError("Money must not be built from a float; pass a Decimal or a string.")
    return Decimal(value).quantize(smallest_unit(code), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, code: str | None = None) -> str:
    code = code or currency()
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(code)
    text = f"{to_money(amount, code):,.{minor_units(code)}f}"
    return f"{symbol}{text}" if symbol else f"{text} {code}"
