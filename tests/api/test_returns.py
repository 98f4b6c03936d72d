"""Returns through the API: taken at any location that accepts returns, for an order from
any channel, through the one policy engine (window, final sale, quantity, a manager's
override), with restock and refund, and a policy check that writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Interaction
from inventory.models import Stock
from omni.models import ApiScope
from orders.models import Fulfilment, Order
from returns.models import Return
from tests import factories as f
from tests.api.conftest import assert_permission_matrix, error_of, priced_variant, receive

pytestmark = pytest.mark.django_db

RETURNS = "/api/v1/returns/"


@pytest.fixture
def sale(api, world):
    response = api.post(
        "/api/v1/orders/",
        {
            "channel": "store",
            "location": "SPR",
            "customer": {"email": "ana@example.com"},
            "lines": [{"sku": "SHIRT-NAVY-M", "quantity": 2}],
        },
    )
    assert response.status_code == 201
    return Order.objects.get(pk=response.json()["id"])


def return_body(order, **overrides):
    return {
        "order": order.number,
        "location": "PEO",
        "associate": "E-SPR",
        "lines": [
            {
                "sku": "SHIRT-NAVY-M",
                "quantity": 1,
                "reason": "too_small",
                "condition": "A",
                "disposition": "restock",
            }
        ],
        "refund_method": "store_credit",
    } | overrides


def age(order, days: int) -> None:
    then = timezone.now() - dt.timedelta(days=days)
    Order.objects.filter(pk=order.pk).update(placed_at=then)
    Fulfilment.objects.filter(order=order).update(collected_at=then)


def test_a_return_at_another_store_restocks_there_and_refunds(api, sale, world):
    peoria_before = Stock.objects.get(variant=world["navy"], location=world["peo"]).on_hand
    response = api.post(RETURNS, return_body(sale))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["location"], body["refund_total"]) == (
        "refunded",
        "PEO",
        "52.07",
    )  # half of 104.13
    assert body["lines"][0]["sku"] == "SHIRT-NAVY-M"
    assert body["lines"][0]["disposition"] == "restock"
    assert (
        Stock.objects.get(variant=world["navy"], location=world["peo"]).on_hand == peoria_before + 1
    )
    assert Interaction.objects.filter(customer=sale.customer, kind="return").exists()


def test_a_return_without_an_associate(api, sale):
    body = return_body(sale)
    del body["associate"]
    response = api.post(RETURNS, body)
    assert response.status_code == 201, response.json()
    assert response.json()["associate_id"] is None


def test_an_exchange_for_another_size(api, sale, world):
    large = priced_variant("49.00", product=world["product"], sku="SHIRT-NAVY-L", size="L")
    receive(large, world["spr"], 2)
    body = return_body(
        sale,
        location="SPR",
        refund_method="exchange",
        exchange=[{"sku": "SHIRT-NAVY-M", "replacement_sku": "SHIRT-NAVY-L"}],
    )
    response = api.post(RETURNS, body)
    assert response.status_code == 201, response.json()
    exchange = Order.objects.get(pk=response.json()["exchange_order_id"])
    assert [line.sku for line in exchange.lines.all()] == ["SHIRT-NAVY-L"]


def test_an_exchange_costing_more_than_the_return_is_refused(api, sale, world):
    body = return_body(
        sale,
        location="SPR",
        refund_method="exchange",
        exchange=[{"sku": "SHIRT-NAVY-M", "replacement_sku": "SHIRT-WHITE-M"}],
    )
    response = api.post(RETURNS, body)
    assert response.status_code == 402
    assert error_of(response)["code"] == "insufficient_store_credit"
    assert not Return.objects.exists()


def test_a_line_by_order_line_id(api, sale):
    line = sale.lines.get()
    body = return_body(sale)
    body["lines"] = [
        {
            "order_line_id": line.pk,
            "quantity": 2,
            "reason": "changed_mind",
            "condition": "B",
            "disposition": "inspect",
        }
    ]
    response = api.post(RETURNS, body | {"refund_method": "original"})
    assert response.status_code == 201, response.json()
    # Both shirts and the Illinois sales tax they were sold with.
    assert response.json()["refund_total"] == "104.13"


def test_past_the_window_is_409_return_window_expired_and_nothing_is_written(api, sale):
    age(sale, 90)
    response = api.post(RETURNS, return_body(sale))
    assert response.status_code == 409
    body = error_of(response)
    assert (body["type"], body["code"]) == ("domain_error", "return_window_expired")
    assert body["details"]["refusals"][0]["code"] == "return_window_expired"
    assert not Return.objects.exists()


def test_a_manager_may_override_the_window_with_a_reason(api, sale):
    age(sale, 90)
    refused = api.post(RETURNS, return_body(sale, override_reason="Gift receipt"))
    assert error_of(refused)["code"] == "override_not_allowed"
    allowed = api.post(
        RETURNS, return_body(sale, associate="E-MGR", override_reason="Gift receipt")
    )
    assert allowed.status_code == 201


def test_more_than_bought_is_409(api, sale):
    body = return_body(sale)
    body["lines"][0]["quantity"] = 3
    response = api.post(RETURNS, body)
    assert response.status_code == 409
    assert error_of(response)["code"] == "quantity_exceeds_purchase"


def test_a_location_that_takes_no_returns_is_refused(api, sale):
    response = api.post(RETURNS, return_body(sale, location="IND"))
    assert response.status_code == 400
    assert error_of(response)["code"] == "location_does_not_accept_returns"


@pytest.mark.parametrize(
    ("mutate", "field", "code"),
    [
        (lambda b: b.update(order="W9999999"), "order", "unknown_order"),
        (lambda b: b.update(location="NOPE"), "location", "unknown_location"),
        (lambda b: b.update(associate="NOPE"), "associate", "unknown_associate"),
        (lambda b: b["lines"][0].update(sku="OTHER"), "lines[0].sku", "unknown_line"),
        (lambda b: b["lines"][0].update(condition="Z"), "lines[0].condition", "invalid_choice"),
        (
            lambda b: b["lines"][0].update(disposition="burn"),
            "lines[0].disposition",
            "invalid_choice",
        ),
        (lambda b: b["lines"][0].update(quantity=0), "lines[0].quantity", "min_value"),
        (lambda b: b["lines"][0].pop("sku"), "lines[0].order_line_id", "required"),
        (lambda b: b.update(refund_method="cash"), "refund_method", "invalid_choice"),
        (lambda b: b.update(lines=[]), "lines", "empty"),
    ],
)
def test_return_validation_names_the_field(api, sale, mutate, field, code):
    body = return_body(sale)
    mutate(body)
    response = api.post(RETURNS, body)
    assert response.status_code == 400, response.json()
    error = error_of(response)["errors"][0]
    assert (error["field"], error["code"]) == (field, code)
    assert not Return.objects.exists()


def test_policy_check_writes_nothing(api, sale):
    age(sale, 90)
    response = api.post(
        f"{RETURNS}check/",
        {
            "order": sale.number,
            "lines": [{"sku": "SHIRT-NAVY-M", "quantity": 1, "reason": "too_small"}],
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["allowed"] is False
    assert body["lines"][0]["refusals"][0]["code"] == "return_window_expired"
    assert not Return.objects.exists()


def test_a_pos_key_takes_returns_at_its_store_only(client_for, sale):
    pos = client_for(scopes=[ApiScope.RETURNS_WRITE], locations=["SPR"])
    refused = pos.post(RETURNS, return_body(sale, location="PEO"))
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "location_not_allowed"
    assert pos.post(RETURNS, return_body(sale, location="SPR")).status_code == 201


def test_permission_matrix_return_create(client_for, anonymous, staff, sale):
    assert_permission_matrix(
        method="post",
        url=RETURNS,
        data=return_body(sale),
        scope=ApiScope.RETURNS_WRITE,
        client_for=client_for,
        anonymous=anonymous,
        staff=staff,
        ok=201,
        other_store=403,
        other_store_code="SPR",
    )
    assert Return.objects.count() == 1


def test_permission_matrix_returns_read(client_for, anonymous, staff, sale):
    assert_permission_matrix(
        method="get",
        url=RETURNS,
        scope=ApiScope.RETURNS_READ,
        client_for=client_for,
        anonymous=anonymous,
        staff=staff,
    )


def test_returns_list_filters_and_queries_do_not_grow(api, sale):
    api.post(RETURNS, return_body(sale))
    assert len(api.get(RETURNS, {"location": "PEO"}).json()["results"]) == 1
    assert api.get(RETURNS, {"location": "SPR"}).json()["results"] == []

    def queries(size):
        api.get(RETURNS, {"page_size": size})
        with CaptureQueriesContext(connection) as captured:
            assert api.get(RETURNS, {"page_size": size}).status_code == 200
        return len(captured)

    for _ in range(4):
        f.ReturnLineFactory.create_batch(2, return_request=f.ReturnFactory())
    few = queries(5)
    for _ in range(45):
        f.ReturnLineFactory.create_batch(2, return_request=f.ReturnFactory())
    assert queries(50) == few
