"""Money is Decimal, quantised to cents, in the shop's one currency. Never float."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: Decimal | int | str) -> Decimal:
    """Quantise to cents with commercial rounding; refuses floats (they lose cents)."""
    if isinstance(value, float):
        raise TypeError("Money must not be built from a float; pass a Decimal or a string.")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def currency() -> str:
    return settings.OMNI_CURRENCY


def format_money(amount: Decimal, code: str | None = None) -> str:
    code = code or currency()
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(code)
    text = f"{to_money(amount):,.2f}"
    return f"{symbol}{text}" if symbol else f"{text} {code}"
