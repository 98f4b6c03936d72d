"""The one return policy: the window from delivery or pickup (default and per category),
final sale, quantity, and who may override what."""

from decimal import Decimal

import pytest

from customers.models import Channel
from orders.models import Order
from returns import errors
from returns.models import Return
from returns.services import return_policy_check
from tests import factories as f
from tests.returns.conftest import LineSpec

pytestmark = pytest.mark.django_db


def check(order, quantity=1, **kwargs):
    line = order.lines.order_by("pk").first()
    return return_policy_check(order=order, lines=[(line.pk, quantity)], **kwargs)


def codes(decision):
    return [refusal.code for _, refusal in decision.refusals]


def test_a_delivered_item_inside_the_window_can_be_returned(make_order):
    decision = check(make_order(days_ago=3))
    assert decision.allowed and not decision.overridden
    decision.ensure_allowed()  # does not raise


@pytest.mark.parametrize(("days_ago", "allowed"), [(29, True), (30, True), (31, False)])
def test_the_default_window_is_counted_from_delivery_and_its_last_day_counts(
    make_order, settings, days_ago, allowed
):
    settings.OMNI_RETURN_WINDOW_DAYS = 30
    decision = check(make_order(days_ago=days_ago))
    assert decision.allowed is allowed
    if not allowed:
        assert codes(decision) == ["return_window_expired"]
        with pytest.raises(errors.ReturnWindowExpired) as exc:
            decision.ensure_allowed()
        assert exc.value.code == "return_window_expired"
        assert "30-day return window" in exc.value.message


def test_the_window_starts_when_it_arrived_not_when_it_was_ordered(make_order):
    # Ordered 45 days ago (back-ordered), delivered 5 days ago: still returnable.
    assert check(make_order(days_ago=5, placed_days_ago=45)).allowed


def test_a_pickup_window_starts_at_collection(make_order):
    assert check(make_order(received="collected", days_ago=10, placed_days_ago=40)).allowed
    assert codes(check(make_order(received="collected", days_ago=31))) == ["return_window_expired"]


def test_a_carry_out_store_sale_counts_from_the_sale(make_order):
    assert check(make_order(received="carry_out", days_ago=3)).allowed
    assert codes(check(make_order(received="carry_out", days_ago=31))) == ["return_window_expired"]


def test_a_category_sets_its_own_window(make_order, settings):
    settings.OMNI_RETURN_WINDOW_DAYS = 30
    swimwear = f.CategoryFactory(return_window_days=14)
    outerwear = f.CategoryFactory(return_window_days=60)
    assert codes(check(make_order(days_ago=15, lines=[LineSpec(category=swimwear)]))) == [
        "return_window_expired"
    ]
    assert check(make_order(days_ago=10, lines=[LineSpec(category=swimwear)])).allowed
    assert check(make_order(days_ago=45, lines=[LineSpec(category=outerwear)])).allowed


def test_a_subcategory_without_a_window_uses_its_parents(make_order):
    parent = f.CategoryFactory(return_window_days=7)
    child = f.CategoryFactory(parent=parent, return_window_days=None)
    assert codes(check(make_order(days_ago=8, lines=[LineSpec(category=child)]))) == [
        "return_window_expired"
    ]


def test_an_item_not_yet_delivered_is_not_returnable(make_order):
    for received in ("shipped", None):
        decision = check(make_order(received=received))
        assert codes(decision) == ["not_yet_received"]
        with pytest.raises(errors.NotYetReceived):
            decision.ensure_allowed()


def test_a_final_sale_line_is_refused(make_order):
    decision = check(make_order(lines=[LineSpec(final_sale=True)]))
    assert codes(decision) == ["final_sale"]
    with pytest.raises(errors.FinalSale) as exc:
        decision.ensure_allowed()
    assert exc.value.code == "final_sale"


def test_no_more_than_was_bought(make_order):
    order = make_order(lines=[LineSpec(quantity=2)])
    assert check(order, quantity=2).allowed
    decision = check(order, quantity=3)
    assert codes(decision) == ["quantity_exceeds_purchase"]
    with pytest.raises(errors.QuantityExceedsPurchase):
        decision.ensure_allowed()


def test_units_on_earlier_returns_count_unless_those_were_cancelled(make_order):
    order = make_order(lines=[LineSpec(quantity=2)])
    line = order.lines.get()
    earlier = f.ReturnFactory(order=order, status=Return.Status.REFUNDED)
    f.ReturnLineFactory(return_request=earlier, order_line=line, quantity=1)
    assert check(order, quantity=1).allowed
    assert codes(check(order, quantity=2)) == ["quantity_exceeds_purchase"]
    cancelled = f.ReturnFactory(order=order, status=Return.Status.CANCELLED)
    f.ReturnLineFactory(return_request=cancelled, order_line=line, quantity=1)
    assert check(order, quantity=1).allowed


def test_the_same_unit_cannot_be_returned_twice(make_order):
    order = make_order()
    line = order.lines.get()
    f.ReturnLineFactory(
        return_request=f.ReturnFactory(order=order, status=Return.Status.RECEIVED),
        order_line=line,
    )
    decision = check(order)
    assert codes(decision) == ["quantity_exceeds_purchase"]
    assert "already been returned" in decision.refusals[0][1].message


def test_a_manager_overrides_the_window_and_a_final_sale_with_a_reason(make_order, manager):
    order = make_order(days_ago=40, lines=[LineSpec(final_sale=True)])
    decision = check(order, override_by=manager, override_reason="Faulty zip, regular client")
    assert decision.allowed and decision.overridden
    assert decision.override_by == manager
    assert decision.override_reason == "Faulty zip, regular client"
    assert {r.code for r in decision.lines[0].refusals} == {"final_sale", "return_window_expired"}


def test_a_manager_can_take_back_something_not_yet_delivered(make_order, manager):
    assert check(make_order(received="shipped"), override_by=manager, override_reason="x").allowed


def test_nobody_overrides_the_quantity(make_order, manager):
    decision = check(make_order(days_ago=40), quantity=2, override_by=manager, override_reason="x")
    assert not decision.allowed
    assert codes(decision) == ["quantity_exceeds_purchase"]


def test_an_associate_cannot_override(make_order, associate):
    with pytest.raises(errors.OverrideNotAllowed) as exc:
        check(make_order(days_ago=40), override_by=associate, override_reason="Asked nicely")
    assert exc.value.code == "override_not_allowed"


def test_an_override_needs_a_reason(make_order, manager):
    with pytest.raises(errors.OverrideReasonRequired):
        check(make_order(days_ago=40), override_by=manager, override_reason="  ")


def test_an_override_offered_when_none_is_needed_is_not_recorded(make_order, associate):
    decision = check(make_order(), override_by=associate, override_reason="just in case")
    assert decision.allowed and decision.override_by is None and not decision.overridden


def test_lines_must_be_on_the_order_and_quantities_positive(make_order):
    order, other = make_order(), make_order()
    with pytest.raises(errors.InvalidReturnLine):
        return_policy_check(order=order, lines=[(other.lines.get().pk, 1)])
    with pytest.raises(errors.InvalidReturnLine):
        return_policy_check(order=order, lines=[(order.lines.get().pk, 0)])
    with pytest.raises(errors.InvalidReturnLine):
        return_policy_check(order=order, lines=[])


def test_every_refusal_of_a_mixed_return_is_reported(make_order):
    order = make_order(
        days_ago=3, lines=[LineSpec(), LineSpec(final_sale=True), LineSpec(quantity=1)]
    )
    ok, final, single = order.lines.order_by("pk")
    decision = return_policy_check(order=order, lines=[(ok.pk, 1), (final.pk, 1), (single.pk, 2)])
    assert not decision.allowed
    with pytest.raises(errors.QuantityExceedsPurchase) as exc:  # the quantity is said first
        decision.ensure_allowed()
    assert {r["code"] for r in exc.value.details["refusals"]} == {
        "final_sale",
        "quantity_exceeds_purchase",
    }


def test_the_check_is_a_fixed_number_of_queries(make_order, django_assert_max_num_queries):
    small = make_order(lines=[LineSpec()])
    large = make_order(lines=[LineSpec(quantity=2) for _ in range(8)])
    for order in (small, large):
        ids = [(line.pk, 1) for line in order.lines.all()]
        with django_assert_max_num_queries(3):
            return_policy_check(order=order, lines=ids)


def test_a_store_order_for_pickup_is_not_returnable_before_collection(make_order, places):
    order = make_order(received=None, channel=Channel.STORE, location=places.peoria)
    f.FulfilmentLineFactory(
        fulfilment=f.FulfilmentFactory(order=order, location=places.peoria),
        order_line=order.lines.get(),
    )
    assert codes(check(order)) == ["not_yet_received"]


def test_money_is_decimal(make_order):
    order = make_order(lines=[LineSpec(price=Decimal("19.99"), quantity=3)])
    decision = check(order, quantity=2)
    assert decision.lines[0].refund_amount == Decimal("39.98")


def test_nothing_of_a_cancelled_store_order_can_come_back(make_order):
    order = make_order(received="carry_out")
    order.status = Order.Status.CANCELLED
    order.save()
    assert codes(check(order)) == ["not_yet_received"]
