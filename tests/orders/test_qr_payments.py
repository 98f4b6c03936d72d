"""Payments people use in Bangkok, Hanoi, Manila and Tehran, through the surfaces that
drive them: the storefront checkout offering the market's methods in its order, a QR
(PromptPay) order paid by the provider's signed callback or confirmed by an associate in
the back-office, a QR code nobody paid (the order cancelled, the stock back on sale),
cash on delivery captured when the parcel is delivered — and the EMVCo payload with its
CRC, checked against published PromptPay codes."""

from __future__ import annotations

import hashlib
import hmac
import json
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from customers.models import Interaction
from inventory.models import Reservation
from omni.markets import build_market
from omni.templatetags.money import money
from orders import services
from orders.models import Fulfilment, Order, Payment
from orders.services.qr_payload import (
    crc16_ccitt,
    emv_fields,
    promptpay_id,
    qr_payment_payload,
)
from tests import factories as f
from tests.orders.helpers import later
from tests.shop_data import make_shop

SECRET = "test-qr-secret"
CALLBACK = "/api/v1/payments/qr/callback/"
# A Bangkok address in the Thai form (subdistrict, district, province): the shop is Thai.
ADDRESS = {
    "line1": "99 Silom Road",
    "area": "Suriyawong",
    "city": "Bang Rak",
    "region": "Bangkok",
    "postcode": "10110",
}
CARD = {
    "card_number": "4242 4242 4242 4242",
    "card_name": "Ana Shopper",
    "card_expiry": "12/40",
    "card_cvc": "123",
}


# --- the payload --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload_without_crc, crc",
    [
        # Published PromptPay codes (the promptpay-qr reference library's test cases).
        ("00020101021129370016A000000677010111011300668999999995802TH53037646304", "FE29"),
        ("00020101021129370016A000000677010111011300660000000005802TH53037646304", "8956"),
        (
            "00020101021229370016A000000677010111011300668123456785802TH53037645406100.006304",
            "BB8A",
        ),
        # CRC-16/CCITT-FALSE's own check value.
        ("123456789", "29B1"),
    ],
)
def test_crc_matches_published_promptpay_codes(payload_without_crc, crc):
    assert crc16_ccitt(payload_without_crc) == crc


def test_a_thai_payload_is_a_dynamic_promptpay_code_for_the_amount():
    payload = qr_payment_payload(
        amount=Decimal("1234.50"),
        currency="THB",
        decimals=2,
        country="TH",
        merchant_id="081-234-5678",
        merchant_name="Omni Bangkok Co., Ltd.",
        merchant_city="Bangkok",
        reference="W0000042",
    )
    fields = emv_fields(payload)
    assert fields["00"] == "01" and fields["01"] == "12"
    assert fields["29"] == "0016A000000677010111" + "01130066812345678"
    assert (fields["53"], fields["54"], fields["58"]) == ("764", "1234.50", "TH")
    assert fields["59"] == "Omni Bangkok Co., Ltd." and fields["60"] == "Bangkok"
    assert fields["62"] == "0508W0000042"
    assert payload.endswith("6304" + fields["63"])
    assert crc16_ccitt(payload[:-4]) == fields["63"]


def test_a_tax_id_is_promptpay_sub_tag_02_and_a_bad_id_is_refused():
    assert promptpay_id("0105556123456") == ("02", "0105556123456")
    assert promptpay_id("+66 81 234 5678") == ("01", "0066812345678")
    with pytest.raises(ValueError):
        promptpay_id("12345")


@pytest.mark.parametrize(
    "currency, decimals, country, amount, numeric, text",
    [
        ("VND", 0, "VN", Decimal("530000"), "704", "530000"),
        ("PHP", 2, "PH", Decimal("1499.75"), "608", "1499.75"),
        ("IRR", 0, "IR", Decimal("31500000"), "364", "31500000"),
    ],
)
def test_other_markets_get_the_same_emvco_shape_with_a_generic_account(
    currency, decimals, country, amount, numeric, text
):
    payload = qr_payment_payload(
        amount=amount,
        currency=currency,
        decimals=decimals,
        country=country,
        merchant_id="MERCHANT-7",
        merchant_name="Cửa hàng Omni",
        merchant_city="Hồ Chí Minh",
    )
    fields = emv_fields(payload)
    assert "29" not in fields and fields["26"] == "0011OMNI.TESTQR" + "0110MERCHANT-7"
    assert (fields["53"], fields["54"], fields["58"]) == (numeric, text, country)
    # Names go in the common character set (accents folded).
    assert fields["59"] == "Cua hang Omni" and fields["60"] == "Ho Chi Minh"
    assert crc16_ccitt(payload[:-4]) == fields["63"]


# --- the storefront -------------------------------------------------------------------------


def market(code: str):
    # The pages' texts are asserted in English: the shopper here reads the market's
    # second language (Thai pages are the i18n tests' subject).
    return build_market(code, {"default_language": "en"})


@pytest.fixture
def thai(settings):
    settings.OMNI_MARKET_CONFIG = market("TH")
    settings.OMNI_CURRENCY = "THB"
    settings.OMNI_QR_CALLBACK_SECRET = SECRET
    settings.OMNI_QR_MERCHANT_ID = "0812345678"
    return settings


@pytest.fixture
def shop(db):
    return make_shop()


def add(client, variant, quantity=1):
    client.post("/cart/add/", {"variant": variant.pk, "quantity": quantity, "next": "/cart/"})


def checkout(client, **fields):
    data = {
        "email": "ana@example.com",
        "first_name": "Ana",
        "last_name": "Shopper",
        "fulfilment": "ship",
        "payment": "qr",
        **ADDRESS,
    }
    return client.post("/checkout/", {**data, **fields})


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def callback(client, payment, *, amount=None, secret=SECRET, reference=None, signature=None):
    body = json.dumps(
        {
            "reference": reference or payment.provider_reference,
            "amount": str(payment.amount if amount is None else amount),
            "currency": payment.currency,
            "transaction_id": "BANK-778899",
        }
    ).encode()
    return client.post(
        CALLBACK,
        body,
        content_type="application/json",
        HTTP_X_OMNI_SIGNATURE=sign(body, secret) if signature is None else signature,
    )


def radios(body: str) -> list[str]:
    import re

    return re.findall(r'<input type="radio" name="payment" value="([a-z_]+)"', body)


@pytest.mark.django_db
def test_each_market_offers_its_methods_in_its_order(client, shop, settings):
    add(client, shop.variant())
    assert radios(client.get("/checkout/").content.decode()) == ["card", "store"]
    settings.OMNI_MARKET_CONFIG = market("TH")
    body = client.get("/checkout/").content.decode()
    assert radios(body) == ["qr", "card", "cod", "store"]
    assert "PromptPay / bank app QR" in body and "Cash on delivery" in body
    # The first method is the one chosen until the shopper picks another.
    assert '<input type="radio" name="payment" value="qr" checked>' in body
    assert 'value="cod" data-only-for="ship"' in body
    assert 'value="store" data-only-for="pickup"' in body
    settings.OMNI_MARKET_CONFIG = market("VN")
    body = client.get("/checkout/").content.decode()
    assert radios(body) == ["cod", "qr", "card", "store"] and "QR (bank app)" in body


@pytest.mark.django_db
def test_a_market_without_a_method_refuses_it(client, shop):
    add(client, shop.variant())
    response = checkout(client, payment="qr")
    assert response.status_code == 400
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_qr_checkout_shows_the_code_and_a_signed_callback_completes_it(
    client, thai, shop, django_capture_on_commit_callbacks
):
    add(client, shop.variant(), quantity=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = checkout(client)
    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == f"/checkout/pay/{order.number}/"
    payment = order.payments.get()
    assert (payment.provider, payment.status, payment.currency) == ("qr_test", "pending", "THB")
    assert payment.expires_at is not None and payment.provider_reference.startswith("qr_")
    # Placed like any order: its units are held; the confirmation waits for the money.
    held = Reservation.objects.filter(reference_type="orders.order", reference_id=str(order.pk))
    assert sum(r.quantity for r in held) == 2
    assert not [m for m in mail.outbox if order.number in m.subject + m.body]

    page = client.get(response.url)
    body = page.content.decode()
    assert page.status_code == 200
    assert money(order.total, "THB") in body and "<svg" in body
    assert 'hx-trigger="every 3s"' in body and "Open your banking app" in body

    # A forged or broken callback changes nothing.
    assert callback(client, payment, secret="wrong").status_code == 400
    bad = callback(client, payment, secret="wrong").json()
    assert bad["code"] == "bad_signature" and bad["type"] == "domain_error"
    assert callback(client, payment, signature="").json()["code"] == "bad_signature"
    unknown = callback(client, payment, reference="qr_nobody")
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_reference"
    short = callback(client, payment, amount=payment.amount - 1)
    assert short.status_code == 400 and short.json()["code"] == "amount_mismatch"
    garbage = client.post(
        CALLBACK,
        b"not json",
        content_type="application/json",
        HTTP_X_OMNI_SIGNATURE=sign(b"not json"),
    )
    assert garbage.status_code == 400 and garbage.json()["code"] == "malformed_callback"
    payment.refresh_from_db()
    assert payment.status == "pending"

    # An amount no money has is refused like garbage, not a 500.
    huge = callback(client, payment, amount="1e100000")
    assert huge.status_code == 400 and huge.json()["code"] == "malformed_callback"

    reference = payment.provider_reference  # what the bank's callback carries
    with django_capture_on_commit_callbacks(execute=True):
        paid = callback(client, payment)
    assert paid.status_code == 200, paid.json()
    assert paid.json() == {
        "status": "captured",
        "order_number": order.number,
        "payment_id": payment.pk,
        "already_captured": False,
    }
    payment.refresh_from_db()
    assert payment.status == "captured" and payment.provider_reference == reference
    assert (
        Interaction.objects.get(summary_key="payment.qr_received").detail["transaction_id"]
        == "BANK-778899"
    )
    sent = [m for m in mail.outbox if order.number in m.subject + m.body]
    assert len(sent) == 1

    # A replay is answered the same way and changes nothing (no second email).
    # The bank sends the very same callback again (the reference it always had).
    with django_capture_on_commit_callbacks(execute=True):
        again = callback(client, payment, reference=reference)
    assert again.status_code == 200 and again.json()["already_captured"] is True
    assert len([m for m in mail.outbox if order.number in m.subject + m.body]) == 1
    assert Interaction.objects.filter(summary_key="payment.qr_received").count() == 1

    # The page moves on: HTMX is told to go to the confirmation, a reload is redirected.
    polled = client.get(f"/checkout/pay/{order.number}/", HTTP_HX_REQUEST="true")
    assert polled.headers["HX-Redirect"] == f"/checkout/done/{order.number}/"
    assert client.get(f"/checkout/pay/{order.number}/").url == f"/checkout/done/{order.number}/"
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED


@pytest.mark.django_db
def test_the_qr_page_is_only_for_the_shopper(client, thai, shop):
    add(client, shop.variant())
    checkout(client)
    order = Order.objects.get()
    from django.test import Client

    assert Client().get(f"/checkout/pay/{order.number}/").status_code == 404


@pytest.mark.django_db
def test_an_unpaid_code_expires_the_order_is_cancelled_and_the_stock_released(
    client, thai, shop, settings
):
    add(client, shop.variant())
    checkout(client)
    order = Order.objects.get()
    payment = order.payments.get()
    assert services.qr_payments_expire() == 0  # not yet
    assert services.qr_payments_expire(now=later(minutes=31)) == 1
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and payment.status == "voided"
    assert not Reservation.objects.filter(
        reference_type="orders.order", reference_id=str(order.pk), status="active"
    ).exists()
    assert services.qr_payments_expire(now=later(minutes=40)) == 0  # once
    late = callback(client, payment)
    assert late.status_code == 409 and late.json()["code"] == "payment_expired"
    body = client.get(f"/checkout/pay/{order.number}/").content.decode()
    assert "expired" in body and "hx-trigger" not in body
    assert "qr-payments-expire" in settings.CELERY_BEAT_SCHEDULE


@pytest.mark.django_db
def test_cash_on_delivery_is_captured_when_the_parcel_is_delivered(
    client, thai, shop, django_capture_on_commit_callbacks
):
    add(client, shop.variant())
    with django_capture_on_commit_callbacks(execute=True):
        response = checkout(client, payment="cod")
    order = Order.objects.get()
    assert response.url == f"/checkout/done/{order.number}/"
    payment = order.payments.get()
    assert (payment.provider, payment.status) == ("cod", "pending")
    # A COD order is confirmed at once: it is paid at the door.
    assert [m for m in mail.outbox if order.number in m.subject + m.body]
    assert "Cash on delivery" in client.get(response.url).content.decode()
    parcel = order.fulfilments.get()
    services.fulfilment_ship(fulfilment=parcel, tracking_number="TH123")
    payment.refresh_from_db()
    assert payment.status == "pending"
    services.fulfilment_deliver(fulfilment=parcel)
    payment.refresh_from_db()
    assert payment.status == "captured" and payment.amount == order.total


@pytest.mark.django_db
def test_cash_on_delivery_is_only_for_deliveries(client, thai, shop):
    add(client, shop.variant())
    response = checkout(
        client, payment="cod", fulfilment="pickup", store=shop.stores["springfield"].pk
    )
    assert response.status_code == 400
    assert "Cash on delivery is only for deliveries." in response.content.decode()
    with pytest.raises(services.CheckoutInvalid):
        services.order_place(
            services.OrderRequest(
                lines=[(shop.variant().pk, 1)],
                fulfilment=services.PickupAt(store_id=shop.stores["springfield"].pk),
                payment=services.PaymentChoice.cash_on_delivery(),
                contact=services.Contact(email="ana@example.com"),
            )
        )


@pytest.mark.django_db
def test_a_cancelled_cod_order_voids_its_payment(client, thai, shop):
    add(client, shop.variant())
    checkout(client, payment="cod")
    order = Order.objects.get()
    services.order_cancel(order=order, reason="Changed my mind")
    assert order.payments.get().status == "voided"


# --- the back-office ---------------------------------------------------------------------


@pytest.fixture
def associate(shop):
    return f.AssociateFactory(home_location=shop.stores["springfield"], display_name="Somchai")


@pytest.mark.django_db
def test_an_associate_confirms_a_qr_payment_for_a_pickup(
    client, thai, shop, associate, django_capture_on_commit_callbacks
):
    add(client, shop.variant())
    checkout(client, fulfilment="pickup", store=shop.stores["springfield"].pk)
    order = Order.objects.get()
    payment = order.payments.get()
    pickup = order.fulfilments.get(kind=Fulfilment.Kind.PICKUP)

    desk = type(client)()
    desk.force_login(associate.user)
    queue = desk.get(reverse("backoffice:pickup-queue")).content.decode()
    assert "Awaiting QR payment" in queue
    detail = desk.get(reverse("backoffice:pickup-detail", args=[pickup.pk])).content.decode()
    confirm_url = reverse("backoffice:qr-payment-confirm", args=[payment.pk])
    assert "Confirm QR payment received" in detail and confirm_url in detail and "<svg" in detail

    # Another store's associate cannot confirm it.
    stranger = f.AssociateFactory(home_location=shop.stores["peoria"])
    other = type(client)()
    other.force_login(stranger.user)
    assert other.post(confirm_url).status_code == 404
    # Nor can a shopper.
    assert client.post(confirm_url).status_code in (302, 403)

    with django_capture_on_commit_callbacks(execute=True):
        done = desk.post(
            confirm_url, {"next": reverse("backoffice:pickup-detail", args=[pickup.pk])}
        )
    assert done.status_code == 302 and done.url.endswith(f"/pickups/{pickup.pk}/")
    payment.refresh_from_db()
    assert payment.status == "captured"
    entry = Interaction.objects.get(summary_key="payment.qr_confirmed")
    assert entry.associate == associate and "Somchai" in entry.summary
    assert len([m for m in mail.outbox if order.number in m.subject + m.body]) == 1
    page = desk.get(done.url).content.decode()
    assert "Confirm QR payment received" not in page
    # A second click says so and changes nothing.
    desk.post(confirm_url)
    assert Interaction.objects.filter(summary_key="payment.qr_confirmed").count() == 1


@pytest.mark.django_db
def test_the_endless_aisle_offers_the_markets_methods_and_a_qr_order_is_paid_at_the_counter(
    client, thai, shop, associate
):
    desk = client
    desk.force_login(associate.user)
    aisle = desk.get(reverse("backoffice:aisle"))
    form = aisle.context["form"]
    assert [value for value, _ in form.fields["payment"].choices] == [
        "qr",
        "card",
        "cod",
        "pay_at_pickup",
    ]
    desk.post(reverse("backoffice:aisle"), {"action": "add", "variant": shop.variant().pk})
    refused = desk.post(
        reverse("backoffice:aisle"),
        {
            "action": "place",
            "email": "ana@example.com",
            "fulfilment": "pickup",
            "pickup_store": shop.stores["springfield"].pk,
            "payment": "cod",
        },
    )
    assert "Cash on delivery is only for deliveries." in refused.content.decode()
    placed = desk.post(
        reverse("backoffice:aisle"),
        {
            "action": "place",
            "email": "ana@example.com",
            "fulfilment": "pickup",
            "pickup_store": shop.stores["springfield"].pk,
            "payment": "qr",
        },
    )
    order = Order.objects.get()
    assert placed.url == reverse("backoffice:aisle-done", args=[order.number])
    done = desk.get(placed.url).content.decode()
    assert "Confirm QR payment received" in done and "<svg" in done
    payment = order.payments.get()
    desk.post(reverse("backoffice:qr-payment-confirm", args=[payment.pk]), {"next": placed.url})
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CAPTURED


@pytest.mark.django_db
def test_the_items_do_not_leave_before_the_qr_money_arrives(client, thai, shop, associate):
    add(client, shop.variant())
    checkout(client)
    parcel = Order.objects.get().fulfilments.get()
    with pytest.raises(services.InvalidTransition) as refused:
        services.fulfilment_ship(fulfilment=parcel, tracking_number="TH1")
    assert refused.value.code == "qr_payment_pending"

    other = type(client)()
    add(other, shop.variant())
    checkout(other, fulfilment="pickup", store=shop.stores["springfield"].pk)
    order = Order.objects.exclude(pk=parcel.order_id).get()
    pickup = order.fulfilments.get()
    services.fulfilment_ready(fulfilment=pickup)
    desk = type(client)()
    desk.force_login(associate.user)
    act = reverse("backoffice:pickup-action", args=[pickup.pk])
    said = desk.post(act, {"action": "collect", "code": order.number}, follow=True)
    assert "has not arrived yet" in said.content.decode()
    pickup.refresh_from_db()
    assert pickup.status == Fulfilment.Status.READY
    desk.post(reverse("backoffice:qr-payment-confirm", args=[order.payments.get().pk]))
    desk.post(act, {"action": "collect", "code": order.number})
    pickup.refresh_from_db()
    assert pickup.status == Fulfilment.Status.COLLECTED
