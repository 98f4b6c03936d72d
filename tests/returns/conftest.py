"""Fixtures for the returns tests: real towns (so "the nearest warehouse" means
something), a store that takes returns and one that does not, associates, and orders in
every state a return can meet — built with the factories, stock and ledgers kept true."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Channel, LoyaltyEntry
from orders.models import Fulfilment, Order
from stores.models import Associate, Location
from stores.services import location_distances_rebuild
from tests import factories as f

TOWNS = {
    "springfield": (Decimal("39.781700"), Decimal("-89.650100"), "62701"),
    "peoria": (Decimal("40.693600"), Decimal("-89.589000"), "61602"),
    "chicago": (Decimal("41.878100"), Decimal("-87.629800"), "60601"),
    "indianapolis": (Decimal("39.768400"), Decimal("-86.158100"), "46204"),
    "stlouis": (Decimal("38.627000"), Decimal("-90.199400"), "63101"),
}


def _at(factory, town: str, **kwargs) -> Location:
    lat, lon, postcode = TOWNS[town]
    return factory(
        name=town.title(),
        city=town.title(),
        latitude=lat,
        longitude=lon,
        postcode=postcode,
        **kwargs,
    )


@dataclass
class Places:
    springfield: Location  # a store that takes returns (where most returns happen)
    peoria: Location  # another store that takes returns
    chicago: Location  # a store that does not take returns
    warehouse: Location  # Indianapolis (~300 km from Springfield): ships online orders
    near_warehouse: Location  # St. Louis (~130 km): the warehouse nearest Springfield


@pytest.fixture
def places(db) -> Places:
    spots = Places(
        springfield=_at(f.LocationFactory, "springfield", code="SPR"),
        peoria=_at(f.LocationFactory, "peoria", code="PEO"),
        chicago=_at(f.LocationFactory, "chicago", code="CHI", accepts_returns=False),
        warehouse=_at(f.WarehouseFactory, "indianapolis", code="IND"),
        near_warehouse=_at(f.WarehouseFactory, "stlouis", code="STL"),
    )
    location_distances_rebuild()
    return spots


@pytest.fixture
def associate(places) -> Associate:
    return f.AssociateFactory(
        home_location=places.springfield, display_name="Maya", user__first_name="Maya"
    )


@pytest.fixture
def manager(places) -> Associate:
    return f.AssociateFactory(
        home_location=places.springfield, display_name="Sam", role=Associate.Role.MANAGER
    )


@dataclass
class LineSpec:
    price: Decimal = Decimal("49.00")
    quantity: int = 1
    category: object = None
    final_sale: bool = False


def _order_with(
    *,
    places: Places,
    lines: list[LineSpec] | None = None,
    received: str | None = "delivered",
    days_ago: int = 3,
    placed_days_ago: int | None = None,
    channel: str = Channel.WEB,
    location: Location | None = None,
    customer=None,
    payments: list[Decimal] | None = None,
    points: int | None = None,
) -> Order:
    """An order whose goods reached the shopper ``days_ago`` days ago: ``received`` is
    "delivered" (shipped from the warehouse), "collected" (picked up at Peoria),
    "carry_out" (store sale, no fulfilment), "shipped" (on its way) or None (placed).
    Paid by card (captured) for its total unless ``payments`` says how; earns one point
    per currency unit of its subtotal unless ``points`` says otherwise."""
    lines = lines or [LineSpec()]
    # In the shop's zone, so "days ago" are calendar days (wall-clock arithmetic): 31 days of
    # 24 hours back across a DST change can land on the 30th calendar day before today.
    now = timezone.localtime()
    placed_at = now - dt.timedelta(
        days=placed_days_ago if placed_days_ago is not None else days_ago + 2
    )
    if received == "carry_out":
        placed_at = now - dt.timedelta(days=days_ago)
        channel = Channel.STORE
        location = location or places.peoria
    subtotal = sum((spec.price * spec.quantity for spec in lines), Decimal("0.00"))
    customer = customer or f.CustomerFactory()
    order = f.OrderFactory(
        customer=customer,
        channel=channel,
        location=location,
        placed_at=placed_at,
        subtotal=subtotal,
        total=subtotal,
    )
    order_lines = []
    for spec in lines:
        product = f.ProductFactory(
            **({"category": spec.category} if spec.category is not None else {})
        )
        variant = f.VariantFactory(product=product)
        order_lines.append(
            f.OrderLineFactory(
                order=order,
                variant=variant,
                quantity=spec.quantity,
                unit_price=spec.price,
                is_final_sale=spec.final_sale,
            )
        )
    when = now - dt.timedelta(days=days_ago)
    fulfilment = None
    if received in ("delivered", "shipped"):
        fulfilment = f.FulfilmentFactory(
            order=order,
            kind=Fulfilment.Kind.SHIP,
            location=places.warehouse,
            status=Fulfilment.Status.DELIVERED
            if received == "delivered"
            else Fulfilment.Status.SHIPPED,
            shipped_at=placed_at,
            delivered_at=when if received == "delivered" else None,
        )
    elif received == "collected":
        fulfilment = f.FulfilmentFactory(
            order=order,
            kind=Fulfilment.Kind.PICKUP,
            location=places.peoria,
            status=Fulfilment.Status.COLLECTED,
            collected_at=when,
        )
    elif received is None and channel != Channel.STORE:
        fulfilment = f.FulfilmentFactory(
            order=order,
            kind=Fulfilment.Kind.SHIP,
            location=places.warehouse,
        )
    if fulfilment is not None:
        for line in order_lines:
            f.FulfilmentLineFactory(fulfilment=fulfilment, order_line=line)
    for amount in payments if payments is not None else [subtotal]:
        f.PaymentFactory(order=order, amount=amount, provider_reference="test_auth_1")
    points = int(subtotal) if points is None else points
    if points:
        f.LoyaltyEntryFactory(
            customer=customer,
            points=points,
            reason=LoyaltyEntry.Reason.PURCHASE,
            reference_type="orders.order",
            reference_id=str(order.pk),
        )
    return order


@pytest.fixture
def make_order(places):
    """``make_order(lines=[LineSpec(...)], received="delivered", days_ago=3, ...)``."""

    def make(**kwargs) -> Order:
        return _order_with(places=places, **kwargs)

    return make
