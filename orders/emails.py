"""Order emails, sent by the outbox after the change they follow has committed.

Each handler takes the outbox payload (ids only), re-fetches what it needs, sends through
``omni.email.email_send_once`` (at most once per order or pickup, whatever the retries)
and, only when the email actually went out, puts it on the customer's timeline. Templates:
``templates/emails/<kind>.html`` (extends ``emails/base.html``), ``<kind>.txt`` and
``<kind>_subject.txt``.

Registered in ``OrdersConfig.ready()``:

- ``email.order_confirmation`` {"order_id"}: the receipt, with the scannable order code
- ``email.pickup_ready`` {"fulfilment_id"}: come and collect, until when
- ``email.pickup_reminder`` {"fulfilment_id"}: the day before the hold ends
- ``email.pickup_expired`` {"fulfilment_id"}: not collected, items released, money back
- ``email.order_shipped`` {"fulfilment_id"}: a parcel left, carrier and tracking link
- ``email.refund_issued`` {"refund_id"}: a refund that is not a return's (those have theirs)
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone, translation

from customers.models import Channel, Interaction
from customers.services import interaction_record
from messaging.services import service_message_send
from omni.addresses import address_lines
from omni.calendars import format_datetime, store_local
from omni.email import absolute_url, email_send_once, email_sent_text, subject_values
from omni.models import EmailLog
from omni.money import format_money_lazy
from orders.models import Fulfilment, FulfilmentLine, Order, OrderLine, Payment, Refund
from orders.selectors import order_status_token, order_tax
from orders.services.numbers import order_code_data_uri
from stores.models import Location


def _local(moment: dt.datetime | None, location: Location | None) -> dt.datetime | None:
    """A time as the shopper reads it on the store's clock: the wall-clock time in the
    store's own time zone, without a zone, so the template's ``date`` filter formats it in
    the email's language (``DATETIME_FORMAT``) without moving it to the server's zone."""
    if moment is None:
        return None
    try:
        zone = ZoneInfo(location.timezone) if location is not None else None
    except (KeyError, ValueError):
        zone = None
    local = timezone.localtime(moment, zone) if zone else timezone.localtime(moment)
    return local.replace(tzinfo=None)


def _address(location: Location) -> str:
    parts = [
        location.address_line1,
        location.address_line2,
        " ".join(p for p in (location.city, location.region, location.postcode) if p),
    ]
    return ", ".join(p for p in parts if p)


def _first_store(order: Order) -> Location | None:
    """The store a pickup or carry-out happens at: its clock is the shopper's."""
    for fulfilment in order.fulfilments.all():
        if fulfilment.kind != Fulfilment.Kind.SHIP:
            return fulfilment.location
    return None


def order_url(order: Order) -> str:
    """Where "View your order" goes: a member's account page, else (a guest, with no
    login to use) the signed order-status link."""
    if order.customer_id and order.customer.user_id:
        return absolute_url(reverse("orders:account-order-detail", args=[order.number]))
    return absolute_url(reverse("orders:order-status", args=[order_status_token(order)]))


def _order_context(order: Order) -> dict[str, Any]:
    money = lambda amount: format_money_lazy(amount, order.currency)  # noqa: E731
    lines = [
        {
            "name": line.product_name,
            "variant": " / ".join(b for b in (line.colour, line.size) if b),
            "sku": line.sku,
            "quantity": line.quantity,
            "unit_price": money(line.unit_price),
            "line_total": money(line.line_total),
            "is_final_sale": line.is_final_sale,
        }
        for line in order.lines.all()
    ]
    fulfilments = [
        {
            "kind": f.kind,
            "kind_label": f.get_kind_display(),
            "location_name": f.location.name,
            "location_address": _address(f.location),
            "expected_ready": _local(f.expected_ready_at, f.location),
            "items": sum(fl.quantity for fl in f.lines.all()),
        }
        for f in order.fulfilments.all()
    ]
    pickup = next((f for f in fulfilments if f["kind"] == Fulfilment.Kind.PICKUP), None)
    address = order.shipping_address or {}
    tax = order_tax(order=order)
    return {
        "order": order,
        "number": order.number,
        "first_name": order.customer.first_name,
        "lines": lines,
        "subtotal": money(order.subtotal),
        "shipping_total": money(order.shipping_total),
        "discount_total": money(order.discount_total),
        "tax_total": money(order.tax_total),
        "total": money(order.total),
        "has_discount": bool(order.discount_total),
        # Sales tax is a row of its own in the total; VAT is inside the prices and shows
        # as the breakdown under the total.
        "has_tax": bool(order.tax_total) and not order.prices_include_tax,
        "vat_included": tax.shows_breakdown,
        "vat_rate": tax.single_rate,
        "vat_bands": [
            {
                "percent": band.percent,
                "net": money(band.net),
                "tax": money(band.tax),
                "gross": money(band.gross),
            }
            for band in tax.bands
        ],
        "seller_name": tax.seller_name,
        "seller_address": tax.seller_address,
        "seller_tax_id": tax.seller_tax_id,
        "free_shipping": not order.shipping_total,
        "fulfilments": fulfilments,
        "pickup": pickup,
        "ships": any(f["kind"] == Fulfilment.Kind.SHIP for f in fulfilments),
        "carried_out": all(f["kind"] == Fulfilment.Kind.CARRY_OUT for f in fulfilments),
        # As the address's country writes it (omni.addresses).
        "shipping_address": address_lines(address),
        "placed_at": _local(order.placed_at, order.location or _first_store(order)),
        "order_url": order_url(order),
        "order_code_uri": order_code_data_uri(order.number),
    }


def _fulfilment_context(fulfilment: Fulfilment) -> dict[str, Any]:
    order = fulfilment.order
    location = fulfilment.location
    return {
        "order": order,
        "number": order.number,
        "first_name": order.customer.first_name,
        "store_name": location.name,
        "store_address": _address(location),
        "store_phone": location.phone,
        "ready_at": _local(fulfilment.ready_at, location),
        "hold_until": _local(fulfilment.hold_until, location),
        "items": [
            {
                "name": fl.order_line.product_name,
                "variant": " / ".join(b for b in (fl.order_line.colour, fl.order_line.size) if b),
                "quantity": fl.quantity,
            }
            for fl in fulfilment.lines.all()
        ],
        "paid_in_store": order.payments.filter(provider="pay_in_store").exists(),
        "order_url": order_url(order),
        "order_code_uri": order_code_data_uri(order.number),
        "carrier": fulfilment.carrier_name,
        "tracking_number": fulfilment.tracking_number,
        "tracking_url": fulfilment.tracking_url,
    }


def _timeline(order: Order, log: EmailLog, kind: str, location: Location | None) -> None:
    interaction_record(
        customer=order.customer,
        kind=Interaction.Kind.EMAIL,
        channel=Channel.EMAIL,
        summary=email_sent_text(log),
        subject=order,
        location=location,
        detail={"email_kind": kind, "email_log_id": log.pk, "to": log.to, "number": order.number},
    )


def order_confirmation_send(payload: dict[str, Any]) -> EmailLog | None:
    """Outbox handler for ``email.order_confirmation``."""
    order = (
        Order.objects.select_related("customer", "location")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("pk")),
            Prefetch(
                "fulfilments",
                queryset=Fulfilment.objects.select_related("location").prefetch_related(
                    Prefetch("lines", queryset=FulfilmentLine.objects.order_by("pk"))
                ),
            ),
        )
        .filter(pk=payload["order_id"])
        .first()
    )
    if order is None or not order.email:
        return None
    log = email_send_once(
        kind="order_confirmation",
        object_type="orders.order",
        object_id=order.pk,
        to=order.email,
        context=(context := _order_context(order)),
        subject_params=subject_values(context, "number", "carried_out"),
        customer_id=order.customer_id,
        language=order.customer.language,
    )
    if log is not None:
        _timeline(order, log, "order_confirmation", order.location)
    return log


def _fulfilment_send(kind: str, payload: dict[str, Any]) -> EmailLog | None:
    fulfilment = (
        Fulfilment.objects.select_related("order__customer", "location")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=FulfilmentLine.objects.select_related("order_line").order_by("pk"),
            )
        )
        .filter(pk=payload["fulfilment_id"])
        .first()
    )
    if fulfilment is None:
        return None
    # One channel, the customer's choice: a text instead of the email, never both.
    if kind in SERVICE_TEXT_KINDS and fulfilment_service_text(kind, fulfilment) is not None:
        return None
    if not fulfilment.order.email:
        return None
    log = email_send_once(
        kind=kind,
        object_type="orders.fulfilment",
        object_id=fulfilment.pk,
        to=fulfilment.order.email,
        context=(context := _fulfilment_context(fulfilment)),
        subject_params=subject_values(context, "number", "store_name"),
        customer_id=fulfilment.order.customer_id,
        language=fulfilment.order.customer.language,
    )
    if log is not None:
        _timeline(fulfilment.order, log, kind, fulfilment.location)
    return log


SERVICE_TEXT_KINDS = ("pickup_ready", "pickup_reminder", "pickup_all_here")


def fulfilment_service_text(kind: str, fulfilment: Fulfilment):
    """The ``kind`` service text of a pickup when the customer gets service messages by
    text (``messaging.services.service_message_send``), else None: the caller emails."""
    order = fulfilment.order
    location = fulfilment.location
    with translation.override(order.customer.language or None):
        until = format_datetime(store_local(fulfilment.hold_until, location.timezone))
    return service_message_send(
        kind=kind,
        customer=order.customer,
        params={"number": order.number, "store": location.name, "until": until},
        location=location,
        dedupe_key=f"sms.{kind}:orders.fulfilment:{fulfilment.pk}",
    )


def pickup_ready_send(payload: dict[str, Any]) -> EmailLog | None:
    """Outbox handler for ``email.pickup_ready``."""
    return _fulfilment_send("pickup_ready", payload)


def pickup_reminder_send(payload: dict[str, Any]) -> EmailLog | None:
    """Outbox handler for ``email.pickup_reminder``."""
    return _fulfilment_send("pickup_reminder", payload)


def pickup_expired_send(payload: dict[str, Any]) -> EmailLog | None:
    """Outbox handler for ``email.pickup_expired``."""
    return _fulfilment_send("pickup_expired", payload)


def order_shipped_send(payload: dict[str, Any]) -> EmailLog | None:
    """Outbox handler for ``email.order_shipped``: on its way, with the tracking link."""
    return _fulfilment_send("order_shipped", payload)


def refund_issued_send(payload: dict[str, Any]) -> EmailLog | None:
    """Outbox handler for ``email.refund_issued``: money back, how much, to what."""
    refund = (
        Refund.objects.select_related("payment__order__customer")
        .filter(pk=payload["refund_id"])
        .first()
    )
    if refund is None or refund.status != Refund.Status.SUCCEEDED:
        return None
    order = refund.payment.order
    to = order.email or order.customer.email
    if not to:
        return None
    payment = refund.payment
    context = {
        "order": order,
        "number": order.number,
        "first_name": order.customer.first_name,
        "amount": format_money_lazy(refund.amount, payment.currency),
        "reason": refund.reason,
        "to_card": payment.provider == Payment.Provider.TEST,
        "card_last4": payment.card_last4,
        "to_store_credit": payment.provider == Payment.Provider.STORE_CREDIT,
        "in_store": payment.provider in (Payment.Provider.PAY_IN_STORE, Payment.Provider.EXTERNAL),
        "order_url": order_url(order),
    }
    log = email_send_once(
        kind="refund_issued",
        object_type="orders.refund",
        object_id=refund.pk,
        to=to,
        context=context,
        subject_params=subject_values(context, "amount", "number"),
        customer_id=order.customer_id,
        language=order.customer.language,
    )
    if log is not None:
        _timeline(order, log, "refund_issued", None)
    return log


HANDLERS = {
    "email.refund_issued": refund_issued_send,
    "email.order_confirmation": order_confirmation_send,
    "email.pickup_ready": pickup_ready_send,
    "email.pickup_reminder": pickup_reminder_send,
    "email.pickup_expired": pickup_expired_send,
    "email.order_shipped": order_shipped_send,
}
