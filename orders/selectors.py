"""Reads about carts and orders shared by the storefront, the back-office, the API and the
workers. Each runs a fixed number of queries, whatever the number of orders, lines,
fulfilments or payments."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery, Sum

from catalog.models import Price, Variant
from customers.errors import InvalidContact
from customers.models import Customer, CustomerIdentity
from customers.services import normalise_email, normalise_phone
from inventory.models import low_stock_threshold
from inventory.selectors import stock_list
from omni.money import ZERO, to_money
from orders.errors import OrderNotFound
from orders.models import Cart, CartLine, Fulfilment, FulfilmentLine, Order, OrderLine, Payment
from orders.services.numbers import NUMBER_PREFIX, order_number_normalise
from stores.models import Location

# --- variants and stock, as the cart and checkout see them -------------------------------


def _current_price(field: str, ref: str) -> Subquery:
    return Subquery(
        Price.objects.current()
        .filter(variant_id=OuterRef(ref))
        .order_by("-valid_from")
        .values(field)[:1]
    )


def price_annotations(ref: str = "pk") -> dict[str, Subquery]:
    """The one price book's current price of the variant ``ref`` points at, as
    annotations: ``price_amount``, ``price_compare_at``, ``price_currency`` (None when the
    variant has no current price). For querysets of variants (``"pk"``) or of rows that
    point at one (``"variant_id"``)."""
    return {
        "price_amount": _current_price("amount", ref),
        "price_compare_at": _current_price("compare_at_amount", ref),
        "price_currency": _current_price("currency", ref),
    }


def variants_priced(*, variant_ids: Iterable[int]) -> QuerySet[Variant]:
    """Variants with product and category joined and their current price annotated (see
    ``price_annotations``). One query."""
    return (
        Variant.objects.filter(pk__in=list(variant_ids))
        .select_related("product__category")
        .annotate(**price_annotations("pk"))
    )


def variants_sellable(*, variant_ids: Iterable[int]) -> dict[int, Variant]:
    """{variant_id: variant} for the variants that can be bought now: active, of an
    active product, with a current price (annotated as in ``variants_priced``)."""
    return {
        v.pk: v
        for v in variants_priced(variant_ids=variant_ids)
        if v.is_active and v.product.is_active and v.price_amount is not None
    }


def salable_for_sale(*, variant_ids: Iterable[int]) -> dict[int, int]:
    """{variant_id: units} a shopper may still buy: salable stock (on-hand − reserved −
    safety stock) summed over the active locations that ship online orders and the active
    stores that offer pickup. Variants with none are absent. One query."""
    rows = (
        stock_list(variant_ids=variant_ids)
        .filter(location__is_active=True, salable__gt=0)
        .filter(
            Q(location__ships_online_orders=True)
            | Q(location__offers_pickup=True, location__kind=Location.Kind.STORE)
        )
        .order_by()
        .values("variant_id")
        .annotate(total=Sum("salable"))
        .values_list("variant_id", "total")
    )
    return {variant_id: int(total) for variant_id, total in rows}


# --- carts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CartSummaryLine:
    line: CartLine
    variant: Variant
    unit_price: Decimal | None  # None: no longer sold
    compare_at: Decimal | None
    line_total: Decimal
    available: int  # units that can still be bought

    @property
    def is_available(self) -> bool:
        return self.unit_price is not None and self.available >= self.line.quantity

    @property
    def only_few_left(self) -> bool:
        return 0 < self.available <= low_stock_threshold()


@dataclass(frozen=True)
class CartSummary:
    cart: Cart
    lines: tuple[CartSummaryLine, ...]
    subtotal: Decimal
    item_count: int

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def can_check_out(self) -> bool:
        return bool(self.lines) and all(line.is_available for line in self.lines)


def cart_summary(*, cart: Cart) -> CartSummary:
    """The cart as the shopper sees it: each line with its variant and product, the
    current price, the line total and how many can still be bought; the subtotal.
    Three queries, whatever the number of lines."""
    lines = list(CartLine.objects.filter(cart=cart).select_related("variant__product"))
    ids = [line.variant_id for line in lines]
    priced = {v.pk: v for v in variants_priced(variant_ids=ids)} if ids else {}
    salable = salable_for_sale(variant_ids=ids) if ids else {}
    rows = []
    subtotal = ZERO
    count = 0
    for line in lines:
        variant = priced.get(line.variant_id, line.variant)
        sold = (
            getattr(variant, "price_amount", None) is not None
            and variant.is_active
            and variant.product.is_active
        )
        unit = to_money(variant.price_amount) if sold else None
        total = to_money(unit * line.quantity) if unit is not None else ZERO
        rows.append(
            CartSummaryLine(
                line=line,
                variant=variant,
                unit_price=unit,
                compare_at=getattr(variant, "price_compare_at", None) if sold else None,
                line_total=total,
                available=salable.get(line.variant_id, 0),
            )
        )
        subtotal += total
        count += line.quantity
    return CartSummary(cart=cart, lines=tuple(rows), subtotal=subtotal, item_count=count)


# --- orders -------------------------------------------------------------------------------

_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-]{7,}$")


def _order_detail_prefetches() -> list[Prefetch | str]:
    return [
        Prefetch("lines", queryset=OrderLine.objects.order_by("pk")),
        Prefetch(
            "fulfilments",
            queryset=Fulfilment.objects.select_related("location").prefetch_related(
                Prefetch("lines", queryset=FulfilmentLine.objects.order_by("pk"))
            ),
        ),
        Prefetch("payments", queryset=Payment.objects.prefetch_related("refunds")),
    ]


def order_find(*, query: str) -> QuerySet[Order]:
    """Orders matching what an associate typed or scanned: an order number (any case,
    spaces or dashes anywhere: " w 000-1234 "; the digits alone also match), the order
    code scanned from a receipt or email (it encodes the number), an email address or a
    phone number (normalised; orders placed with it and orders of the customer who owns
    it). Customer and location joined, newest first; empty for an empty query."""
    text = (query or "").strip()
    if not text:
        return Order.objects.none()
    condition = Q()
    compact = order_number_normalise(text)
    if compact[:1] in NUMBER_PREFIX.values() and compact[1:].isdigit():
        condition |= Q(number=compact)
    elif compact.isdigit() and len(compact) >= 6:
        # Digits alone: the number under any channel letter (an index lookup each).
        condition |= Q(number__in=[prefix + compact for prefix in NUMBER_PREFIX.values()])
    if "@" in text:
        try:
            email = normalise_email(text)
        except InvalidContact:
            email = ""
        if email:
            owners = CustomerIdentity.objects.filter(
                kind=CustomerIdentity.Kind.EMAIL, value=email
            ).values("customer_id")
            condition |= Q(email=email) | Q(customer_id__in=owners)
    elif _PHONE_LIKE.match(text):
        try:
            phone = normalise_phone(text)
        except InvalidContact:
            phone = ""
        if phone:
            owners = CustomerIdentity.objects.filter(
                kind=CustomerIdentity.Kind.PHONE, value=phone
            ).values("customer_id")
            condition |= Q(phone=phone) | Q(customer_id__in=owners)
    if not condition:
        return Order.objects.none()
    return (
        Order.objects.filter(condition)
        .select_related("customer", "location")
        .order_by("-placed_at", "-pk")
    )


def orders_for_customer(*, customer: Customer) -> QuerySet[Order]:
    """A customer's orders from every channel, newest first, with lines, fulfilments
    (and their location and lines) and payments prefetched: six queries for any number
    of orders."""
    return (
        Order.objects.filter(customer=customer)
        .select_related("location", "associate")
        .prefetch_related(*_order_detail_prefetches())
        .order_by("-placed_at", "-pk")
    )


def order_detail(*, number: str, customer: Customer | None = None) -> Order:
    """One order by its number (normalised), with customer, location, associate, lines,
    fulfilments and payments (with refunds) loaded. With ``customer``, only that
    customer's order is found (the storefront's account pages). Raises OrderNotFound."""
    qs = Order.objects.select_related("customer", "location", "associate").prefetch_related(
        *_order_detail_prefetches()
    )
    if customer is not None:
        qs = qs.filter(customer=customer)
    order = qs.filter(number=order_number_normalise(number)).first()
    if order is None:
        raise OrderNotFound("We could not find that order.", number=number)
    return order


ACTIVE_PICKUP_STATUSES = (
    Fulfilment.Status.PLACED,
    Fulfilment.Status.PICKING,
    Fulfilment.Status.READY,
)


def pickup_queue(
    *, location: Location | int, statuses: Sequence[str] | None = None
) -> QuerySet[Fulfilment]:
    """A store's pickups (default: placed, picking and ready), with order, customer and
    lines (with their order line) loaded; the ones expected soonest first. Two queries
    for any queue length."""
    location_id = location.pk if isinstance(location, Location) else location
    return (
        Fulfilment.objects.filter(
            location_id=location_id,
            kind=Fulfilment.Kind.PICKUP,
            status__in=list(statuses or ACTIVE_PICKUP_STATUSES),
        )
        .select_related("order__customer", "location")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=FulfilmentLine.objects.select_related("order_line").order_by("pk"),
            )
        )
        .order_by("hold_until", "expected_ready_at", "created_at", "pk")
    )
