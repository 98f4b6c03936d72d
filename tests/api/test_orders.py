"""Orders through the API: a POS sale (stock taken at its store, the customer matched or
made, on the timeline and in the online account), marketplace orders, refusals that write
nothing, sync by list, and fulfilment steps from a WMS."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Customer, Interaction
from customers.selectors import customer_for_user
from customers.services import customer_resolve
from inventory.models import Stock, StockMovement
from omni.models import ApiScope
from orders.models import Fulfilment, Order, Payment
from orders.selectors import orders_for_customer
from tests import factories as f
from tests.api.conftest import assert_permission_matrix, error_of

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/orders/"
ADDRESS = {"name": "Ana", "line1": "1 Capitol Ave", "city": "Springfield", "postcode": "62701"}


def pos_sale(**overrides):
    return {
        "channel": "store",
        "location": "SPR",
        "associate": "E-SPR",
        "customer": {"email": "ana@example.com", "phone": "(217) 555-0100", "first_name": "Ana"},
        "lines": [{"sku": "SHIRT-NAVY-M", "quantity": 2}, {"sku": "SHIRT-WHITE-M", "quantity": 1}],
        "payment": {"method": "external", "reference": "TILL-7-0042"},
        "external_reference": "POS-SPR-0042",
    } | overrides


def without(body: dict, *keys: str) -> dict:
    return {k: v for k, v in body.items() if k not in keys}


def on_hand(variant, location) -> int:
    return Stock.objects.get(variant=variant, location=location).on_hand


def test_a_pos_sale_takes_stock_at_its_store(api, world):
    response = api.post(ORDERS, pos_sale())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("S") and body["status"] == "fulfilled"
    assert (body["channel"], body["location"], body["associate"]["employee_code"]) == (
        "store",
        "SPR",
        "E-SPR",
    )
    # 157.00 of goods and Springfield's Illinois sales tax, 6.25% per line.
    assert (body["tax_total"], body["total"]) == ("9.82", "166.82")
    assert body["payments"] == [
        {
            "id": body["payments"][0]["id"],
            "provider": "external",
            "status": "captured",
            "amount": "166.82",
            "currency": "USD",
            "card_last4": "",
            "provider_reference": "TILL-7-0042",
        }
    ]
    assert [(x["kind"], x["status"], x["location"]) for x in body["fulfilments"]] == [
        ("carry_out", "collected", "SPR")
    ]
    assert on_hand(world["navy"], world["spr"]) == 3
    assert on_hand(world["white"], world["spr"]) == 1
    assert on_hand(world["navy"], world["peo"]) == 3  # other stores untouched
    assert StockMovement.objects.filter(reason="sale").count() == 2


def test_a_pos_sale_lands_on_the_timeline_and_in_the_online_account(api, world):
    member = f.UserFactory(email="ana@example.com")
    known = customer_resolve(email="ana@example.com", first_name="Ana", user=member)

    response = api.post(ORDERS, pos_sale())
    assert response.status_code == 201
    order = Order.objects.get(number=response.json()["number"])
    assert order.customer_id == known.pk  # matched, not duplicated
    assert Customer.objects.count() == 1

    entry = Interaction.objects.get(customer=known, kind=Interaction.Kind.ORDER)
    assert (entry.channel, entry.location_id, entry.associate_id) == (
        "store",
        world["spr"].pk,
        world["associate"].pk,
    )
    assert entry.subject_id == str(order.pk)
    # The shopper's online account lists it (the account pages' own selector).
    account = orders_for_customer(customer=customer_for_user(user=member))
    assert [o.number for o in account] == [order.number]
    # And the API timeline shows it too.
    timeline = api.get(f"/api/v1/customers/{known.pk}/timeline/").json()["results"]
    assert timeline[0]["subject_id"] == str(order.pk)


def test_a_new_shopper_at_the_till_becomes_a_customer(api, world):
    response = api.post(ORDERS, pos_sale(customer={"phone": "217 555 0177"}))
    assert response.status_code == 201
    customer = Customer.objects.get(pk=response.json()["customer_id"])
    assert (customer.phone, customer.source_channel, customer.home_store_id) == (
        "+12175550177",
        "store",
        world["spr"].pk,
    )


def test_an_existing_customer_by_id(api, world):
    customer = customer_resolve(email="known@example.com")
    response = api.post(ORDERS, without(pos_sale(customer_id=customer.pk), "customer"))
    assert response.status_code == 201
    assert response.json()["customer_id"] == customer.pk


def test_more_than_the_store_has_is_409_insufficient_stock_and_nothing_is_written(api, world):
    response = api.post(ORDERS, pos_sale(lines=[{"sku": "SHIRT-WHITE-M", "quantity": 3}]))
    assert response.status_code == 409
    body = error_of(response)
    assert body["code"] == "insufficient_stock"
    assert body["details"]["lines"][0]["sku"] == "SHIRT-WHITE-M"
    assert not Order.objects.exists()
    assert on_hand(world["white"], world["spr"]) == 2


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        (
            {"lines": [{"sku": "SHIRT-NAVY-M", "quantity": 1}, {"sku": "NOPE", "quantity": 1}]},
            "lines[1].sku",
            "unknown_variant",
        ),
        ({"lines": [{"sku": "SHIRT-NAVY-M", "quantity": 0}]}, "lines[0].quantity", "min_value"),
        ({"lines": [{"sku": "SHIRT-NAVY-M", "quantity": "lots"}]}, "lines[0].quantity", "invalid"),
        ({"lines": []}, "lines", "empty"),
        ({"location": None}, "location", "null"),
        ({"location": "NOPE"}, "location", "unknown_location"),
        ({"associate": "E-NOBODY"}, "associate", "unknown_associate"),
        ({"channel": "carrier-pigeon"}, "channel", "invalid_choice"),
        ({"customer": {}}, "customer", "required"),
        ({"customer": {"email": "nope"}}, "email", "invalid_contact"),
        ({"payment": {"method": "card"}}, "payment.card_number", "required"),
        ({"payment": {"method": "card", "card_number": "1234"}}, "card", "invalid_card_number"),
        ({"fulfilment": {"type": "ship"}}, "fulfilment.address", "required"),
        ({"fulfilment": {"type": "pickup"}}, "fulfilment.store", "required"),
        (
            {"channel": "marketplace", "fulfilment": {"type": "carry_out"}},
            "fulfilment",
            "checkout_invalid",
        ),
        ({"external_reference": "x" * 81}, "external_reference", "max_length"),
    ],
)
def test_order_validation_names_the_field(api, world, changes, field, code):
    response = api.post(ORDERS, pos_sale(**changes))
    assert response.status_code in (400, 422), response.json()
    error = error_of(response)["errors"][0]
    assert (error["field"], error["code"]) == (field, code)
    assert not Order.objects.exists()


def test_a_store_sale_needs_its_store(api, world):
    response = api.post(ORDERS, without(pos_sale(), "location"))
    assert response.status_code == 400
    assert error_of(response)["errors"][0]["field"] == "location"


def test_a_declined_card_is_402_and_writes_nothing(api, world):
    response = api.post(
        ORDERS, pos_sale(payment={"method": "card", "card_number": "4000 0000 0000 0002"})
    )
    assert response.status_code == 402
    assert error_of(response)["code"] == "card_declined"
    assert not Order.objects.exists()


def test_the_same_external_reference_twice_is_a_retry_answered_with_the_first_order(api, world):
    first = api.post(ORDERS, pos_sale())
    assert first.status_code == 201
    stock_before = list(Stock.objects.values_list("pk", "on_hand", "reserved").order_by("pk"))
    again = api.post(ORDERS, pos_sale(lines=[{"sku": "SHIRT-NAVY-M", "quantity": 1}]))
    assert again.status_code == 200
    assert again.json() == first.json()
    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1
    assert list(Stock.objects.values_list("pk", "on_hand", "reserved").order_by("pk")) == (
        stock_before
    )


def test_a_marketplace_order_ships_from_sourcing(api, world):
    response = api.post(
        ORDERS,
        {
            "channel": "marketplace",
            "customer": {"email": "buyer@example.com"},
            "lines": [{"sku": "SHIRT-NAVY-M", "quantity": 1}],
            "fulfilment": {"type": "ship", "address": ADDRESS},
            "payment": {"method": "external", "reference": "MKT-1"},
            "external_reference": "MKT-1",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("M")
    [shipment] = body["fulfilments"]
    assert (shipment["kind"], shipment["status"]) == ("ship", "placed")


def test_a_pos_key_sells_from_its_own_store_only(client_for, world):
    pos = client_for(scopes=[ApiScope.ORDERS_WRITE], locations=["SPR"])
    assert pos.post(ORDERS, pos_sale()).status_code == 201
    other = pos.post(ORDERS, pos_sale(location="PEO", external_reference="POS-PEO-1"))
    assert other.status_code == 403
    assert error_of(other)["code"] == "location_not_allowed"
    marketplace = pos.post(
        ORDERS,
        {
            "channel": "marketplace",
            "customer": {"email": "buyer@example.com"},
            "lines": [{"sku": "SHIRT-NAVY-M", "quantity": 1}],
            "fulfilment": {"type": "ship", "address": ADDRESS},
        },
    )
    assert marketplace.status_code == 403
    assert on_hand(world["navy"], world["peo"]) == 3


def test_permission_matrix_order_create(client_for, anonymous, staff, world):
    n = iter(range(100))
    assert_permission_matrix(
        method="post",
        url=ORDERS,
        scope=ApiScope.ORDERS_WRITE,
        client_for=client_for,
        anonymous=anonymous,
        staff=staff,
        ok=201,
        other_store=403,
        fresh=lambda: (
            ORDERS,
            pos_sale(
                lines=[{"sku": "SHIRT-NAVY-M", "quantity": 1}],
                external_reference=f"POS-{next(n)}",
            ),
        ),
    )
    assert Order.objects.count() == 1


# --- reads ----------------------------------------------------------------------------------


def test_list_filters_and_retrieve(api, world):
    api.post(ORDERS, pos_sale())
    api.post(
        ORDERS,
        pos_sale(
            location="PEO",
            associate=None,
            external_reference="PEO-1",
            lines=[{"sku": "SHIRT-NAVY-M", "quantity": 1}],
        )
        | {"associate": "E-SPR"},
    )
    assert len(api.get(ORDERS).json()["results"]) == 2
    [spr] = api.get(ORDERS, {"location": "SPR"}).json()["results"]
    assert (
        api.get(ORDERS, {"external_reference": "POS-SPR-0042"}).json()["results"][0]["id"]
        == spr["id"]
    )
    assert (
        api.get(ORDERS, {"number": spr["number"].lower()}).json()["results"][0]["id"] == spr["id"]
    )
    detail = api.get(f"{ORDERS}{spr['id']}/")
    assert detail.status_code == 200 and detail.json()["lines"][0]["sku"] == "SHIRT-NAVY-M"
    future = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    assert api.get(ORDERS, {"updated_since": future}).json()["results"] == []


def test_orders_list_queries_do_not_grow(api):
    def make(n):
        for _ in range(n):
            order = f.OrderFactory(location=f.LocationFactory(), associate=f.AssociateFactory())
            line = f.OrderLineFactory(order=order)
            fulfilment = f.FulfilmentFactory(order=order)
            f.FulfilmentLineFactory(fulfilment=fulfilment, order_line=line)
            f.PaymentFactory(order=order)

    def queries(size):
        api.get(ORDERS, {"page_size": size})
        with CaptureQueriesContext(connection) as captured:
            assert api.get(ORDERS, {"page_size": size}).status_code == 200
        return len(captured)

    make(5)
    few = queries(5)
    make(45)
    assert queries(50) == few


def test_fulfilments_list_queries_do_not_grow(api):
    def make(n):
        for _ in range(n):
            fulfilment = f.FulfilmentFactory()
            f.FulfilmentLineFactory.create_batch(2, fulfilment=fulfilment)

    def queries(size):
        api.get("/api/v1/fulfilments/", {"page_size": size})
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/v1/fulfilments/", {"page_size": size}).status_code == 200
        return len(captured)

    make(5)
    few = queries(5)
    make(45)
    assert queries(50) == few


def test_permission_matrix_orders_read(client_for, anonymous, staff, world):
    assert_permission_matrix(
        method="get",
        url=ORDERS,
        scope=ApiScope.ORDERS_READ,
        client_for=client_for,
        anonymous=anonymous,
        staff=staff,
    )


# --- fulfilment steps from a WMS ------------------------------------------------------------


@pytest.fixture
def shipment(api, world):
    response = api.post(
        ORDERS,
        {
            "channel": "marketplace",
            "customer": {"email": "buyer@example.com"},
            "lines": [{"sku": "SHIRT-NAVY-M", "quantity": 1}],
            "fulfilment": {"type": "ship", "address": ADDRESS},
        },
    )
    return Fulfilment.objects.get(pk=response.json()["fulfilments"][0]["id"])


def status_url(fulfilment) -> str:
    return f"/api/v1/fulfilments/{fulfilment.pk}/status/"


def test_a_wms_picks_ships_and_delivers(api, shipment, world):
    source = shipment.location
    before = Stock.objects.get(variant=world["navy"], location=source).on_hand
    assert api.post(status_url(shipment), {"status": "picking"}).json()["status"] == "picking"
    shipped = api.post(status_url(shipment), {"status": "shipped", "tracking_number": "1Z999"})
    assert shipped.status_code == 200
    assert (shipped.json()["status"], shipped.json()["tracking_number"]) == ("shipped", "1Z999")
    assert Stock.objects.get(variant=world["navy"], location=source).on_hand == before - 1
    delivered = api.post(status_url(shipment), {"status": "delivered"})
    assert delivered.json()["status"] == "delivered"
    assert Order.objects.get(pk=shipment.order_id).status == "fulfilled"


def test_a_step_the_status_does_not_allow_is_409(api, shipment):
    response = api.post(status_url(shipment), {"status": "delivered"})
    assert response.status_code == 409
    assert error_of(response)["code"] == "invalid_transition"
    response = api.post(status_url(shipment), {"status": "ready"})
    assert response.status_code == 409


def test_fulfilment_status_validation(api, shipment):
    response = api.post(status_url(shipment), {"status": "teleported"})
    assert response.status_code == 400
    assert error_of(response)["errors"][0]["field"] == "status"
    response = api.post(status_url(shipment), {"status": "collected"})
    assert error_of(response)["errors"][0]["field"] == "code"
    assert api.post("/api/v1/fulfilments/999999/status/", {"status": "picking"}).status_code == 404


def test_a_pickup_made_ready_and_collected_through_the_api(api, world):
    response = api.post(
        ORDERS,
        without(
            pos_sale(
                channel="web",
                fulfilment={"type": "pickup", "store": "PEO"},
                lines=[{"sku": "SHIRT-NAVY-M", "quantity": 1}],
                payment={"method": "pay_in_store"},
            ),
            "location",
            "associate",
            "external_reference",
        ),
    )
    assert response.status_code == 201, response.json()
    pickup = Fulfilment.objects.get(pk=response.json()["fulfilments"][0]["id"])
    ready = api.post(status_url(pickup), {"status": "ready"})
    assert ready.status_code == 200 and ready.json()["hold_until"]
    wrong = api.post(status_url(pickup), {"status": "collected", "code": "S0000000"})
    assert error_of(wrong)["code"] == "pickup_code_mismatch"
    collected = api.post(
        status_url(pickup), {"status": "collected", "code": response.json()["number"]}
    )
    assert collected.json()["status"] == "collected"


def _pickup(store: str, quantity: int, reference: str) -> dict:
    return {
        "channel": "store",
        "location": "SPR",
        "customer": {"email": "pat@example.com"},
        "lines": [{"sku": "SHIRT-NAVY-M", "quantity": quantity}],
        "fulfilment": {"type": "pickup", "store": store},
        "payment": {"method": "pay_in_store"},
        "external_reference": reference,
    }


def _held(variant, location) -> int:
    return Stock.objects.get(variant=variant, location=location).reserved


def test_a_store_bound_key_cannot_create_a_pickup_at_another_store(client_for, world):
    pos = client_for(scopes=[ApiScope.ORDERS_WRITE], locations=["SPR"])

    response = pos.post(ORDERS, _pickup("PEO", 1, "POS-PICKUP-PEO"))

    assert response.status_code == 403
    body = error_of(response)
    assert body["code"] == "location_not_allowed"
    assert "PEO" in body["detail"]
    assert not Order.objects.filter(external_reference="POS-PICKUP-PEO").exists()
    assert _held(world["navy"], world["peo"]) == 0
    # At its own store it may.
    own = pos.post(ORDERS, _pickup("SPR", 1, "POS-PICKUP-SPR"))
    assert own.status_code == 201, own.content
    assert _held(world["navy"], world["spr"]) == 1


def test_a_store_bound_key_takes_stock_only_from_its_own_stores(client_for, world):
    """Springfield holds 5; 7 for pickup there needs a transfer in (Peoria has 3, the
    warehouse 20). A key bound to Springfield alone may not pull it from elsewhere."""
    pos = client_for(scopes=[ApiScope.ORDERS_WRITE], locations=["SPR"])
    short = pos.post(ORDERS, _pickup("SPR", 7, "POS-SHORT"))
    assert short.status_code == 409, short.content
    assert error_of(short)["code"] == "insufficient_stock"
    assert _held(world["navy"], world["peo"]) == _held(world["navy"], world["ind"]) == 0

    # Bound to Springfield and the warehouse: the transfer comes from the warehouse.
    both = client_for(scopes=[ApiScope.ORDERS_WRITE], locations=["SPR", "IND"])
    response = both.post(ORDERS, _pickup("SPR", 7, "POS-TWO-PLACES"))
    assert response.status_code == 201, response.content
    assert _held(world["navy"], world["peo"]) == 0
    assert _held(world["navy"], world["ind"]) > 0


def test_a_wms_key_moves_its_locations_fulfilments_only(client_for, shipment):
    other = "PEO" if shipment.location.code != "PEO" else "SPR"
    wms = client_for(scopes=[ApiScope.ORDERS_WRITE], locations=[other])
    response = wms.post(status_url(shipment), {"status": "picking"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "location_not_allowed"
    own = client_for(scopes=[ApiScope.ORDERS_WRITE], locations=[shipment.location.code])
    assert own.post(status_url(shipment), {"status": "picking"}).status_code == 200


def test_permission_matrix_fulfilment_status(client_for, anonymous, staff, shipment):
    assert_permission_matrix(
        method="post",
        url=status_url(shipment),
        scope=ApiScope.ORDERS_WRITE,
        client_for=client_for,
        anonymous=anonymous,
        staff=staff,
        other_store=403,
        other_store_code="NOWHERE",
        fresh=lambda: (status_url(shipment), {"status": "picking"}),
    )
    shipment.refresh_from_db()
    assert shipment.status == "picking"


def test_cancel_an_order_that_has_not_left(api, shipment, world):
    response = api.post(f"{ORDERS}{shipment.order_id}/cancel/", {"reason": "Customer asked"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    again = api.post(f"{ORDERS}{shipment.order_id}/cancel/", {})
    assert again.status_code == 409
