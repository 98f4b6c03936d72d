"""Tenders, shifts and reports with exact Decimal totals."""

from decimal import Decimal

import pytest

from customers.models import Interaction, LoyaltyEntry
from inventory.models import Stock
from orders.errors import InsufficientStock, PaymentDeclined
from orders.models import Fulfilment, Order, Payment
from till import services
from till.errors import (
    ManagerRequired,
    ShiftAlreadyClosed,
    ShiftAlreadyOpen,
    ShiftNotOpen,
    TenderInvalid,
    TillInputInvalid,
)
from till.models import TillSale

from .conftest import card, cash


def _sale(shift, associate, lines, tenders, key="k1", **kwargs):
    return services.sale_complete(
        shift=shift,
        associate=associate,
        lines=lines,
        tenders=tenders,
        idempotency_key=key,
        **kwargs,
    )


def test_quote_prices_through_order_totals_with_the_stores_sales_tax(store, shirt, socks):
    quote = services.sale_quote(location=store, lines={shirt.pk: 2, socks.pk: 1})
    # 44.00 of goods, Illinois 6.25% on top: 2.50 + 0.25.
    assert quote.totals.subtotal == Decimal("44.00")
    assert quote.totals.tax == Decimal("2.75")
    assert quote.due == Decimal("46.75")
    assert [line.here for line in quote.lines] == [5, 1]
    assert not any(line.short for line in quote.lines)
    assert services.sale_quote(location=store, lines={socks.pk: 2}).lines[0].short


def test_cash_sale_is_a_carried_out_store_order_with_change(shift, associate, store, shirt):
    sale = _sale(shift, associate, {shirt.pk: 1}, [cash("50.00")])
    order = sale.order
    assert order.channel == "store" and order.location == store and order.associate == associate
    assert order.status == Order.Status.FULFILLED
    assert order.total == Decimal("21.25")
    assert sale.cash_tendered == Decimal("50.00") and sale.change_due == Decimal("28.75")
    payment = order.payments.get()
    assert (payment.provider, payment.amount, payment.status) == (
        "cash",
        Decimal("21.25"),
        "captured",
    )
    fulfilment = order.fulfilments.get()
    assert fulfilment.kind == Fulfilment.Kind.CARRY_OUT and fulfilment.status == "collected"
    assert Stock.objects.get(variant=shirt, location=store).on_hand == 4
    assert Interaction.objects.filter(customer=order.customer, kind="order").exists()


def test_split_card_and_cash(shift, associate, shirt, store):
    sale = _sale(shift, associate, {shirt.pk: 2}, [cash("20.00"), card("25.00")])
    amounts = sorted((p.provider, p.amount) for p in sale.order.payments.all())
    assert amounts == [("cash", Decimal("17.50")), ("test", Decimal("25.00"))]
    assert sale.change_due == Decimal("2.50")


def test_a_declined_card_takes_nothing_and_keeps_the_stock(shift, associate, shirt, store):
    with pytest.raises(PaymentDeclined):
        _sale(shift, associate, {shirt.pk: 1}, [card("21.25", "4000 0000 0000 0002")])
    assert not Order.objects.exists() and not Payment.objects.exists()
    assert not TillSale.objects.exists()
    assert Stock.objects.get(variant=shirt, location=store).on_hand == 5


def test_cash_below_due_is_refused(shift, associate, shirt):
    with pytest.raises(TenderInvalid) as refused:
        _sale(shift, associate, {shirt.pk: 1}, [cash("20.00")])
    assert refused.value.code == "tender_short"
    with pytest.raises(TenderInvalid):
        _sale(shift, associate, {shirt.pk: 1}, [card("30.00")])
    assert not Order.objects.exists()


def test_the_same_key_is_one_sale(shift, associate, shirt, store):
    first = _sale(shift, associate, {shirt.pk: 1}, [cash("30")], key="abc")
    again = _sale(shift, associate, {shirt.pk: 1}, [cash("30")], key="abc")
    assert first.pk == again.pk
    assert Order.objects.count() == 1
    assert Stock.objects.get(variant=shirt, location=store).on_hand == 4


def test_more_than_the_store_holds_is_refused_online_and_flagged_offline(
    shift, associate, manager, socks, store, settings
):
    with pytest.raises(InsufficientStock):
        _sale(shift, associate, {socks.pk: 2}, [cash("10")])
    with pytest.raises(ManagerRequired):
        _sale(shift, associate, {socks.pk: 2}, [cash("10")], oversell=True)
    flagged = _sale(shift, associate, {socks.pk: 2}, [cash("10")], key="off1", offline=True)
    assert flagged.status == TillSale.Status.FLAGGED and flagged.order is None
    assert flagged.total == Decimal("8.50") and flagged.change_due == Decimal("1.50")
    assert flagged.basket == {"lines": [[socks.pk, 2]]}
    assert Stock.objects.get(variant=socks, location=store).on_hand == 1  # never below zero
    settings.OMNI_TILL_MANAGER_OVERSELL = True
    kept = _sale(shift, manager, {socks.pk: 2}, [cash("10")], key="mgr1", oversell=True)
    assert kept.status == TillSale.Status.FLAGGED
    with pytest.raises(ManagerRequired):
        services.sale_flagged_resolve(sale=kept, associate=associate)
    assert services.sale_flagged_resolve(sale=kept, associate=manager).status == "resolved"


def test_loyalty_earned_on_a_sale_to_a_customer(shift, associate, shirt):
    from tests import factories as f

    customer = f.CustomerFactory()
    sale = _sale(shift, associate, {shirt.pk: 1}, [cash("21.25")], customer=customer)
    assert sale.order.customer == customer
    assert LoyaltyEntry.objects.filter(customer=customer, reason="purchase").exists()


def test_shift_open_twice_and_bad_input(register, associate, shift):
    with pytest.raises(ShiftAlreadyOpen):
        services.shift_open(register=register, associate=associate, opening_float="10")
    with pytest.raises(TillInputInvalid):
        services.shift_cash_move(shift=shift, associate=associate, amount="5", reason=" ")
    with pytest.raises(TillInputInvalid):
        services.shift_cash_move(shift=shift, associate=associate, amount="abc", reason="x")
    with pytest.raises(TillInputInvalid):
        _sale(shift, associate, {}, [cash("1")])


def test_report_and_close_with_exact_figures(shift, associate, manager, shirt, socks):
    _sale(shift, associate, {shirt.pk: 1}, [cash("50.00")], key="s1")  # 21.25 cash
    _sale(shift, manager, {shirt.pk: 2, socks.pk: 1}, [card("30.00"), cash("20")], key="s2")
    services.shift_cash_move(shift=shift, associate=associate, amount="-40.00", reason="Bank drop")
    services.shift_cash_move(shift=shift, associate=associate, amount="5.50", reason="Coins")
    x = services.shift_report(shift=shift)
    assert x.kind == "X"
    assert x.sales_count == 2
    # Second sale: 44.00 + 2.75 tax = 46.75; 30.00 card, 16.75 cash.
    assert x.sales_total == Decimal("68.00")
    assert x.tax == Decimal("4.00")
    assert x.by_tender == {"cash": Decimal("38.00"), "test": Decimal("30.00")}
    assert x.cash_in == Decimal("5.50") and x.cash_out == Decimal("40.00")
    assert x.expected_cash == Decimal("103.50")  # 100 + 38 - 40 + 5.50
    assert [(a.name, a.sales, a.total) for a in x.by_associate] == [
        ("Ann", 1, Decimal("21.25")),
        ("Mo", 1, Decimal("46.75")),
    ]
    with pytest.raises(ManagerRequired):
        services.shift_close(shift=shift, associate=associate, counted="90.00")
    closed = services.shift_close(shift=shift, associate=associate, counted="102.00")
    assert closed.variance == Decimal("-1.50") and closed.expected_cash == Decimal("103.50")
    z = services.shift_report(shift=closed)
    assert z.kind == "Z" and z.counted_cash == Decimal("102.00")
    with pytest.raises(ShiftAlreadyClosed):
        services.shift_close(shift=closed, associate=manager, counted="102.00")
    with pytest.raises(ShiftNotOpen):
        _sale(closed, associate, {shirt.pk: 1}, [cash("50")], key="s3")
    with pytest.raises(ManagerRequired):
        services.shift_reopen(shift=closed, associate=associate)
    reopened = services.shift_reopen(shift=closed, associate=manager)
    assert reopened.is_open and reopened.variance is None


def test_report_queries_are_flat(shift, associate, shirt, django_assert_max_num_queries):
    for n in range(3):
        _sale(shift, associate, {shirt.pk: 1}, [cash("30")], key=f"q{n}")
    with django_assert_max_num_queries(7):
        services.shift_report(shift=shift)


def test_absurd_amounts_are_bad_input_not_errors(register, associate, shift, shirt):
    with pytest.raises(TillInputInvalid):
        services.shift_cash_move(
            shift=shift, associate=associate, amount="99999999999999999", reason="x"
        )
    with pytest.raises(TenderInvalid):
        _sale(shift, associate, {shirt.pk: 1}, [cash("99999999999999999")])


def test_a_flagged_sale_is_placed_once_the_stock_is_counted(
    shift, associate, manager, socks, store
):
    from tests.orders.helpers import receive

    flagged = _sale(shift, associate, {socks.pk: 2}, [cash("10")], key="off9", offline=True)
    with pytest.raises(InsufficientStock):
        services.sale_flagged_place(sale=flagged, associate=manager)
    receive(socks, store, 3)  # the count found more
    with pytest.raises(ManagerRequired):
        services.sale_flagged_place(sale=flagged, associate=associate)
    placed = services.sale_flagged_place(sale=flagged, associate=manager)
    assert placed.status == TillSale.Status.RESOLVED and placed.order.total == Decimal("8.50")
    assert placed.order.payments.get().amount == Decimal("8.50")
    assert Stock.objects.get(variant=socks, location=store).on_hand == 2
    again = services.sale_flagged_place(sale=placed, associate=manager)
    assert again.order_id == placed.order_id and Order.objects.count() == 1
    report = services.shift_report(shift=shift)
    assert report.flagged_count == 0 and report.by_tender == {"cash": Decimal("8.50")}
