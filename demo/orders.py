"""Order history across channels, written in chunks: orders with their lines (snapshots of
name, SKU, size, colour and price), fulfilments (shipped from the nearest location that
ships, carried out in store, or picked up in every state of the queue), payments, the
converted carts behind some web orders, loyalty points, a timeline entry per order, and
pickup holds for pickups still waiting.

Orders are history: they do not move stock (the opening balance is today's count). The
exception is a pickup still in the queue (placed, picking, ready): it holds its units
with an active PICKUP reservation, and the stock row's ``reserved`` matches, within
on-hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.db import transaction

from customers.models import Channel, Interaction, LoyaltyEntry
from demo.config import HISTORY_DAYS
from demo.randomness import token_for, weighted
from demo.rows import Row
from demo.shopping import Assortment
from demo.world import (
    NOT_STOCKED,
    AssociateRow,
    CustomerRow,
    DemoWorld,
    LocationRow,
    VariantRow,
)
from inventory.models import Reservation, Stock
from omni import stored_text
from omni.markets import current_market
from omni.money import ZERO, currency, money_param, to_money
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
from orders.services.sales_tax import state_rate

NUMBER_PREFIX = {
    Channel.WEB: "W",
    Channel.APP: "A",
    Channel.STORE: "S",
    Channel.PHONE: "P",
    Channel.MARKETPLACE: "M",
}
CHANNEL_ODDS = (
    (Channel.WEB, 0.42), (Channel.APP, 0.15), (Channel.STORE, 0.28), (Channel.PHONE, 0.05),
    (Channel.MARKETPLACE, 0.10),
)  # fmt: skip
# The last three days lean online with more pickups: they fill today's queues.
RECENT_CHANNEL_ODDS = (
    (Channel.WEB, 0.45), (Channel.APP, 0.25), (Channel.STORE, 0.2), (Channel.PHONE, 0.05),
    (Channel.MARKETPLACE, 0.05),
)  # fmt: skip
RECENT_DAYS = 3
# The US demo's own shipping terms; another market's are its install's (omni.markets).
FREE_SHIPPING_FROM = Decimal("100.00")
SHIPPING_FEE = Decimal("7.95")
WELCOME_DISCOUNT = Decimal("0.10")
ACTIVE_PICKUP = (Fulfilment.Status.PLACED, Fulfilment.Status.PICKING, Fulfilment.Status.READY)
DONE = (Fulfilment.Status.DELIVERED, Fulfilment.Status.COLLECTED)


def _line_tax(plan, line) -> dict:
    """The tax columns of a demo order line: a VAT market's rate and the VAT inside the
    line; a US line keeps the order-level sales tax only (its figures predate per-line tax)."""
    if plan.terms.vat_rates is None:
        return {}
    rate, tax = plan.line_vat(line)
    return {"tax_rate": rate, "tax_amount": tax}


def sales_tax_rate(region: str) -> Decimal:
    # The checkout's own state table (orders.services.sales_tax); a region it does not
    # know (a demo address abroad) at a typical 6%.
    rate = state_rate(region)
    return Decimal("0.06") if rate is None else rate


@dataclass(frozen=True)
class TaxTerms:
    """How an order is taxed and charged for shipping: US sales tax added by the state's
    rate, or VAT included in the shelf price at its tax class's rate (omni.markets)."""

    shipping_fee: Decimal
    free_shipping_from: Decimal
    # None: US sales tax by region; else VAT rate by tax class, included in prices.
    vat_rates: dict[str, Decimal] | None = None

    @classmethod
    def for_world(cls, world: DemoWorld) -> TaxTerms:
        if world.market.us_sales_tax:
            return cls(SHIPPING_FEE, FREE_SHIPPING_FROM)
        market = current_market()
        return cls(
            to_money(market.shipping_flat),
            to_money(market.free_shipping_over),
            {tax_class: market.tax_rate(tax_class) for tax_class in market.tax_rates},
        )

    def vat_rate(self, tax_class: str) -> Decimal:
        return self.vat_rates.get(tax_class, self.vat_rates.get("standard", ZERO))


US_TERMS = TaxTerms(SHIPPING_FEE, FREE_SHIPPING_FROM)


@dataclass
class LinePlan:
    variant: VariantRow
    product_name: str
    is_final_sale: bool
    quantity: int
    tax_class: str = "standard"

    @cached_property
    def line_total(self) -> Decimal:
        return to_money(self.variant.price * self.quantity)


@dataclass
class FulfilmentPlan:
    kind: str
    status: str
    location: LocationRow
    lines: list[int]  # positions in the order's lines
    expected_ready_at: dt.datetime | None = None
    ready_at: dt.datetime | None = None
    hold_until: dt.datetime | None = None
    shipped_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    collected_at: dt.datetime | None = None
    tracking_number: str = ""


@dataclass
class PaymentPlan:
    provider: str
    status: str
    reference: str
    card_last4: str = ""
    failure_code: str = ""
    failure_message: str = ""


@dataclass
class OrderPlan:
    """One order before it is written. Totals are computed once, when first read (after
    planning is complete)."""

    index: int
    number: str
    channel: str
    customer: CustomerRow
    placed_at: dt.datetime
    location: LocationRow | None
    associate: AssociateRow | None
    tax_region: str
    shipping_address: dict
    external_reference: str
    lines: list[LinePlan] = field(default_factory=list)
    fulfilments: list[FulfilmentPlan] = field(default_factory=list)
    payments: list[PaymentPlan] = field(default_factory=list)
    discount_rate: Decimal = ZERO
    with_cart: bool = False
    # The cart was abandoned and this order came from its reminder email: when it was sent.
    reminded_at: dt.datetime | None = None
    terms: TaxTerms = US_TERMS

    @cached_property
    def subtotal(self) -> Decimal:
        return sum((line.line_total for line in self.lines), ZERO)

    @cached_property
    def discount_total(self) -> Decimal:
        return to_money(self.subtotal * self.discount_rate)

    @cached_property
    def shipping_total(self) -> Decimal:
        ships = any(f.kind == Fulfilment.Kind.SHIP for f in self.fulfilments)
        free_from = self.terms.free_shipping_from
        if not ships or self.channel == Channel.MARKETPLACE or self.subtotal >= free_from:
            return ZERO
        return self.terms.shipping_fee

    def line_vat(self, line: LinePlan) -> tuple[Decimal, Decimal]:
        """A VAT market's (rate, tax) of a line: the VAT inside its price after the
        discount, at its tax class's rate (orders.services.totals computes a checkout's
        the same way)."""
        rate = self.terms.vat_rate(line.tax_class)
        return rate, to_money(line.line_total * (1 - self.discount_rate) * rate / (1 + rate))

    @cached_property
    def shipping_vat(self) -> tuple[Decimal, Decimal]:
        """A VAT market's (rate, tax) of the delivery: the standard rate, inside the fee."""
        if self.terms.vat_rates is None:
            return ZERO, ZERO
        rate = self.terms.vat_rate("standard")
        return rate, to_money(self.shipping_total * rate / (1 + rate))

    @cached_property
    def tax_total(self) -> Decimal:
        if self.terms.vat_rates is None:
            return to_money((self.subtotal - self.discount_total) * sales_tax_rate(self.tax_region))
        lines = sum((self.line_vat(line)[1] for line in self.lines), ZERO)
        return lines + self.shipping_vat[1]

    @cached_property
    def total(self) -> Decimal:
        total = self.subtotal - self.discount_total + self.shipping_total
        # Sales tax is added to the price; VAT is already in it.
        return total + self.tax_total if self.terms.vat_rates is None else total

    @cached_property
    def status(self) -> str:
        statuses = {f.status for f in self.fulfilments}
        if statuses <= {Fulfilment.Status.CANCELLED, Fulfilment.Status.EXPIRED}:
            return Order.Status.CANCELLED
        if statuses <= set(DONE):
            return Order.Status.FULFILLED
        if statuses & set(DONE):
            return Order.Status.PARTIALLY_FULFILLED
        if statuses == {Fulfilment.Status.PLACED}:
            return Order.Status.PLACED
        return Order.Status.PROCESSING


# Recent orders from a cart: how far back some came from a reminder email, and how many
# did (inside the back-office's 30-day "carts won back" panel for weeks after a seed).
RECOVERED_WITHIN = dt.timedelta(days=25)
RECOVERED_SHARE = 0.75


class OrderBook:
    """Plans orders one by one, in time order. Its state (number counters, the units held
    by pickups so far) is what makes it sequential; everything else comes from the
    order's own random stream."""

    def __init__(self, world: DemoWorld) -> None:
        self.world = world
        self.assortment = Assortment(world)
        self.counters = dict.fromkeys(NUMBER_PREFIX.values(), 100_000)
        self.shipping_locations = [loc for loc in world.locations if loc.ships_online_orders]
        self.warehouses = [loc for loc in world.locations if not loc.is_store]
        scale = world.scale
        self.history = scale.orders - scale.recent_orders
        self.history_start = world.now - dt.timedelta(days=HISTORY_DAYS)
        self.recent_start = world.now - dt.timedelta(days=RECENT_DAYS)
        self.terms = TaxTerms.for_world(world)

    def _placed_at(self, index: int, rng) -> dt.datetime:
        """Evenly spread (with jitter) and increasing, so numbers follow time."""
        if index < self.history:
            step = (self.recent_start - self.history_start) / self.history
            return self.history_start + step * (index + rng.random())
        step = (self.world.now - dt.timedelta(minutes=20) - self.recent_start) / max(
            1, self.world.scale.recent_orders
        )
        return self.recent_start + step * (index - self.history + rng.random())

    def _number(self, channel: str) -> str:
        prefix = NUMBER_PREFIX[channel]
        self.counters[prefix] += 1
        return f"{prefix}{self.counters[prefix]}"

    def plan(self, index: int) -> OrderPlan:
        world = self.world
        rng = world.rng("order", index)
        placed_at = self._placed_at(index, rng)
        recent = placed_at >= self.recent_start
        channel = weighted(rng, RECENT_CHANNEL_ODDS if recent else CHANNEL_ODDS)
        # A long tail of customers: a few regulars, many one-off shoppers.
        customer = world.customers[int(len(world.customers) * rng.random() ** 1.3)]
        area = world.locations[customer.area_index]
        home = world.locations[customer.home_index] if customer.home_index is not None else area

        location = associate = None
        if channel == Channel.STORE:
            location = home if rng.random() < 0.8 else rng.choice(world.stores)
            staff = world.associates_at(location.index)
            associate = staff[0] if staff and rng.random() < 0.85 else None
            mode = "carry_out" if rng.random() < 0.88 else "ship"  # else: endless aisle
        elif channel == Channel.MARKETPLACE:
            mode = "ship"
        else:
            mode = "pickup" if rng.random() < (0.6 if recent else 0.25) else "ship"

        plan = OrderPlan(
            index=index,
            number=self._number(channel),
            channel=channel,
            customer=customer,
            placed_at=placed_at,
            location=location,
            associate=associate,
            tax_region=(location or home).region,
            shipping_address={},
            external_reference=(
                f"MKP-{7_000_000_000 + index}"
                if channel == Channel.MARKETPLACE
                else f"POS-{location.code}-{index:07d}"
                if channel == Channel.STORE
                else ""
            ),
            terms=self.terms,
        )
        if channel in (Channel.WEB, Channel.APP) and rng.random() < 0.12:
            plan.discount_rate = WELCOME_DISCOUNT
        wanted = weighted(rng, ((1, 0.5), (2, 0.3), (3, 0.15), (4, 0.05)))

        if mode == "pickup":
            fulfilment = self._pickup(rng, plan, home)
            hold = fulfilment.status in ACTIVE_PICKUP
            self._lines(rng, plan, wanted, fulfilment.location, available_only=hold)
            if plan.lines:
                fulfilment.lines = list(range(len(plan.lines)))
                plan.fulfilments.append(fulfilment)
                for line in plan.lines if hold else ():
                    world.reserved[(line.variant.index, fulfilment.location.index)] += line.quantity
            else:  # nothing on the shelf there: ship it instead
                mode = "ship"
        elif mode == "carry_out":
            self._lines(rng, plan, wanted, location, available_only=False)
            if plan.lines:
                plan.fulfilments.append(
                    FulfilmentPlan(
                        kind=Fulfilment.Kind.CARRY_OUT, status=Fulfilment.Status.COLLECTED,
                        location=location, lines=list(range(len(plan.lines))),
                        collected_at=placed_at,
                    )
                )  # fmt: skip
            else:  # the store does not carry what they wanted: ordered for delivery
                mode = "ship"
        if mode == "ship":
            if not plan.lines:
                self._lines(rng, plan, wanted, None, available_only=False)
            plan.tax_region = customer.address["region"]
            plan.shipping_address = dict(customer.address)
            self._shipments(rng, plan, area)
        if plan.fulfilments[0].kind == Fulfilment.Kind.PICKUP:
            plan.shipping_address = {"name": customer.full_name}
        self._payments(rng, plan)
        plan.with_cart = (
            channel in (Channel.WEB, Channel.APP) and rng.random() < world.scale.converted_cart_rate
        )
        self._recovery(plan)
        return plan

    def _recovery(self, plan: OrderPlan) -> None:
        """Most recent orders from a cart were won back by the first reminder email
        (the back-office "today" panel's "carts won back", the admin's cart recovery
        steps): the shopper left, got the email an hour or more later, clicked and bought.
        A stream of its own, so the rest of the order does not change."""
        if not plan.with_cart or plan.placed_at < self.world.now - RECOVERED_WITHIN:
            return
        rng = self.world.rng("recovered-cart", plan.index)
        if rng.random() < RECOVERED_SHARE:
            plan.reminded_at = plan.placed_at - dt.timedelta(hours=rng.uniform(1, 36))

    def _lines(
        self, rng, plan: OrderPlan, wanted: int, at: LocationRow | None, *, available_only: bool
    ) -> None:
        """Lines a shopper picks; in a store (carry-out or pickup) only what it carries, and
        for a pickup still to be collected only what is free to hold there now."""
        world = self.world
        taken: set[int] = set()
        # A store carries only part of the range: give the shopper more looks around it.
        for _ in range(wanted * 4 + (12 if at is not None else 0)):
            if len(plan.lines) == wanted:
                break
            product = self.assortment.product_for(rng, plan.customer)
            variant = self.assortment.variant_for(rng, plan.customer, product)
            quantity = 2 if rng.random() < 0.12 else 1
            if variant.index in taken:
                continue
            if at is not None:
                on_hand = world.on_hand[at.index][variant.index]
                if on_hand == NOT_STOCKED:
                    continue
                if available_only:
                    free = on_hand - world.reserved[(variant.index, at.index)]
                    if free < 1:
                        continue
                    quantity = min(quantity, free)
            taken.add(variant.index)
            plan.lines.append(
                LinePlan(
                    variant=variant,
                    product_name=product.name,
                    is_final_sale=product.is_final_sale,
                    quantity=quantity,
                    tax_class=product.tax_class,
                )
            )

    def _pickup(self, rng, plan: OrderPlan, home: LocationRow) -> FulfilmentPlan:
        now, placed = self.world.now, plan.placed_at
        store = home if home.offers_pickup else self.world.nearest(home.index, self.world.stores)
        ready_at = placed + dt.timedelta(hours=rng.uniform(1, 20))
        hold_until = ready_at + dt.timedelta(days=settings.OMNI_PICKUP_HOLD_DAYS)
        collected_at = None
        if rng.random() >= 0.08:  # most are collected, a few never are
            collected_at = ready_at + dt.timedelta(hours=rng.uniform(2, 96))
        picking_from = placed + (ready_at - placed) * 0.3
        if now < picking_from:
            status = Fulfilment.Status.PLACED
        elif now < ready_at:
            status = Fulfilment.Status.PICKING
        elif collected_at is not None and collected_at <= now:
            status = Fulfilment.Status.COLLECTED
        elif now < hold_until:
            status = Fulfilment.Status.READY
        else:
            status = Fulfilment.Status.EXPIRED
        is_ready = status not in (Fulfilment.Status.PLACED, Fulfilment.Status.PICKING)
        return FulfilmentPlan(
            kind=Fulfilment.Kind.PICKUP,
            status=status,
            location=store,
            lines=[],
            expected_ready_at=placed + dt.timedelta(hours=2),
            ready_at=ready_at if is_ready else None,
            hold_until=hold_until if is_ready else None,
            collected_at=collected_at if status == Fulfilment.Status.COLLECTED else None,
        )

    def _shipments(self, rng, plan: OrderPlan, area: LocationRow) -> None:
        """Sourcing, roughly as the service will do it: the nearest warehouse, sometimes a
        nearby store that ships; now and then a split across the two nearest."""
        world = self.world
        ranked = sorted(
            self.shipping_locations,
            key=lambda loc: (world.distances[area.index][loc.index], loc.index),
        )
        nearest_warehouse = world.nearest(area.index, self.warehouses)
        first = ranked[0] if ranked[0].is_store and rng.random() < 0.25 else nearest_warehouse
        groups = [(first, list(range(len(plan.lines))))]
        if len(plan.lines) >= 2 and rng.random() < 0.12:
            second = next(loc for loc in ranked if loc is not first)
            split = rng.randrange(1, len(plan.lines))
            groups = [(first, groups[0][1][:split]), (second, groups[0][1][split:])]
        cancelled = (
            plan.channel == Channel.WEB
            and world.now - plan.placed_at > dt.timedelta(days=2)
            and rng.random() < 0.015
        )
        # UPS numbers start 1Z; the others' as their carrier's (DHL: JD).
        tracking_prefix = "1Z" if world.market.carrier == "ups" else "JD"
        for origin, positions in groups:
            shipped_at = plan.placed_at + dt.timedelta(days=rng.uniform(0.3, 1.2))
            delivered_at = shipped_at + dt.timedelta(days=rng.uniform(1, 4))
            if cancelled:
                status = Fulfilment.Status.CANCELLED
            elif world.now - plan.placed_at < dt.timedelta(hours=4):
                status = Fulfilment.Status.PLACED
            elif world.now < shipped_at:
                status = Fulfilment.Status.PICKING
            elif world.now < delivered_at:
                status = Fulfilment.Status.SHIPPED
            else:
                status = Fulfilment.Status.DELIVERED
            has_left = status in (Fulfilment.Status.SHIPPED, Fulfilment.Status.DELIVERED)
            plan.fulfilments.append(
                FulfilmentPlan(
                    kind=Fulfilment.Kind.SHIP,
                    status=status,
                    location=origin,
                    lines=positions,
                    shipped_at=shipped_at if has_left else None,
                    delivered_at=delivered_at if status == Fulfilment.Status.DELIVERED else None,
                    tracking_number=f"{tracking_prefix}{token_for(rng, 8).upper()}"
                    if has_left
                    else "",
                )
            )

    def _payments(self, rng, plan: OrderPlan) -> None:
        statuses = {f.status for f in plan.fulfilments}
        kinds = {f.kind for f in plan.fulfilments}
        reference = token_for(rng, 9)
        if plan.channel == Channel.MARKETPLACE:
            plan.payments.append(
                PaymentPlan(
                    Payment.Provider.EXTERNAL, Payment.Status.CAPTURED, plan.external_reference
                )
            )
            return
        if Fulfilment.Kind.CARRY_OUT in kinds:
            plan.payments.append(
                PaymentPlan(
                    Payment.Provider.PAY_IN_STORE, Payment.Status.CAPTURED, plan.external_reference,
                    card_last4=rng.choice(("4242", "1881", "0005", "")),
                )
            )  # fmt: skip
            return
        if statuses <= {Fulfilment.Status.CANCELLED, Fulfilment.Status.EXPIRED}:
            status = Payment.Status.VOIDED
        elif statuses & {Fulfilment.Status.SHIPPED, *DONE}:
            status = Payment.Status.CAPTURED
        else:
            status = Payment.Status.AUTHORISED
        if Fulfilment.Kind.PICKUP in kinds and rng.random() < 0.4:
            # Pay at the counter: nothing to capture until the shopper comes in.
            in_store = {
                Payment.Status.AUTHORISED: Payment.Status.PENDING,
            }.get(status, status)
            plan.payments.append(
                PaymentPlan(Payment.Provider.PAY_IN_STORE, in_store, f"PIS-{plan.number}")
            )
            return
        if rng.random() < 0.02:  # a declined first attempt, then a good card
            plan.payments.append(
                PaymentPlan(
                    Payment.Provider.TEST, Payment.Status.DECLINED, f"test_{token_for(rng, 9)}",
                    card_last4="0002", failure_code="card_declined",
                    failure_message="Your card was declined.",
                )
            )  # fmt: skip
        plan.payments.append(
            PaymentPlan(
                Payment.Provider.TEST, status, f"test_{reference}",
                card_last4=rng.choice(("4242", "4242", "5555", "0005")),
            )
        )  # fmt: skip


def _cart_row(world: DemoWorld, plan: OrderPlan) -> Row:
    # A recovered cart was filled before its reminder went out; the others just before
    # the order.
    started = (plan.reminded_at or plan.placed_at) - dt.timedelta(minutes=40)
    return dict(
        customer_id=plan.customer.id,
        user_id=plan.customer.user_id,
        token=token_for(world.rng("cart-token", plan.number), 18),
        email=plan.customer.email,
        status=Cart.Status.CONVERTED,
        channel=plan.channel,
        store_id=world.locations[plan.customer.area_index].id,
        last_activity_at=plan.placed_at - dt.timedelta(minutes=3),
        converted_at=plan.placed_at,
        recovery_stage=1 if plan.reminded_at else 0,
        created_at=started,
    )


def _recovery_steps_write(world: DemoWorld, plans: list[OrderPlan], carts: list[Row]) -> None:
    """The reminder behind each recovered cart: emailed, its link clicked before the
    order (what the recovery metrics count)."""
    with_cart = [plan for plan in plans if plan.with_cart]
    clicked = dt.timedelta(minutes=10)
    world.insert(
        CartRecoveryStep,
        [
            dict(
                cart_id=cart["id"],
                stage=1,
                emailed=True,
                subtotal=plan.subtotal,
                created_at=plan.reminded_at,
                clicks=1,
                first_clicked_at=plan.placed_at - clicked,
                last_clicked_at=plan.placed_at - clicked,
            )
            for plan, cart in zip(with_cart, carts, strict=True)
            if plan.reminded_at
        ],
        "cart recovery steps",
    )


def _order_chunk_write(world: DemoWorld, plans: list[OrderPlan]) -> None:
    money_code = currency()
    carts = world.insert(
        Cart, [_cart_row(world, plan) for plan in plans if plan.with_cart], "carts", ids=True
    )
    _recovery_steps_write(world, plans, carts)
    cart_ids = iter(cart["id"] for cart in carts)
    cart_lines = []
    orders = []
    for plan in plans:
        cart_id = next(cart_ids) if plan.with_cart else None
        if cart_id is not None:
            cart_lines += [
                dict(
                    cart_id=cart_id, variant_id=line.variant.id, quantity=line.quantity,
                    added_at=plan.placed_at - dt.timedelta(minutes=30 - position),
                )
                for position, line in enumerate(plan.lines)
            ]  # fmt: skip
        customer = plan.customer
        orders.append(
            dict(
                number=plan.number,
                customer_id=customer.id,
                email=customer.email,
                phone=customer.phone,
                channel=plan.channel,
                location_id=plan.location.id if plan.location else None,
                associate_id=plan.associate.id if plan.associate else None,
                status=plan.status,
                subtotal=plan.subtotal,
                shipping_total=plan.shipping_total,
                discount_total=plan.discount_total,
                tax_total=plan.tax_total,
                # VAT markets: the tax is inside the prices, delivery's at the standard rate.
                prices_include_tax=plan.terms.vat_rates is not None,
                shipping_tax_rate=plan.shipping_vat[0],
                shipping_tax=plan.shipping_vat[1],
                total=plan.total,
                currency=money_code,
                shipping_address=plan.shipping_address,
                cart_id=cart_id,
                external_reference=plan.external_reference,
                placed_at=plan.placed_at,
                created_at=plan.placed_at,
            )
        )
    world.insert(CartLine, cart_lines, "cart lines")
    world.insert(Order, orders, "orders", ids=True)

    lines = world.insert(
        OrderLine,
        [
            dict(
                order_id=order["id"],
                variant_id=line.variant.id,
                product_name=line.product_name,
                sku=line.variant.sku,
                size=line.variant.size,
                colour=line.variant.colour,
                quantity=line.quantity,
                unit_price=line.variant.price,
                line_total=line.line_total,
                **_line_tax(plan, line),
                is_final_sale=line.is_final_sale,
            )
            for plan, order in zip(plans, orders, strict=True)
            for line in plan.lines
        ],
        "order lines",
        ids=True,
    )
    fulfilments = world.insert(
        Fulfilment,
        [
            dict(
                order_id=order["id"],
                kind=f.kind,
                status=f.status,
                location_id=f.location.id,
                expected_ready_at=f.expected_ready_at,
                ready_at=f.ready_at,
                hold_until=f.hold_until,
                shipped_at=f.shipped_at,
                delivered_at=f.delivered_at,
                collected_at=f.collected_at,
                tracking_number=f.tracking_number,
                created_at=plan.placed_at,
            )
            for plan, order in zip(plans, orders, strict=True)
            for f in plan.fulfilments
        ],
        "fulfilments",
        ids=True,
    )
    fulfilment_lines = []
    line_iter, fulfilment_iter = iter(lines), iter(fulfilments)
    for plan in plans:
        saved_lines = [next(line_iter) for _ in plan.lines]
        for f in plan.fulfilments:
            saved = next(fulfilment_iter)
            collected = f.status == Fulfilment.Status.COLLECTED
            fulfilment_lines += [
                dict(
                    fulfilment_id=saved["id"],
                    order_line_id=saved_lines[position]["id"],
                    quantity=saved_lines[position]["quantity"],
                    quantity_collected=saved_lines[position]["quantity"] if collected else 0,
                )
                for position in f.lines
            ]
    world.insert(FulfilmentLine, fulfilment_lines, "fulfilment lines")

    world.insert(
        Payment,
        [
            dict(
                order_id=order["id"],
                provider=p.provider,
                status=p.status,
                amount=plan.total,
                currency=money_code,
                provider_reference=p.reference,
                card_last4=p.card_last4,
                failure_code=p.failure_code,
                failure_message=p.failure_message,
                created_at=plan.placed_at,
            )
            for plan, order in zip(plans, orders, strict=True)
            for p in plan.payments
        ],
        "payments",
    )

    loyalty, timeline = [], []
    for plan, order in zip(plans, orders, strict=True):
        customer, status = plan.customer, plan.status
        points = world.market.points_for(plan.subtotal - plan.discount_total)
        if customer.is_member and status != Order.Status.CANCELLED and points:
            loyalty.append(
                dict(
                    customer_id=customer.id, points=points, reason=LoyaltyEntry.Reason.PURCHASE,
                    reference_type="orders.order", reference_id=str(order["id"]),
                    location_id=plan.location.id if plan.location else None,
                    created_at=plan.placed_at,
                )
            )  # fmt: skip
        first = plan.fulfilments[0]
        items = sum(line.quantity for line in plan.lines)
        where = plan.location or (first.location if first.kind == Fulfilment.Kind.PICKUP else None)
        timeline.append(
            dict(
                customer_id=customer.id,
                kind=Interaction.Kind.ORDER,
                channel=plan.channel,
                location_id=where.id if where else None,
                associate_id=plan.associate.id if plan.associate else None,
                **stored_text.text(
                    "order.placed_pickup" if first.kind == "pickup" else "order.placed",
                    number=plan.number,
                    count=items,
                    total=money_param(plan.total),
                    **({"location": first.location.name} if first.kind == "pickup" else {}),
                ).columns(),
                detail={"number": plan.number, "total": str(plan.total), "status": status},
                subject_type="orders.order",
                subject_id=str(order["id"]),
                occurred_at=plan.placed_at,
            )
        )
        if first.kind == Fulfilment.Kind.PICKUP and first.status == Fulfilment.Status.COLLECTED:
            timeline.append(
                dict(
                    customer_id=customer.id, kind=Interaction.Kind.PICKUP, channel=Channel.STORE,
                    location_id=first.location.id,
                    **stored_text.text(
                        "pickup.collected", number=plan.number, location=first.location.name
                    ).columns(),
                    subject_type="orders.order", subject_id=str(order["id"]),
                    occurred_at=first.collected_at,
                )
            )  # fmt: skip
    world.insert(LoyaltyEntry, loyalty, "loyalty entries")
    world.insert(Interaction, timeline, "interactions")
    _pickup_holds_write(world, plans, orders)


def _pickup_holds_write(world: DemoWorld, plans: list[OrderPlan], orders: list[Row]) -> None:
    """Active PICKUP reservations for the pickups still in the queue, and ``reserved`` on
    their stock rows set to the total the book has held there (always within on-hand)."""
    holds = [
        (plan, order, f, plan.lines[position])
        for plan, order in zip(plans, orders, strict=True)
        for f in plan.fulfilments
        if f.kind == Fulfilment.Kind.PICKUP and f.status in ACTIVE_PICKUP
        for position in f.lines
    ]
    if not holds:
        return
    pairs = {(line.variant.id, f.location.id) for _, _, f, line in holds}
    stock_rows: dict[tuple[int, int], Stock] = {}
    variant_ids = sorted({v for v, _ in pairs})
    for start in range(0, len(variant_ids), 500):  # keep IN lists short for SQLite
        for row in Stock.objects.filter(
            variant_id__in=variant_ids[start : start + 500],
            location_id__in={loc for _, loc in pairs},
        ).only("id", "variant_id", "location_id", "on_hand", "reserved"):
            stock_rows[(row.variant_id, row.location_id)] = row
    reservations = []
    for plan, order, f, line in holds:
        stock = stock_rows[(line.variant.id, f.location.id)]
        stock.reserved = world.reserved[(line.variant.index, f.location.index)]
        reservations.append(
            dict(
                stock_id=stock.pk,
                quantity=line.quantity,
                kind=Reservation.Kind.PICKUP,
                status=Reservation.Status.ACTIVE,
                expires_at=f.hold_until,  # set once ready; the hold runs from then
                created_at=plan.placed_at,
                reference_type="orders.order",
                reference_id=str(order["id"]),
            )
        )
    touched = [stock_rows[pair] for pair in sorted(pairs)]
    Stock.objects.bulk_update(touched, ["reserved"], batch_size=1000)
    world.insert(Reservation, reservations, "reservations")


def orders_create(world: DemoWorld) -> None:
    book = OrderBook(world)
    scale = world.scale
    chunk = scale.order_chunk
    for start in world.progress(
        range(0, scale.orders, chunk), total=-(-scale.orders // chunk), desc="orders"
    ):
        plans = [book.plan(i) for i in range(start, min(start + chunk, scale.orders))]
        with transaction.atomic():
            _order_chunk_write(world, plans)
