"""Checkout's figures: shipping (flat, free over a threshold), tax, the totals of an order,
and how long a store takes to prepare a pickup.

``order_totals`` is the one pricing function: lines in, totals and each line's tax out.
Every caller (checkout, the back-office aisle, the API, the cart page and mini-cart) goes
through it, so what a page shows is what the order stores.

Discounts come off each line before its tax is taken (promotions.services.engine: the
automatic promotions that hold, the offers ``codes`` unlock, then an optional POS
``manual_discount`` with a reason); free shipping waives the shipping. Each line carries its
discounts with the promotion (and code) that gave them, so the order stores them per line.
Pass ``channel`` (customers.models.Channel: "web", "store", "api"...), the ``location``
(the till's store, the pickup store; None online: the market's time zone reads the date
window) and the ``customer`` facts (``CustomerFacts``) for the promotions to apply; the
till calls::

    order_totals(lines=..., ships=False, channel="store", location=store,
                 codes=["SAVE10"], customer=customer_facts(customer), tax_region=store.region)

Tax follows the market (omni.markets), on the discounted amounts:

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
from functools import cached_property

from django.conf import settings
from django.utils.translation import gettext as _

from omni.markets import current_market
from omni.money import ZERO, currency, to_money
from orders.errors import ManualDiscountInvalid
from orders.services.sales_tax import state_rate
from promotions.selectors import OfferBook, offer_book, pricing_context
from promotions.services.engine import (
    AppliedOffer,
    CodeRejection,
    LineDiscount,
    PricedLine,
    spread_amount,
)


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
    category (blank: standard), and a ``key`` the caller finds it back by (a variant id).
    The variant, product and category ids say which promotions match it (none: only the
    offers on everything)."""

    unit_price: Decimal
    quantity: int
    tax_class: str = ""
    key: object = None
    variant_id: int | None = None
    product_id: int | None = None
    category_id: int | None = None


@dataclass(frozen=True)
class CustomerFacts:
    """What the promotions may ask about the customer (they cannot read orders):
    ``customer_facts(customer)`` builds it."""

    customer_id: int | None = None
    first_order: bool = False
    marketing_consent: bool = False
    loyalty_member: bool = False


@dataclass(frozen=True)
class ManualDiscount:
    """A discount an associate or a POS gives by hand: ``percent`` off the basket or an
    ``amount`` off it (one of them), with the ``reason`` (kept on the order's lines).
    Bounded by ``OMNI_MAX_MANUAL_DISCOUNT_PERCENT``."""

    reason: str
    percent: Decimal | None = None
    amount: Decimal | None = None


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
    # Off the line, before its tax: the sum of ``discounts`` (each with its promotion).
    discount: Decimal = ZERO
    discounts: tuple[LineDiscount, ...] = ()

    @property
    def charged(self) -> Decimal:
        """What the line costs after its discounts (the tax in it in a VAT market)."""
        return self.line_total - self.discount

    @property
    def net(self) -> Decimal:
        return self.charged - self.tax_amount if self.prices_include_tax else self.charged

    @property
    def gross(self) -> Decimal:
        return self.charged if self.prices_include_tax else self.charged + self.tax_amount


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
    # The offers given (line discounts summed per promotion; free shipping) and the codes
    # refused with their reason; the shipping a free-shipping offer waived.
    applied: tuple[AppliedOffer, ...] = ()
    rejected: tuple[CodeRejection, ...] = ()
    shipping_discount: Decimal = ZERO
    codes: tuple[str, ...] = ()

    @property
    def accepted_codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.code for a in self.applied if a.code))

    @property
    def merchandise_after_discount(self) -> Decimal:
        return self.subtotal - self.discount

    @property
    def total(self) -> Decimal:
        added = ZERO if self.prices_include_tax else self.tax
        return self.subtotal - self.discount + self.shipping + added

    @property
    def bands(self) -> tuple[TaxBand, ...]:
        rows = [(line.charged, line.tax_rate, line.tax_amount) for line in self.lines]
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


class _CustomerFactsOf(CustomerFacts):
    """The facts of a customer, each read on first use (a basket no rule of which asks
    about customers reads nothing)."""

    def __init__(self, customer=None, *, customer_id: int | None = None) -> None:
        object.__setattr__(self, "_given", customer)
        object.__setattr__(self, "customer_id", customer.pk if customer else customer_id)

    @cached_property
    def _customer(self):
        from customers.models import Customer

        return self._given or Customer.objects.get(pk=self.customer_id)

    @cached_property
    def first_order(self) -> bool:
        from orders.models import Order

        return not Order.objects.filter(customer_id=self.customer_id).exists()

    @cached_property
    def marketing_consent(self) -> bool:
        from customers.models import ConsentState, ContactChannel
        from customers.selectors import consent_state

        state = consent_state(customer=self._customer, channel=ContactChannel.EMAIL)
        return state == ConsentState.MARKETING

    @cached_property
    def loyalty_member(self) -> bool:
        return bool(self._customer.loyalty_number)


def customer_facts(customer) -> CustomerFacts:
    """The facts the promotions ask about ``customer`` (a customers Customer or None):
    whether this is their first order, whether they agreed to marketing email, whether
    they are a loyalty member. Read lazily: a query each, only when a rule asks."""
    if customer is None or customer.pk is None:
        return CustomerFacts(first_order=True)
    return _CustomerFactsOf(customer)


def customer_facts_of_id(customer_id: int | None) -> CustomerFacts:
    """``customer_facts`` for a customer known by id (a cart's): nothing is read until a
    rule asks."""
    if customer_id is None:
        return CustomerFacts(first_order=True)
    return _CustomerFactsOf(customer_id=customer_id)


def max_manual_discount_percent() -> Decimal:
    return Decimal(str(getattr(settings, "OMNI_MAX_MANUAL_DISCOUNT_PERCENT", "20")))


def _manual_amounts(
    manual: ManualDiscount, remaining: dict[object, Decimal], code: str
) -> dict[object, Decimal]:
    """The manual discount spread over the lines by what they still cost. Raises
    ManualDiscountInvalid (negative, both or neither given, over the bound)."""
    left = sum(remaining.values(), ZERO)
    if (manual.percent is None) == (manual.amount is None):
        raise ManualDiscountInvalid(_("Give a percentage or an amount."), field="manual_discount")
    if not (manual.reason or "").strip():
        raise ManualDiscountInvalid(_("Say why the discount is given."), field="reason")
    if manual.percent is not None:
        if manual.percent < 0 or manual.percent > 100:
            raise ManualDiscountInvalid(
                _("A percentage is between 0 and 100."), field="manual_discount"
            )
        amount = to_money(left * manual.percent / 100, code)
        percent = manual.percent
    else:
        amount = to_money(manual.amount, code)
        if amount < 0:
            raise ManualDiscountInvalid(
                _("The amount cannot be negative."), field="manual_discount"
            )
        percent = (amount * 100 / left) if left else ZERO
    bound = max_manual_discount_percent()
    if percent > bound:
        raise ManualDiscountInvalid(
            _("A manual discount can be at most %(percent)s%%.")
            % {"percent": format(bound.normalize(), "f")},
            field="manual_discount",
        )
    amount = min(amount, left)
    keys = list(remaining)
    shares = spread_amount(amount, [remaining[k] for k in keys], code)
    return dict(zip(keys, shares, strict=True))


def order_totals(
    *,
    ships: bool,
    lines: Sequence[TaxableLine] | None = None,
    subtotal: Decimal | None = None,
    tax_region: str | None = None,
    channel: str | None = None,
    location=None,
    codes: Sequence[str] = (),
    customer: CustomerFacts | None = None,
    manual_discount: ManualDiscount | None = None,
    now: dt.datetime | None = None,
    offers: OfferBook | None = None,
) -> Totals:
    """The totals of ``lines`` (or of one standard-rate ``subtotal``, for a figure without
    lines), shipped (``ships``) or not, with each line's discounts and tax (see the module
    docstring).

    Shipping is a flat ``OMNI_SHIPPING_FLAT``, free once the merchandise (before
    discounts) reaches ``OMNI_FREE_SHIPPING_OVER``, for pickups and carry-out, and with a
    free-shipping offer. ``tax_region``: the US state the sales tax is charged for (the
    destination's, or the store's for a pickup); None when it is not known yet. VAT
    markets ignore it.

    Promotions apply when ``channel`` is given (the sales channel; None: a figure without
    offers), at ``location`` (a stores Location: the till's or the pickup store), at
    ``now``, for the ``customer`` facts, with the ``codes`` typed (a code that does not
    apply is in ``Totals.rejected`` with its reason and changes nothing). ``offers``: an
    OfferBook already loaded this request (else one is loaded: five queries). A
    ``manual_discount`` (POS, with a reason) comes off last; raises ManualDiscountInvalid
    when it is malformed or over ``OMNI_MAX_MANUAL_DISCOUNT_PERCENT``."""
    market = current_market()
    code = currency()
    inclusive = market.prices_include_tax
    if lines is None:
        lines = [TaxableLine(unit_price=to_money(subtotal or ZERO, code), quantity=1)]
    merchandise = sum((to_money(line.unit_price * line.quantity, code) for line in lines), ZERO)
    shipping = ZERO
    if ships and merchandise < free_shipping_threshold():
        shipping = shipping_flat_rate()

    keyed = [(i if line.key is None else line.key, line) for i, line in enumerate(lines)]
    per_line: dict[object, list[LineDiscount]] = {key: [] for key, _line in keyed}
    applied: tuple[AppliedOffer, ...] = ()
    rejected: tuple[CodeRejection, ...] = ()
    shipping_discount = ZERO
    if channel is not None:
        book = offers if offers is not None else offer_book(now=now)
        if codes:
            book.vouchers_for(codes)  # loads the rules of codes whose offer has ended
        # The customer's facts are read only when a rule asks about them.
        asks = book.asks_about_customers and customer is not None
        facts = (
            customer
            if asks
            else CustomerFacts(customer_id=customer.customer_id if customer else None)
        )
        context = pricing_context(
            channel=channel,
            location=location,
            now=now,
            first_order=facts.first_order,
            marketing_consent=facts.marketing_consent,
            loyalty_member=facts.loyalty_member,
            customer_id=facts.customer_id if book.counts_uses else None,
            code=code,
        )
        result = book.discounts(
            lines=[
                PricedLine(
                    key=key,
                    variant_id=line.variant_id
                    if line.variant_id is not None
                    else (line.key if isinstance(line.key, int) else None),
                    product_id=line.product_id,
                    category_id=line.category_id,
                    unit_price=to_money(line.unit_price, code),
                    quantity=line.quantity,
                )
                for key, line in keyed
            ],
            context=context,
            codes=codes,
        )
        for discount in result.line_discounts:
            per_line[discount.key].append(discount)
        applied, rejected = result.applied, result.rejected
        if result.free_shipping is not None and shipping:
            shipping_discount, shipping = shipping, ZERO
    if manual_discount is not None:
        remaining = {
            key: to_money(line.unit_price * line.quantity, code)
            - sum((d.amount for d in per_line[key]), ZERO)
            for key, line in keyed
        }
        label = _("Manual discount: %(reason)s") % {"reason": manual_discount.reason.strip()}
        given = ZERO
        for key, amount in _manual_amounts(manual_discount, remaining, code).items():
            if amount:
                given += amount
                per_line[key].append(
                    LineDiscount(key=key, amount=amount, label=label, promotion_id=None)
                )
        if given:
            applied = (*applied, AppliedOffer(promotion_id=0, label=label, amount=given))

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
    for key, line in keyed:
        line_total = to_money(line.unit_price * line.quantity, code)
        rate = rate_of(line.tax_class or "standard")
        discounts = tuple(per_line[key])
        discount = min(sum((d.amount for d in discounts), ZERO), line_total)
        priced.append(
            LineTax(
                key=line.key,
                line_total=line_total,
                tax_rate=rate,
                tax_amount=_line_tax(line_total - discount, rate, inclusive=inclusive, code=code),
                prices_include_tax=inclusive,
                discount=discount,
                discounts=discounts,
            )
        )
    # VAT markets tax delivery at the standard rate; US states mostly do not.
    shipping_rate = market.standard_tax_rate if inclusive and shipping else ZERO
    shipping_tax = _line_tax(shipping, shipping_rate, inclusive=inclusive, code=code)
    tax = to_money(sum((line.tax_amount for line in priced), ZERO) + shipping_tax, code)
    return Totals(
        subtotal=to_money(merchandise, code),
        shipping=shipping,
        discount=to_money(sum((line.discount for line in priced), ZERO), code),
        tax=tax,
        prices_include_tax=inclusive,
        lines=tuple(priced),
        shipping_tax=shipping_tax,
        shipping_tax_rate=shipping_rate,
        tax_known=tax_known,
        currency=code,
        applied=applied,
        rejected=rejected,
        shipping_discount=shipping_discount,
        codes=tuple(codes),
    )
