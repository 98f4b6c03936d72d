"""Promotions through the one pricing function and the checkout: the order stores each
line's discount with its promotion and code, tax is taken on the discounted amount, a
code is counted once per order and refused codes place nothing."""

from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from django.test import override_settings

from orders import services
from orders.models import Order, OrderLineDiscount
from promotions.errors import CodeNotApplicable, VoucherExhausted
from promotions.models import Promotion, Redemption, Voucher
from tests import factories as f
from tests.orders.helpers import make_variant, place, receive
from tests.promotions.helpers import code_for, promotion

pytestmark = pytest.mark.django_db


@pytest.fixture
def knit(places):
    knitwear = f.CategoryFactory(name="Knitwear")
    variant = make_variant("80.00", product=f.ProductFactory(category=knitwear))
    receive(variant, places["warehouse"], 20)
    return variant


def test_an_automatic_promotion_is_stored_per_line_with_its_promotion(places, knit):
    weekend = promotion(
        name="20% off knitwear", benefit="percent_off", value=20, categories=[knit.product.category]
    )
    order = place([(knit.pk, 2)])

    line = order.lines.get()
    assert (line.line_total, line.discount_total) == (D("160.00"), D("32.00"))
    (discount,) = OrderLineDiscount.objects.filter(order=order)
    assert (discount.line, discount.promotion, discount.amount) == (line, weekend, D("32.00"))
    assert discount.label == "20% off knitwear"
    assert order.discount_total == D("32.00")
    # 160 merchandise ≥ 75: free shipping by the threshold; Illinois tax on the 128 paid.
    assert (
        order.tax_total
        == line.tax_amount
        == (D("128.00") * line.tax_rate).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    )
    assert order.total == D("128.00") + order.tax_total
    assert Redemption.objects.get(promotion=weekend).discount == D("32.00")


def test_a_code_typed_in_any_case_is_counted_once(places, knit):
    p = promotion(name="10% next visit", trigger="code", benefit="percent_off", value=10)
    code_for(p, "SAVE10", usage_limit=2)
    order = place([(knit.pk, 1)], codes=("save10",))

    assert order.discount_total == D("8.00")
    d = OrderLineDiscount.objects.get(order=order)
    assert (d.voucher.code, d.code) == ("SAVE10", "SAVE10")
    assert Voucher.objects.get(code="SAVE10").used_count == 1


def test_a_refused_code_places_nothing(places, knit):
    p = promotion(
        name="Big baskets", trigger="code", benefit="percent_off", value=10, min_amount=D("1000")
    )
    code_for(p, "BIG")
    with pytest.raises(CodeNotApplicable) as refused:
        place([(knit.pk, 1)], codes=("BIG",))
    assert "minimum of $1,000.00" in str(refused.value)
    assert Order.objects.count() == 0


def test_the_last_use_of_a_code_taken_meanwhile_rolls_the_order_back(places, knit):
    p = promotion(name="One left", trigger="code", benefit="percent_off", value=10)
    voucher = code_for(p, "LAST", usage_limit=1)
    cart = services.cart_get_or_create(session_key="s")
    services.cart_add(cart=cart, variant_id=knit.pk, quantity=1)
    services.cart_code_apply(cart=cart, code="last")
    # Another order took the last use after the shopper applied it.
    Voucher.objects.filter(pk=voucher.pk).update(used_count=1)
    with pytest.raises(CodeNotApplicable):
        place(cart=cart)
    assert Order.objects.count() == 0


def test_vat_is_taken_inside_the_discounted_amount(market):
    market("TH")
    p = promotion(name="10%", benefit="percent_off", value=10)
    totals = services.order_totals(
        lines=[services.TaxableLine(unit_price=D("1070.00"), quantity=1, key=1)],
        ships=False,
        channel="web",
    )
    line = totals.lines[0]
    assert (line.discount, line.charged) == (D("107.00"), D("963.00"))
    # 963 × 7/107 = 63.00
    assert line.tax_amount == D("63.00")
    assert totals.total == D("963.00")
    assert line.discounts[0].promotion_id == p.pk


def test_us_sales_tax_is_added_on_the_discounted_amount():
    promotion(name="10%", benefit="percent_off", value=10)
    totals = services.order_totals(
        lines=[services.TaxableLine(unit_price=D("100.00"), quantity=1, key=1)],
        ships=False,
        channel="store",
        tax_region="IL",
    )
    line = totals.lines[0]
    assert line.charged == D("90.00")
    assert line.tax_amount == (D("90.00") * line.tax_rate).quantize(
        D("0.01"), rounding=ROUND_HALF_UP
    )
    assert totals.total == D("90.00") + line.tax_amount


@pytest.mark.parametrize("code", ["VN", "IR"])
def test_zero_decimal_currencies(market, code):
    market(code)
    promotion(name="15%", benefit="percent_off", value=15)
    totals = services.order_totals(
        lines=[services.TaxableLine(unit_price=D("199999"), quantity=1, key=1)],
        ships=False,
        channel="web",
    )
    assert totals.discount == D("30000")
    assert totals.lines[0].charged == D("169999")
    assert totals.tax == totals.tax.quantize(D(1))


def test_without_a_channel_no_offer_applies():
    promotion(name="10%", benefit="percent_off", value=10)
    totals = services.order_totals(
        lines=[services.TaxableLine(unit_price=D("100.00"), quantity=1, key=1)], ships=False
    )
    assert totals.discount == 0


def test_free_shipping_waives_the_delivery(places, knit):
    promotion(name="Free delivery", benefit="free_shipping", value=0)
    cheap = make_variant("10.00")
    receive(cheap, places["warehouse"], 2)
    order = place([(cheap.pk, 1)])
    assert order.shipping_total == 0
    shipping = OrderLineDiscount.objects.get(order=order, line=None)
    assert shipping.amount == D("5.95")


def test_per_customer_limit(places, knit):
    p = promotion(
        name="Once", trigger="code", benefit="percent_off", value=10, limit_per_customer=1
    )
    code_for(p, "ONCE")
    customer = f.CustomerFactory()
    place([(knit.pk, 1)], codes=("ONCE",), customer=customer)
    with pytest.raises(CodeNotApplicable) as refused:
        place([(knit.pk, 1)], codes=("ONCE",), customer=customer)
    assert "already used" in str(refused.value)


def test_manual_discount_bounded_by_the_setting(places, knit):
    line = [services.TaxableLine(unit_price=D("100.00"), quantity=1, key=1)]
    with override_settings(OMNI_MAX_MANUAL_DISCOUNT_PERCENT="15"):
        ok = services.order_totals(
            lines=line,
            ships=False,
            channel="api",
            manual_discount=services.ManualDiscount(reason="Damaged box", percent=D("15")),
        )
        assert ok.discount == D("15.00")
        assert ok.lines[0].discounts[0].label == "Manual discount: Damaged box"
        from orders.errors import ManualDiscountInvalid

        with pytest.raises(ManualDiscountInvalid):
            services.order_totals(
                lines=line,
                ships=False,
                channel="api",
                manual_discount=services.ManualDiscount(reason="Friend", percent=D("16")),
            )
        with pytest.raises(ManualDiscountInvalid):
            services.order_totals(
                lines=line,
                ships=False,
                channel="api",
                manual_discount=services.ManualDiscount(reason="", amount=D("1")),
            )


def test_exhausted_at_redemption_raises(places, knit):
    p = promotion(name="x", trigger="code", benefit="percent_off", value=10)
    v = code_for(p, "RACE", usage_limit=1)
    from promotions.services import redemptions_record
    from promotions.services.engine import AppliedOffer

    offer = AppliedOffer(promotion_id=p.pk, label="x", amount=D("1"), voucher_id=v.pk, code="RACE")
    redemptions_record(
        applied=[offer],
        order_id=1,
        order_number="W1",
        customer=None,
        order_total=D("9"),
        currency="USD",
    )
    with pytest.raises(VoucherExhausted):
        redemptions_record(
            applied=[offer],
            order_id=2,
            order_number="W2",
            customer=None,
            order_total=D("9"),
            currency="USD",
        )
    assert Promotion.objects.get(pk=p.pk).redemptions.count() == 1
