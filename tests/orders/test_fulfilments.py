"""Fulfilments: the pickup queue's transitions (and the ones it refuses), collection with the
order code, partial pickup, expiry and reminders; shipping and delivery."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import close_old_connections
from django.utils import timezone

from customers.models import Interaction, LoyaltyEntry
from inventory import services as inventory
from inventory.models import Reservation, Stock, StockMovement, Transfer
from omni.models import EmailLog
from orders import selectors, services, tasks
from orders.models import Fulfilment, Order, Payment, Refund
from tests import factories as f
from tests.orders.helpers import make_variant, place, receive

pytestmark = pytest.mark.django_db

Status = Fulfilment.Status


def stock_at(variant, location) -> Stock:
    return Stock.objects.get(variant=variant, location=location)


@pytest.fixture
def store(places):
    return places["springfield"]


@pytest.fixture
def associate(store):
    return f.AssociateFactory(home_location=store)


def pickup_order(store, lines, *, payment=None) -> Order:
    return place(
        [(v.pk, q) for v, q in lines],
        fulfilment=services.PickupAt(store.pk),
        payment=payment,
    )


@pytest.fixture
def pickup(store, variant):
    receive(variant, store, 3)
    return pickup_order(store, [(variant, 2)]).fulfilments.get()


def ready(fulfilment, associate=None, capture=None):
    if capture is None:
        return services.fulfilment_ready(fulfilment=fulfilment, associate=associate)
    with capture(execute=True):
        return services.fulfilment_ready(fulfilment=fulfilment, associate=associate)


# --- the happy path -----------------------------------------------------------------------


def test_placed_picking_ready_collected(
    pickup, store, variant, associate, django_capture_on_commit_callbacks
):
    order = pickup.order
    services.fulfilment_start_picking(fulfilment=pickup, associate=associate)
    assert pickup.status == Status.PICKING
    order.refresh_from_db()
    assert order.status == Order.Status.PROCESSING

    before = timezone.now()
    ready(pickup, associate, django_capture_on_commit_callbacks)

    pickup.refresh_from_db()
    assert pickup.status == Status.READY
    assert before <= pickup.ready_at <= timezone.now()
    assert pickup.hold_until == pickup.ready_at + dt.timedelta(days=5)
    hold = Reservation.objects.get(status=Reservation.Status.ACTIVE)
    assert hold.kind == Reservation.Kind.PICKUP
    assert hold.expires_at > pickup.hold_until  # our sweep releases it first
    (email,) = [m for m in mail.outbox if "ready for pickup" in m.subject]
    assert order.number in email.body and store.name in email.subject
    assert order.customer.interactions.filter(kind=Interaction.Kind.PICKUP).exists()

    services.fulfilment_collect(fulfilment=pickup, code=order.number.lower(), associate=associate)

    pickup.refresh_from_db()
    assert (pickup.status, pickup.lines.get().quantity_collected) == (Status.COLLECTED, 2)
    stock = stock_at(variant, store)
    assert (stock.on_hand, stock.reserved) == (1, 0)
    movement = StockMovement.objects.get(reason=StockMovement.Reason.PICKUP)
    assert (movement.delta, movement.associate) == (-2, associate)
    order.refresh_from_db()
    assert order.status == Order.Status.FULFILLED
    collected = order.customer.interactions.filter(
        kind=Interaction.Kind.PICKUP, summary__startswith="Collected"
    ).get()
    assert collected.associate == associate


def test_a_pickup_that_is_not_ready_cannot_be_collected(pickup):
    with pytest.raises(services.InvalidTransition) as caught:
        services.fulfilment_collect(fulfilment=pickup, code=pickup.order.number)
    assert caught.value.message == "This pickup is not ready yet."
    assert caught.value.code == "invalid_transition"


def test_the_wrong_code_is_refused_and_nothing_changes(pickup, store, variant):
    ready(pickup)
    with pytest.raises(services.PickupCodeMismatch) as caught:
        services.fulfilment_collect(fulfilment=pickup, code="W9999999")
    assert caught.value.code == "pickup_code_mismatch"
    pickup.refresh_from_db()
    assert pickup.status == Status.READY
    assert stock_at(variant, store).reserved == 2


def test_the_code_may_be_typed_with_spaces_or_scanned(pickup):
    ready(pickup)
    number = pickup.order.number
    spaced = f" {number[0].lower()} {number[1:4]} {number[4:]} "
    services.fulfilment_collect(fulfilment=pickup, code=spaced)
    assert pickup.status == Status.COLLECTED


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("ready", "This pickup is already ready for collection."),
        ("picking", "This pickup is already ready for collection."),
    ],
)
def test_steps_out_of_order_are_refused(pickup, step, message):
    ready(pickup)
    with pytest.raises(services.InvalidTransition) as caught:
        if step == "ready":
            services.fulfilment_ready(fulfilment=pickup)
        else:
            services.fulfilment_start_picking(fulfilment=pickup)
    assert caught.value.message == message


def test_a_collected_pickup_cannot_be_collected_or_cancelled_again(pickup):
    ready(pickup)
    services.fulfilment_collect(fulfilment=pickup, code=pickup.order.number)
    with pytest.raises(services.InvalidTransition) as caught:
        services.fulfilment_collect(fulfilment=pickup, code=pickup.order.number)
    assert caught.value.message == "This pickup has already been collected."
    with pytest.raises(services.InvalidTransition):
        services.fulfilment_cancel(fulfilment=pickup)
    with pytest.raises(services.InvalidTransition):
        services.fulfilment_ship(fulfilment=pickup)


def test_a_pickup_by_transfer_is_ready_only_once_the_transfer_arrived(places, store, variant):
    receive(variant, places["warehouse"], 5)
    order = pickup_order(store, [(variant, 2)])
    pickup = order.fulfilments.get()

    with pytest.raises(services.InvalidTransition) as caught:
        services.fulfilment_ready(fulfilment=pickup)
    assert "on their way from Indianapolis" in caught.value.message

    (transfer,) = Transfer.objects.all()
    inventory.transfer_ship(transfer_id=transfer.pk)
    inventory.transfer_receive(transfer_id=transfer.pk)
    services.fulfilment_ready(fulfilment=pickup)
    services.fulfilment_collect(fulfilment=pickup, code=order.number)

    assert pickup.status == Status.COLLECTED
    assert stock_at(variant, store).on_hand == 0
    assert stock_at(variant, places["warehouse"]).on_hand == 3


# --- pay in store and partial pickup ------------------------------------------------------


def test_pay_in_store_is_taken_at_collection(store, variant):
    receive(variant, store, 2)
    order = pickup_order(store, [(variant, 1)], payment=services.PaymentChoice.pay_in_store())
    payment = order.payments.get()
    assert (payment.status, payment.amount) == (
        Payment.Status.PENDING,
        Decimal("52.06"),
    )  # 49.00 and Illinois 6.25%

    pickup = order.fulfilments.get()
    ready(pickup)
    services.fulfilment_collect(fulfilment=pickup, code=order.number)

    payment.refresh_from_db()
    assert (payment.status, payment.amount) == (Payment.Status.CAPTURED, Decimal("52.06"))


def test_partial_pickup_sells_what_is_taken_and_releases_the_rest(store, variant):
    socks = make_variant("10.00")
    receive(variant, store, 3)
    receive(socks, store, 3)
    order = pickup_order(store, [(variant, 2), (socks, 1)])
    pickup = order.fulfilments.get()
    ready(pickup)
    shirt_line = order.lines.get(variant=variant)
    socks_line = order.lines.get(variant=socks)

    services.fulfilment_collect(
        fulfilment=pickup,
        code=order.number,
        quantities={shirt_line.pk: 1, socks_line.pk: 1},
    )

    assert pickup.status == Status.PARTIALLY_COLLECTED
    collected = dict(pickup.lines.values_list("order_line_id", "quantity_collected"))
    assert collected == {shirt_line.pk: 1, socks_line.pk: 1}
    shirt_stock, socks_stock = stock_at(variant, store), stock_at(socks, store)
    assert (shirt_stock.on_hand, shirt_stock.reserved) == (2, 0)  # one left, one back on sale
    assert (socks_stock.on_hand, socks_stock.reserved) == (2, 0)
    assert not Reservation.objects.filter(status=Reservation.Status.ACTIVE).exists()
    refund = Refund.objects.get()
    assert refund.amount == Decimal("52.07")  # one shirt of two left behind: half of 104.13 paid
    assert (refund.reference_type, refund.reference_id) == ("orders.fulfilment", str(pickup.pk))
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_FULFILLED
    assert LoyaltyEntry.objects.filter(points=-49).exists()
    summary = order.customer.interactions.get(summary__startswith="Collected").summary
    assert "(2 of 3 items)" in summary


def test_partial_pickup_paid_in_store_charges_only_what_is_taken(store, variant):
    receive(variant, store, 3)
    order = pickup_order(store, [(variant, 2)], payment=services.PaymentChoice.pay_in_store())
    pickup = order.fulfilments.get()
    ready(pickup)

    services.fulfilment_collect(
        fulfilment=pickup, code=order.number, quantities={order.lines.get().pk: 1}
    )

    payment = order.payments.get()
    assert (payment.status, payment.amount) == (
        Payment.Status.CAPTURED,
        Decimal("52.06"),
    )  # the shirt taken, with its sales tax
    assert not Refund.objects.exists()


@pytest.mark.parametrize("quantity", [0, 3, -1])
def test_collected_quantities_must_make_sense(pickup, quantity):
    ready(pickup)
    line = pickup.order.lines.get()
    with pytest.raises(services.InvalidQuantity):
        services.fulfilment_collect(
            fulfilment=pickup, code=pickup.order.number, quantities={line.pk: quantity}
        )
    pickup.refresh_from_db()
    assert pickup.status == Status.READY


# --- expiry and reminders -----------------------------------------------------------------


def test_expiry_releases_the_stock_refunds_and_tells_the_shopper(
    pickup, store, variant, django_capture_on_commit_callbacks
):
    ready(pickup)
    assert selectors.salable_for_sale(variant_ids=[variant.pk])[variant.pk] == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert services.pickups_expire(now=pickup.hold_until - dt.timedelta(minutes=1)) == 0
        assert services.pickups_expire(now=pickup.hold_until) == 1

    pickup.refresh_from_db()
    assert pickup.status == Status.EXPIRED
    assert stock_at(variant, store).reserved == 0
    assert selectors.salable_for_sale(variant_ids=[variant.pk])[variant.pk] == 3
    order = pickup.order
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.payments.get().status == Payment.Status.REFUNDED
    (email,) = [m for m in mail.outbox if "released" in m.subject]
    assert order.number in email.body
    assert "refunded" in email.body
    assert order.customer.interactions.filter(
        kind=Interaction.Kind.EMAIL, detail__email_kind="pickup_expired"
    ).exists()


def test_expiry_is_safe_to_run_twice(pickup, django_capture_on_commit_callbacks):
    ready(pickup)
    later = pickup.hold_until + dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.pickups_expire(now=later) == 1
        assert services.pickups_expire(now=later) == 0
    assert EmailLog.objects.filter(kind="pickup_expired").count() == 1
    assert Refund.objects.count() == 1


def test_an_expired_pay_in_store_pickup_is_voided(store, variant):
    receive(variant, store, 1)
    order = pickup_order(store, [(variant, 1)], payment=services.PaymentChoice.pay_in_store())
    pickup = order.fulfilments.get()
    ready(pickup)

    services.pickups_expire(now=pickup.hold_until)

    assert order.payments.get().status == Payment.Status.VOIDED
    assert not Refund.objects.exists()


def test_a_collected_pickup_does_not_expire(pickup):
    ready(pickup)
    services.fulfilment_collect(fulfilment=pickup, code=pickup.order.number)
    assert services.pickups_expire(now=pickup.hold_until + dt.timedelta(days=1)) == 0
    pickup.refresh_from_db()
    assert pickup.status == Status.COLLECTED


def test_expiry_works_in_batches(store, variant):
    receive(variant, store, 5)
    pickups = [pickup_order(store, [(variant, 1)]).fulfilments.get() for _ in range(5)]
    for one in pickups:
        ready(one)

    assert services.pickups_expire(now=timezone.now() + dt.timedelta(days=6), batch_size=2) == 5
    assert Fulfilment.objects.filter(status=Status.EXPIRED).count() == 5


def test_the_reminder_goes_once_the_day_before(pickup, django_capture_on_commit_callbacks):
    ready(pickup)
    too_early = pickup.hold_until - dt.timedelta(hours=30)
    day_before = pickup.hold_until - dt.timedelta(hours=20)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.pickups_remind(now=too_early) == 0
        assert services.pickups_remind(now=day_before) == 1
        assert services.pickups_remind(now=day_before + dt.timedelta(hours=1)) == 0

    (email,) = [m for m in mail.outbox if m.subject.startswith("Reminder")]
    assert pickup.order.number in email.body
    pickup.refresh_from_db()
    assert pickup.reminder_sent_at == day_before


def test_the_tasks_call_the_services(pickup):
    ready(pickup)
    with time_machine.travel(pickup.hold_until - dt.timedelta(hours=2)):
        assert tasks.pickups_remind.delay().get() == 1
    with time_machine.travel(pickup.hold_until + dt.timedelta(minutes=1)):
        assert tasks.pickups_expire.delay().get() == 1


# --- cancel -------------------------------------------------------------------------------


def test_cancelling_a_pickup_releases_and_refunds(pickup, store, variant, associate):
    services.fulfilment_cancel(fulfilment=pickup, associate=associate, reason="Changed mind")

    assert pickup.status == Status.CANCELLED
    assert stock_at(variant, store).reserved == 0
    order = pickup.order
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert Refund.objects.get().amount == order.total
    with pytest.raises(services.InvalidTransition) as caught:
        services.fulfilment_ready(fulfilment=pickup)
    assert caught.value.message == "This pickup was cancelled."


def test_cancelling_a_pickup_by_transfer_calls_off_the_transfer(places, store, variant):
    receive(variant, places["warehouse"], 2)
    order = pickup_order(store, [(variant, 2)])

    services.order_cancel(order=order)

    assert Transfer.objects.get().status == Transfer.Status.CANCELLED
    assert stock_at(variant, places["warehouse"]).reserved == 0


# --- shipping -----------------------------------------------------------------------------


def test_ship_then_deliver(places, variant):
    receive(variant, places["warehouse"], 3)
    order = place([(variant.pk, 2)])
    parcel = order.fulfilments.get()

    with pytest.raises(services.InvalidTransition) as caught:
        services.fulfilment_deliver(fulfilment=parcel)
    assert caught.value.message == "This parcel has not been shipped yet."
    with pytest.raises(services.InvalidTransition):
        services.fulfilment_collect(fulfilment=parcel, code=order.number)

    services.fulfilment_ship(fulfilment=parcel, tracking_number=" 1Z999 ")

    assert (parcel.status, parcel.tracking_number) == (Status.SHIPPED, "1Z999")
    stock = stock_at(variant, places["warehouse"])
    assert (stock.on_hand, stock.reserved) == (1, 0)
    assert StockMovement.objects.get(reason=StockMovement.Reason.SHIP).delta == -2
    order.refresh_from_db()
    assert order.status == Order.Status.FULFILLED
    with pytest.raises(services.InvalidTransition) as caught:
        services.fulfilment_ship(fulfilment=parcel)
    assert caught.value.message == "This parcel has already been shipped."

    services.fulfilment_deliver(fulfilment=parcel)
    assert parcel.status == Status.DELIVERED
    assert order.customer.interactions.filter(summary__contains="delivered").exists()


def test_a_split_order_is_partially_fulfilled_until_every_parcel_left(places):
    shirt, trousers = make_variant(), make_variant()
    receive(shirt, places["warehouse"], 2)
    receive(trousers, places["chicago"], 2)
    order = place([(shirt.pk, 1), (trousers.pk, 1)])
    first, second = order.fulfilments.order_by("pk")

    services.fulfilment_ship(fulfilment=first)
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_FULFILLED

    services.fulfilment_cancel(fulfilment=second, reason="Damaged in the store")
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_FULFILLED
    assert Refund.objects.get().amount == Decimal(
        "52.06"
    )  # the parcel never sent, with its sales tax


def test_order_status_from_fulfilments():
    s = Status
    assert services.order_status_for([s.PLACED, s.PLACED]) == Order.Status.PLACED
    assert services.order_status_for([s.PLACED, s.PICKING]) == Order.Status.PROCESSING
    assert services.order_status_for([s.READY]) == Order.Status.PROCESSING
    assert services.order_status_for([s.SHIPPED, s.PLACED]) == Order.Status.PARTIALLY_FULFILLED
    assert services.order_status_for([s.DELIVERED, s.COLLECTED]) == Order.Status.FULFILLED
    assert services.order_status_for([s.DELIVERED, s.CANCELLED]) == (
        Order.Status.PARTIALLY_FULFILLED
    )
    assert services.order_status_for([s.EXPIRED, s.CANCELLED]) == Order.Status.CANCELLED
    assert services.order_status_for([s.PARTIALLY_COLLECTED]) == Order.Status.PARTIALLY_FULFILLED


# --- two sweeps at once (PostgreSQL) ------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_expiry_sweeps_at_once_expire_each_pickup_once(places, variant):
    store = places["springfield"]
    receive(variant, store, 6)
    pickups = [pickup_order(store, [(variant, 1)]).fulfilments.get() for _ in range(6)]
    for one in pickups:
        ready(one)
    now = timezone.now() + dt.timedelta(days=6)
    results, errors = [], []
    barrier = threading.Barrier(2)

    def sweep():
        try:
            barrier.wait()
            results.append(services.pickups_expire(now=now, batch_size=2))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sum(results) == 6
    assert Fulfilment.objects.filter(status=Status.EXPIRED).count() == 6
    assert Refund.objects.count() == 6
    assert EmailLog.objects.filter(kind="pickup_expired").count() == 6
    assert stock_at(variant, store).reserved == 0


def test_a_bag_whose_hold_lapsed_can_still_be_collected(pickup, store, variant):
    """Inventory's backstop sweep released the hold before ours expired the pickup: the
    bag is still on the shelf, so collecting sells the units off it."""
    ready(pickup)
    inventory.reservations_expire(now=pickup.hold_until + dt.timedelta(days=2))
    assert stock_at(variant, store).reserved == 0

    services.fulfilment_collect(fulfilment=pickup, code=pickup.order.number)

    assert pickup.status == Status.COLLECTED
    assert stock_at(variant, store).on_hand == 1
    assert StockMovement.objects.get(reason=StockMovement.Reason.SALE).delta == -2
