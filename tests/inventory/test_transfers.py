"""Transfers: requested (held at the source) → shipped (leaves the source) → received
(arrives at the destination); every step once, in order, in the ledger."""

import datetime as dt

import pytest
from django.utils import timezone

from inventory import services
from inventory.models import Reservation, Stock, StockMovement, Transfer
from inventory.selectors import reservations_for_reference
from tests import factories as f
from tests.inventory.checks import assert_ledger_true

pytestmark = pytest.mark.django_db


@pytest.fixture
def route(places):
    warehouse, store = places["warehouse"], places["springfield"]
    jeans, belt = f.VariantFactory(), f.VariantFactory()
    f.StockFactory(variant=jeans, location=warehouse, on_hand=10)
    f.StockFactory(variant=belt, location=warehouse, on_hand=4)
    return warehouse, store, jeans, belt


def _on_hand(variant, location):
    return Stock.objects.filter(variant=variant, location=location).values_list(
        "on_hand", "reserved"
    ).first() or (0, 0)


def test_a_transfer_travels_from_request_to_receipt(route):
    warehouse, store, jeans, belt = route
    associate = f.AssociateFactory(home_location=store)

    transfer = services.transfer_request(
        source_id=warehouse.pk,
        destination_id=store.pk,
        lines=[(jeans.pk, 3), services.Line(belt.pk, 1)],
        requested_by=associate,
        note="Weekend restock",
    )
    assert transfer.status == "requested"
    assert _on_hand(jeans, warehouse) == (10, 3)  # held, not gone yet
    # Indianapolis → Springfield is about 300 km: next day.
    assert dt.timedelta(hours=23) < transfer.expected_at - timezone.now() <= dt.timedelta(days=1)

    services.transfer_ship(transfer_id=transfer.pk, associate=associate)
    transfer.refresh_from_db()
    assert (transfer.status, transfer.shipped_at is not None) == ("shipped", True)
    assert _on_hand(jeans, warehouse) == (7, 0)
    assert _on_hand(jeans, store) == (0, 0)

    services.transfer_receive(transfer_id=transfer.pk, associate=associate)
    transfer.refresh_from_db()
    assert transfer.status == "received"
    assert _on_hand(jeans, store) == (3, 0)
    assert _on_hand(belt, store) == (1, 0)
    assert [ln.quantity_received for ln in transfer.lines.order_by("variant_id")] == [3, 1]
    moves = StockMovement.objects.filter(reference_type="inventory.transfer").order_by("id")
    assert [(m.reason, m.location_id, m.delta) for m in moves if m.variant_id == jeans.pk] == [
        ("transfer_out", warehouse.pk, -3),
        ("transfer_in", store.pk, 3),
    ]
    assert_ledger_true()


def test_receiving_twice_or_before_shipping_is_an_invalid_transition(route):
    warehouse, store, jeans, _ = route
    transfer = services.transfer_request(
        source_id=warehouse.pk, destination_id=store.pk, lines=[(jeans.pk, 2)]
    )
    with pytest.raises(services.InvalidTransition):
        services.transfer_receive(transfer_id=transfer.pk)
    services.transfer_ship(transfer_id=transfer.pk)
    with pytest.raises(services.InvalidTransition):
        services.transfer_ship(transfer_id=transfer.pk)
    services.transfer_receive(transfer_id=transfer.pk)
    with pytest.raises(services.InvalidTransition) as error:
        services.transfer_receive(transfer_id=transfer.pk)
    assert error.value.details["status"] == "received"
    assert error.value.http_status == 409
    assert _on_hand(jeans, store) == (2, 0)
    with pytest.raises(services.TransferNotFound):
        services.transfer_ship(transfer_id=999_999)


def test_a_short_delivery_records_what_arrived(route):
    warehouse, store, jeans, belt = route
    transfer = services.transfer_request(
        source_id=warehouse.pk, destination_id=store.pk, lines=[(jeans.pk, 3), (belt.pk, 2)]
    )
    services.transfer_ship(transfer_id=transfer.pk)
    with pytest.raises(services.InvalidQuantity):
        services.transfer_receive(transfer_id=transfer.pk, received={jeans.pk: 4})
    with pytest.raises(services.InvalidQuantity):
        services.transfer_receive(transfer_id=transfer.pk, received={999_999: 1})
    services.transfer_receive(transfer_id=transfer.pk, received={jeans.pk: 2})
    assert _on_hand(jeans, store) == (2, 0)
    assert _on_hand(belt, store) == (0, 0)
    assert_ledger_true()


def test_requesting_more_than_the_source_can_spare_creates_nothing(route):
    warehouse, store, jeans, belt = route
    with pytest.raises(services.InsufficientStock) as error:
        services.transfer_request(
            source_id=warehouse.pk, destination_id=store.pk, lines=[(jeans.pk, 2), (belt.pk, 5)]
        )
    assert [line["variant_id"] for line in error.value.details["lines"]] == [belt.pk]
    assert not Transfer.objects.exists()
    assert _on_hand(jeans, warehouse) == (10, 0)


def test_a_transfer_needs_two_known_places(route):
    warehouse, _, jeans, _ = route
    with pytest.raises(services.InvalidDestination):
        services.transfer_request(
            source_id=warehouse.pk, destination_id=warehouse.pk, lines=[(jeans.pk, 1)]
        )
    with pytest.raises(services.UnknownLocation):
        services.transfer_request(
            source_id=warehouse.pk, destination_id=999_999, lines=[(jeans.pk, 1)]
        )


def test_cancel_releases_the_hold_and_only_before_shipping(route):
    warehouse, store, jeans, _ = route
    transfer = services.transfer_request(
        source_id=warehouse.pk, destination_id=store.pk, lines=[(jeans.pk, 4)]
    )
    services.transfer_cancel(transfer_id=transfer.pk)
    services.transfer_cancel(transfer_id=transfer.pk)  # twice: nothing more happens
    assert _on_hand(jeans, warehouse) == (10, 0)
    with pytest.raises(services.InvalidTransition):
        services.transfer_ship(transfer_id=transfer.pk)

    shipped = services.transfer_request(
        source_id=warehouse.pk, destination_id=store.pk, lines=[(jeans.pk, 1)]
    )
    services.transfer_ship(transfer_id=shipped.pk)
    with pytest.raises(services.InvalidTransition):
        services.transfer_cancel(transfer_id=shipped.pk)
    assert_ledger_true()


def test_a_transfer_for_an_order_holds_the_arrived_units_for_it(route):
    warehouse, store, jeans, _ = route
    fulfilment = f.FulfilmentFactory(location=store)
    transfer = services.transfer_request(
        source_id=warehouse.pk,
        destination_id=store.pk,
        lines=[(jeans.pk, 2)],
        reference=fulfilment,
    )
    services.transfer_ship(transfer_id=transfer.pk)
    services.transfer_receive(transfer_id=transfer.pk)

    (hold,) = reservations_for_reference(reference=fulfilment)
    assert (hold.kind, hold.quantity, hold.stock.location_id) == ("pickup", 2, store.pk)
    assert hold.expires_at is not None
    assert _on_hand(jeans, store) == (2, 2)  # nobody else can buy them
    services.stock_collect(reservation_ids=[hold.pk], reference=fulfilment)
    assert _on_hand(jeans, store) == (0, 0)
    assert Reservation.objects.get(pk=hold.pk).status == "committed"
    assert_ledger_true()


def test_a_short_shipment_sends_what_went_in_the_box_and_frees_the_rest(route):
    warehouse, store, jeans, belt = route
    transfer = services.transfer_request(
        source_id=warehouse.pk, destination_id=store.pk, lines=[(jeans.pk, 3), (belt.pk, 2)]
    )

    services.transfer_ship(transfer_id=transfer.pk, shipped={jeans.pk: 2})

    lines = {ln.variant_id: ln for ln in transfer.lines.all()}
    assert (lines[jeans.pk].quantity_shipped, lines[belt.pk].quantity_shipped) == (2, 0)
    assert _on_hand(jeans, warehouse) == (8, 0)
    assert _on_hand(belt, warehouse) == (4, 0)  # not sent: back on sale
    assert not reservations_for_reference(reference=transfer).exists()
    # Only what was sent can arrive.
    services.transfer_receive(transfer_id=transfer.pk)
    assert _on_hand(jeans, store) == (2, 0)
    assert Transfer.objects.get(pk=transfer.pk).status == "received"
    assert_ledger_true()


def test_receipts_in_parts_write_off_damage_and_keep_the_rest_in_transit(route):
    warehouse, store, jeans, _ = route
    transfer = services.transfer_request(
        source_id=warehouse.pk, destination_id=store.pk, lines=[(jeans.pk, 4)]
    )
    services.transfer_ship(transfer_id=transfer.pk)

    services.transfer_receive(
        transfer_id=transfer.pk, received={jeans.pk: 1}, damaged={jeans.pk: 1}
    )
    line = transfer.lines.get()
    assert (line.quantity_received, line.quantity_damaged, line.in_transit) == (1, 1, 2)
    assert Transfer.objects.get(pk=transfer.pk).status == "shipped"
    assert _on_hand(jeans, store) == (1, 0)  # the damaged one never entered stock

    with pytest.raises(services.InvalidQuantity, match="Only 2 of"):
        services.transfer_receive(transfer_id=transfer.pk, received={jeans.pk: 3})
    services.transfer_receive(transfer_id=transfer.pk, received={jeans.pk: 2})
    transfer.refresh_from_db()
    assert transfer.status == "received" and transfer.received_at is not None
    assert _on_hand(jeans, store) == (3, 0)
    assert StockMovement.objects.filter(reason="transfer_in").count() == 2
    assert_ledger_true()


def test_receipt_tells_the_apps_above_through_the_signal(route):
    from inventory.signals import transfer_received

    warehouse, store, jeans, _ = route
    heard = []

    def listener(sender, *, transfer, complete, **kwargs):
        heard.append((transfer.pk, complete))

    transfer_received.connect(listener, dispatch_uid="test.listener")
    try:
        transfer = services.transfer_request(
            source_id=warehouse.pk, destination_id=store.pk, lines=[(jeans.pk, 2)]
        )
        services.transfer_ship(transfer_id=transfer.pk)
        services.transfer_receive(transfer_id=transfer.pk, received={jeans.pk: 1})
        services.transfer_receive(transfer_id=transfer.pk)
    finally:
        transfer_received.disconnect(dispatch_uid="test.listener")
    assert heard == [(transfer.pk, False), (transfer.pk, True)]


def test_the_slip_code_parses_typed_and_scanned_forms():
    assert services.transfer_number_parse("TR000042") == 42
    assert services.transfer_number_parse(" tr-42 ") == 42
    assert services.transfer_number_parse("42") == 42
    assert services.transfer_number_parse("W0000042") is None
    assert services.transfer_number_parse("") is None
    assert services.transfer_number_parse("TR0") is None
