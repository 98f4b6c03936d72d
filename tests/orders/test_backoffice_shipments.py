"""Ship from store, as the Chicago store's associate drives it on a tablet: a delivery
sourced to the store is picked, packed and shipped with carrier and tracking number (the
shopper's email carries the tracking link); part of a parcel can go first; a line that
cannot be found goes back to sourcing instead of cancelling the order."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from inventory.models import Reservation, Stock
from omni import outbox
from omni.models import OutboxMessage
from orders.models import Fulfilment
from tests import factories as f
from tests.orders.helpers import make_variant, place, receive


@pytest.fixture
def store(places):
    return places["chicago"]


@pytest.fixture
def desk(client, store):
    client.force_login(f.AssociateFactory(home_location=store).user)
    return client


def delivery(variants, store, quantity=1):
    for v in variants:
        receive(v, store, 5)
    order = place([(v.pk, quantity) for v in variants])
    shipment = order.fulfilments.get()
    assert shipment.location_id == store.pk
    return order, shipment


def act(client, shipment, action, **data):
    shipment.refresh_from_db()
    return client.post(
        reverse("backoffice:shipment-action", args=[shipment.pk]),
        {"action": action, "status": shipment.status, **data},
        follow=True,
    )


def page_messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


@pytest.mark.django_db
class TestShipFromStore:
    def test_picked_packed_shipped_with_tracking(self, client, desk, variant, store):
        order, shipment = delivery([variant], store)
        page = desk.get(reverse("backoffice:shipment-queue")).content.decode()
        assert order.number in page and variant.sku in page
        act(desk, shipment, "start_picking")
        act(desk, shipment, "pack")
        shipment.refresh_from_db()
        assert shipment.status == Fulfilment.Status.PACKED
        response = act(desk, shipment, "ship", carrier="ups", tracking_number="1Z999AA10123456784")
        assert "shipped" in page_messages(response)
        shipment.refresh_from_db()
        assert shipment.status == Fulfilment.Status.SHIPPED
        assert shipment.tracking_url == "https://www.ups.com/track?tracknum=1Z999AA10123456784"
        assert Stock.objects.get(variant=variant, location=store).on_hand == 4
        message = OutboxMessage.objects.get(topic="email.order_shipped")
        assert message.payload == {"fulfilment_id": shipment.pk}

    def test_shipping_email_has_the_tracking_link(self, desk, variant, store):
        order, shipment = delivery([variant], store)
        act(desk, shipment, "ship", carrier="fedex", tracking_number="7777")
        message = OutboxMessage.objects.get(topic="email.order_shipped")
        outbox.outbox_deliver(message_id=message.pk)
        (sent,) = [m for m in mail.outbox if "on its way" in m.subject]
        assert order.number in sent.subject
        assert "https://www.fedex.com/fedextrack/?trknbr=7777" in sent.body
        assert "https://www.fedex.com/fedextrack/?trknbr=7777" in sent.alternatives[0][0]

    def test_shipping_sends_the_fulfilment_shipped_webhook(self, desk, variant, store):
        f.WebhookSubscriptionFactory(events=["fulfilment.shipped"])
        _, shipment = delivery([variant], store)
        act(desk, shipment, "ship", carrier="dhl", tracking_number="JD0001")
        (message,) = OutboxMessage.objects.filter(topic="webhook.deliver")
        envelope = message.payload["envelope"]
        assert envelope["event"] == "fulfilment.shipped"
        assert envelope["data"]["tracking_number"] == "JD0001"
        assert envelope["data"]["tracking_url"].endswith("AWB=JD0001")

    def test_ship_needs_a_tracking_number_and_a_known_carrier(self, desk, variant, store):
        _, shipment = delivery([variant], store)
        response = act(desk, shipment, "ship", carrier="ups", tracking_number="")
        assert "tracking number" in page_messages(response)
        response = act(desk, shipment, "ship", carrier="pigeon", tracking_number="1")
        assert "Choose one of the carriers" in page_messages(response)
        shipment.refresh_from_db()
        assert shipment.status == Fulfilment.Status.PLACED

    def test_partial_shipment_leaves_the_rest_as_a_parcel_to_follow(self, desk, store):
        first, second = make_variant("10.00"), make_variant("20.00")
        order, shipment = delivery([first, second], store, quantity=2)
        line = shipment.lines.get(order_line__variant=first)
        other = shipment.lines.get(order_line__variant=second)
        response = act(
            desk,
            shipment,
            "ship",
            partial="1",
            carrier="usps",
            tracking_number="9400",
            **{f"qty-{line.order_line_id}": "1", f"qty-{other.order_line_id}": "0"},
        )
        assert "shipped" in page_messages(response)
        rest = order.fulfilments.exclude(pk=shipment.pk).get()
        assert rest.status == Fulfilment.Status.PLACED
        assert sorted((ln.order_line.variant_id, ln.quantity) for ln in rest.lines.all()) == sorted(
            [(first.pk, 1), (second.pk, 2)]
        )
        # The rest is still held here, exactly.
        held = {
            r.stock.variant_id: r.quantity
            for r in Reservation.objects.filter(status="active", reference_id=str(order.pk))
        }
        assert held == {first.pk: 1, second.pk: 2}
        assert Stock.objects.get(variant=first, location=store).on_hand == 4

    def test_cant_find_it_sends_the_line_to_the_next_location(self, desk, places, store):
        first, second = make_variant("10.00"), make_variant("20.00")
        order, shipment = delivery([first, second], store)
        receive(second, places["warehouse"], 4)
        line = shipment.lines.get(order_line__variant=second)
        response = act(desk, shipment, "not_found", order_line=str(line.order_line_id))
        assert "sent from Indianapolis instead" in page_messages(response)
        moved = order.fulfilments.get(location=places["warehouse"])
        assert moved.status == Fulfilment.Status.PLACED
        assert Stock.objects.get(variant=second, location=store).reserved == 0
        assert Stock.objects.get(variant=second, location=places["warehouse"]).reserved == 1
        shipment.refresh_from_db()
        assert shipment.status == Fulfilment.Status.PLACED
        assert [ln.order_line.variant_id for ln in shipment.lines.all()] == [first.pk]
        order.refresh_from_db()
        assert order.status != "cancelled"

    def test_cant_find_it_with_nowhere_else_says_so(self, desk, variant, store):
        _, shipment = delivery([variant], store)
        line = shipment.lines.get()
        response = act(desk, shipment, "not_found", order_line=str(line.order_line_id))
        assert "No other location can send" in page_messages(response)
        assert Stock.objects.get(variant=variant, location=store).reserved == 1

    def test_another_stores_parcel_is_not_found(self, client, variant, store, places):
        _, shipment = delivery([variant], store)
        client.force_login(f.AssociateFactory(home_location=places["peoria"]).user)
        url = reverse("backoffice:shipment-detail", args=[shipment.pk])
        assert client.get(url).status_code == 404

    def test_packing_slip(self, desk, variant, store):
        order, shipment = delivery([variant], store)
        body = desk.get(reverse("backoffice:shipment-slip", args=[shipment.pk])).content.decode()
        assert order.number in body and "1 Capitol Ave" in body and variant.sku in body


@pytest.mark.django_db
class TestShipmentQueryCounts:
    @pytest.mark.parametrize("count", [10, 100])
    def test_queue(self, desk, variant, store, count, django_assert_max_num_queries):
        receive(variant, store, count + 1)
        for _ in range(count):
            place([(variant.pk, 1)])
        # 4 who and where, 1 tab counts, 4 rows (order+customer, lines, images), 3 to
        # remember the store on a first visit.
        with django_assert_max_num_queries(12):
            response = desk.get(reverse("backoffice:shipment-queue"))
        assert response.content.decode().count('class="card ops-row') == count
