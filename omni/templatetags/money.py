"""The one money filter for templates: ``{{ amount|money }}`` in the shop's currency, or
``{{ amount|money:order.currency }}`` in the currency the row was stored in. Loaded for
every template (a builtin in settings), so no page types a currency symbol."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from omni.money import format_money

register = template.Library()


@register.filter(name="money")
def money(amount: Decimal | int | str | None, code: str | None = None) -> str:
    """The amount with its currency, as ``omni.money.format_money`` writes it in the
    active language (``$80.00``, ``฿1,200.00``, ``1.234.500 ₫``); blank for None."""
    if amount is None or amount == "":
        return ""
    try:
        return format_money(Decimal(str(amount)), code or None)
    except (InvalidOperation, TypeError, ValueError):
        return ""
