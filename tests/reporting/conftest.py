"""A small retail week in three time zones: a Chicago store, a Bangkok store and online
orders on the market's clock (New York), with sales, a cancelled order, a pickup that is
readied and collected across local midnights, a shipment and a return in a store of an
online order. Every moment is chosen near a midnight, so a day counted in UTC instead of
the store's zone would land in the wrong row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from customers.models import Channel
from orders.models import Fulfilment, Order
from returns.models import Return, ReturnLine
from stores.models import Location
from tests import factories as f
from tests.api.conftest import api_key, client_for  # noqa: F401  (the API tests' fixtures)

UTC = dt.UTC


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@dataclass
class Week:
    chicago: Location
    bangkok: Location
    warehouse: Location
    orders: dict[str, Order]
    category_a: object
    category_b: object


def _order(
    *,
    number,
    channel,
    total,
    placed_at,
    location=None,
    customer,
    lines,
    status=None,
    associate=None,
):
    order = f.OrderFactory(
        number=number,
        channel=channel,
        location=location,
        customer=customer,
        total=Decimal(total),
        subtotal=Decimal(total),
        placed_at=placed_at,
        associate=associate,
        status=status or Order.Status.PLACED,
    )
    for variant, quantity, line_total in lines:
        f.OrderLineFactory(
            order=order,
            variant=variant,
            quantity=quantity,
            unit_price=Decimal(line_total) / quantity,
            line_total=Decimal(line_total),
        )
    return order


@pytest.fixture
def week(db, settings) -> Week:
    settings.TIME_ZONE = "America/New_York"
    chicago = f.LocationFactory(code="CHI", name="Chicago", timezone="America/Chicago")
    bangkok = f.LocationFactory(code="BKK", name="Bangkok", timezone="Asia/Bangkok")
    warehouse = f.WarehouseFactory(code="WH", timezone="America/New_York")
    cat_a = f.CategoryFactory(name="Shirts")
    cat_b = f.CategoryFactory(name="Shoes")
    shirt = f.VariantFactory(product=f.ProductFactory(category=cat_a))
    shoe = f.VariantFactory(product=f.ProductFactory(category=cat_b))
    ana, ben, chai, dee = (f.CustomerFactory() for _ in range(4))
    orders = {
        # 05:30 UTC is 23:30 the day before in Chicago: Jan 9 there.
        "chi_late": _order(
            number="S1",
            channel=Channel.STORE,
            location=chicago,
            customer=ana,
            total="10.50",
            placed_at=at(2026, 1, 10, 5, 30),
            lines=[(shirt, 2, "10.50")],
        ),
        # 06:30 UTC is 00:30 in Chicago: Jan 10; Ana's second order, so not new.
        "chi_early": _order(
            number="S2",
            channel=Channel.STORE,
            location=chicago,
            customer=ana,
            total="20.25",
            placed_at=at(2026, 1, 10, 6, 30),
            lines=[(shirt, 1, "5.25"), (shoe, 1, "15.00")],
        ),
        # 18:00 UTC on Jan 9 is 01:00 on Jan 10 in Bangkok.
        "bkk": _order(
            number="S3",
            channel=Channel.STORE,
            location=bangkok,
            customer=ben,
            total="100.00",
            placed_at=at(2026, 1, 9, 18, 0),
            lines=[(shoe, 1, "100.00")],
        ),
        # A web order picked up in Bangkok, placed 23:30 on Jan 9 Bangkok time.
        "web_pickup": _order(
            number="W1",
            channel=Channel.WEB,
            customer=chai,
            total="33.33",
            placed_at=at(2026, 1, 9, 16, 30),
            lines=[(shirt, 1, "33.33")],
        ),
        # Shipped from the warehouse: no store, the market's day (22:00 Jan 9 New York).
        "web_ship": _order(
            number="W2",
            channel=Channel.WEB,
            customer=dee,
            total="40.00",
            placed_at=at(2026, 1, 10, 3, 0),
            lines=[(shoe, 2, "40.00")],
        ),
        "cancelled": _order(
            number="S4",
            channel=Channel.STORE,
            location=chicago,
            customer=dee,
            total="99.00",
            placed_at=at(2026, 1, 10, 15, 0),
            lines=[(shirt, 1, "99.00")],
            status=Order.Status.CANCELLED,
        ),
    }
    # Ready 01:30 Jan 10 Bangkok (2 h after placing), collected 03:00 Jan 11 (25.5 h later).
    f.FulfilmentFactory(
        order=orders["web_pickup"],
        kind=Fulfilment.Kind.PICKUP,
        location=bangkok,
        status=Fulfilment.Status.COLLECTED,
        ready_at=at(2026, 1, 9, 18, 30),
        collected_at=at(2026, 1, 10, 20, 0),
    )
    f.FulfilmentFactory(
        order=orders["web_ship"],
        kind=Fulfilment.Kind.SHIP,
        location=warehouse,
        status=Fulfilment.Status.SHIPPED,
        shipped_at=at(2026, 1, 10, 14, 0),
    )
    # The Bangkok web order is brought back in Chicago: 02:00 UTC Jan 11 is 20:00 Jan 10.
    ret = f.ReturnFactory(
        order=orders["web_pickup"],
        location=chicago,
        channel=Channel.STORE,
        method=Return.Method.IN_STORE,
        status=Return.Status.REFUNDED,
        refund_total=Decimal("33.33"),
        received_at=at(2026, 1, 11, 2, 0),
    )
    f.ReturnLineFactory(
        return_request=ret,
        order_line=orders["web_pickup"].lines.get(),
        quantity=1,
        reason=ReturnLine.Reason.TOO_SMALL,
        condition=ReturnLine.Condition.A,
        refund_amount=Decimal("33.33"),
    )
    return Week(chicago, bangkok, warehouse, orders, cat_a, cat_b)
