"""Properties of the pricing, over random baskets and random promotions: a basket's
total never goes below zero, no line is discounted below zero, and returning every unit
of every line one by one refunds exactly what was paid (VAT and sales-tax markets,
two-decimal and zero-decimal currencies)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omni.markets import build_market
from orders.models import Order, OrderLine
from orders.services.totals import TaxableLine, order_totals
from promotions.selectors import OfferBook
from promotions.services.engine import (
    AMOUNT_OFF,
    BEST,
    BUY_X_GET_Y,
    EXCLUSIVE,
    FIXED_PRICE,
    ORDER_AMOUNT_OFF,
    PERCENT_OFF,
    STACKABLE,
    OfferRule,
)
from returns.services.records import line_refund

CATEGORIES = [1, 2, 3]


@st.composite
def rules(draw):
    count = draw(st.integers(min_value=0, max_value=6))
    made = []
    for i in range(count):
        benefit = draw(
            st.sampled_from([PERCENT_OFF, AMOUNT_OFF, FIXED_PRICE, BUY_X_GET_Y, ORDER_AMOUNT_OFF])
        )
        percent = benefit in (PERCENT_OFF, BUY_X_GET_Y)
        value = draw(
            st.decimals(
                min_value=Decimal("0.01"),
                max_value=Decimal(100) if percent else Decimal(500),
                places=2,
            )
        )
        made.append(
            OfferRule(
                id=i + 1,
                label=f"offer {i}",
                benefit=benefit,
                value=value,
                buy_quantity=draw(st.integers(1, 3)),
                get_quantity=draw(st.integers(1, 2)),
                category_ids=frozenset(
                    draw(st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True))
                ),
                min_amount=draw(st.sampled_from([Decimal(0), Decimal(50)])),
                priority=draw(st.integers(0, 3)),
                stacking=draw(st.sampled_from([STACKABLE, BEST, EXCLUSIVE])),
            )
        )
    return made


@st.composite
def baskets(draw):
    n = draw(st.integers(min_value=1, max_value=6))
    return [
        TaxableLine(
            unit_price=draw(st.decimals(min_value=Decimal(0), max_value=Decimal(300), places=2)),
            quantity=draw(st.integers(min_value=1, max_value=5)),
            key=i,
            variant_id=i,
            product_id=100 + i,
            category_id=draw(st.sampled_from(CATEGORIES)),
        )
        for i in range(n)
    ]


@pytest.fixture
def in_market(settings):
    def use(code):
        chosen = build_market(code)
        settings.OMNI_MARKET_CONFIG = chosen
        settings.OMNI_CURRENCY = chosen.currency
        settings.OMNI_TAX_RATE = str(chosen.standard_tax_rate)

    return use


@pytest.mark.parametrize("market", ["US", "TH", "VN"])
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=baskets(), offers=rules(), data=st.data())
def test_totals_never_negative_and_refunds_sum_to_what_was_paid(
    in_market, market, lines, offers, data
):
    in_market(market)
    if market == "VN":
        lines = [
            TaxableLine(
                unit_price=(line.unit_price * 1000).quantize(Decimal(1)),
                quantity=line.quantity,
                key=line.key,
                variant_id=line.variant_id,
                product_id=line.product_id,
                category_id=line.category_id,
            )
            for line in lines
        ]
    book = OfferBook(rules=tuple(offers), by_id={r.id: r for r in offers})
    totals = order_totals(lines=lines, ships=True, channel="web", offers=book, tax_region="IL")
    assert totals.total >= 0
    assert totals.discount <= totals.subtotal
    order = Order(currency=totals.currency, prices_include_tax=totals.prices_include_tax)
    for priced, line in zip(totals.lines, lines, strict=True):
        assert 0 <= priced.discount <= priced.line_total
        assert priced.discount == sum((d.amount for d in priced.discounts), Decimal(0))
        sold = OrderLine(
            quantity=line.quantity,
            line_total=priced.line_total,
            discount_total=priced.discount,
            tax_amount=priced.tax_amount,
        )
        paid = priced.gross
        refunded = Decimal(0)
        returned = 0
        # Returned in random chunks (one by one, or a few at a time).
        while returned < line.quantity:
            chunk = data.draw(st.integers(1, line.quantity - returned))
            refund = line_refund(
                order=order, order_line=sold, quantity=chunk, already_returned=returned
            )
            assert refund.amount >= 0
            refunded += refund.amount
            returned += chunk
        assert refunded == paid
