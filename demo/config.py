"""The scales of the demo data set, the shared demo password, and the seed's clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

RETAILER_NAME = "Northwind Outfitters"
# Every demo login uses it; printed at the end of the seed. Demo only, never production.
DEMO_PASSWORD = "omni-demo-2026"
# Demo staff and shopper accounts live on this reserved domain: it is how a reset finds them.
DEMO_EMAIL_DOMAIN = "omni.example"


@dataclass(frozen=True)
class DemoScale:
    name: str
    stores: int
    warehouses: int
    products: int  # 0: the curated catalog of the small scale
    customers: int
    orders: int
    # Orders placed in the last three days: they make the live pickup and shipping queues.
    recent_orders: int
    # Share of products each store carries (warehouses carry everything).
    store_assortment: float
    open_carts: int
    return_rate: float
    converted_cart_rate: float
    images: bool
    batch_size: int = 5000
    customer_chunk: int = 2000
    order_chunk: int = 2000
    variant_chunk: int = 500


SCALES: dict[str, DemoScale] = {
    "small": DemoScale(
        name="small",
        stores=12,
        warehouses=2,
        products=0,
        customers=200,
        orders=360,
        recent_orders=48,
        store_assortment=1.0,
        open_carts=30,
        return_rate=0.09,
        converted_cart_rate=0.45,
        images=True,
    ),
    "large": DemoScale(
        name="large",
        stores=90,
        warehouses=10,
        products=2000,
        customers=50_000,
        orders=200_000,
        recent_orders=2500,
        store_assortment=0.35,
        open_carts=5000,
        return_rate=0.05,
        converted_cart_rate=0.1,
        images=False,
    ),
}

# How far back the order history goes.
HISTORY_DAYS = 120


def demo_clock() -> dt.datetime:
    """The seed's "now", truncated to the hour: every timestamp is an offset from it, so the
    demo looks current on the day it is loaded (pickups ready today, carts abandoned
    yesterday) while two runs in the same hour write identical timestamps."""
    return timezone.now().replace(minute=0, second=0, microsecond=0)
