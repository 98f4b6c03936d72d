"""The API's order create takes the QR and cash-on-delivery methods (a marketplace or a
social shop selling in Bangkok), and the QR provider's callback lives under /api/v1/ with
the one error body and no API key (it is signed instead)."""

from __future__ import annotations

import pytest

from tests.api.conftest import error_of

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/orders/"
ADDRESS = {"name": "Ana", "line1": "1 Capitol Ave", "city": "Springfield", "postcode": "62701"}


def web_order(method: str, fulfilment: dict, reference: str) -> dict:
    return {
        "channel": "social",
        "customer": {"email": "ana@example.com"},
        "lines": [{"sku": "SHIRT-NAVY-M", "quantity": 1}],
        "payment": {"method": method},
        "fulfilment": fulfilment,
        "external_reference": reference,
    }


def test_an_order_paid_cash_on_delivery_is_pending_until_delivered(api, world):
    response = api.post(ORDERS, web_order("cod", {"type": "ship", "address": ADDRESS}, "S-1"))
    assert response.status_code == 201, response.json()
    payment = response.json()["payments"][0]
    assert (payment["provider"], payment["status"]) == ("cod", "pending")


def test_cash_on_delivery_for_a_pickup_is_refused(api, world):
    response = api.post(ORDERS, web_order("cod", {"type": "pickup", "store": "SPR"}, "S-2"))
    assert response.status_code == 400
    assert error_of(response)["code"] == "checkout_invalid"


def test_a_qr_order_is_pending_with_the_providers_reference(api, world):
    response = api.post(ORDERS, web_order("qr", {"type": "pickup", "store": "SPR"}, "S-3"))
    assert response.status_code == 201, response.json()
    payment = response.json()["payments"][0]
    assert payment["provider"] == "qr_test" and payment["status"] == "pending"
    assert payment["provider_reference"].startswith("qr_")


def test_the_callback_needs_no_key_but_a_signature(client, settings):
    settings.OMNI_QR_CALLBACK_SECRET = "s3cret"
    response = client.post("/api/v1/payments/qr/callback/", b"{}", content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_signature"


def test_without_a_secret_every_callback_is_refused(client, settings):
    settings.OMNI_QR_CALLBACK_SECRET = ""
    response = client.post(
        "/api/v1/payments/qr/callback/",
        b"{}",
        content_type="application/json",
        HTTP_X_OMNI_SIGNATURE="sha256=",
    )
    assert response.status_code == 400 and error_of(response)["code"] == "bad_signature"
