"""Reads: finding an order the way an associate types or scans it, and pages whose query
count does not grow with orders, lines or pickups."""

import pytest

from customers import services as customer_services
from customers.models import Channel
from orders import selectors, services
from orders.models import Order
from orders.services.numbers import order_code_svg
from tests.orders.helpers import make_variant, place, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(places, variant):
    receive(variant, places["warehouse"], 20)
    return place(
        [(variant.pk, 1)],
        contact=services.Contact(email="Ana@Example.com", phone="(217) 555-0100", first_name="A"),
    )


def found(query) -> list[str]:
    return [o.number for o in selectors.order_find(query=query)]


def test_find_by_number_any_case_and_spacing(order):
    number = order.number
    for query in (
        number,
        number.lower(),
        f"  {number[0]} {number[1:]} ",
        f"{number[:4]}-{number[4:]}",
    ):
        assert found(query) == [number], query
    assert found(number[1:]) == [number]  # the digits alone
    assert found("W9999999") == []


def test_find_by_scanned_code_decodes_to_the_number(order):
    svg = order_code_svg(order.number).decode()
    assert svg.startswith("<svg")
    # The QR payload is the number itself, so a scanner types exactly that.
    assert found(order.number) == [order.number]


def test_find_by_email_and_phone(order, variant):
    other = place([(variant.pk, 1)], contact=services.Contact(email="bo@example.com"))
    assert found("ANA@example.com ") == [order.number]
    assert found("217-555-0100") == [order.number]
    assert found("+1 (217) 555 0100") == [order.number]
    assert found("bo@example.com") == [other.number]
    assert found("") == []
    assert found("not-an-email@") == []


def test_find_by_a_contact_the_customer_owns(order, variant):
    """An order placed with another email still shows up by the customer's phone."""
    customer_services.customer_resolve(email="ana.work@example.com", phone="2175550100")
    second = place(
        [(variant.pk, 1)], contact=services.Contact(email="ana.work@example.com", first_name="A")
    )
    assert set(found("2175550100")) == {order.number, second.number}


def test_find_joins_customer_and_location(order, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = list(selectors.order_find(query=order.number))
        assert rows[0].customer.email == "ana@example.com"
        assert rows[0].location is None


def _orders(places, customer, count, lines_each):
    variants = [make_variant("15.00") for _ in range(lines_each)]
    for v in variants:
        receive(v, places["warehouse"], 50)
        receive(v, places["springfield"], 50)
    for i in range(count):
        place(
            [(v.pk, 1) for v in variants],
            customer=customer,
            fulfilment=services.PickupAt(places["springfield"].pk)
            if i % 2
            else services.ShipTo({"line1": "1 Main", "city": "Springfield", "postcode": "62701"}),
            channel=Channel.APP if i % 2 else Channel.WEB,
        )


def _read_everything(orders) -> list:
    """Touch what an order page shows, so lazy loads would count as queries."""
    seen = []
    for o in orders:
        seen += [o.location, o.associate]
        seen += [line.sku for line in o.lines.all()]
        for fulfilment in o.fulfilments.all():
            seen.append(fulfilment.location.name)
            seen += [fl.quantity for fl in fulfilment.lines.all()]
        for payment in o.payments.all():
            seen += [r.amount for r in payment.refunds.all()]
    return seen


def test_orders_for_customer_is_constant_in_orders_and_lines(places, django_assert_num_queries):
    few, many = (
        customer_services.customer_resolve(email="few@example.com"),
        customer_services.customer_resolve(email="many@example.com"),
    )
    _orders(places, few, 1, 1)
    _orders(places, many, 5, 3)

    with django_assert_num_queries(6):
        _read_everything(selectors.orders_for_customer(customer=few))
    with django_assert_num_queries(6):
        orders = list(selectors.orders_for_customer(customer=many))
        _read_everything(orders)
    assert len(orders) == 5


def test_order_detail_is_scoped_to_the_customer(order, django_assert_num_queries):
    with django_assert_num_queries(6):
        detail = selectors.order_detail(number=order.number.lower())
        _read_everything([detail])
    assert selectors.order_detail(number=order.number, customer=order.customer) == order
    stranger = customer_services.customer_resolve(email="stranger@example.com")
    with pytest.raises(services.OrderNotFound) as caught:
        selectors.order_detail(number=order.number, customer=stranger)
    assert caught.value.code == "order_not_found"


def test_pickup_queue_is_constant_in_pickups_and_lines(places, django_assert_num_queries):
    store = places["springfield"]
    customer = customer_services.customer_resolve(email="queue@example.com")
    variants = [make_variant() for _ in range(3)]
    for v in variants:
        receive(v, store, 20)

    def add_pickups(count):
        for _ in range(count):
            place(
                [(v.pk, 1) for v in variants],
                customer=customer,
                fulfilment=services.PickupAt(store.pk),
            )

    def read():
        queue = list(selectors.pickup_queue(location=store))
        shown = [(p.order.number, p.order.customer.email, p.location.name) for p in queue]
        shown += [(ln.order_line.product_name, ln.quantity) for p in queue for ln in p.lines.all()]
        assert shown
        return queue

    add_pickups(1)
    with django_assert_num_queries(2):
        assert len(read()) == 1
    add_pickups(4)
    services.fulfilment_ready(fulfilment=Order.objects.first().fulfilments.get())
    with django_assert_num_queries(2):
        assert len(read()) == 5
    ready_only = selectors.pickup_queue(location=store, statuses=["ready"])
    assert ready_only.count() == 1
    assert selectors.pickup_queue(location=places["peoria"]).count() == 0
