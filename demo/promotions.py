"""The demo's offers, so the storefront shows badges and the till a code: "20% off
knitwear" this weekend (from the seed's day to two days on, in every channel), "buy 2
tees, get the cheapest free" in store and online, a first-order code, and the
post-purchase campaign's batch of one-time "10% next visit" codes the thank-you email
hands out. Made through the promotions services (percentages only: right in every
market's currency)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from demo.world import DemoWorld
from promotions.models import Promotion, Voucher
from promotions.services import voucher_batch_generate, voucher_create

NEXT_VISIT_CODES = 200


def _promotion(*, categories=(), **fields) -> Promotion:
    promotion = Promotion(**fields)
    promotion.full_clean()
    promotion.save()
    promotion.categories.set(categories)
    return promotion


def promotions_create(world: DemoWorld) -> None:
    today = world.now.date()
    knitwear = [pk for slug, pk in world.categories.items() if slug.endswith("knitwear")]
    tops = [world.categories[s] for s in ("women-tops", "men-shirts") if s in world.categories]
    made = [
        _promotion(
            name="20% off knitwear this weekend",
            benefit=Promotion.Benefit.PERCENT_OFF,
            value=Decimal(20),
            starts_on=today,
            ends_on=today + dt.timedelta(days=2),
            priority=10,
            categories=knitwear,
        ),
        _promotion(
            name="Buy 2 tops, get the cheapest free",
            label="Buy 2, get 1 free",
            benefit=Promotion.Benefit.BUY_X_GET_Y,
            value=Decimal(100),
            buy_quantity=2,
            get_quantity=1,
            stacking=Promotion.Stacking.BEST,
            categories=tops,
        ),
    ]
    welcome = _promotion(
        name="Welcome: 10% off a first order",
        label="10% off your first order",
        trigger=Promotion.Trigger.CODE,
        benefit=Promotion.Benefit.PERCENT_OFF,
        value=Decimal(10),
        first_order_only=True,
    )
    voucher_create(promotion=welcome, code="WELCOME10")
    next_visit = _promotion(
        name="Post-purchase: 10% next visit",
        label="10% next visit",
        trigger=Promotion.Trigger.CODE,
        benefit=Promotion.Benefit.PERCENT_OFF,
        value=Decimal(10),
        limit_per_customer=1,
    )
    voucher_batch_generate(
        promotion=next_visit,
        name="Post-purchase thank-you",
        count=NEXT_VISIT_CODES,
        campaign="post-purchase",
        prefix="NV",
    )
    world.created["promotions"] += len(made) + 2
    world.created["discount codes"] += Voucher.objects.count()
