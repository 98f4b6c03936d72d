"""Transfers in the back-office, as the two associates on their tablets drive them: a
pickup at Springfield lacks a line that Peoria has; Peoria's associate ships it (all or
short), Springfield's receives it by the slip's code; the pickup becomes "all items here"
at the top of the queue. Refusals come back as messages with nothing written; the ledger
always sums to on-hand; query counts do not grow with the queue."""

from __future__ import annotations

import pytest
from django.db.models import Sum
from django.urls import reverse

from inventory import services as inventory
from inventory.models import Stock, StockMovement, Transfer
from omni.models import OutboxMessage
from orders import services
from orders.models import Fulfilment
from tests import factories as f
from tests.orders.helpers import make_variant, place, receive


@pytest.fixture
def store(places):
    return places["springfield"]


@pytest.fixture
def source(places):
    return places["peoria"]


@pytest.fixture
def pickup_desk(client, store):
    associate = f.AssociateFactory(home_location=store, display_name="Luis")
    client.force_login(associate.user)
    return client


@pytest.fixture
def source_desk(client, source):
    associate = f.AssociateFactory(home_location=source, display_name="Pia")
    client.force_login(associate.user)
    return client


def _login(client, location):
    client.force_login(f.AssociateFactory(home_location=location).user)
    return client


def pickup_with_transfer(variant, store, source, shopper, *, here=None, quantity=2):
    """A pickup order at ``store`` whose ``variant`` is only at ``source`` (a transfer is
    requested by checkout), plus optionally a line already in the store."""
    receive(variant, source, quantity + 3)
    lines = [(variant.pk, quantity)]
    if here is not None:
        receive(here, store, 3)
        lines.append((here.pk, 1))
    order = place(lines, fulfilment=services.PickupAt(store_id=store.pk), contact=shopper)
    transfer = Transfer.objects.get(reference_type="orders.order", reference_id=str(order.pk))
    return order, order.fulfilments.get(kind=Fulfilment.Kind.PICKUP), transfer


def act(client, transfer, action, **data):
    transfer.refresh_from_db()
    return client.post(
        reverse("backoffice:transfer-action", args=[transfer.pk]),
        {"action": action, "status": transfer.status, **data},
        follow=True,
    )


def page_messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def assert_ledger_sums(variant):
    for stock in Stock.objects.filter(variant=variant):
        total = StockMovement.objects.filter(
            variant=variant, location_id=stock.location_id
        ).aggregate(total=Sum("delta"))["total"]
        assert (total or 0) == stock.on_hand


@pytest.mark.django_db
class TestOutgoing:
    def test_queue_shows_what_it_is_for_and_the_pick_list(
        self, source_desk, variant, store, source, shopper
    ):
        order, _pickup, transfer = pickup_with_transfer(variant, store, source, shopper)
        page = source_desk.get(reverse("backoffice:transfer-queue")).content.decode()
        assert transfer.number in page
        assert f"For pickup of order {order.number}" in page
        assert variant.sku in page and "To Springfield" in page

    def test_ship_everything_then_the_destination_sees_it_arriving(
        self, client, source_desk, variant, store, source, shopper
    ):
        _, _, transfer = pickup_with_transfer(variant, store, source, shopper)
        response = act(source_desk, transfer, "ship", **{f"ship-{variant.pk}": "2"})
        assert "shipped: 2 units to Springfield" in page_messages(response)
        transfer.refresh_from_db()
        assert transfer.status == Transfer.Status.SHIPPED
        assert Stock.objects.get(variant=variant, location=source).on_hand == 3
        _login(client, store)
        page = client.get(reverse("backoffice:transfer-queue") + "?tab=incoming")
        assert transfer.number in page.content.decode()
        assert_ledger_sums(variant)

    def test_ship_short_is_allowed_and_said(self, source_desk, variant, store, source, shopper):
        _, _, transfer = pickup_with_transfer(variant, store, source, shopper)
        response = act(source_desk, transfer, "ship", **{f"ship-{variant.pk}": "1"})
        assert "shipped short: 1 of 2 units sent" in page_messages(response)
        stock = Stock.objects.get(variant=variant, location=source)
        # One unit left, the other went back on sale here.
        assert (stock.on_hand, stock.reserved) == (4, 0)
        assert transfer.lines.get().quantity_shipped == 1
        assert_ledger_sums(variant)

    def test_shipping_more_than_requested_is_refused(
        self, source_desk, variant, store, source, shopper
    ):
        _, _, transfer = pickup_with_transfer(variant, store, source, shopper)
        response = act(source_desk, transfer, "ship", **{f"ship-{variant.pk}": "5"})
        assert "Only 2 of" in page_messages(response)
        transfer.refresh_from_db()
        assert transfer.status == Transfer.Status.REQUESTED
        stock = Stock.objects.get(variant=variant, location=source)
        assert (stock.on_hand, stock.reserved) == (5, 2)

    def test_garbage_quantity_and_nothing_shipped(
        self, source_desk, variant, store, source, shopper
    ):
        _, _, transfer = pickup_with_transfer(variant, store, source, shopper)
        response = act(source_desk, transfer, "ship", **{f"ship-{variant.pk}": "two"})
        assert "whole number" in page_messages(response)
        response = act(source_desk, transfer, "ship", **{f"ship-{variant.pk}": "0"})
        assert "Ship at least one unit" in page_messages(response)
        transfer.refresh_from_db()
        assert transfer.status == Transfer.Status.REQUESTED

    def test_the_destination_cannot_ship(self, pickup_desk, variant, store, source, shopper):
        _, _, transfer = pickup_with_transfer(variant, store, source, shopper)
        response = act(pickup_desk, transfer, "ship")
        assert "Only the sending store" in page_messages(response)
        transfer.refresh_from_db()
        assert transfer.status == Transfer.Status.REQUESTED

    def test_cancel_needs_a_reason_and_releases_the_hold(
        self, source_desk, variant, store, source, shopper
    ):
        _, _, transfer = pickup_with_transfer(variant, store, source, shopper)
        response = act(source_desk, transfer, "cancel", reason="")
        assert "Say why" in page_messages(response)
        response = act(source_desk, transfer, "cancel", reason="Shelf empty")
        assert "cancelled" in page_messages(response)
        transfer.refresh_from_db()
        assert (transfer.status, transfer.cancel_reason) == ("cancelled", "Shelf empty")
        assert Stock.objects.get(variant=variant, location=source).reserved == 0

    def test_shipping_a_cancelled_transfer_is_refused(
        self, source_desk, variant, store, source, shopper
    ):
        _, _, transfer = pickup_with_transfer(variant, store, source, shopper)
        inventory.transfer_cancel(transfer_id=transfer.pk, reason="Shelf empty")
        response = source_desk.post(
            reverse("backoffice:transfer-action", args=[transfer.pk]),
            {"action": "ship"},
            follow=True,
        )
        assert "was cancelled (Shelf empty)" in page_messages(response)
        assert not StockMovement.objects.filter(reason="transfer_out").exists()

    def test_stale_form_after_a_colleague_shipped(
        self, source_desk, variant, store, source, shopper
    ):
        _, _, transfer = pickup_with_transfer(variant, store, source, shopper)
        inventory.transfer_ship(transfer_id=transfer.pk)
        response = source_desk.post(
            reverse("backoffice:transfer-action", args=[transfer.pk]),
            {"action": "ship", "status": "requested"},
            follow=True,
        )
        assert "already moved on" in page_messages(response)
        assert StockMovement.objects.filter(reason="transfer_out").count() == 1

    def test_packing_slip_has_the_code(self, source_desk, variant, store, source, shopper):
        _, _, transfer = pickup_with_transfer(variant, store, source, shopper)
        page = source_desk.get(reverse("backoffice:transfer-slip", args=[transfer.pk]))
        body = page.content.decode()
        assert transfer.number in body and "data:image/svg+xml;base64," in body
        assert variant.sku in body

    def test_another_stores_transfer_is_not_found(self, client, variant, places, shopper):
        _, _, transfer = pickup_with_transfer(
            variant, places["springfield"], places["peoria"], shopper
        )
        _login(client, places["chicago"])
        assert (
            client.get(reverse("backoffice:transfer-detail", args=[transfer.pk])).status_code == 404
        )
        page = client.get(
            reverse("backoffice:transfer-queue"), {"code": transfer.number}, follow=True
        )
        assert "not through Chicago" in page_messages(page)


@pytest.mark.django_db
class TestIncoming:
    def _shipped(self, variant, store, source, shopper, **kwargs):
        order, pickup, transfer = pickup_with_transfer(variant, store, source, shopper, **kwargs)
        inventory.transfer_ship(transfer_id=transfer.pk)
        return order, pickup, transfer

    def test_typed_slip_code_opens_it_and_receiving_makes_the_pickup_all_here(
        self, pickup_desk, variant, store, source, shopper
    ):
        other = make_variant("12.00")
        _order, pickup, transfer = self._shipped(variant, store, source, shopper, here=other)
        code = f" tr{transfer.pk:06d} "
        response = pickup_desk.get(reverse("backoffice:transfer-queue"), {"code": code})
        assert response.url == reverse("backoffice:transfer-detail", args=[transfer.pk])
        response = act(
            pickup_desk,
            transfer,
            "receive",
            **{f"received-{variant.pk}": "2", f"damaged-{variant.pk}": "0"},
        )
        assert "received" in page_messages(response)
        pickup.refresh_from_db()
        assert pickup.all_items_here_at is not None and pickup.status == "placed"
        queue = pickup_desk.get(reverse("backoffice:pickup-queue")).content.decode()
        assert "All items here" in queue
        # Staff mark it ready as any other pickup; the shopper is emailed via the outbox.
        services.fulfilment_ready(fulfilment=pickup)
        assert OutboxMessage.objects.filter(topic="email.pickup_ready").exists()
        assert_ledger_sums(variant)

    def test_all_items_here_is_on_top_of_the_queue(
        self, pickup_desk, variant, store, source, shopper
    ):
        receive(variant, store, 3)
        first = place(
            [(variant.pk, 1)], fulfilment=services.PickupAt(store_id=store.pk), contact=shopper
        )
        other = make_variant("9.00")
        order, _pickup, transfer = self._shipped(other, store, source, shopper)
        inventory.transfer_receive(transfer_id=transfer.pk)
        page = pickup_desk.get(reverse("backoffice:pickup-queue")).content.decode()
        assert page.index(order.number) < page.index(first.number)

    def test_store_setting_makes_it_ready_on_receipt(
        self, pickup_desk, variant, store, source, shopper
    ):
        store.ready_on_transfer_receipt = True
        store.save(update_fields=["ready_on_transfer_receipt"])
        _order, pickup, transfer = self._shipped(variant, store, source, shopper)
        act(pickup_desk, transfer, "receive", **{f"received-{variant.pk}": "2"})
        pickup.refresh_from_db()
        assert pickup.status == Fulfilment.Status.READY
        assert OutboxMessage.objects.filter(
            topic="email.pickup_ready", payload__fulfilment_id=pickup.pk
        ).exists()

    def test_partial_receipt_keeps_waiting_and_says_what_is_missing(
        self, pickup_desk, variant, store, source, shopper
    ):
        _order, pickup, transfer = self._shipped(variant, store, source, shopper, quantity=3)
        response = act(
            pickup_desk,
            transfer,
            "receive",
            **{f"received-{variant.pk}": "1", f"damaged-{variant.pk}": "1"},
        )
        assert "partly received: 1 unit still on its way" in page_messages(response)
        transfer.refresh_from_db()
        line = transfer.lines.get()
        assert transfer.status == "shipped"
        assert (line.quantity_received, line.quantity_damaged, line.in_transit) == (1, 1, 1)
        # Only what arrived in good order is in stock (and held for the shopper).
        stock = Stock.objects.get(variant=variant, location=store)
        assert (stock.on_hand, stock.reserved) == (1, 1)
        pickup.refresh_from_db()
        assert pickup.all_items_here_at is None
        detail = pickup_desk.get(reverse("backoffice:pickup-detail", args=[pickup.pk]))
        assert "Still missing" in detail.content.decode()
        response = act(pickup_desk, transfer, "ready")  # not a transfer action
        assert "Choose what to do" in page_messages(response)
        assert_ledger_sums(variant)

    def test_receiving_more_than_shipped_and_twice(
        self, pickup_desk, variant, store, source, shopper
    ):
        _, _, transfer = self._shipped(variant, store, source, shopper)
        response = act(pickup_desk, transfer, "receive", **{f"received-{variant.pk}": "3"})
        assert "Only 2 of" in page_messages(response)
        assert not Stock.objects.filter(variant=variant, location=store, on_hand__gt=0).exists()
        act(pickup_desk, transfer, "receive", **{f"received-{variant.pk}": "2"})
        response = pickup_desk.post(
            reverse("backoffice:transfer-action", args=[transfer.pk]),
            {"action": "receive", f"received-{variant.pk}": "2"},
            follow=True,
        )
        assert "received already" in page_messages(response)
        assert Stock.objects.get(variant=variant, location=store).on_hand == 2
        assert_ledger_sums(variant)

    def test_the_source_cannot_receive(self, source_desk, variant, store, source, shopper):
        _, _, transfer = self._shipped(variant, store, source, shopper)
        response = act(source_desk, transfer, "receive", **{f"received-{variant.pk}": "2"})
        assert "Only the receiving store" in page_messages(response)


@pytest.mark.django_db
def test_today_counts_to_ship_arriving_today_and_late(client, variant, places):
    import datetime as dt

    from django.utils import timezone

    spr, peo, chi = places["springfield"], places["peoria"], places["chicago"]
    receive(variant, peo, 10)
    receive(variant, chi, 10)
    now = timezone.now()
    # Peoria must ship two; one of them is already late.
    inventory.transfer_request(source_id=peo.pk, destination_id=spr.pk, lines=[(variant.pk, 1)])
    inventory.transfer_request(
        source_id=peo.pk,
        destination_id=chi.pk,
        lines=[(variant.pk, 1)],
        expected_at=now - dt.timedelta(hours=2),
    )
    # On its way to Peoria, expected within the hour.
    coming = inventory.transfer_request(
        source_id=chi.pk,
        destination_id=peo.pk,
        lines=[(variant.pk, 1)],
        expected_at=now + dt.timedelta(minutes=30),
    )
    inventory.transfer_ship(transfer_id=coming.pk)
    _login(client, peo)
    body = client.get(reverse("backoffice:today")).content.decode()
    import re

    counts = {
        label: int(n)
        for n, label in re.findall(
            r'<strong class="ops-count">(\d+)</strong><span>([^<]+)</span>', body
        )
    }
    assert counts["Transfers to ship"] == 2
    assert counts["Transfers arriving today"] == 1
    assert counts["Transfers late"] == 1


def _many_transfers(variant, store, source, count):
    receive(variant, source, count + 1)
    for _ in range(count):
        inventory.transfer_request(
            source_id=source.pk, destination_id=store.pk, lines=[(variant.pk, 1)]
        )


@pytest.mark.django_db
class TestQueryCounts:
    @pytest.mark.parametrize("count", [10, 100])
    def test_outgoing_queue(
        self, source_desk, variant, store, source, count, django_assert_max_num_queries
    ):
        _many_transfers(variant, store, source, count)
        # 4 who and where, 1 badge counts, 4 rows (places, lines, variants, images),
        # 3 to remember the store on a first visit.
        with django_assert_max_num_queries(12):
            response = source_desk.get(reverse("backoffice:transfer-queue"))
        assert response.content.decode().count('class="card ops-row') == count

    @pytest.mark.parametrize("count", [10, 100])
    def test_incoming_queue(
        self, pickup_desk, variant, store, source, count, django_assert_max_num_queries
    ):
        _many_transfers(variant, store, source, count)
        with django_assert_max_num_queries(12):
            response = pickup_desk.get(reverse("backoffice:transfer-queue") + "?tab=incoming")
        assert response.content.decode().count('class="card ops-row') == count
