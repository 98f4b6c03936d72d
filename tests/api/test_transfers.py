"""``/api/v1/transfers/``: a WMS requests, ships and receives transfers through the same
inventory services the back-office uses; scopes, location binding (a key bound to the
destination cannot ship, one bound to the source cannot receive), idempotent retries,
filters and the webhooks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum
from django.utils import timezone

from inventory import services as inventory
from inventory.models import Stock, StockMovement, Transfer
from omni.models import ApiScope, OutboxMessage
from tests import factories as f
from tests.api.conftest import assert_permission_matrix, error_of

URL = "/api/v1/transfers/"


def on_hand(variant, location) -> int:
    return Stock.objects.get(variant=variant, location=location).on_hand


def ledger_ok(variant) -> None:
    for stock in Stock.objects.filter(variant=variant):
        total = StockMovement.objects.filter(
            variant=variant, location_id=stock.location_id
        ).aggregate(t=Sum("delta"))["t"]
        assert (total or 0) == stock.on_hand


def request_body(**extra):
    return {
        "source": "IND",
        "destination": "SPR",
        "lines": [{"sku": "SHIRT-NAVY-M", "quantity": 4}],
        **extra,
    }


@pytest.fixture
def wms(client_for):
    """The warehouse's WMS: stock scopes, bound to the warehouse."""
    return client_for(scopes=[ApiScope.STOCK_READ, ApiScope.STOCK_WRITE], locations=["IND"])


@pytest.fixture
def store_system(client_for):
    """Springfield's store system: stock scopes, bound to Springfield."""
    return client_for(scopes=[ApiScope.STOCK_READ, ApiScope.STOCK_WRITE], locations=["SPR"])


@pytest.mark.django_db
class TestTheFlow:
    def test_request_ship_receive_by_two_systems_with_retries(self, wms, store_system, world):
        navy = world["navy"]
        created = wms.post(URL, request_body(note="Replenishment"), key="req-1")
        assert created.status_code == 201, created.content
        body = created.json()
        assert (body["state"], body["source"], body["destination"]) == ("requested", "IND", "SPR")
        assert body["number"] == f"TR{body['id']:06d}"
        # A retry with the same key replays and requests nothing more.
        again = wms.post(URL, request_body(note="Replenishment"), key="req-1")
        assert again.json() == body and again["Idempotent-Replayed"] == "true"
        assert Transfer.objects.count() == 1
        assert Stock.objects.get(variant=navy, location=world["ind"]).reserved == 4

        ship_url = f"{URL}{body['id']}/ship/"
        shipped = wms.post(ship_url, {"lines": [{"sku": "SHIRT-NAVY-M", "quantity": 3}]}, key="s")
        assert shipped.status_code == 200, shipped.content
        assert shipped.json()["lines"][0] | {} == {
            "variant_id": navy.pk,
            "sku": "SHIRT-NAVY-M",
            "requested": 4,
            "shipped": 3,
            "received": 0,
            "damaged": 0,
            "in_transit": 3,
        }
        replay = wms.post(ship_url, {"lines": [{"sku": "SHIRT-NAVY-M", "quantity": 3}]}, key="s")
        assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
        assert on_hand(navy, world["ind"]) == 17
        assert Stock.objects.get(variant=navy, location=world["ind"]).reserved == 0

        receive_url = f"{URL}{body['id']}/receive/"
        lines = {"lines": [{"sku": "SHIRT-NAVY-M", "received": 2, "damaged": 1}]}
        received = store_system.post(receive_url, lines, key="r")
        assert received.status_code == 200, received.content
        assert received.json()["state"] == "received"
        assert store_system.post(receive_url, lines, key="r")["Idempotent-Replayed"] == "true"
        assert on_hand(navy, world["spr"]) == 5 + 2
        # Receiving again (a new key) is refused: nothing is in transit any more.
        twice = store_system.post(receive_url, lines, key="r2")
        assert twice.status_code == 409
        assert error_of(twice)["code"] == "invalid_transition"
        assert on_hand(navy, world["spr"]) == 7
        ledger_ok(navy)

    def test_list_filters(self, api, world):
        navy = world["navy"]
        first = inventory.transfer_request(
            source_id=world["ind"].pk, destination_id=world["spr"].pk, lines=[(navy.pk, 1)]
        )
        second = inventory.transfer_request(
            source_id=world["peo"].pk, destination_id=world["chi"].pk, lines=[(navy.pk, 1)]
        )
        inventory.transfer_ship(transfer_id=second.pk)

        def ids(**params):
            response = api.get(URL, params)
            assert response.status_code == 200, response.content
            return [row["id"] for row in response.json()["results"]]

        assert ids() == [first.pk, second.pk]
        assert ids(**{"from": "PEO"}) == [second.pk]
        assert ids(to="SPR,CHI") == [first.pk, second.pk]
        assert ids(state="shipped") == [second.pk]
        later = (timezone.now() + dt.timedelta(minutes=1)).isoformat()
        assert ids(updated_since=later) == []
        bad = api.get(URL, {"state": "lost"})
        assert bad.status_code == 400

    def test_ship_and_receive_send_webhooks(self, api, world):
        f.WebhookSubscriptionFactory(events=["transfer.shipped", "transfer.received"])
        transfer = inventory.transfer_request(
            source_id=world["ind"].pk, destination_id=world["spr"].pk, lines=[(world["navy"].pk, 2)]
        )
        assert api.post(f"{URL}{transfer.pk}/ship/", {}).status_code == 200
        assert api.post(f"{URL}{transfer.pk}/receive/", {}).status_code == 200
        events = [
            m.payload["envelope"]["event"]
            for m in OutboxMessage.objects.filter(topic="webhook.deliver").order_by("pk")
        ]
        assert events == ["transfer.shipped", "transfer.received"]


@pytest.mark.django_db
class TestBadInput:
    @pytest.fixture
    def transfer(self, world):
        return inventory.transfer_request(
            source_id=world["ind"].pk, destination_id=world["spr"].pk, lines=[(world["navy"].pk, 2)]
        )

    def test_shipping_more_than_requested(self, api, world, transfer):
        response = api.post(
            f"{URL}{transfer.pk}/ship/", {"lines": [{"sku": "SHIRT-NAVY-M", "quantity": 3}]}
        )
        assert response.status_code == 400
        assert error_of(response)["code"] == "invalid_quantity"
        assert Transfer.objects.get(pk=transfer.pk).status == "requested"

    def test_receiving_more_than_shipped(self, api, world, transfer):
        inventory.transfer_ship(transfer_id=transfer.pk)
        response = api.post(
            f"{URL}{transfer.pk}/receive/", {"lines": [{"sku": "SHIRT-NAVY-M", "received": 3}]}
        )
        assert response.status_code == 400
        assert error_of(response)["code"] == "invalid_quantity"
        assert on_hand(world["navy"], world["spr"]) == 5

    def test_shipping_a_cancelled_transfer(self, api, transfer):
        inventory.transfer_cancel(transfer_id=transfer.pk, reason="Not needed")
        response = api.post(f"{URL}{transfer.pk}/ship/", {})
        assert response.status_code == 409
        assert "cancelled (Not needed)" in error_of(response)["detail"]

    def test_unknown_sku_and_location(self, api, world, transfer):
        response = api.post(URL, request_body(lines=[{"sku": "NOPE", "quantity": 1}]))
        assert response.status_code == 400
        assert error_of(response)["errors"][0]["field"] == "lines[0].sku"
        response = api.post(URL, request_body(source="XXX"))
        assert error_of(response)["errors"][0]["field"] == "source"

    def test_not_enough_stock_at_the_source(self, api, world):
        response = api.post(
            URL, request_body(source="PEO", lines=[{"sku": "SHIRT-NAVY-M", "quantity": 9}])
        )
        assert response.status_code == 409
        assert error_of(response)["code"] == "insufficient_stock"
        assert not Transfer.objects.exists()

    def test_unknown_transfer(self, api, world):
        assert api.post(f"{URL}999999/ship/", {}).status_code == 404
        assert api.get(f"{URL}abc/").status_code == 404


@pytest.mark.django_db
class TestPermissions:
    def _transfer(self, world, ship=False):
        transfer = inventory.transfer_request(
            source_id=world["ind"].pk, destination_id=world["spr"].pk, lines=[(world["navy"].pk, 1)]
        )
        if ship:
            inventory.transfer_ship(transfer_id=transfer.pk)
        return transfer

    # (method, scope, status for the right key, status for a key bound to another store,
    #  what to call: a (url, body) made afresh, since a ship or receive succeeds once)
    CASES = {
        "list": ("get", ApiScope.STOCK_READ, 200, None, lambda self, world: (URL, None)),
        "request": (
            "post",
            ApiScope.STOCK_WRITE,
            201,
            403,
            lambda self, world: (URL, request_body()),
        ),
        "ship": (
            "post",
            ApiScope.STOCK_WRITE,
            200,
            403,
            lambda self, world: (f"{URL}{self._transfer(world).pk}/ship/", {}),
        ),
        "receive": (
            "post",
            ApiScope.STOCK_WRITE,
            200,
            403,
            lambda self, world: (f"{URL}{self._transfer(world, ship=True).pk}/receive/", {}),
        ),
    }

    @pytest.mark.parametrize("case", list(CASES))
    def test_matrix(self, case, client_for, anonymous, staff, world):
        method, scope, ok, other_store, call = self.CASES[case]
        assert_permission_matrix(
            method=method,
            url=None,
            scope=scope,
            client_for=client_for,
            anonymous=anonymous,
            staff=staff,
            ok=ok,
            other_store=other_store,
            fresh=lambda: call(self, world),
        )

    def test_destination_key_cannot_ship_and_source_key_cannot_receive(
        self, wms, store_system, world
    ):
        transfer = self._transfer(world)
        refused = store_system.post(f"{URL}{transfer.pk}/ship/", {})
        assert refused.status_code == 403
        assert error_of(refused)["code"] == "location_not_allowed"
        assert wms.post(f"{URL}{transfer.pk}/ship/", {}).status_code == 200
        refused = wms.post(f"{URL}{transfer.pk}/receive/", {})
        assert refused.status_code == 403
        assert error_of(refused)["code"] == "location_not_allowed"
        assert Transfer.objects.get(pk=transfer.pk).status == "shipped"
        assert store_system.post(f"{URL}{transfer.pk}/receive/", {}).status_code == 200

    def test_a_key_bound_elsewhere_cannot_request(self, client_for, world):
        chicago = client_for(scopes=[ApiScope.STOCK_WRITE], locations=["CHI"])
        response = chicago.post(URL, request_body())
        assert response.status_code == 403
        # Bound to the destination: may ask for stock to come.
        springfield = client_for(scopes=[ApiScope.STOCK_WRITE], locations=["SPR"])
        assert springfield.post(URL, request_body()).status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("count", [10, 60])
def test_list_queries_do_not_grow(api, world, count, django_assert_max_num_queries):
    receive_units = count + 1
    inventory.stock_receive(
        variant_id=world["navy"].pk, location_id=world["ind"].pk, quantity=receive_units
    )
    for _ in range(count):
        inventory.transfer_request(
            source_id=world["ind"].pk, destination_id=world["spr"].pk, lines=[(world["navy"].pk, 1)]
        )
    with django_assert_max_num_queries(6):
        response = api.get(URL, {"limit": 100})
    assert response.status_code == 200
