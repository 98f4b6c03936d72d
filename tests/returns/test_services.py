"""Returns started online and received at any store (BORIS): stock lands where the
return is received, money goes back the way the associate chose, loyalty is reversed,
the customer's timeline and inbox hear about it once — and a refusal writes nothing."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail

from customers.models import Channel, Interaction, LoyaltyEntry, StoreCreditEntry
from customers.selectors import loyalty_balance, store_credit_balance
from inventory.models import Reservation, Stock, StockMovement, Transfer
from omni.models import EmailLog, OutboxMessage
from omni.outbox import outbox_deliver
from orders.errors import PaymentDeclined
from orders.models import Order, Payment, Refund
from orders.services import CarryOut, OrderRequest, PaymentChoice, order_place
from returns import errors
from returns.models import Return, ReturnLine
from returns.services import (
    return_cancel,
    return_line_inspect,
    return_receive,
    return_request,
)
from tests import factories as f
from tests.inventory.checks import assert_ledger_true
from tests.returns.conftest import LineSpec

pytestmark = pytest.mark.django_db

RESTOCK, TO_WAREHOUSE, INSPECT, WRITE_OFF = "restock", "to_warehouse", "inspect", "write_off"


def received_lines(order, disposition=RESTOCK, quantity=1, condition="A"):
    return [
        (line.pk, quantity, ReturnLine.Reason.TOO_SMALL, condition, disposition)
        for line in order.lines.order_by("pk")
    ]


def counts() -> dict[str, int]:
    """Everything a return may write."""
    return {
        model.__name__: model.objects.count()
        for model in (
            Return,
            ReturnLine,
            StockMovement,
            Stock,
            Reservation,
            Transfer,
            Refund,
            StoreCreditEntry,
            LoyaltyEntry,
            Interaction,
            OutboxMessage,
            Order,
        )
    } | {"on_hand": sum(Stock.objects.values_list("on_hand", flat=True))}


@pytest.fixture
def store_sale(places):
    """A real carry-out sale at Peoria through checkout: two shirts at 40.00 and a belt
    at 25.50, paid by (test) card; loyalty earned by checkout itself."""
    customer = f.CustomerFactory(email="ana@example.com")
    shirt, belt = f.VariantFactory(), f.VariantFactory(size="")
    for variant, price in ((shirt, "40.00"), (belt, "25.50")):
        f.PriceFactory(variant=variant, amount=Decimal(price))
        f.StockFactory(variant=variant, location=places.peoria, on_hand=5)
    return order_place(
        OrderRequest(
            lines=[(shirt.pk, 2), (belt.pk, 1)],
            fulfilment=CarryOut(),
            payment=PaymentChoice.card("4242 4242 4242 4242"),
            customer=customer,
            channel=Channel.STORE,
            location=places.peoria,
        )
    ).order


# --- started online ------------------------------------------------------------------------


def test_a_return_started_online_gets_a_code_lines_a_timeline_entry_and_one_email(
    make_order, places, django_capture_on_commit_callbacks
):
    order = make_order(lines=[LineSpec(price=Decimal("30.00"), quantity=2)])
    line = order.lines.get()
    with django_capture_on_commit_callbacks(execute=True):
        created = return_request(
            order=order,
            lines=[(line.pk, 2, ReturnLine.Reason.TOO_LARGE, "Runs big")],
            method=Return.Method.IN_STORE,
            location=places.springfield,
            customer=order.customer,
        )
    assert re.fullmatch(r"R\d{8}", created.number)
    assert created.status == Return.Status.REQUESTED and created.channel == Channel.WEB
    (return_line,) = created.lines.all()
    assert return_line.quantity == 2 and return_line.reason_note == "Runs big"
    assert return_line.refund_amount == Decimal("60.00")
    entry = Interaction.objects.get(customer=order.customer, kind=Interaction.Kind.RETURN)
    assert created.number in entry.summary and entry.subject_id == str(created.pk)
    (email,) = mail.outbox
    assert created.number in email.subject and created.number in email.body
    assert "Springfield" in email.body and email.to == [order.email]
    # Delivering the same message again sends nothing more.
    outbox_deliver(message_id=OutboxMessage.objects.get(topic="email.return_requested").pk)
    assert len(mail.outbox) == 1


def test_the_same_unit_cannot_be_requested_twice(make_order):
    order = make_order()
    line = order.lines.get()
    request = [(line.pk, 1, ReturnLine.Reason.CHANGED_MIND, "")]
    return_request(order=order, lines=request, method=Return.Method.BY_POST)
    with pytest.raises(errors.QuantityExceedsPurchase):
        return_request(order=order, lines=request, method=Return.Method.BY_POST)
    assert Return.objects.count() == 1


def test_a_refused_request_writes_nothing(make_order):
    order = make_order(days_ago=45)
    before = counts()
    with pytest.raises(errors.ReturnWindowExpired):
        return_request(
            order=order,
            lines=[(order.lines.get().pk, 1, ReturnLine.Reason.OTHER, "")],
            method=Return.Method.BY_POST,
        )
    assert counts() == before


def test_a_shopper_cannot_return_someone_elses_order(make_order):
    order = make_order()
    with pytest.raises(errors.ReturnNotFound):
        return_request(
            order=order,
            lines=[(order.lines.get().pk, 1, ReturnLine.Reason.OTHER, "")],
            method=Return.Method.BY_POST,
            customer=f.CustomerFactory(),
        )


def test_a_request_for_a_store_that_takes_no_returns_is_refused(make_order, places):
    order = make_order()
    with pytest.raises(errors.LocationDoesNotAcceptReturns):
        return_request(
            order=order,
            lines=[(order.lines.get().pk, 1, ReturnLine.Reason.OTHER, "")],
            method=Return.Method.IN_STORE,
            location=places.chicago,
        )


def test_unknown_reasons_and_duplicate_lines_are_refused(make_order):
    order = make_order(lines=[LineSpec(quantity=2)])
    line = order.lines.get()
    with pytest.raises(errors.InvalidReturnLine):
        return_request(order=order, lines=[(line.pk, 1, "meh", "")], method="by_post")
    with pytest.raises(errors.InvalidReturnLine):
        return_request(
            order=order,
            lines=[(line.pk, 1, "other", ""), (line.pk, 1, "other", "")],
            method="by_post",
        )


def test_cancelling_a_request_makes_its_units_returnable_again(make_order, associate):
    order = make_order()
    request = [(order.lines.get().pk, 1, ReturnLine.Reason.OTHER, "")]
    first = return_request(order=order, lines=request, method=Return.Method.BY_POST)
    cancelled = return_cancel(return_request=first, customer=order.customer)
    assert cancelled.status == Return.Status.CANCELLED
    assert return_cancel(return_request=first).status == Return.Status.CANCELLED  # idempotent
    again = return_request(order=order, lines=request, method=Return.Method.BY_POST)
    assert again.pk != first.pk
    with pytest.raises(errors.ReturnNotFound):
        return_cancel(return_request=again, customer=f.CustomerFactory())


# --- received at a store -------------------------------------------------------------------


def test_a_web_order_returned_in_a_store_is_restocked_in_that_store(make_order, places, associate):
    order = make_order(lines=[LineSpec(quantity=2)])
    variant_id = order.lines.get().variant_id
    received = return_receive(
        order=order,
        location=places.springfield,
        associate=associate,
        lines=received_lines(order, quantity=2),
        refund_method=Return.RefundMethod.STORE_CREDIT,
    )
    stock = Stock.objects.get(variant_id=variant_id, location=places.springfield)
    assert stock.on_hand == 2
    movement = StockMovement.objects.get(variant_id=variant_id, location=places.springfield)
    assert movement.reason == StockMovement.Reason.RETURN_RESTOCK
    assert (movement.reference_type, movement.reference_id) == ("returns.return", str(received.pk))
    assert not Stock.objects.filter(location=places.warehouse).exists()
    assert_ledger_true()


def test_store_credit_refund_adds_one_ledger_entry_and_the_return_is_refunded(
    make_order, places, associate
):
    order = make_order(lines=[LineSpec(price=Decimal("19.99"), quantity=3)])
    received = return_receive(
        order=order,
        location=places.springfield,
        associate=associate,
        lines=received_lines(order, quantity=2),
        refund_method=Return.RefundMethod.STORE_CREDIT,
    )
    entry = StoreCreditEntry.objects.get()
    assert entry.amount == Decimal("39.98") and entry.customer == order.customer
    assert entry.reason == StoreCreditEntry.Reason.RETURN_REFUND
    assert (entry.reference_type, entry.reference_id) == ("returns.return", str(received.pk))
    assert store_credit_balance(customer=order.customer) == Decimal("39.98")
    assert received.status == Return.Status.REFUNDED and received.refund_total == Decimal("39.98")
    assert received.received_at and received.refunded_at
    assert not Refund.objects.exists()


def test_a_store_sale_is_refunded_to_the_card_it_was_paid_with(store_sale, places, associate):
    shirt_line, _belt_line = store_sale.lines.order_by("pk")
    received = return_receive(
        order=store_sale,
        location=places.springfield,
        associate=associate,
        lines=[(shirt_line.pk, 1, ReturnLine.Reason.TOO_SMALL, "A", RESTOCK)],
        refund_method=Return.RefundMethod.ORIGINAL,
    )
    refund = Refund.objects.get()
    payment = Payment.objects.get(order=store_sale)
    # The shirt's 40.00 and the 2.50 Illinois sales tax it was charged (6.25%).
    assert refund.payment == payment and refund.amount == Decimal("42.50")
    assert refund.status == Refund.Status.SUCCEEDED
    assert (refund.reference_type, refund.reference_id) == ("returns.return", str(received.pk))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PARTIALLY_REFUNDED
    assert (received.refund_total, received.refund_tax) == (Decimal("42.50"), Decimal("2.50"))
    assert not StoreCreditEntry.objects.exists()
    # Bought at Peoria, back on the shelf at Springfield.
    assert Stock.objects.get(variant=shirt_line.variant, location=places.springfield).on_hand == 1
    assert_ledger_true()


def test_a_refund_is_spread_over_the_orders_payments(make_order, places, associate):
    order = make_order(
        lines=[LineSpec(price=Decimal("50.00"), quantity=2)],
        payments=[Decimal("70.00"), Decimal("30.00")],
    )
    return_receive(
        order=order,
        location=places.springfield,
        associate=associate,
        lines=received_lines(order, quantity=2),
        refund_method=Return.RefundMethod.ORIGINAL,
    )
    assert sorted(Refund.objects.values_list("amount", flat=True)) == [
        Decimal("30.00"),
        Decimal("70.00"),
    ]
    assert set(Payment.objects.values_list("status", flat=True)) == {Payment.Status.REFUNDED}


def test_loyalty_points_of_the_returned_value_are_reversed(store_sale, places, associate):
    assert loyalty_balance(customer=store_sale.customer) == 105  # int(2 × 40 + 25.50)
    belt_line = store_sale.lines.order_by("pk")[1]
    received = return_receive(
        order=store_sale,
        location=places.springfield,
        associate=associate,
        lines=[(belt_line.pk, 1, ReturnLine.Reason.CHANGED_MIND, "A", RESTOCK)],
        refund_method=Return.RefundMethod.STORE_CREDIT,
    )
    reversal = LoyaltyEntry.objects.get(reason=LoyaltyEntry.Reason.RETURN)
    assert reversal.points == -25  # 105 × 25.50 / 105.50 = 25.4, rounded
    assert (reversal.reference_type, reversal.reference_id) == ("returns.return", str(received.pk))
    assert loyalty_balance(customer=store_sale.customer) == 80


def test_reversals_never_take_back_more_than_the_order_earned(make_order, places, associate):
    order = make_order(lines=[LineSpec(price=Decimal("10.00"), quantity=3)], points=2)
    for _ in range(3):
        return_receive(
            order=order,
            location=places.springfield,
            associate=associate,
            lines=received_lines(order, quantity=1),
            refund_method=Return.RefundMethod.STORE_CREDIT,
        )
    assert loyalty_balance(customer=order.customer) == 0


def test_the_return_is_on_the_timeline_and_emailed_once(
    make_order, places, associate, django_capture_on_commit_callbacks
):
    order = make_order(lines=[LineSpec(price=Decimal("30.00"))])
    with django_capture_on_commit_callbacks(execute=True):
        received = return_receive(
            order=order,
            location=places.springfield,
            associate=associate,
            lines=received_lines(order),
            refund_method=Return.RefundMethod.STORE_CREDIT,
        )
    entry = Interaction.objects.get(customer=order.customer, kind=Interaction.Kind.RETURN)
    assert entry.channel == Channel.STORE
    assert entry.location == places.springfield and entry.associate == associate
    assert (entry.subject_type, entry.subject_id) == ("returns.return", str(received.pk))
    assert "$30.00" in entry.summary and received.number in entry.summary
    (email,) = mail.outbox
    assert received.number in email.subject
    assert "$30.00" in email.body and "Store credit" in email.body
    assert EmailLog.objects.filter(kind="return_received", object_id=str(received.pk)).count() == 1
    message = OutboxMessage.objects.get(topic="email.return_received")
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.PENDING)
    outbox_deliver(message_id=message.pk)  # a duplicate delivery
    assert len(mail.outbox) == 1


def test_a_return_requested_online_is_completed_not_duplicated(make_order, places, associate):
    order = make_order(lines=[LineSpec(quantity=2)])
    line = order.lines.get()
    requested = return_request(
        order=order,
        lines=[(line.pk, 2, ReturnLine.Reason.TOO_SMALL, "")],
        method=Return.Method.IN_STORE,
    )
    received = return_receive(
        order=order,
        location=places.springfield,
        associate=associate,
        lines=[(line.pk, 1, ReturnLine.Reason.TOO_SMALL, "B", RESTOCK)],  # one came back
        refund_method=Return.RefundMethod.STORE_CREDIT,
        existing_return=requested,
    )
    assert received.pk == requested.pk and Return.objects.count() == 1
    assert received.number == requested.number and received.channel == Channel.WEB
    assert received.status == Return.Status.REFUNDED
    (return_line,) = received.lines.all()
    assert return_line.quantity == 1 and return_line.condition == "B"
    with pytest.raises(errors.InvalidTransition):
        return_receive(
            order=order,
            location=places.springfield,
            associate=associate,
            lines=[(line.pk, 1, ReturnLine.Reason.TOO_SMALL, "A", RESTOCK)],
            refund_method=Return.RefundMethod.STORE_CREDIT,
            existing_return=requested,
        )


def test_a_store_that_takes_no_returns_refuses_and_writes_nothing(make_order, places, associate):
    order = make_order()
    before = counts()
    with pytest.raises(errors.LocationDoesNotAcceptReturns) as exc:
        return_receive(
            order=order,
            location=places.chicago,
            associate=associate,
            lines=received_lines(order),
            refund_method=Return.RefundMethod.STORE_CREDIT,
        )
    assert exc.value.code == "location_does_not_accept_returns"
    assert counts() == before


def test_a_refusal_after_restocking_leaves_no_partial_write(make_order, places, associate):
    # Restocking happens before the refund; the refund is refused (nothing was paid):
    # the restock, the return and its lines all roll back.
    order = make_order(lines=[LineSpec(quantity=2)], payments=[], points=0)
    before = counts()
    with pytest.raises(errors.RefundNotPossible):
        return_receive(
            order=order,
            location=places.springfield,
            associate=associate,
            lines=received_lines(order, disposition=TO_WAREHOUSE),
            refund_method=Return.RefundMethod.ORIGINAL,
        )
    assert counts() == before
    assert_ledger_true()


def test_one_bad_line_refuses_the_whole_return(make_order, places, associate):
    order = make_order(lines=[LineSpec(), LineSpec(final_sale=True)])
    before = counts()
    with pytest.raises(errors.FinalSale):
        return_receive(
            order=order,
            location=places.springfield,
            associate=associate,
            lines=received_lines(order),
            refund_method=Return.RefundMethod.STORE_CREDIT,
        )
    assert counts() == before


def test_a_manager_takes_back_an_expired_item_with_a_reason(make_order, places, manager):
    order = make_order(days_ago=60)
    received = return_receive(
        order=order,
        location=places.springfield,
        associate=manager,
        lines=received_lines(order),
        refund_method=Return.RefundMethod.STORE_CREDIT,
        override_reason="Seam split on first wear",
    )
    assert received.policy_override_by == manager
    assert received.policy_override_reason == "Seam split on first wear"


def test_an_associate_cannot_override_and_nothing_is_written(make_order, places, associate):
    order = make_order(days_ago=60)
    before = counts()
    with pytest.raises(errors.OverrideNotAllowed):
        return_receive(
            order=order,
            location=places.springfield,
            associate=associate,
            lines=received_lines(order),
            refund_method=Return.RefundMethod.STORE_CREDIT,
            override_reason="Nice customer",
        )
    assert counts() == before


def test_to_warehouse_restocks_here_then_requests_a_transfer_to_the_nearest_warehouse(
    make_order, places, associate
):
    order = make_order()
    variant_id = order.lines.get().variant_id
    return_receive(
        order=order,
        location=places.springfield,
        associate=associate,
        lines=received_lines(order, disposition=TO_WAREHOUSE, condition="B"),
        refund_method=Return.RefundMethod.STORE_CREDIT,
    )
    transfer = Transfer.objects.get()
    assert transfer.source == places.springfield
    assert transfer.destination == places.near_warehouse  # St. Louis, not Indianapolis
    assert transfer.lines.get().variant_id == variant_id
    assert not transfer.reference_type  # not "for an order": nothing held on arrival
    stock = Stock.objects.get(variant_id=variant_id, location=places.springfield)
    assert (stock.on_hand, stock.reserved) == (1, 1)  # here, held for the transfer
    assert_ledger_true()


def test_to_warehouse_keeps_the_unit_here_when_the_display_shelf_rule_blocks_the_transfer(
    make_order, places, associate
):
    places.springfield.safety_stock = 2
    places.springfield.save()
    order = make_order()
    received = return_receive(
        order=order,
        location=places.springfield,
        associate=associate,
        lines=received_lines(order, disposition=TO_WAREHOUSE),
        refund_method=Return.RefundMethod.STORE_CREDIT,
    )
    assert received.status == Return.Status.REFUNDED and not Transfer.objects.exists()
    entry = Interaction.objects.get(kind=Interaction.Kind.RETURN)
    assert entry.detail["transfer_deferred"] is True
    assert_ledger_true()


def test_inspect_and_write_off_do_not_touch_stock_until_inspected(make_order, places, associate):
    order = make_order(lines=[LineSpec(), LineSpec()])
    first, second = order.lines.order_by("pk")
    received = return_receive(
        order=order,
        location=places.springfield,
        associate=associate,
        lines=[
            (first.pk, 1, ReturnLine.Reason.DAMAGED, "C", WRITE_OFF),
            (second.pk, 1, ReturnLine.Reason.NOT_AS_DESCRIBED, "B", INSPECT),
        ],
        refund_method=Return.RefundMethod.STORE_CREDIT,
    )
    assert not StockMovement.objects.filter(location=places.springfield).exists()
    held = received.lines.get(disposition=INSPECT)
    return_line_inspect(return_line=held, disposition=RESTOCK, associate=associate, condition="A")
    assert Stock.objects.get(variant=second.variant, location=places.springfield).on_hand == 1
    with pytest.raises(errors.InvalidTransition):  # decided already
        return_line_inspect(return_line=held, disposition=WRITE_OFF, associate=associate)
    assert_ledger_true()


def test_an_exchange_is_a_store_order_paid_with_the_returned_value(store_sale, places, associate):
    shirt_line = store_sale.lines.order_by("pk")[0]
    larger = f.VariantFactory(product=shirt_line.variant.product, size="L")
    f.PriceFactory(variant=larger, amount=Decimal("40.00"))
    f.StockFactory(variant=larger, location=places.springfield, on_hand=3)
    received = return_receive(
        order=store_sale,
        location=places.springfield,
        associate=associate,
        lines=[(shirt_line.pk, 1, ReturnLine.Reason.TOO_SMALL, "A", RESTOCK)],
        refund_method=Return.RefundMethod.EXCHANGE,
        exchange_variants=[(shirt_line.pk, larger.pk)],
    )
    exchange = received.exchange_order
    assert exchange is not None and exchange.channel == Channel.STORE
    assert exchange.location == places.springfield and exchange.associate == associate
    (line,) = exchange.lines.all()
    assert line.variant == larger and line.quantity == 1
    assert store_credit_balance(customer=store_sale.customer) == Decimal("0.00")
    assert Stock.objects.get(variant=larger, location=places.springfield).on_hand == 2
    assert not Refund.objects.exists()
    assert_ledger_true()


def test_an_exchange_costing_more_than_the_return_is_refused_whole(store_sale, places, associate):
    belt_line = store_sale.lines.order_by("pk")[1]
    pricier = f.VariantFactory()
    f.PriceFactory(variant=pricier, amount=Decimal("90.00"))
    f.StockFactory(variant=pricier, location=places.springfield, on_hand=3)
    before = counts()
    with pytest.raises(PaymentDeclined) as exc:
        return_receive(
            order=store_sale,
            location=places.springfield,
            associate=associate,
            lines=[(belt_line.pk, 1, ReturnLine.Reason.CHANGED_MIND, "A", RESTOCK)],
            refund_method=Return.RefundMethod.EXCHANGE,
            exchange_variants=[(belt_line.pk, pricier.pk)],
        )
    assert exc.value.code == "insufficient_store_credit"
    assert counts() == before


def test_an_exchange_needs_replacements_for_returned_lines(store_sale, places, associate):
    shirt_line, belt_line = store_sale.lines.order_by("pk")
    lines = [(shirt_line.pk, 1, ReturnLine.Reason.TOO_SMALL, "A", RESTOCK)]
    with pytest.raises(errors.InvalidReturnLine):
        return_receive(
            order=store_sale,
            location=places.springfield,
            associate=associate,
            lines=lines,
            refund_method=Return.RefundMethod.EXCHANGE,
        )
    with pytest.raises(errors.InvalidReturnLine):
        return_receive(
            order=store_sale,
            location=places.springfield,
            associate=associate,
            lines=lines,
            refund_method=Return.RefundMethod.EXCHANGE,
            exchange_variants=[(belt_line.pk, belt_line.variant_id)],
        )


def test_receiving_validates_condition_and_disposition(make_order, places, associate):
    order = make_order()
    line = order.lines.get()
    for bad in [(line.pk, 1, "other", "Z", RESTOCK), (line.pk, 1, "other", "A", "sell")]:
        with pytest.raises(errors.InvalidReturnLine):
            return_receive(
                order=order,
                location=places.springfield,
                associate=associate,
                lines=[bad],
                refund_method=Return.RefundMethod.STORE_CREDIT,
            )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_desks_and_the_web_take_back_the_last_unit_once(make_order, places, associate):
    import threading

    from django.db import connections

    order = make_order(lines=[LineSpec(quantity=1)])
    line = order.lines.get()

    def work(i):
        if i % 2:
            return return_request(
                order=order, lines=[(line.pk, 1, "other", "")], method=Return.Method.BY_POST
            )
        return return_receive(
            order=order,
            location=places.springfield if i % 4 else places.peoria,
            associate=associate,
            lines=[(line.pk, 1, "other", "A", RESTOCK)],
            refund_method=Return.RefundMethod.STORE_CREDIT,
        )

    barrier, results = threading.Barrier(8), [None] * 8

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # asserted on below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    kinds = sorted(type(r).__name__ for r in results)
    assert kinds == ["QuantityExceedsPurchase"] * 7 + ["Return"], kinds
    assert Return.objects.count() == 1
    assert StoreCreditEntry.objects.count() <= 1
    assert_ledger_true()
