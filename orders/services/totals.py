"""Checkout's figures: shipping (flat, free over a threshold), tax, the totals of an order,
and how long a store takes to prepare a pickup.

``order_totals`` is the one pricing function: lines in, totals and each line's tax out.
Every caller (checkout, the back-office aisle, the API, the cart page and mini-cart) goes
through it, so what a page shows is what the order stores.

Tax follows the market (omni.markets):

- VAT markets (``prices_include_tax``: TH, VN, PH, IR) price shelves with the tax in. A
  line's gross is shelf price × quantity; its tax is gross × rate / (1 + rate) at the rate
  of its category's tax class, rounded to the currency's minor units; the order's total is
  the sum of the gross (tax not added). Shipping is taxed at the standard rate.
- Sales-tax markets (US) add the tax on top: line total × the rate of the destination's
  state for a delivery, of the store's state for a pickup or an in-store sale
  (orders.services.sales_tax); shipping is not taxed. Without a known state (the cart page,
  before an address) the tax is not known yet: ``tax_known`` is False.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from omni.markets import current_market
from omni.money import ZERO, currency, to_money
from orders.services.sales_tax import state_rate


def _decimal_setting(name: str, default: str) -> Decimal:
    return to_money(str(getattr(settings, name, default)))


def shipping_flat_rate() -> Decimal:
    return _decimal_setting("OMNI_SHIPPING_FLAT", "5.95")


def free_shipping_threshold() -> Decimal:
    return _decimal_setting("OMNI_FREE_SHIPPING_OVER", "75.00")


def tax_rate() -> Decimal:
    """The flat rate a sales-tax market charges where its table has no rate
    (``OMNI_TAX_RATE``, the market's standard rate: 0 for the US)."""
    return Decimal(str(getattr(settings, "OMNI_TAX_RATE", "0")))


def pickup_preparation_time() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "OMNI_PICKUP_PREPARATION_MINUTES", 120)))


@dataclass(frozen=True)
class TaxableLine:
    """A line to price: its shelf ``unit_price`` × ``quantity``, the ``tax_class`` of its
    category (blank: standard), and a ``key`` the caller finds it back by (a variant id)."""

    unit_price: Decimal
    quantity: int
    tax_class: str = ""
    key: object = None


@dataclass(frozen=True)
class LineTax:
    """A priced line: ``line_total`` (shelf price × quantity, what the shelf says), the
    ``tax_rate`` applied and the ``tax_amount`` (inside the line total in a VAT market, on
    top of it in a sales-tax market); ``net`` and ``gross`` either way."""

    key: object
    line_total: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    prices_include_tax: bool

    @property
    def net(self) -> Decimal:
        return self.line_total - self.tax_amount if self.prices_include_tax else self.line_total

    @property
    def gross(self) -> Decimal:
        return self.line_total if self.prices_include_tax else self.line_total + self.tax_amount


@dataclass(frozen=True)
class TaxBand:
    """One rate's share of an order: net, tax and gross (a VAT breakdown row)."""

    rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal

    @property
    def percent(self) -> str:
        """The rate as a percentage without trailing zeros: "7", "6.25", "10"."""
        return format((self.rate * 100).normalize(), "f")


def tax_bands(
    rows: Sequence[tuple[Decimal, Decimal, Decimal]], *, prices_include_tax: bool
) -> tuple[TaxBand, ...]:
    """Per rate (highest first), the net, tax and gross of ``rows`` — (amount as charged,
    rate, tax) of each line and of the shipping."""
    bands: dict[Decimal, list[Decimal]] = {}
    for amount, rate, tax in rows:
        band = bands.setdefault(Decimal(rate).normalize(), [ZERO, ZERO, ZERO])
        net = amount - tax if prices_include_tax else amount
        band[0] += net
        band[1] += tax
        band[2] += net + tax
    return tuple(
        TaxBand(rate=rate, net=net, tax=tax, gross=gross)
        for rate, (net, tax, gross) in sorted(bands.items(), reverse=True)
    )


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    shipping: Decimal
    discount: Decimal
    tax: Decimal
    prices_include_tax: bool = False
    lines: tuple[LineTax, ...] = ()
    shipping_tax: Decimal = ZERO
    shipping_tax_rate: Decimal = ZERO
    # False where tax is added at checkout and the state is not known yet.
    tax_known: bool = True
    currency: str = field(default_factory=currency)

    @property
    def total(self) -> Decimal:
        added = ZERO if self.prices_include_tax else self.tax
        return self.subtotal - self.discount + self.shipping + added

    @property
    def bands(self) -> tuple[TaxBand, ...]:
        rows = [(line.line_total, line.tax_rate, line.tax_amount) for line in self.lines]
        if self.shipping:
            rows.append((self.shipping, self.shipping_tax_rate, self.shipping_tax))
        return tax_bands(rows, prices_include_tax=self.prices_include_tax)

    def line_for(self, key: object) -> LineTax:
        return next(line for line in self.lines if line.key == key)


def _line_tax(amount: Decimal, rate: Decimal, *, inclusive: bool, code: str) -> Decimal:
    if not rate:
        return to_money(ZERO, code)
    if inclusive:
        return to_money(amount * rate / (1 + rate), code)
    return to_money(amount * rate, code)


def order_totals(
    *,
    ships: bool,
    lines: Sequence[TaxableLine] | None = None,
    subtotal: Decimal | None = None,
    tax_region: str | None = None,
) -> Totals:
    """The totals of ``lines`` (or of one standard-rate ``subtotal``, for a figure without
    lines), shipped (``ships``) or not, with each line's tax (see the module docstring).

    Shipping is a flat ``OMNI_SHIPPING_FLAT``, free once the merchandise reaches
    ``OMNI_FREE_SHIPPING_OVER`` and for pickups and carry-out. ``tax_region``: the US state
    the sales tax is charged for (the destination's, or the store's for a pickup); None
    when it is not known yet. VAT markets ignore it."""
    market = current_market()
    code = currency()
    inclusive = market.prices_include_tax
    if lines is None:
        lines = [TaxableLine(unit_price=to_money(subtotal or ZERO, code), quantity=1)]
    merchandise = sum((to_money(line.unit_price * line.quantity, code) for line in lines), ZERO)
    shipping = ZERO
    if ships and merchandise < free_shipping_threshold():
        shipping = shipping_flat_rate()
    # Issue 18's discounts come off here, per line, before the tax is taken.
    discount = ZERO

    tax_known = True
    if inclusive:
        rate_of = market.tax_rate
    else:
        rate = state_rate(tax_region) if market.sales_tax_table == "us_states" else None
        if rate is None:
            tax_known = tax_region is not None or market.sales_tax_table != "us_states"
            rate = tax_rate() if tax_known else ZERO

        def rate_of(tax_class: str, _rate: Decimal = rate) -> Decimal:
            # A state's base rate covers every class; a zero-rated class stays zero.
            return ZERO if tax_class == "zero" else _rate

    priced = []
    for line in lines:
        line_total = to_money(line.unit_price * line.quantity, code)
        rate = rate_of(line.tax_class or "standard")
        priced.append(
            LineTax(
                key=line.key,
                line_total=line_total,
                tax_rate=rate,
                tax_amount=_line_tax(line_total, rate, inclusive=inclusive, code=code),
                prices_include_tax=inclusive,
            )
        )
    # VAT markets tax delivery at the standard rate; US states mostly do not.
    shipping_rate = market.standard_tax_rate if inclusive and shipping else ZERO
    shipping_tax = _line_tax(shipping, shipping_rate, inclusive=inclusive, code=code)
    tax = to_money(sum((line.tax_amount for line in priced), ZERO) + shipping_tax, code)
    return Totals(
        subtotal=to_money(merchandise, code),
        shipping=shipping,
        discount=discount,
        tax=tax,
        prices_include_tax=inclusive,
        lines=tuple(priced),
        shipping_tax=shipping_tax,
        shipping_tax_rate=shipping_rate,
        tax_known=tax_known,
        currency=code,
    )
