"""Service messages (pickup ready, pickup reminder, items arrived, return received) by
the one channel the customer chose: a text when they chose texts, else the caller's
email; both only when they asked for both."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

from customers.models import ContactChannel, Customer
from messaging.errors import MessagingError
from messaging.models import Message, MessageChannel, Purpose
from messaging.services.sending import send_message
from messaging.wording import SERVICE, wording_render
from stores.models import Location

logger = logging.getLogger(__name__)


def service_by_text(customer: Customer | None) -> bool:
    """Whether this customer's service messages go by text (their choice, and a number)."""
    return bool(
        customer is not None
        and customer.service_messages_by in (ContactChannel.SMS, "both")
        and customer.phone
    )


def email_also(customer: Customer | None) -> bool:
    """Whether the email goes too although a text went: only when they asked for both."""
    return customer is not None and customer.service_messages_by == "both"


def service_message_send(
    *,
    kind: str,
    customer: Customer | None,
    params: dict[str, Any],
    location: Location | None = None,
    dedupe_key: str,
) -> Message | None:
    """Send the ``kind`` service text (``messaging.wording.SERVICE``) in the customer's
    language when they get service messages by text. Returns the text when it replaces
    the email; None when the caller sends its email — they chose email, or asked for both
    (the text went too), or the text cannot go (no valid number). Call it in the
    transaction (or the outbox handler) that would send the email."""
    if kind not in SERVICE or not service_by_text(customer):
        return None
    body = wording_render(
        key=kind,
        language=customer.language,
        params={"shop": settings.OMNI_SITE_NAME, **params},
    )
    try:
        text = send_message(
            channel=MessageChannel.SMS,
            purpose=Purpose.SERVICE,
            body=body,
            customer=customer,
            kind=kind,
            location=location,
            language=customer.language,
            dedupe_key=dedupe_key,
        )
    except MessagingError as error:
        # A number that no longer reads as valid: the email still tells them.
        logger.warning(
            "service text %s not sent (%s); email instead",
            kind,
            error.code,
            extra={"event": "service_text_fallback", "customer_id": customer.pk},
        )
        return None
    return None if email_also(customer) else text
