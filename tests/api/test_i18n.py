"""The API in the caller's language and with native digits: ``detail`` and the field
messages follow Accept-Language while ``code`` stays the same; a customer's language is
set and validated through the API; Persian and Thai digits in quantities, phone numbers,
postcodes and card numbers mean the ASCII digits."""

from __future__ import annotations

import pytest

from customers.models import Customer
from orders.models import Order
from tests.api.conftest import error_of
from tests.api.test_orders import ADDRESS, ORDERS, on_hand, pos_sale
from tests.catalogue import translated

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/v1/customers/"


def test_the_same_validation_error_in_thai_and_english_has_one_code(api, world):
    body = {"email": "new@example.com", "language": "xx"}
    english = api.post(CUSTOMERS, body, HTTP_ACCEPT_LANGUAGE="en")
    thai = api.post(CUSTOMERS, body, HTTP_ACCEPT_LANGUAGE="th")
    assert english.status_code == thai.status_code == 400
    en_error, th_error = error_of(english)["errors"][0], error_of(thai)["errors"][0]
    assert (en_error["field"], en_error["code"]) == (th_error["field"], th_error["code"])
    assert en_error["code"] == "invalid_choice"
    assert en_error["message"] == '"xx" is not a valid choice.'
    # DRF ships Thai: the message for people is translated, the code is not.
    assert th_error["message"] != en_error["message"]
    assert "xx" in th_error["message"]
    assert english["Content-Language"] == "en" and thai["Content-Language"] == "th"


def test_authentication_errors_are_translated_too(anonymous):
    english = anonymous.get(CUSTOMERS, HTTP_ACCEPT_LANGUAGE="en")
    persian = anonymous.get(CUSTOMERS, HTTP_ACCEPT_LANGUAGE="fa-IR,fa;q=0.9")
    assert english.status_code == persian.status_code
    assert error_of(english)["code"] == error_of(persian)["code"]
    assert error_of(english)["detail"] != error_of(persian)["detail"]


def test_the_api_is_never_redirected_to_a_language_prefix(api, world):
    response = api.get(CUSTOMERS, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200


def test_a_customer_is_created_with_their_language(api, world):
    response = api.post(CUSTOMERS, {"email": "noor@example.com", "language": "fa"})
    assert response.status_code == 201, response.json()
    assert response.json()["language"] == "fa"
    assert Customer.objects.get(email="noor@example.com").language == "fa"
    # Without one: the shop's default.
    other = api.post(CUSTOMERS, {"email": "bo@example.com"})
    assert other.json()["language"] == "en"


def test_a_customers_language_can_be_changed_and_is_validated(api, world):
    customer_id = api.post(CUSTOMERS, {"email": "noor@example.com"}).json()["id"]
    changed = api.patch(f"{CUSTOMERS}{customer_id}/", {"language": "vi"})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["language"] == "vi"
    refused = api.patch(f"{CUSTOMERS}{customer_id}/", {"language": "klingon"})
    assert refused.status_code == 400
    assert error_of(refused)["errors"][0]["field"] == "language"


# --- native digits ------------------------------------------------------------------------


def test_a_pos_sale_typed_in_persian_digits(api, world):
    sale = pos_sale(
        customer={"email": "ana@example.com", "phone": "(۲۱۷) ۵۵۵-۰۱۰۰", "first_name": "Ana"},
        lines=[{"sku": "SHIRT-NAVY-M", "quantity": "۲"}],
    )
    response = api.post(ORDERS, sale)
    assert response.status_code == 201, response.json()
    assert on_hand(world["navy"], world["spr"]) == 3
    assert Customer.objects.get(email="ana@example.com").phone == "+12175550100"


def test_a_shipped_order_with_thai_digits_in_the_postcode_and_the_card(api, world):
    sale = pos_sale(
        channel="web",
        location=None,
        associate=None,
        fulfilment={"type": "ship", "address": {**ADDRESS, "postcode": "๖๒๗๐๑"}},
        payment={"method": "card", "card_number": "๔๒๔๒ ๔๒๔๒ ๔๒๔๒ ๔๒๔๒"},
        lines=[{"sku": "SHIRT-NAVY-M", "quantity": "๑"}],
        external_reference="",
    )
    sale = {k: v for k, v in sale.items() if v is not None}
    response = api.post(ORDERS, sale)
    assert response.status_code == 201, response.json()
    order = Order.objects.get(number=response.json()["number"])
    assert order.shipping_address["postcode"] == "62701"
    assert order.payments.get().card_last4 == "4242"


def test_a_lookup_by_phone_in_arabic_indic_digits(api, world):
    api.post(CUSTOMERS, {"email": "noor@example.com", "phone": "2175550100"})
    response = api.get(f"{CUSTOMERS}lookup/", {"phone": "٢١٧٥٥٥٠١٠٠"})
    assert response.status_code == 200
    assert [c["email"] for c in response.json()["results"]] == ["noor@example.com"]


def test_free_text_in_another_script_keeps_its_digits(api, world):
    customer_id = api.post(CUSTOMERS, {"email": "noor@example.com"}).json()["id"]
    response = api.patch(f"{CUSTOMERS}{customer_id}/", {"first_name": "نور ۲"})
    assert response.status_code == 200
    assert response.json()["first_name"] == "نور ۲"


def test_our_own_validation_error_in_thai_and_english_has_one_code_and_two_details(api, world):
    """Omni's own messages (not only DRF's) follow Accept-Language; the catalogue's Thai is
    stood in for by a test-only one until the translators fill locale/th."""
    thai = {
        "Some fields are not valid; see errors.": "บางช่องไม่ถูกต้อง ดูที่ errors",
        "Unknown location “%(code)s”.": "ไม่รู้จักสาขา “%(code)s”",
    }
    with translated("th", thai):
        english = api.post(ORDERS, pos_sale(location="NOPE"), HTTP_ACCEPT_LANGUAGE="en")
        in_thai = api.post(ORDERS, pos_sale(location="NOPE"), HTTP_ACCEPT_LANGUAGE="th")
    assert english.status_code == in_thai.status_code == 400
    en_body, th_body = error_of(english), error_of(in_thai)
    assert en_body["code"] == th_body["code"] == "invalid"
    assert en_body["detail"] == "Some fields are not valid; see errors."
    assert th_body["detail"] == "บางช่องไม่ถูกต้อง ดูที่ errors"
    en_error, th_error = en_body["errors"][0], th_body["errors"][0]
    assert (en_error["field"], en_error["code"]) == (th_error["field"], th_error["code"])
    assert en_error["code"] == "unknown_location"
    assert en_error["message"] == "Unknown location “NOPE”."
    assert th_error["message"] == "ไม่รู้จักสาขา “NOPE”"


STOCK_THAI = {
    "Unknown SKU “%(sku)s”.": "ไม่รู้จัก SKU “%(sku)s”",
    "Stock cannot go below zero or below what is reserved.": "สต็อกติดลบหรือต่ำกว่าที่จองไว้ไม่ได้",
}


def test_a_stock_field_error_and_a_domain_refusal_in_thai_keep_their_codes(api, world):
    unknown = {"sku": "NOPE", "location": "SPR", "delta": -1, "reason": "damage"}
    too_many = {"sku": "SHIRT-NAVY-M", "location": "SPR", "delta": -6, "reason": "theft"}
    with translated("th", STOCK_THAI):
        field = api.post("/api/v1/stock/adjustments/", unknown, HTTP_ACCEPT_LANGUAGE="th")
        refused = api.post("/api/v1/stock/adjustments/", too_many, HTTP_ACCEPT_LANGUAGE="th")
    english = api.post("/api/v1/stock/adjustments/", unknown, HTTP_ACCEPT_LANGUAGE="en")
    th_error, en_error = error_of(field)["errors"][0], error_of(english)["errors"][0]
    assert th_error["message"] == "ไม่รู้จัก SKU “NOPE”"
    assert en_error["message"] == "Unknown SKU “NOPE”."
    assert th_error["code"] == en_error["code"] == "unknown_variant"
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "insufficient_stock"
    assert error_of(refused)["detail"] == "สต็อกติดลบหรือต่ำกว่าที่จองไว้ไม่ได้"
