"""What the return screens read: returnable lines (the policy's answer per line),
a customer's returns, one return by its code — each a fixed number of queries."""

from decimal import Decimal

import pytest

from returns import errors
from returns.models import Return, ReturnLine
from returns.selectors import (
    looks_like_return_number,
    return_detail,
    return_number_normalise,
    returnable_lines,
    returns_for_customer,
)
from returns.services import return_receive, return_request
from tests import factories as f
from tests.returns.conftest import LineSpec

pytestmark = pytest.mark.django_db


def test_returnable_lines_say_what_can_come_back_and_why_not(make_order, places, associate):
    order = make_order(
        lines=[LineSpec(quantity=3), LineSpec(final_sale=True), LineSpec(quantity=1)]
    )
    partly, final, single = order.lines.order_by("pk")
    return_receive(
        order=order,
        location=places.springfield,
        associate=associate,
        lines=[
            (partly.pk, 1, ReturnLine.Reason.TOO_SMALL, "A", "restock"),
            (single.pk, 1, ReturnLine.Reason.TOO_SMALL, "A", "restock"),
        ],
        refund_method=Return.RefundMethod.STORE_CREDIT,
    )
    rows = {row.order_line.pk: row for row in returnable_lines(order=order)}
    assert (rows[partly.pk].bought, rows[partly.pk].already_returned) == (3, 1)
    assert rows[partly.pk].returnable == 2 and rows[partly.pk].refusal_code == ""
    assert rows[final.pk].returnable == 0 and rows[final.pk].refusal_code == "final_sale"
    assert rows[final.pk].overridable and "final sale" in rows[final.pk].reason
    assert rows[single.pk].returnable == 0
    assert rows[single.pk].refusal_code == "quantity_exceeds_purchase"
    assert not rows[single.pk].overridable


def test_returnable_lines_show_the_window(make_order, settings):
    settings.OMNI_RETURN_WINDOW_DAYS = 30
    (row,) = returnable_lines(order=make_order(days_ago=40))
    assert row.returnable == 0 and row.refusal_code == "return_window_expired"
    assert row.window_ends_on is not None and row.overridable
    (row,) = returnable_lines(order=make_order(received="shipped"))
    assert row.refusal_code == "not_yet_received" and row.window_ends_on is None


def test_returnable_lines_leave_out_the_return_being_completed(
    make_order, places, associate, django_assert_max_num_queries
):
    order = make_order(lines=[LineSpec(quantity=4), LineSpec(quantity=1)])
    four, one = order.lines.order_by("pk")
    return_receive(
        order=order,
        location=places.springfield,
        associate=associate,
        lines=[(four.pk, 1, ReturnLine.Reason.TOO_SMALL, "A", "restock")],
        refund_method=Return.RefundMethod.STORE_CREDIT,
    )
    cancelled = return_request(
        order=order, lines=[(four.pk, 1, "other", "")], method=Return.Method.BY_POST
    )
    cancelled.status = Return.Status.CANCELLED
    cancelled.save(update_fields=["status"])
    requested = return_request(
        order=order,
        lines=[(four.pk, 2, "other", ""), (one.pk, 1, "other", "")],
        method=Return.Method.IN_STORE,
        location=places.springfield,
    )
    rows = {row.order_line.pk: row for row in returnable_lines(order=order)}
    assert (rows[four.pk].already_returned, rows[four.pk].returnable) == (3, 1)
    assert rows[one.pk].remaining == 0
    assert rows[one.pk].refusal_code == "quantity_exceeds_purchase"
    with django_assert_max_num_queries(3):
        rows = {
            row.order_line.pk: row
            for row in returnable_lines(order=order, exclude_return_id=requested.pk)
        }
    # Its own units are back on offer; the till's return still counts, the cancelled not.
    assert (rows[four.pk].already_returned, rows[four.pk].returnable) == (1, 3)
    assert (rows[one.pk].remaining, rows[one.pk].refusal_code) == (1, "")


def test_return_numbers_are_read_as_typed_or_said():
    assert return_number_normalise(" r1234 5678 ") == "R12345678"
    assert return_number_normalise("") == ""
    assert looks_like_return_number("r 1234 5678")
    assert not looks_like_return_number("R1234567")  # a digit short
    assert not looks_like_return_number("W00001234")  # an order number
    assert not looks_like_return_number("olivia@example.com")


def test_returnable_lines_is_a_fixed_number_of_queries(
    make_order, places, associate, django_assert_max_num_queries
):
    small = make_order(lines=[LineSpec()])
    large = make_order(lines=[LineSpec(quantity=3) for _ in range(12)])
    for line in large.lines.all()[:6]:
        return_request(
            order=large,
            lines=[(line.pk, 1, ReturnLine.Reason.OTHER, "")],
            method=Return.Method.BY_POST,
        )
    for order in (small, large):
        with django_assert_max_num_queries(3):
            rows = returnable_lines(order=order)
            assert [row.order_line.product_name for row in rows]  # names need no query
    assert sum(row.returnable for row in returnable_lines(order=large)) == 36 - 6


def test_a_customers_returns_newest_first_with_lines(
    make_order, places, associate, django_assert_max_num_queries
):
    order = make_order(lines=[LineSpec(), LineSpec()])
    first, second = order.lines.order_by("pk")
    older = return_request(
        order=order, lines=[(first.pk, 1, "other", "")], method=Return.Method.BY_POST
    )
    newer = return_request(
        order=order, lines=[(second.pk, 1, "other", "")], method=Return.Method.BY_POST
    )
    f.ReturnFactory()  # someone else's
    with django_assert_max_num_queries(2):
        found = [*returns_for_customer(customer=order.customer)]
        assert [r.pk for r in found] == [newer.pk, older.pk]
        assert [line.order_line.product_name for r in found for line in r.lines.all()]
        assert found[0].order.number == order.number


def test_a_return_is_found_by_its_code(make_order, django_assert_max_num_queries):
    order = make_order(lines=[LineSpec(price=Decimal("12.00"))])
    created = return_request(
        order=order,
        lines=[(order.lines.get().pk, 1, "other", "")],
        method=Return.Method.BY_POST,
    )
    with django_assert_max_num_queries(2):
        found = return_detail(number=f" {created.number.lower()} ")
        assert found.pk == created.pk and found.customer == order.customer
        assert [line.refund_amount for line in found.lines.all()] == [Decimal("12.00")]
    with pytest.raises(errors.ReturnNotFound):
        return_detail(number="R00000000")
