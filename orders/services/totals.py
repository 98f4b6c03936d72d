"""Checkout's figures from the settings: shipping (flat, free over a threshold), tax,
the totals of an order, and how long a store takes to prepare a pickup."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from omni.money import ZERO, to_money


def _decimal_setting(name: str, default: str) -> Decimal:
    return to_money(str(getattr(settings, name, default)))


def shipping_flat_rate() -> Decimal:
    return _decimal_setting("OMNI_SHIPPING_FLAT", "5.95")


def free_shipping_threshold() -> Decimal:
    return _decimal_setting("OMNI_FREE_SHIPPING_OVER", "75.00")


def tax_rate() -> Decimal:
    return Decimal(str(getattr(settings, "OMNI_TAX_RATE", "0")))


def pickup_preparation_time() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "OMNI_PICKUP_PREPARATION_MINUTES", 120)))


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    shipping: Decimal
    discount: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount + self.shipping + self.tax


def order_totals(*, subtotal: Decimal, ships: bool) -> Totals:
    """Shipping is a flat ``OMNI_SHIPPING_FLAT`` (5.95), free once the subtotal reaches
    ``OMNI_FREE_SHIPPING_OVER`` (75.00) and for pickups and carry-out; tax is
    ``OMNI_TAX_RATE`` (0) of the merchandise."""
    subtotal = to_money(subtotal)
    shipping = ZERO
    if ships and subtotal < free_shipping_threshold():
        shipping = shipping_flat_rate()
    discount = ZERO
    tax = to_money((subtotal - discount) * tax_rate())
    return Totals(subtotal=subtotal, shipping=shipping, discount=discount, tax=tax)
