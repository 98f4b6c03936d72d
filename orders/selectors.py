"""Reads about carts and orders shared by the storefront, the back-office, the API and the
workers. Each runs a fixed number of queries, whatever the number of orders, lines,
fulfilments or payments."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.core import signing
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Least
from django.utils.translation import gettext as _

from catalog.models import Variant, price_in_force
from catalog.selectors import product_image_columns
from customers.errors import InvalidContact
from customers.models import Customer, CustomerIdentity
from customers.services import normalise_email, normalise_phone
from inventory.models import low_stock_threshold
from inventory.selectors import stock_list
from omni.money import ZERO, to_money
from orders.errors import OrderLinkExpired, OrderLinkInvalid, OrderNotFound
from orders.models import (
    Cart,
    CartLine,
    CartRecoveryStep,
    Fulfilment,
    FulfilmentLine,
    Order,
    OrderLine,
    Payment,
)
from orders.recovery_stages import cart_recovery_stages
from orders.services.numbers import NUMBER_PREFIX, order_number_normalise
from stores.models import Location

# --- variants and stock, as the cart and checkout see them -------------------------------


def price_annotations(ref: str = "pk") -> dict[str, Subquery]:
    """The one price book's current price of the variant ``ref`` points at, as
    annotations: ``price_amount``, ``price_compare_at``, ``price_currency`` (None when the
    variant has no current price). For querysets of variants (``"pk"``) or of rows that
    point at one (``"variant_id"``)."""
    return {
        "price_amount": price_in_force("amount", ref=ref),
        "price_compare_at": price_in_force("compare_at_amount", ref=ref),
        "price_currency": price_in_force("currency", ref=ref),
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

    @cached_property
    def shelf_totals(self):
        """The merchandise alone, before a delivery or a state is chosen (cart pages)."""
        return self.totals(ships=False)

    @cached_property
    def offers(self):
        """The promotions, loaded once for every pricing of this summary."""
        from promotions.selectors import offer_book

        return offer_book()

    def totals(self, *, ships: bool, tax_region: str | None = None, location=None, codes=None):
        """The priced lines through the one pricing function (``order_totals``): what the
        cart page, the mini-cart and the checkout summary show, with the promotions of the
        cart's channel and its code (``codes`` overrides it: a code being tried)."""
        from orders.services.totals import TaxableLine, customer_facts_of_id, order_totals

        if codes is None:
            codes = (self.cart.voucher_code,) if self.cart.voucher_code else ()
        return order_totals(
            lines=[
                TaxableLine(
                    unit_price=row.unit_price,
                    quantity=row.line.quantity,
                    tax_class=row.variant.product.category.tax_class,
                    key=row.line.variant_id,
                    variant_id=row.line.variant_id,
                    product_id=row.variant.product_id,
                    category_id=row.variant.product.category_id,
                )
                for row in self.lines
                if row.unit_price is not None
            ],
            ships=ships,
            tax_region=tax_region,
            channel=self.cart.channel or "web",
            location=location,
            codes=codes,
            customer=customer_facts_of_id(self.cart.customer_id),
            offers=self.offers,
        )

    @property
    def priced_rows(self):
        """(row, its LineTax or None) pairs: each line with its discounts."""
        totals = self.shelf_totals
        by_key = {line.key: line for line in totals.lines}
        return [(row, by_key.get(row.line.variant_id)) for row in self.lines]


def carts_open_of(*, user=None, session_key: str = "") -> QuerySet[Cart]:
    """A shopper's open carts, the most recently active first: a member's (``user``), else
    a device's guest cart (``session_key``). ``.first()`` is the one
    ``cart_get_or_create`` would pick; the header's count and the mini-cart read it too."""
    carts = Cart.objects.filter(status=Cart.Status.OPEN)
    if user is not None and user.is_authenticated:
        carts = carts.filter(user=user)
    else:
        carts = carts.filter(session_key=session_key, user__isnull=True)
    return carts.order_by("-last_activity_at", "-pk")


def cart_summary(*, cart: Cart) -> CartSummary:
    """The cart as the shopper sees it: each line with its variant and product, the
    current price, the line total and how many can still be bought; the subtotal.
    Three queries, whatever the number of lines."""
    lines = list(
        CartLine.objects.filter(cart=cart)
        .select_related("variant__product")
        .annotate(
            **product_image_columns(product_ref="variant__product", colour_ref="variant__colour")
        )
    )
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


def _order_lines_with_images() -> QuerySet[OrderLine]:
    # The image of the product in the colour bought, for the line's thumbnail.
    return OrderLine.objects.annotate(
        **product_image_columns(product_ref="variant__product", colour_ref="colour")
    )


def _order_detail_prefetches() -> list[Prefetch | str]:
    return [
        Prefetch("lines", queryset=_order_lines_with_images().order_by("pk")),
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


def order_detail(
    *, number: str, customer: Customer | None = None, with_discounts: bool = False
) -> Order:
    """One order by its number (normalised), with customer, location, associate, lines,
    fulfilments and payments (with refunds) loaded; ``with_discounts``: each line's
    discounts too (one query more: the pages that list them). With ``customer``, only
    that customer's order is found (the storefront's account pages). Raises
    OrderNotFound."""
    prefetches = _order_detail_prefetches()
    if with_discounts:
        prefetches.append("lines__discounts")
    qs = Order.objects.select_related("customer", "location", "associate").prefetch_related(
        *prefetches
    )
    if customer is not None:
        qs = qs.filter(customer=customer)
    order = qs.filter(number=order_number_normalise(number)).first()
    if order is None:
        raise OrderNotFound(_("We could not find that order."), number=number)
    return order


def last_shipping_address(*, customer: Customer) -> dict:
    """The address the customer's latest shipped order went to ({} when none): what an
    associate's order for them starts from. One query."""
    address = (
        Order.objects.filter(customer=customer)
        .exclude(shipping_address={})
        .order_by("-placed_at", "-pk")
        .values_list("shipping_address", flat=True)
        .first()
    )
    return dict(address or {})


# --- order-status links (a guest's way back to their order, from an email) --------------

ORDER_LINK_SALT = "orders.order-status-link"


def order_link_max_age() -> dt.timedelta:
    return dt.timedelta(days=int(getattr(settings, "OMNI_ORDER_LINK_MAX_AGE_DAYS", 180)))


def order_status_token(order: Order) -> str:
    """A signed, timestamped token naming the order, for ``/orders/status/<token>/``: a
    guest opens their order from an email without an account to log in to."""
    return signing.TimestampSigner(salt=ORDER_LINK_SALT).sign(order.number)


def order_for_status_token(*, token: str, max_age: dt.timedelta | None = None) -> Order:
    """The order an order-status link names, loaded like ``order_detail``. Raises
    OrderLinkInvalid (tampered or unknown) or OrderLinkExpired (older than ``max_age``,
    default ``OMNI_ORDER_LINK_MAX_AGE_DAYS``)."""
    try:
        number = signing.TimestampSigner(salt=ORDER_LINK_SALT).unsign(
            token, max_age=order_link_max_age() if max_age is None else max_age
        )
    except signing.SignatureExpired:
        raise OrderLinkExpired(_("This link to your order has expired.")) from None
    except signing.BadSignature:
        raise OrderLinkInvalid(_("This link is not valid.")) from None
    try:
        return order_detail(number=number)
    except OrderNotFound:
        raise OrderLinkInvalid(_("This link is not valid.")) from None


ACTIVE_PICKUP_STATUSES = (
    Fulfilment.Status.PLACED,
    Fulfilment.Status.PICKING,
    Fulfilment.Status.READY,
)


def pickup_queue(
    *, location: Location | int, statuses: Sequence[str] | None = None
) -> QuerySet[Fulfilment]:
    """A store's pickups (default: placed, picking and ready), with order, customer and
    lines (with their order line) loaded; pickups whose transferred items just all
    arrived ("all items here", latest first) on top, then the ones expected soonest. Two
    queries for any queue length."""
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
                queryset=FulfilmentLine.objects.select_related("order_line")
                .annotate(
                    **product_image_columns(
                        product_ref="order_line__variant__product", colour_ref="order_line__colour"
                    )
                )
                .order_by("pk"),
            )
        )
        .order_by(
            F("all_items_here_at").desc(nulls_last=True),
            "hold_until",
            "expected_ready_at",
            "created_at",
            "pk",
        )
    )


# --- the back-office customer screen (customers.backoffice.record reads these) ------------


def customer_ids_for_order_query(*, query: str, limit: int = 20) -> list[int]:
    """The customers whose orders match what an associate typed or scanned in the customer
    search (an order number, the code on a receipt; see ``order_find``), newest order
    first. 1 query."""
    ids = order_find(query=query).values_list("customer_id", flat=True)[: limit * 3]
    return list(dict.fromkeys(ids))[:limit]


def order_lines_for_customer(*, customer: Customer, limit: int = 30) -> list[OrderLine]:
    """What the customer bought, item by item, in every channel: the latest ``limit``
    order lines, newest first, with the order and where it was placed joined. 1 query."""
    return list(
        OrderLine.objects.filter(order__customer=customer)
        .select_related("order__location", "variant__product")
        .order_by("-order__placed_at", "-order_id", "pk")[:limit]
    )


def carts_open_for_customer(*, customer: Customer) -> list[Cart]:
    """The customer's open carts that hold something, most recently touched first, with
    lines (variant and product) loaded; each has ``is_abandoned`` (idle past the first
    abandoned-cart delay). 2 queries."""
    import datetime as dt

    from django.utils import timezone

    first_delay = (cart_recovery_stages() or [60])[0]
    idle_since = timezone.now() - dt.timedelta(minutes=first_delay)
    carts = list(
        Cart.objects.filter(customer=customer, status=Cart.Status.OPEN, lines__isnull=False)
        .distinct()
        .select_related("store")
        .prefetch_related(
            Prefetch("lines", queryset=CartLine.objects.select_related("variant__product"))
        )
        .order_by("-last_activity_at")[:10]
    )
    for cart in carts:
        cart.is_abandoned = cart.last_activity_at < idle_since
    return carts


def customer_record_orders(*, customer: Customer) -> dict:
    """Orders' part of the back-office customer 360: purchase history by item and open or
    abandoned carts. 3 queries."""
    return {
        "purchases": order_lines_for_customer(customer=customer),
        "carts": carts_open_for_customer(customer=customer),
    }


def pickup_counts(*, location: Location | int, soon: dt.datetime | None = None) -> dict[str, int]:
    """How many of a store's pickups are in each status (every status present, 0 when
    none), plus ``expiring_soon``: ready pickups whose hold ends by ``soon``. One query."""
    location_id = location.pk if isinstance(location, Location) else location
    rows = (
        Fulfilment.objects.filter(location_id=location_id, kind=Fulfilment.Kind.PICKUP)
        .order_by()
        .values("status")
        .annotate(total=Count("pk"))
        .values_list("status", "total")
    )
    counts = dict.fromkeys(Fulfilment.Status.values, 0)
    counts["expiring_soon"] = 0
    for status, total in rows:
        counts[status] = total
    if soon is not None:
        counts["expiring_soon"] = Fulfilment.objects.filter(
            location_id=location_id,
            kind=Fulfilment.Kind.PICKUP,
            status=Fulfilment.Status.READY,
            hold_until__lte=soon,
        ).count()
    return counts


def pickups_for_order_code(*, code: str) -> QuerySet[Fulfilment]:
    """The pickups of the order whose code was typed or scanned (the order number, any
    case or spacing), with their location joined. One query."""
    number = order_number_normalise(code or "")
    if not number:
        return Fulfilment.objects.none()
    return (
        Fulfilment.objects.filter(order__number=number, kind=Fulfilment.Kind.PICKUP)
        .select_related("location", "order")
        .order_by("pk")
    )


# --- abandoned-cart recovery metrics ---------------------------------------------------------


@dataclass(frozen=True)
class RecoveryStageMetrics:
    stage: int  # 1 = the first email
    delay_minutes: int | None  # idle time before it (from the current setting)
    sent: int  # emails sent
    clicked: int  # emails whose restore link was opened at least once
    tasks: int  # store follow-ups created (high-value carts)
    recovered_orders: int
    recovered_value: Decimal

    @property
    def click_rate(self) -> float:
        return self.clicked / self.sent if self.sent else 0.0

    @property
    def recovery_rate(self) -> float:
        return self.recovered_orders / self.sent if self.sent else 0.0


@dataclass(frozen=True)
class RecoveryMetrics:
    since: dt.datetime | None
    until: dt.datetime | None
    attribution_days: int
    stages: tuple[RecoveryStageMetrics, ...]

    @property
    def sent(self) -> int:
        return sum(s.sent for s in self.stages)

    @property
    def clicked(self) -> int:
        return sum(s.clicked for s in self.stages)

    @property
    def recovered_orders(self) -> int:
        return sum(s.recovered_orders for s in self.stages)

    @property
    def recovered_value(self) -> Decimal:
        return sum((s.recovered_value for s in self.stages), ZERO)


def cart_recovery_metrics(
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    store: Location | int | None = None,
) -> RecoveryMetrics:
    """Abandoned-cart recovery per stage, for the steps done in [since, until): emails
    sent, restore links clicked, store tasks, and the orders recovered — an order of the
    cart (or of the cart its restore link filled) placed within
    ``OMNI_RECOVERY_ATTRIBUTION_DAYS`` (7) of the email, credited to the last stage sent
    before it — with their value. ``store``: carts of that store or of its customers.
    One query, whatever the number of carts."""
    days = int(getattr(settings, "OMNI_RECOVERY_ATTRIBUTION_DAYS", 7))
    window = dt.timedelta(days=days)
    steps = CartRecoveryStep.objects.all()
    if since is not None:
        steps = steps.filter(created_at__gte=since)
    if until is not None:
        steps = steps.filter(created_at__lt=until)
    if store is not None:
        store_id = getattr(store, "pk", store)
        steps = steps.filter(Q(cart__store_id=store_id) | Q(cart__customer__home_store_id=store_id))
    next_step_at = (
        CartRecoveryStep.objects.filter(cart_id=OuterRef("cart_id"), stage__gt=OuterRef("stage"))
        .order_by("stage")
        .values("created_at")[:1]
    )
    recovered_total = (
        Order.objects.filter(
            Q(cart_id=OuterRef("cart_id")) | Q(cart_id=OuterRef("restored_into_id")),
            placed_at__gte=OuterRef("created_at"),
            placed_at__lt=OuterRef("window_end"),
        )
        .exclude(status=Order.Status.CANCELLED)
        .order_by("placed_at", "pk")
        .values("total")[:1]
    )
    rows = (
        steps.annotate(
            window_end=Least(
                F("created_at") + window,
                Coalesce(Subquery(next_step_at), F("created_at") + window),
            )
        )
        .annotate(recovered_total=Subquery(recovered_total))
        .values("stage")
        .annotate(
            sent=Count("pk", filter=Q(emailed=True)),
            clicked=Count("pk", filter=Q(emailed=True, first_clicked_at__isnull=False)),
            tasks=Count("task_id"),
            recovered_orders=Count("recovered_total"),
            recovered_value=Sum("recovered_total"),
        )
        .order_by("stage")
    )
    found = {row["stage"]: row for row in rows}
    delays = cart_recovery_stages()
    numbers = sorted(set(range(1, len(delays) + 1)) | set(found))
    return RecoveryMetrics(
        since=since,
        until=until,
        attribution_days=days,
        stages=tuple(
            RecoveryStageMetrics(
                stage=n,
                delay_minutes=delays[n - 1] if n <= len(delays) else None,
                sent=found.get(n, {}).get("sent", 0),
                clicked=found.get(n, {}).get("clicked", 0),
                tasks=found.get(n, {}).get("tasks", 0),
                recovered_orders=found.get(n, {}).get("recovered_orders", 0),
                recovered_value=to_money(found.get(n, {}).get("recovered_value") or 0),
            )
            for n in numbers
        ),
    )


def pickup_transfers_incoming(
    *, location: Location | int, order_ids: Iterable[int]
) -> dict[int, dict]:
    """{order id: {"expected_at", "source"}} for the orders among ``order_ids`` whose
    pickup at ``location`` still waits for a transfer (requested or on its way): the
    latest expected arrival and where it comes from. One query, however many orders."""
    from inventory.models import Transfer

    location_id = location.pk if isinstance(location, Location) else location
    ids = [str(pk) for pk in order_ids]
    if not ids:
        return {}
    incoming: dict[int, dict] = {}
    for transfer in (
        Transfer.objects.filter(
            reference_type="orders.order",
            reference_id__in=ids,
            destination_id=location_id,
            status__in=[Transfer.Status.REQUESTED, Transfer.Status.SHIPPED],
        )
        .select_related("source")
        .order_by("expected_at", "pk")
    ):
        incoming[int(transfer.reference_id)] = {
            "expected_at": transfer.expected_at,
            "source": transfer.source,
        }
    return incoming


def shipment_queue(*, location: Location | int, statuses: Sequence[str]) -> QuerySet[Fulfilment]:
    """A store's delivery fulfilments (ship from store) in the given statuses, oldest
    first, with order, customer and lines (order line, variant, product images) loaded.
    Four queries for any queue length."""
    location_id = location.pk if isinstance(location, Location) else location
    return (
        Fulfilment.objects.filter(
            location_id=location_id, kind=Fulfilment.Kind.SHIP, status__in=list(statuses)
        )
        .select_related("order__customer", "location")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=FulfilmentLine.objects.select_related(
                    "order_line__variant__product"
                ).order_by("pk"),
            ),
            "lines__order_line__variant__product__images",
        )
        .order_by("created_at", "pk")
    )


def shipment_counts(*, location: Location | int) -> dict[str, int]:
    """How many of a store's delivery fulfilments are in each status. One query."""
    location_id = location.pk if isinstance(location, Location) else location
    counts = dict.fromkeys(Fulfilment.Status.values, 0)
    counts.update(
        Fulfilment.objects.filter(location_id=location_id, kind=Fulfilment.Kind.SHIP)
        .order_by()
        .values("status")
        .annotate(total=Count("pk"))
        .values_list("status", "total")
    )
    return counts


def order_transfers(*, order: Order) -> list:
    """The transfers made for an order (its pickup waiting for stock from another
    store), sources loaded, oldest first. One query."""
    from inventory.models import Transfer

    return list(
        Transfer.objects.filter(reference_type="orders.order", reference_id=str(order.pk))
        .select_related("source")
        .order_by("pk")
    )


@dataclass(frozen=True)
class OrderTax:
    """How an order's tax reads on its receipts, from what the order stored (an old order
    reads as it was sold, whatever the market is now): per rate the net, tax and gross;
    whether the prices included it; and who sold it (name, address, tax ID)."""

    prices_include_tax: bool
    bands: tuple
    tax_total: Decimal
    seller_name: str
    seller_address: str
    seller_tax_id: str

    @property
    def shows_breakdown(self) -> bool:
        return self.prices_include_tax and bool(self.bands)

    @property
    def net_total(self) -> Decimal:
        return sum((band.net for band in self.bands), ZERO)

    @property
    def gross_total(self) -> Decimal:
        return sum((band.gross for band in self.bands), ZERO)

    @property
    def single_rate(self) -> str:
        """The one rate charged ("7"), or "" when lines carry different rates."""
        rates = {band.percent for band in self.bands}
        return rates.pop() if len(rates) == 1 else ""


def order_tax(*, order: Order) -> OrderTax:
    """The tax breakdown of ``order`` (its lines, prefetched or one query)."""
    from orders.services.totals import tax_bands

    rows = [(line.charged_total, line.tax_rate, line.tax_amount) for line in order.lines.all()]
    if order.shipping_total:
        rows.append((order.shipping_total, order.shipping_tax_rate, order.shipping_tax))
    seller = order_seller()
    return OrderTax(
        prices_include_tax=order.prices_include_tax,
        bands=tax_bands(rows, prices_include_tax=order.prices_include_tax),
        tax_total=order.tax_total,
        seller_name=seller.name,
        seller_address=seller.address,
        seller_tax_id=seller.tax_id,
    )


@dataclass(frozen=True)
class Seller:
    name: str
    address: str
    tax_id: str


def order_seller() -> Seller:
    """Who sells: the market's legal name (else ``OMNI_SITE_NAME``), address and tax ID."""
    from omni.markets import current_market

    market = current_market()
    return Seller(
        name=market.seller_name or settings.OMNI_SITE_NAME,
        address=market.seller_address,
        tax_id=market.seller_tax_id,
    )
