"""The offer engine as a table: baskets × promotions → exact discounts (Decimal), with
stacking, rounding to the currency's minor units and a zero-decimal currency."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import translation

from promotions.services.engine import (
    AMOUNT_OFF,
    BEST,
    BUY_X_GET_Y,
    EXCLUSIVE,
    FIXED_PRICE,
    FREE_SHIPPING,
    ORDER_AMOUNT_OFF,
    PERCENT_OFF,
    OfferRule,
    PricedLine,
    PricingContext,
    VoucherInfo,
    basket_discounts,
    spread_amount,
)

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)  # a Saturday


def line(key, price, qty=1, *, product=None, category=10):
    return PricedLine(
        key=key,
        variant_id=key,
        product_id=product or key + 100,
        category_id=category,
        unit_price=D(price),
        quantity=qty,
    )


def ctx(currency="USD", **kw):
    return PricingContext(
        channel=kw.pop("channel", "web"),
        now=kw.pop("now", NOW),
        currency=currency,
        time_zone=kw.pop("time_zone", "America/New_York"),
        **kw,
    )


def rule(id, benefit, value, **kw):
    return OfferRule(
        id=id, label=kw.pop("label", f"offer {id}"), benefit=benefit, value=D(value), **kw
    )


KNIT = 10
SHIRTS = 20

CASES = [
    # (name, lines, rules, currency, expected {key: discount}, total)
    ("20% off one line", [line(1, "49.99")], [rule(1, PERCENT_OFF, 20)], "USD", {1: "10.00"}),
    # 19.99 × 3 × 15% = 8.9955 → 9.00 (half up, per line)
    ("15% rounds per line", [line(1, "19.99", 3)], [rule(1, PERCENT_OFF, 15)], "USD", {1: "9.00"}),
    (
        "category only",
        [line(1, "50", category=KNIT), line(2, "30", category=SHIRTS)],
        [rule(1, PERCENT_OFF, 20, category_ids=frozenset({KNIT}))],
        "USD",
        {1: "10.00"},
    ),
    (
        "amount off each unit",
        [line(1, "12.00", 2)],
        [rule(1, AMOUNT_OFF, "5")],
        "USD",
        {1: "10.00"},
    ),
    (
        "amount off capped at price",
        [line(1, "3.00", 2)],
        [rule(1, AMOUNT_OFF, "5")],
        "USD",
        {1: "6.00"},
    ),
    ("fixed price", [line(1, "40.00", 2)], [rule(1, FIXED_PRICE, "25")], "USD", {1: "30.00"}),
    (
        "fixed price above shelf: nothing",
        [line(1, "20.00")],
        [rule(1, FIXED_PRICE, "25")],
        "USD",
        {},
    ),
    (
        "buy 2 get 1 free: cheapest free",
        [line(1, "30.00"), line(2, "20.00"), line(3, "10.00")],
        [rule(1, BUY_X_GET_Y, 100, buy_quantity=2, get_quantity=1)],
        "USD",
        {3: "10.00"},
    ),
    (
        "buy 1 get 1 half price, 4 units of one line",
        [line(1, "25.00", 4)],
        [rule(1, BUY_X_GET_Y, 50, buy_quantity=1, get_quantity=1)],
        "USD",
        {1: "25.00"},
    ),
    (
        "order amount off spread by largest remainder",
        [line(1, "10.00"), line(2, "10.00"), line(3, "10.00")],
        [rule(1, ORDER_AMOUNT_OFF, "10", min_amount=D("25"))],
        "USD",
        {1: "3.34", 2: "3.33", 3: "3.33"},
    ),
    (
        "order threshold not met",
        [line(1, "10.00")],
        [rule(1, ORDER_AMOUNT_OFF, "10", min_amount=D("25"))],
        "USD",
        {},
    ),
    (
        "stackable: second on what is left",
        [line(1, "100.00")],
        [rule(1, PERCENT_OFF, 20, priority=2), rule(2, PERCENT_OFF, 10, priority=1)],
        "USD",
        {1: "28.00"},
    ),
    (
        "best of the best group only",
        [line(1, "100.00")],
        [rule(1, PERCENT_OFF, 10, stacking=BEST), rule(2, PERCENT_OFF, 25, stacking=BEST)],
        "USD",
        {1: "25.00"},
    ),
    (
        "exclusive wins when it gives more",
        [line(1, "100.00")],
        [
            rule(1, PERCENT_OFF, 10),
            rule(2, PERCENT_OFF, 15),
            rule(3, PERCENT_OFF, 30, stacking=EXCLUSIVE),
        ],
        "USD",
        {1: "30.00"},
    ),
    (
        "stackable set wins over a smaller exclusive",
        [line(1, "100.00")],
        [
            rule(1, PERCENT_OFF, 10),
            rule(2, PERCENT_OFF, 15),
            rule(3, PERCENT_OFF, 20, stacking=EXCLUSIVE),
        ],
        "USD",
        # 10 then 15% of 90 = 13.50 → 23.50 > 20
        {1: "23.50"},
    ),
    (
        "never below zero",
        [line(1, "10.00")],
        [rule(1, AMOUNT_OFF, "8"), rule(2, AMOUNT_OFF, "8")],
        "USD",
        {1: "10.00"},
    ),
    # Zero-decimal currencies: whole dong / rial.
    (
        "VND 15% rounds to a whole dong",
        [line(1, "199999", 1)],
        [rule(1, PERCENT_OFF, 15)],
        "VND",
        {1: "30000"},
    ),
    (
        "IRR spread in whole rials",
        [line(1, "100000"), line(2, "100000"), line(3, "100000")],
        [rule(1, ORDER_AMOUNT_OFF, "100000")],
        "IRR",
        {1: "33334", 2: "33333", 3: "33333"},
    ),
    ("THB satang", [line(1, "1234.50")], [rule(1, PERCENT_OFF, "7.5")], "THB", {1: "92.59"}),
]


@pytest.mark.parametrize(
    ("name", "lines", "rules", "currency", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_basket_discounts_table(name, lines, rules, currency, expected):
    result = basket_discounts(lines=lines, context=ctx(currency), rules=rules)
    got = {key: result.line_total(key) for key in {d.key for d in result.line_discounts}}
    assert got == {k: D(v) for k, v in expected.items()}
    assert result.total == sum((D(v) for v in expected.values()), D(0))
    for d in result.line_discounts:
        assert d.promotion_id in {r.id for r in rules}
        assert d.amount == d.amount.quantize(D(1) if currency in ("VND", "IRR") else D("0.01"))


def test_spread_sums_exactly():
    parts = spread_amount(D("0.10"), [D(1), D(1), D(1)], "USD")
    assert parts == [D("0.04"), D("0.03"), D("0.03")]
    assert sum(parts) == D("0.10")


CODE_RULE = rule(7, PERCENT_OFF, 10, automatic=False, label="10% next visit")
SAVE10 = VoucherInfo(id=70, code="SAVE10", promotion_id=7, usage_limit=5, used_count=0)


def _with_code(code_rule, voucher=SAVE10, lines=None, codes=("save10",), **context):
    return basket_discounts(
        lines=lines or [line(1, "100.00")],
        context=ctx(**context),
        rules=[code_rule],
        codes=codes,
        vouchers={voucher.code: voucher},
    )


def test_a_code_is_case_insensitive_and_named_on_its_discount():
    result = _with_code(CODE_RULE)
    assert result.total == D("10.00")
    assert result.line_discounts[0].voucher_id == 70
    assert result.accepted_codes == ("SAVE10",)
    assert not result.rejected


def test_a_code_only_rule_does_not_apply_without_its_code():
    result = basket_discounts(lines=[line(1, "100")], context=ctx(), rules=[CODE_RULE])
    assert result.total == 0


@pytest.mark.parametrize(
    ("code_rule", "voucher", "context", "kind", "reason"),
    [
        (CODE_RULE, SAVE10, {}, None, None),
        (
            rule(7, PERCENT_OFF, 10, automatic=False, ends_on=dt.date(2026, 11, 27)),
            SAVE10,
            {},
            "expired",
            "This code expired on Nov. 27, 2026.",
        ),
        (
            CODE_RULE,
            VoucherInfo(id=70, code="SAVE10", promotion_id=7, usage_limit=1, used_count=1),
            {},
            "exhausted",
            "The code SAVE10 has been used up.",
        ),
        (
            rule(7, PERCENT_OFF, 10, automatic=False, channels=frozenset({"web"})),
            SAVE10,
            {"channel": "store"},
            "channel",
            "This code is not valid in store.",
        ),
        (
            rule(7, PERCENT_OFF, 10, automatic=False, min_amount=D("1000")),
            SAVE10,
            {},
            "minimum",
            "This code needs a minimum of $1,000.00.",
        ),
        (
            rule(7, PERCENT_OFF, 10, automatic=False, first_order_only=True),
            SAVE10,
            {},
            "customer",
            "This code is for a first order only.",
        ),
        (
            rule(7, PERCENT_OFF, 10, automatic=False, limit_per_customer=1),
            SAVE10,
            {"uses_by_promotion": {7: 1}},
            "exhausted",
            "You have already used this offer.",
        ),
    ],
)
def test_why_a_code_does_not_apply(code_rule, voucher, context, kind, reason):
    with translation.override("en"):
        result = _with_code(code_rule, voucher, **context)
    if kind is None:
        assert not result.rejected
        return
    assert result.total == 0
    (rejection,) = result.rejected
    assert (rejection.kind, rejection.reason) == (kind, reason)


def test_unknown_code():
    with translation.override("en"):
        result = _with_code(CODE_RULE, codes=("NOPE",))
    assert [(r.kind, r.reason) for r in result.rejected] == [
        ("unknown", "We do not know the code NOPE.")
    ]


def test_minimum_in_thai_baht_reads_as_the_shopper_writes_it():
    r = rule(7, PERCENT_OFF, 10, automatic=False, min_amount=D("1000"))
    with translation.override("th"):
        result = _with_code(r, currency="THB", time_zone="Asia/Bangkok")
    assert "฿1,000.00" in result.rejected[0].reason
    with translation.override("en"):
        result = _with_code(r, currency="THB", time_zone="Asia/Bangkok")
    assert "THB\xa01,000.00" in result.rejected[0].reason


def test_the_date_window_is_read_on_the_stores_clock():
    class Store:
        pk = 5
        timezone = "Asia/Bangkok"

    # 28 Nov 20:00 UTC is already 29 Nov in Bangkok.
    late = dt.datetime(2026, 11, 28, 20, 0, tzinfo=dt.UTC)
    weekend = rule(
        1, PERCENT_OFF, 20, starts_on=dt.date(2026, 11, 29), ends_on=dt.date(2026, 11, 29)
    )
    online = basket_discounts(lines=[line(1, "10")], context=ctx(now=late), rules=[weekend])
    in_store = basket_discounts(
        lines=[line(1, "10")],
        context=ctx(now=late, channel="store", location=Store()),
        rules=[weekend],
    )
    assert online.total == 0
    assert in_store.total == D("2.00")


def test_store_restriction():
    class Store:
        pk = 5
        timezone = "America/New_York"

    r = rule(1, PERCENT_OFF, 20, store_ids=frozenset({6}))
    assert (
        basket_discounts(lines=[line(1, "10")], context=ctx(location=Store()), rules=[r]).total == 0
    )


def test_free_shipping_is_reported_apart_from_line_discounts():
    r = rule(1, FREE_SHIPPING, 0, min_amount=D("50"))
    result = basket_discounts(lines=[line(1, "60")], context=ctx(), rules=[r])
    assert result.free_shipping is not None
    assert result.total == 0
    assert not basket_discounts(lines=[line(1, "40")], context=ctx(), rules=[r]).free_shipping


def test_segment_facts():
    r = rule(1, PERCENT_OFF, 10, marketing_consent_only=True, loyalty_members_only=True)
    assert basket_discounts(lines=[line(1, "10")], context=ctx(), rules=[r]).total == 0
    both = ctx(marketing_consent=True, loyalty_member=True)
    assert basket_discounts(lines=[line(1, "10")], context=both, rules=[r]).total == D("1.00")
