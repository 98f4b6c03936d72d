"""Schema = behaviour (issue 12): one real, successful call of every operation in the
OpenAPI schema, made through the live WSGI app with valid data, and its response checked
against what the schema documents (body shape, status code, content type). Schemathesis'
generated cases (test_schema.py) mostly find the 4xx answers; this walks the 2xx ones.

An operation added to the API without a real call here fails
``test_every_operation_has_a_real_call`` so the list stays complete.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories as f
from tests.api.conftest import ALL_SCOPES
from tests.api.test_schema import keep_the_test_connection, schema  # noqa: F401

pytestmark = pytest.mark.django_db

ADDRESS = {"name": "Ana", "line1": "1 Capitol Ave", "city": "Springfield", "postcode": "62701"}
CHECKS = [response_schema_conformance, status_code_conformance, content_type_conformance]


def _sale(**overrides) -> dict:
    return {
        "channel": "store",
        "location": "SPR",
        "associate": "E-SPR",
        "customer": {"email": "ana@example.com", "first_name": "Ana"},
        "lines": [{"sku": "SHIRT-NAVY-M", "quantity": 2}],
        "payment": {"method": "external", "reference": "TILL-1"},
        "external_reference": "POS-SCHEMA-1",
    } | overrides


# (method, path, builder): the builder gets what earlier calls made and returns the
# request's parts; the calls run in this order, each seeing the ones before.
CALLS = [
    ("GET", "/api/v1/locations/", lambda m: {}),
    ("GET", "/api/v1/locations/{code}/", lambda m: {"path": {"code": "SPR"}}),
    ("GET", "/api/v1/products/", lambda m: {}),
    (
        "POST",
        "/api/v1/products/",
        lambda m: {
            "body": {
                "name": "Merino Crew",
                "category": m["category"].slug,
                "variants": [{"sku": "MC-GREY-S", "size": "S", "price": {"amount": "89.00"}}],
            }
        },
    ),
    ("GET", "/api/v1/products/{id}/", lambda m: {"path": {"id": m["product_id"]}}),
    (
        "PATCH",
        "/api/v1/products/{id}/",
        lambda m: {"path": {"id": m["product_id"]}, "body": {"name": "Merino Crew II"}},
    ),
    ("GET", "/api/v1/variants/", lambda m: {}),
    (
        "POST",
        "/api/v1/variants/",
        lambda m: {
            "body": {
                "product": m["product_id"],
                "sku": "MC-GREY-M",
                "size": "M",
                "price": {"amount": "89.00"},
            }
        },
    ),
    ("GET", "/api/v1/variants/{id}/", lambda m: {"path": {"id": m["variant_id"]}}),
    (
        "PATCH",
        "/api/v1/variants/{id}/",
        lambda m: {"path": {"id": m["variant_id"]}, "body": {"colour": "Grey"}},
    ),
    ("GET", "/api/v1/variants/lookup/", lambda m: {"query": {"code": "SHIRT-NAVY-M"}}),
    ("GET", "/api/v1/stock/", lambda m: {}),
    (
        "POST",
        "/api/v1/stock/adjustments/",
        lambda m: {
            "body": {"sku": "SHIRT-NAVY-M", "location": "SPR", "delta": 4, "reason": "receive"}
        },
    ),
    (
        "POST",
        "/api/v1/stock/counts/",
        lambda m: {"body": {"location": "PEO", "rows": [{"sku": "SHIRT-NAVY-M", "counted": 3}]}},
    ),
    ("GET", "/api/v1/stock/movements/", lambda m: {}),
    (
        "GET",
        "/api/v1/availability/",
        lambda m: {"query": {"store": "SPR", "sku": "SHIRT-NAVY-M,SHIRT-WHITE-M"}},
    ),
    (
        "POST",
        "/api/v1/customers/",
        lambda m: {"body": {"email": "lee@example.com", "first_name": "Lee"}},
    ),
    ("GET", "/api/v1/customers/", lambda m: {}),
    ("GET", "/api/v1/customers/{id}/", lambda m: {"path": {"id": m["customer_id"]}}),
    (
        "PATCH",
        "/api/v1/customers/{id}/",
        lambda m: {"path": {"id": m["customer_id"]}, "body": {"last_name": "Park"}},
    ),
    (
        "POST",
        "/api/v1/customers/{id}/consent/",
        lambda m: {
            "path": {"id": m["customer_id"]},
            "body": {"channel": "sms", "state": "marketing"},
        },
    ),
    ("GET", "/api/v1/customers/{id}/timeline/", lambda m: {"path": {"id": m["customer_id"]}}),
    ("GET", "/api/v1/customers/lookup/", lambda m: {"query": {"email": "lee@example.com"}}),
    ("POST", "/api/v1/orders/", lambda m: {"body": _sale()}),
    ("GET", "/api/v1/orders/", lambda m: {}),
    ("GET", "/api/v1/orders/{id}/", lambda m: {"path": {"id": m["order_id"]}}),
    ("GET", "/api/v1/fulfilments/", lambda m: {}),
    ("GET", "/api/v1/fulfilments/{id}/", lambda m: {"path": {"id": m["fulfilment_id"]}}),
    (
        "POST",
        "/api/v1/fulfilments/{id}/status/",
        lambda m: {"path": {"id": m["fulfilment_id"]}, "body": {"status": "picking"}},
    ),
    (
        "POST",
        "/api/v1/orders/{id}/cancel/",
        lambda m: {"path": {"id": m["shipped_order_id"]}, "body": {"reason": "changed mind"}},
    ),
    (
        "POST",
        "/api/v1/returns/check/",
        lambda m: {
            "body": {
                "order": m["order_number"],
                "lines": [{"sku": "SHIRT-NAVY-M", "quantity": 1, "reason": "too_small"}],
            }
        },
    ),
    (
        "POST",
        "/api/v1/returns/",
        lambda m: {
            "body": {
                "order": m["order_number"],
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
            }
        },
    ),
    ("GET", "/api/v1/returns/", lambda m: {}),
    ("GET", "/api/v1/returns/{id}/", lambda m: {"path": {"id": m["return_id"]}}),
    (
        "POST",
        "/api/v1/webhooks/",
        lambda m: {"body": {"url": "https://pos.example.com/hooks", "events": ["stock.changed"]}},
    ),
    ("GET", "/api/v1/webhooks/", lambda m: {}),
    ("GET", "/api/v1/webhooks/{id}/", lambda m: {"path": {"id": m["webhook_id"]}}),
    (
        "PATCH",
        "/api/v1/webhooks/{id}/",
        lambda m: {"path": {"id": m["webhook_id"]}, "body": {"events": ["*"]}},
    ),
    ("GET", "/api/v1/webhooks/{id}/deliveries/", lambda m: {"path": {"id": m["webhook_id"]}}),
    ("DELETE", "/api/v1/webhooks/{id}/", lambda m: {"path": {"id": m["webhook_id"]}}),
    (
        "POST",
        "/api/v1/transfers/",
        lambda m: {
            "body": {
                "source": "IND",
                "destination": "SPR",
                "lines": [{"sku": "SHIRT-NAVY-M", "quantity": 2}],
            }
        },
    ),
    ("GET", "/api/v1/transfers/", lambda m: {}),
    ("GET", "/api/v1/transfers/{id}/", lambda m: {"path": {"id": m["transfer_id"]}}),
    (
        "POST",
        "/api/v1/transfers/{id}/ship/",
        lambda m: {
            "path": {"id": m["transfer_id"]},
            "body": {"lines": [{"sku": "SHIRT-NAVY-M", "quantity": 2}]},
        },
    ),
    (
        "POST",
        "/api/v1/transfers/{id}/receive/",
        lambda m: {
            "path": {"id": m["transfer_id"]},
            "body": {"lines": [{"sku": "SHIRT-NAVY-M", "received": 2}]},
        },
    ),
]

QR_SECRET = "schema-walk-qr-secret"


def _qr_paid(made: dict) -> dict:
    """A QR pickup order placed through checkout, and the provider's signed confirmation
    of its payment (the signature is over the exact bytes sent)."""
    from orders import services
    from stores.models import Location

    order = services.order_place(
        services.OrderRequest(
            lines=[(made["navy_id"], 1)],
            fulfilment=services.PickupAt(store=Location.objects.get(code="SPR")),
            payment=services.PaymentChoice.qr(),
            contact=services.Contact(email="qr@example.com"),
        )
    ).order
    payment = order.payments.get()
    body = json.dumps(
        {"reference": payment.provider_reference, "amount": str(payment.amount), "currency": "USD"}
    ).encode()
    signature = hmac.new(QR_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"body": body, "headers": {"X-Omni-Signature": f"sha256={signature}"}}


CALLS.append(("POST", "/api/v1/payments/qr/callback/", _qr_paid))
# The numbers' rollups (empty in this shop, but the shape is the schema's).
CALLS += [
    ("GET", f"/api/v1/reports/{name}/", lambda m: {})
    for name in ("sales", "returns", "categories", "associates")
]


def _promotion_id(made) -> dict:
    from promotions.models import Promotion
    from promotions.services import voucher_create

    promotion = Promotion.objects.create(
        name="10% next visit", trigger=Promotion.Trigger.CODE, value=10
    )
    voucher_create(promotion=promotion, code="SCHEMA10")
    made["promotion_id"] = promotion.pk
    return {}


CALLS += [
    ("GET", "/api/v1/promotions/", _promotion_id),
    ("GET", "/api/v1/promotions/{id}/", lambda m: {"path": {"id": m["promotion_id"]}}),
    (
        "POST",
        "/api/v1/vouchers/validate/",
        lambda m: {
            "body": {
                "code": "schema10",
                "channel": "store",
                "location": "SPR",
                "lines": [{"sku": "SHIRT-NAVY-M", "quantity": 1}],
            }
        },
    ),
]

# What a created row is remembered as, for the calls after it.
REMEMBER = {
    ("POST", "/api/v1/products/"): "product_id",
    ("POST", "/api/v1/variants/"): "variant_id",
    ("POST", "/api/v1/customers/"): "customer_id",
    ("POST", "/api/v1/returns/"): "return_id",
    ("POST", "/api/v1/webhooks/"): "webhook_id",
    ("POST", "/api/v1/transfers/"): "transfer_id",
}


def test_every_operation_has_a_real_call():
    documented = {
        (operation.method.upper(), operation.path)
        for result in schema.get_all_operations()
        for operation in [result.ok()]
    }
    called = {(method, path) for method, path, _ in CALLS}
    assert documented - called == set(), "operations without a real call here"
    assert called - documented == set(), "calls of operations the schema does not document"


def test_availability_is_documented_as_the_object_it_returns():
    operation = schema["/api/v1/availability/"]["GET"]
    documented = operation.definition.raw["responses"]["200"]["content"]["application/json"]
    ref = documented["schema"]["$ref"].rsplit("/", 1)[-1]
    component = schema.raw_schema["components"]["schemas"][ref]
    assert component["type"] == "object"
    assert {"store", "results"} <= set(component["properties"])


def test_one_real_response_of_every_operation_conforms_to_its_schema(
    world,
    api_key,
    settings,
    keep_the_test_connection,  # noqa: F811
):
    settings.OMNI_QR_CALLBACK_SECRET = QR_SECRET
    raw, _ = api_key(scopes=ALL_SCOPES, name="schema walk", rate_per_minute=1_000_000)
    made = {"category": f.CategoryFactory(slug="knitwear"), "navy_id": world["navy"].pk}
    # An order that ships (its fulfilment is moved and then the order cancelled).
    shipped = _sale(
        channel="marketplace",
        location=None,
        associate=None,
        fulfilment={"type": "ship", "address": ADDRESS},
        payment={"method": "external", "reference": "MKT-1"},
        external_reference="MKT-SCHEMA-1",
    )
    shipped = {k: v for k, v in shipped.items() if v is not None}
    headers = {"Authorization": f"Bearer {raw}"}
    for number, (method, path, build) in enumerate(CALLS):
        parts = build(made)
        kwargs = {"path_parameters": parts.get("path") or {}, "query": parts.get("query") or {}}
        if "body" in parts:
            kwargs["body"] = parts["body"]
            kwargs["media_type"] = "application/json"
        case = schema[path][method].Case(**kwargs)
        call_headers = {**headers, **(parts.get("headers") or {})}
        if method == "POST":
            call_headers["Idempotency-Key"] = f"schema-walk-{number}"
        response = case.call(headers=call_headers)
        assert 200 <= response.status_code < 300, (
            method,
            path,
            response.status_code,
            response.text,
        )
        case.validate_response(response, checks=CHECKS, headers=call_headers)
        body = response.json() if response.content else None
        if (method, path) in REMEMBER:
            made[REMEMBER[(method, path)]] = body["id"]
        if (method, path) == ("POST", "/api/v1/orders/"):
            made["order_id"], made["order_number"] = body["id"], body["number"]
            ship = schema["/api/v1/orders/"]["POST"].Case(
                body=shipped, media_type="application/json"
            )
            placed = ship.call(headers={**headers, "Idempotency-Key": "schema-walk-ship"})
            assert placed.status_code == 201, placed.text
            made["shipped_order_id"] = placed.json()["id"]
            made["fulfilment_id"] = placed.json()["fulfilments"][0]["id"]
