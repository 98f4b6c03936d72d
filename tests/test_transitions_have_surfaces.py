"""Every state a flow needs has a surface (docs/flows.md): each state of
``Transfer.Status`` and ``Fulfilment.Status`` is reached, and each transition in
``TRANSITIONS`` is performed, by a screen, an API endpoint or a scheduled task — not only
by a service call in a test.

How: the test walks the flows through surfaces only (the back-office views, the REST API,
the beat task), and around each call it snapshots every transfer's and fulfilment's
state, so whatever the call changed is recorded with the surface that did it (bulk
inserts and conditional updates included). Then:

- every ``TextChoices`` state must appear in ``TRANSITIONS`` (a new state without a
  surface fails here, and so does a dead end like a pickup that could never leave
  "picking"), and
- every transition listed there must have been performed by the walk, through the
  surface named.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from inventory.models import Transfer
from omni.api.services import api_key_create
from omni.models import ApiScope
from orders.models import Fulfilment
from stores.services import location_distances_rebuild
from tests import factories as f
from tests.orders.helpers import at_town, make_variant, receive

F = Fulfilment.Status
T = Transfer.Status
NEW = None  # the row did not exist before the call

# (model, from, to) → the surface that performs it (a URL name, an API route, a task).
TRANSITIONS: dict[tuple[str, str | None, str], str] = {
    # Transfers: requested by checkout, the stock screen or the API; shipped and received
    # in the back-office or by a WMS; cancelled in the back-office or with the pickup.
    ("transfer", NEW, T.REQUESTED): "POST /api/v1/transfers/",
    ("transfer", T.REQUESTED, T.SHIPPED): "backoffice:transfer-action",
    ("transfer", T.SHIPPED, T.RECEIVED): "POST /api/v1/transfers/{id}/receive/",
    ("transfer", T.REQUESTED, T.CANCELLED): "backoffice:transfer-action",
    # Pickups.
    ("fulfilment", NEW, F.PLACED): "POST /api/v1/orders/",
    ("fulfilment", F.PLACED, F.PICKING): "backoffice:pickup-action",
    ("fulfilment", F.PICKING, F.READY): "backoffice:pickup-action",
    ("fulfilment", F.PLACED, F.READY): "POST /api/v1/fulfilments/{id}/status/",
    ("fulfilment", F.READY, F.COLLECTED): "backoffice:pickup-action",
    ("fulfilment", F.READY, F.PARTIALLY_COLLECTED): "backoffice:pickup-action",
    ("fulfilment", F.READY, F.EXPIRED): "task orders.tasks.pickups_expire",
    ("fulfilment", F.PLACED, F.CANCELLED): "POST /api/v1/orders/{id}/cancel/",
    # Ship from store.
    ("fulfilment", F.PICKING, F.PACKED): "backoffice:shipment-action",
    ("fulfilment", F.PACKED, F.SHIPPED): "backoffice:shipment-action",
    ("fulfilment", F.SHIPPED, F.DELIVERED): "POST /api/v1/fulfilments/{id}/status/",
}


class Recorder:
    """Runs surface calls and records the state changes each one made."""

    def __init__(self):
        self.done: dict[tuple[str, str | None, str], set[str]] = defaultdict(set)

    @staticmethod
    def _snapshot() -> dict[tuple[str, int], str]:
        rows = {("transfer", pk): s for pk, s in Transfer.objects.values_list("pk", "status")}
        rows |= {("fulfilment", pk): s for pk, s in Fulfilment.objects.values_list("pk", "status")}
        return rows

    def __call__(self, surface: str, call):
        before = self._snapshot()
        result = call()
        status = getattr(result, "status_code", 200)
        assert status < 400, (surface, getattr(result, "content", b"")[:500])
        for (model, pk), state in self._snapshot().items():
            old = before.get((model, pk))
            if old != state:
                self.done[(model, old, state)].add(surface)
        return result


@pytest.fixture
def world(db):
    spots = {
        "spr": at_town(f.LocationFactory, "springfield", code="SPR"),
        "peo": at_town(f.LocationFactory, "peoria", code="PEO"),
        "chi": at_town(f.LocationFactory, "chicago", code="CHI", ships_online_orders=True),
    }
    location_distances_rebuild()
    shirt = make_variant("30.00", sku="SHIRT-M")
    scarf = make_variant("20.00", sku="SCARF")
    receive(shirt, spots["spr"], 10)
    receive(scarf, spots["peo"], 10)
    receive(shirt, spots["chi"], 10)
    return {**spots, "shirt": shirt, "scarf": scarf}


def _api():
    _, raw = api_key_create(name="Walk", scopes=list(ApiScope.values))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _desk(location):
    from django.test import Client

    client = Client()
    client.force_login(f.AssociateFactory(home_location=location).user)
    return client


def _order(api, *, lines, fulfilment, payment=None):
    return api.post(
        "/api/v1/orders/",
        {
            "channel": "web",
            "customer": {"email": "walk@example.com"},
            "lines": [{"sku": sku, "quantity": q} for sku, q in lines],
            "payment": payment or {"method": "pay_in_store"},
            "fulfilment": fulfilment,
        },
        format="json",
    )


def test_every_state_is_in_the_registry():
    states = {("transfer", s) for s in T.values} | {("fulfilment", s) for s in F.values}
    reached = {(model, new) for model, _old, new in TRANSITIONS}
    # Carry-out is born collected at the till (POST /api/v1/orders/ with carry_out).
    reached.add(("fulfilment", F.COLLECTED))
    assert states - reached == set(), "states with no surface reaching them"


@pytest.mark.django_db
def test_every_transition_is_performed_by_a_surface(world):
    record = Recorder()
    api = _api()
    spr, peo, chi = _desk(world["spr"]), _desk(world["peo"]), _desk(world["chi"])

    def order_for_pickup(lines):
        response = record(
            "POST /api/v1/orders/",
            lambda: _order(api, lines=lines, fulfilment={"type": "pickup", "store": "SPR"}),
        )
        body = response.json()
        return body, Fulfilment.objects.get(pk=body["fulfilments"][0]["id"])

    def pickup_act(pickup, action, **data):
        pickup.refresh_from_db()
        return record(
            "backoffice:pickup-action",
            lambda: spr.post(
                reverse("backoffice:pickup-action", args=[pickup.pk]),
                {"action": action, "status": pickup.status, **data},
            ),
        )

    # 1. A pickup that waits for a transfer from Peoria: shipped in the back-office,
    #    received by the store's system, then picked, made ready and collected.
    body, pickup = order_for_pickup([("SHIRT-M", 1), ("SCARF", 1)])
    transfer = Transfer.objects.get(reference_id=str(body["id"]))
    record(
        "backoffice:transfer-action",
        lambda: peo.post(
            reverse("backoffice:transfer-action", args=[transfer.pk]),
            {"action": "ship", "status": "requested", f"ship-{world['scarf'].pk}": "1"},
        ),
    )
    record(
        "POST /api/v1/transfers/{id}/receive/",
        lambda: api.post(f"/api/v1/transfers/{transfer.pk}/receive/", {}, format="json"),
    )
    pickup_act(pickup, "start_picking")
    pickup_act(pickup, "ready")
    pickup_act(pickup, "collect", code=body["number"])

    # 2. Made ready by a store system, collected in part at the counter.
    body, pickup = order_for_pickup([("SHIRT-M", 2)])
    record(
        "POST /api/v1/fulfilments/{id}/status/",
        lambda: api.post(
            f"/api/v1/fulfilments/{pickup.pk}/status/", {"status": "ready"}, format="json"
        ),
    )
    line = pickup.lines.get()
    pickup_act(
        pickup, "collect", code=body["number"], partial="1", **{f"qty-{line.order_line_id}": "1"}
    )

    # 3. Ready, never collected: the beat task releases it once the hold has passed.
    body, pickup = order_for_pickup([("SHIRT-M", 1)])
    record(
        "POST /api/v1/fulfilments/{id}/status/",
        lambda: api.post(
            f"/api/v1/fulfilments/{pickup.pk}/status/", {"status": "ready"}, format="json"
        ),
    )
    # The clock moving on is not a surface: the hold simply ends.
    Fulfilment.objects.filter(pk=pickup.pk).update(
        hold_until=timezone.now() - dt.timedelta(minutes=1)
    )
    from orders.tasks import pickups_expire

    record("task orders.tasks.pickups_expire", lambda: pickups_expire.delay())

    # 4. Cancelled by the API while its transfer was still to leave (it is cancelled too).
    body, pickup = order_for_pickup([("SCARF", 1)])
    record(
        "POST /api/v1/orders/{id}/cancel/",
        lambda: api.post(f"/api/v1/orders/{body['id']}/cancel/", {}, format="json"),
    )

    # 5. A WMS requests a transfer; the source store cancels it with a reason.
    response = record(
        "POST /api/v1/transfers/",
        lambda: api.post(
            "/api/v1/transfers/",
            {"source": "PEO", "destination": "CHI", "lines": [{"sku": "SCARF", "quantity": 1}]},
            format="json",
        ),
    )
    record(
        "backoffice:transfer-action",
        lambda: peo.post(
            reverse("backoffice:transfer-action", args=[response.json()["id"]]),
            {"action": "cancel", "status": "requested", "reason": "Not needed"},
        ),
    )

    # 6. A delivery sourced to the Chicago store: picked, packed, shipped, delivered.
    response = record(
        "POST /api/v1/orders/",
        lambda: _order(
            api,
            lines=[("SHIRT-M", 1)],
            fulfilment={
                "type": "ship",
                "address": {"line1": "1 Lake St", "city": "Chicago", "postcode": "60601"},
            },
            payment={"method": "external", "reference": "MP-1"},
        ),
    )
    shipment = Fulfilment.objects.get(pk=response.json()["fulfilments"][0]["id"])
    assert shipment.location_id == world["chi"].pk

    def ship_act(action, **data):
        shipment.refresh_from_db()
        return record(
            "backoffice:shipment-action",
            lambda: chi.post(
                reverse("backoffice:shipment-action", args=[shipment.pk]),
                {"action": action, "status": shipment.status, **data},
            ),
        )

    ship_act("start_picking")
    ship_act("pack")
    ship_act("ship", carrier="ups", tracking_number="1Z1")
    record(
        "POST /api/v1/fulfilments/{id}/status/",
        lambda: api.post(
            f"/api/v1/fulfilments/{shipment.pk}/status/", {"status": "delivered"}, format="json"
        ),
    )

    missing = {
        transition: surface
        for transition, surface in TRANSITIONS.items()
        if surface not in record.done.get(transition, set())
    }
    assert missing == {}, f"transitions no surface performed: {missing}; done: {dict(record.done)}"
    # And every state was entered through some surface during the walk.
    entered = {(model, new) for model, _old, new in record.done}
    entered.add(("fulfilment", F.COLLECTED))
    every = {("transfer", s) for s in T.values} | {("fulfilment", s) for s in F.values}
    assert every - entered == set()
