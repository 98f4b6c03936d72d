"""Offers through the API: promotions read, a code checked against a basket (the same
pricing as the checkout), a POS sale carrying a code and a manual discount with a reason
(its own scope, bounded by the setting), orders carrying their discounts; permission
matrices and idempotency."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omni.models import ApiScope
from orders.models import Order
from promotions.models import Voucher
from tests import factories as f
from tests.api.conftest import assert_permission_matrix, error_of
from tests.api.test_orders import ORDERS, pos_sale
from tests.promotions.helpers import code_for, promotion

pytestmark = pytest.mark.django_db

PROMOTIONS = "/api/v1/promotions/"
VALIDATE = "/api/v1/vouchers/validate/"


@pytest.fixture
def save10(world):
    p = promotion(name="10% next visit", trigger="code", benefit="percent_off", value=10)
    code_for(p, "SAVE10", usage_limit=3)
    return p


def basket(**overrides):
    return {
        "code": "save10",
        "channel": "store",
        "location": "SPR",
        "lines": [{"sku": "SHIRT-NAVY-M", "quantity": 2}],
    } | overrides


def test_validate_a_code_against_a_basket(api, save10):
    response = api.post(VALIDATE, basket())
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "code": "SAVE10",
        "valid": True,
        "reason": "",
        "kind": "",
        "discount": "9.80",
        "currency": "USD",
    }
    assert Voucher.objects.get(code="SAVE10").used_count == 0  # checking uses nothing


def test_validate_says_why_not(api, world):
    p = promotion(
        name="Web only", trigger="code", benefit="percent_off", value=10, channels=["web"]
    )
    code_for(p, "WEBONLY")
    response = api.post(VALIDATE, basket(code="webonly"), HTTP_ACCEPT_LANGUAGE="en")
    body = response.json()
    assert (body["valid"], body["kind"], body["reason"]) == (
        False,
        "channel",
        "This code is not valid in store.",
    )
    unknown = api.post(VALIDATE, basket(code="NOPE"), HTTP_ACCEPT_LANGUAGE="en").json()
    assert (unknown["valid"], unknown["kind"]) == (False, "unknown")


def test_validate_bad_input_names_the_field(api, world):
    response = api.post(VALIDATE, basket(lines=[]))
    assert response.status_code == 400
    response = api.post(VALIDATE, basket(location="NOWHERE"))
    assert response.status_code == 400
    assert "location" in str(response.json())


def test_permission_matrix_validate(client_for, anonymous, staff, save10):
    assert_permission_matrix(
        method="post",
        url=VALIDATE,
        data=basket(),
        scope=ApiScope.PROMOTIONS_READ,
        client_for=client_for,
        anonymous=anonymous,
        staff=staff,
    )


def test_permission_matrix_promotions_read(client_for, anonymous, staff, save10):
    assert_permission_matrix(
        method="get",
        url=PROMOTIONS,
        scope=ApiScope.PROMOTIONS_READ,
        client_for=client_for,
        anonymous=anonymous,
        staff=staff,
    )


def test_promotions_list_and_its_queries_do_not_grow(api, world):
    def count():
        with CaptureQueriesContext(connection) as queries:
            response = api.get(PROMOTIONS)
        assert response.status_code == 200
        return len(queries), response.json()

    promotion(name="One", benefit="percent_off", value=10, stores=[world["spr"]])
    count()  # warms the key's per-process caches
    few, _ = count()
    for i in range(9):
        promotion(
            name=f"P{i}", benefit="percent_off", value=5, categories=[world["product"].category]
        )
    many, body = count()
    assert many == few
    first = next(p for p in body["results"] if p["name"] == "One")
    assert first["store_codes"] == ["SPR"]
    assert first["value"] == "10.00"


def test_a_pos_sale_with_a_code_carries_its_discounts(api, save10):
    response = api.post(ORDERS, pos_sale(codes=["save10"]))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["discount_total"] == "15.70"  # 10% of 2 × 49 + 59
    navy = next(line for line in body["lines"] if line["sku"] == "SHIRT-NAVY-M")
    assert navy["discount_total"] == "9.80"
    assert navy["discounts"] == [
        {
            "promotion_id": save10.pk,
            "voucher_id": Voucher.objects.get(code="SAVE10").pk,
            "code": "SAVE10",
            "label": "10% next visit",
            "amount": "9.80",
        }
    ]
    assert Voucher.objects.get(code="SAVE10").used_count == 1


def test_a_retry_with_the_same_idempotency_key_counts_the_code_once(api, save10):
    first = api.post(ORDERS, pos_sale(codes=["SAVE10"]), key="retry-1")
    again = api.post(ORDERS, pos_sale(codes=["SAVE10"]), key="retry-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert Order.objects.count() == 1
    assert Voucher.objects.get(code="SAVE10").used_count == 1


def test_a_code_that_does_not_apply_is_400_and_writes_nothing(api, world):
    p = promotion(name="Big", trigger="code", benefit="percent_off", value=10, min_amount=D("1000"))
    code_for(p, "BIG")
    response = api.post(ORDERS, pos_sale(codes=["BIG"]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert error_of(response)["code"] == "code_not_applicable"
    assert "$1,000.00" in str(response.json())
    assert Order.objects.count() == 0


def test_a_manual_discount_needs_its_scope(client_for, world, settings):
    settings.OMNI_MAX_MANUAL_DISCOUNT_PERCENT = "20"
    manual = {"percent": "10", "reason": "Damaged box"}
    without = client_for(scopes=[ApiScope.ORDERS_WRITE])
    response = without.post(ORDERS, pos_sale(manual_discount=manual))
    assert response.status_code == 403
    assert error_of(response)["code"] == "insufficient_scope"
    assert Order.objects.count() == 0

    allowed = client_for(scopes=[ApiScope.ORDERS_WRITE, ApiScope.ORDERS_DISCOUNT])
    response = allowed.post(ORDERS, pos_sale(manual_discount=manual))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["discount_total"] == "15.70"
    assert body["lines"][0]["discounts"][0]["label"] == "Manual discount: Damaged box"


@pytest.mark.parametrize(
    "manual",
    [
        {"percent": "25", "reason": "Friend"},
        {"percent": "-5", "reason": "x"},
        {"percent": "101", "reason": "x"},
        {"amount": "100", "reason": "Too much"},
        {"percent": "5"},
        {"percent": "5", "amount": "1", "reason": "both"},
    ],
)
def test_a_manual_discount_over_the_bound_or_malformed_is_400(api, world, settings, manual):
    settings.OMNI_MAX_MANUAL_DISCOUNT_PERCENT = "20"
    response = api.post(ORDERS, pos_sale(manual_discount=manual))
    assert response.status_code == 400, response.json()
    assert Order.objects.count() == 0


def test_orders_list_queries_do_not_grow_with_discounts(api, save10, world):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert api.get(ORDERS).status_code == 200
        return len(queries)

    one_line = [{"sku": "SHIRT-NAVY-M", "quantity": 1}]
    api.post(ORDERS, pos_sale(codes=["SAVE10"], lines=one_line, external_reference="A"))
    count()
    few = count()
    for i in range(2):
        api.post(ORDERS, pos_sale(codes=["SAVE10"], lines=one_line, external_reference=f"B{i}"))
    assert count() == few
    assert f.OrderFactory._meta.model.objects.count() == 3
