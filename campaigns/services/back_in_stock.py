"""Back in stock at my store: a shopper's request, its one alert, its expiry.

The request is the consent for that one message (no marketing consent is needed or
given). When the availability refresh finds the size newly salable at the store (or
online), ``inventory.signals.availability_gained`` reaches ``back_in_stock_alerts_due``
inside the refresh's transaction: the open requests are claimed (open → due, rows
locked, skipping rows another refresh holds) and one outbox message per request is
recorded with a per-request dedupe key, so concurrent refreshes and retries make one
alert each. The handler (``back_in_stock_alert_send``) sends it and marks it notified.

Channel: an email when the request has one (a guest's, or the member's own); a
phone-only request is one text through ``messaging.services.send_message``
(``_alert_by_sms``).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation

from campaigns.errors import BackInStockInvalid
from campaigns.models import BackInStockRequest
from catalog.models import Variant
from catalog.option_names import colour_name, size_name
from customers.errors import InvalidContact
from customers.models import Channel, Customer, Interaction
from customers.services import interaction_record, normalise_email, normalise_phone
from omni.email import absolute_url, email_send_once, email_sent_text, subject_values
from omni.outbox import outbox_record
from stores.models import Location

logger = logging.getLogger(__name__)

ALERT_TOPIC = "campaigns.back_in_stock_alert"
ALERT_KIND = "back_in_stock"
OPEN_LINK_SALT = "campaigns.back_in_stock.open"


def request_days() -> int:
    return int(getattr(settings, "OMNI_BACK_IN_STOCK_DAYS", 60))


def _open_for(variant_id: int, location_id: int | None) -> Q:
    return Q(
        variant_id=variant_id,
        location_id=location_id,
        status=BackInStockRequest.Status.OPEN,
    )


@transaction.atomic
def back_in_stock_request(
    *,
    variant: Variant,
    location: Location | None,
    customer: Customer | None = None,
    email: str = "",
    phone: str = "",
    language: str = "",
    now: dt.datetime | None = None,
) -> BackInStockRequest:
    """Record "tell me when this size is at ``location`` (None: online)". A member's own
    contacts are used when they leave none; a guest must leave an email or a phone (read
    in the market's country). Asking twice for the same size, place and contact returns
    the open request (its expiry moved on). Raises BackInStockInvalid (with ``field``)."""
    now = now or timezone.now()
    if not variant.is_active or not variant.product.is_active:
        raise BackInStockInvalid(
            translation.gettext("This size is not sold any more."), field="variant"
        )
    if location is not None and (not location.is_active or location.kind != Location.Kind.STORE):
        raise BackInStockInvalid(
            translation.gettext("Please choose one of our open stores."), field="location"
        )
    try:
        email = normalise_email(email) if email.strip() else ""
        phone = normalise_phone(phone) if phone.strip() else ""
    except InvalidContact as exc:
        raise BackInStockInvalid(exc.message, field=exc.details.get("field", "contact")) from None
    if customer is None and not (email or phone):
        raise BackInStockInvalid(
            translation.gettext("Enter an email address or a phone number."), field="contact"
        )
    language = language or (customer.language if customer else settings.LANGUAGE_CODE)
    same = _open_for(variant.pk, location.pk if location else None)
    contact = (
        Q(customer=customer) if customer is not None else Q(email=email, phone=phone, customer=None)
    )
    expires_at = now + dt.timedelta(days=request_days())
    existing = BackInStockRequest.objects.select_for_update().filter(same & contact).first()
    if existing is not None:
        existing.expires_at = expires_at
        existing.language = language
        existing.save(update_fields=["expires_at", "language"])
        return existing
    return BackInStockRequest.objects.create(
        variant=variant,
        location=location,
        customer=customer,
        email=email,
        phone=phone,
        language=language,
        created_at=now,
        expires_at=expires_at,
    )


def back_in_stock_alerts_due(
    *, variant_id: int, store_ids: list[int], online: bool, now: dt.datetime | None = None
) -> int:
    """The size became salable at these stores (and/or online): claim the open, unexpired
    requests for it there (open → due; rows locked, skipping any a concurrent refresh
    holds) and record one alert per request in the outbox. In the caller's transaction.
    Returns the number of alerts recorded."""
    now = now or timezone.now()
    where = Q(location_id__in=store_ids) if store_ids else Q(pk__in=[])
    if online:
        where |= Q(location__isnull=True)
    with transaction.atomic():
        ids = list(
            BackInStockRequest.objects.select_for_update(skip_locked=True)
            .filter(where, variant_id=variant_id, status=BackInStockRequest.Status.OPEN)
            .filter(expires_at__gt=now)
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        BackInStockRequest.objects.filter(pk__in=ids, status=BackInStockRequest.Status.OPEN).update(
            status=BackInStockRequest.Status.DUE
        )
        for pk in ids:
            outbox_record(
                topic=ALERT_TOPIC,
                payload={"request_id": pk},
                dedupe_key=f"{ALERT_TOPIC}:{pk}",
            )
    return len(ids)


def open_link_token(request: BackInStockRequest) -> str:
    return signing.Signer(salt=OPEN_LINK_SALT).sign(str(request.pk))


def open_link_read(token: str) -> int | None:
    """The request id a link names, or None when tampered with."""
    try:
        return int(signing.Signer(salt=OPEN_LINK_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None


def _alert_context(request: BackInStockRequest) -> dict[str, Any]:
    variant = request.variant
    with translation.override(request.language):
        link = reverse("campaigns:back-in-stock-open", args=[open_link_token(request)])
        size = size_name(variant.size) if variant.size else translation.gettext("One size")
        colour = colour_name(variant.colour) if variant.colour else ""
        product_name = variant.product.name  # in the shopper's language
    return {
        "product_name": product_name,
        "size": size,
        "colour": colour,
        "store_name": request.location.name if request.location else "",
        "online": request.location is None,
        "first_name": request.customer.first_name if request.customer else "",
        "url": absolute_url(link),
    }


def _contact_email(request: BackInStockRequest) -> str:
    return request.email or (request.customer.email if request.customer else "")


def _contact_phone(request: BackInStockRequest) -> str:
    return request.phone or (request.customer.phone if request.customer else "")


def _alert_by_sms(request: BackInStockRequest, context: dict[str, Any]) -> bool:
    """A phone-only request: one text through the messaging layer (its outbox, provider,
    quiet hours and STOP handling). The request itself is the consent (purpose
    "requested"); the dedupe key keeps a retried alert to one text. A number no longer
    valid for its country, or a text the provider's limits refuse, is logged and skipped
    (the request stays "due" for the admin to see); nothing is lost."""
    from messaging.errors import MessagingError
    from messaging.services import send_message

    with translation.override(request.language):
        if context["online"]:
            body = translation.gettext(
                "%(product)s in %(size)s is back in stock online: %(url)s"
            ) % {"product": context["product_name"], "size": context["size"], "url": context["url"]}
        else:
            body = translation.gettext(
                "%(product)s in %(size)s is back in stock at %(store)s: %(url)s"
            ) % {
                "product": context["product_name"],
                "size": context["size"],
                "store": context["store_name"],
                "url": context["url"],
            }
    try:
        send_message(
            channel="sms",
            purpose="requested",
            to=_contact_phone(request),
            customer=request.customer,
            location=request.location,
            kind="back_in_stock",
            language=request.language,
            dedupe_key=f"sms.back_in_stock:{request.pk}",
            body=body,
        )
    except MessagingError as error:
        logger.warning("back-in-stock request %s: no text sent (%s)", request.pk, error)
        return False
    return True


def back_in_stock_alert_send(payload: dict[str, Any]) -> bool:
    """Outbox handler of ``campaigns.back_in_stock_alert`` {"request_id"}: send the one
    alert (an email once per request, whatever the retries) and mark it notified.
    Returns True if an alert went out now."""
    request = (
        BackInStockRequest.objects.select_related("variant__product", "location", "customer")
        .select_for_update(of=("self",))
        .filter(pk=payload["request_id"], status=BackInStockRequest.Status.DUE)
        .first()
    )
    if request is None:
        return False
    context = _alert_context(request)
    email = _contact_email(request)
    if email:
        log = email_send_once(
            kind=ALERT_KIND,
            object_type="campaigns.backinstockrequest",
            object_id=request.pk,
            to=email,
            context=context,
            subject_params=subject_values(context, "product_name", "size", "store_name", "online"),
            customer_id=request.customer_id,
            language=request.language,
        )
        if log is not None and request.customer is not None:
            # On the member's timeline, so the store sees the alert went out.
            interaction_record(
                customer=request.customer,
                kind=Interaction.Kind.EMAIL,
                channel=Channel.EMAIL,
                summary=email_sent_text(log),
                subject=request,
                location=request.location,
                detail={"email_kind": ALERT_KIND, "email_log_id": log.pk},
            )
        sent = True
    elif _contact_phone(request):
        sent = _alert_by_sms(request, context)
    else:
        sent = False
    if sent:
        request.status = BackInStockRequest.Status.NOTIFIED
        request.notified_at = timezone.now()
        request.save(update_fields=["status", "notified_at"])
    return sent


def back_in_stock_expire(*, now: dt.datetime | None = None) -> int:
    """Beat: open requests past their expiry are expired (never alerted). One update."""
    now = now or timezone.now()
    return BackInStockRequest.objects.filter(
        status=BackInStockRequest.Status.OPEN, expires_at__lte=now
    ).update(status=BackInStockRequest.Status.EXPIRED)
