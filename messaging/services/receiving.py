"""What comes back: delivery receipts, texts people send us (replies, STOP), and
messages shoppers write on the storefront."""

from __future__ import annotations

import logging
import unicodedata

from django.db import IntegrityError, transaction
from django.utils import timezone

from customers.models import (
    Channel,
    ConsentState,
    ContactChannel,
    Customer,
    CustomerIdentity,
    Interaction,
)
from customers.services import consent_set, interaction_record, service_channel_set
from messaging.errors import MessageInvalid
from messaging.models import Message, MessageChannel, Purpose
from messaging.providers import SmsInbound, SmsStatus
from messaging.services.threads import thread_location_for, thread_touch
from messaging.services.timeline import timeline_text
from omni.phones import PhoneInvalid, phone_e164
from stores.models import Associate, Location

logger = logging.getLogger(__name__)

# A reply that is only one of these words withdraws SMS consent: the carriers' English
# words, and the markets' own (Thai, Vietnamese with or without its accents, Persian,
# Filipino). Compared after case folding and dropping accents.
STOP_WORDS = frozenset(
    {
        "STOP",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "หยุด",
        "DUNG",
        "HUY",
        "لغو",
        "TIGIL",
    }
)

_RANK = {
    Message.Status.QUEUED: 0,
    Message.Status.SENT: 1,
    Message.Status.FAILED: 2,
    Message.Status.DELIVERED: 3,
}


def stop_word(body: str) -> str:
    """The STOP word ``body`` is (as the person wrote it), or blank."""
    text = (body or "").strip().strip(".!。")
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if unicodedata.category(ch) != "Mn").upper()
    # Thai and Persian have no case and their marks are part of the word.
    return text if plain in STOP_WORDS or text in STOP_WORDS else ""


@transaction.atomic
def message_status_update(*, provider: str, status: SmsStatus) -> Message | None:
    """A delivery receipt: the message moves to sent, delivered or failed, never back
    (a late "sent" after "delivered" is ignored). Locks the message. Returns None for
    an id we never sent."""
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("customer", "associate", "location")
        .filter(provider=provider, provider_id=status.provider_id, direction=Message.Direction.OUT)
        .first()
    )
    if message is None:
        return None
    if _RANK.get(status.status, 0) <= _RANK.get(message.status, 0):
        return message
    message.status = status.status
    fields = ["status"]
    if status.status == Message.Status.DELIVERED:
        message.delivered_at = timezone.now()
        fields.append("delivered_at")
    if status.status == Message.Status.FAILED:
        message.error = (status.error or "undelivered")[:255]
        fields.append("error")
    message.save(update_fields=fields)
    if message.customer_id and message.purpose in (Purpose.ONE_TO_ONE, Purpose.SERVICE):
        interaction_record(
            customer=message.customer,
            kind=Interaction.Kind.OUTREACH
            if message.purpose == Purpose.ONE_TO_ONE
            else Interaction.Kind.SERVICE,
            channel=Channel.PHONE,
            summary=timeline_text(message, event=status.status),
            subject=message,
            location=message.location,
            associate=message.associate,
            detail={"contact_channel": message.channel, "message_id": message.pk},
        )
    return message


def customer_for_phone(number: str) -> Customer | None:
    """The active customer whose phone identity (or primary phone) is ``number``
    (E.164). 1–2 queries."""
    identity = (
        CustomerIdentity.objects.filter(
            kind=CustomerIdentity.Kind.PHONE, value=number, customer__is_active=True
        )
        .select_related("customer", "customer__home_store", "customer__primary_associate")
        .first()
    )
    if identity is not None:
        return identity.customer
    return (
        Customer.objects.filter(phone=number, is_active=True)
        .select_related("home_store", "primary_associate")
        .order_by("pk")
        .first()
    )


@transaction.atomic
def message_receive_sms(*, provider: str, inbound: SmsInbound) -> Message:
    """A text a person sent us, matched to the customer by their number (E.164). A STOP
    word (``STOP_WORDS``) turns the customer's SMS consent to none and their service
    messages back to email, in this same transaction, and queues nothing back. Any
    other text lands in the customer's thread (unread) and on the timeline. A number we
    do not know is kept with no customer. A provider retrying the same callback gets the
    first message back."""
    earlier = Message.objects.filter(
        provider=provider, provider_id=inbound.provider_id, direction=Message.Direction.IN
    ).first()
    if earlier is not None:
        return earlier
    try:
        number = phone_e164(inbound.from_number)
    except PhoneInvalid:
        number = inbound.from_number[:32]
    customer = customer_for_phone(number)
    word = stop_word(inbound.body)
    message = Message(
        customer=customer,
        channel=MessageChannel.SMS,
        direction=Message.Direction.IN,
        purpose=Purpose.REPLY,
        kind="stop" if word else "",
        sender=number,
        to=inbound.to_number[:254],
        body=inbound.body[:1600] or "—",
        status=Message.Status.RECEIVED,
        provider=provider,
        provider_id=inbound.provider_id[:64],
        segments=1,
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:  # pragma: no cover - no unique index today; kept for safety
        raise
    if customer is None:
        logger.info("inbound text from an unknown number", extra={"event": "sms_unknown_sender"})
        return message
    if word:
        consent_set(
            customer=customer,
            channel=ContactChannel.SMS,
            state=ConsentState.NONE,
            source=Channel.PHONE,
        )
        if customer.service_messages_by != ContactChannel.EMAIL:
            service_channel_set(
                customer=customer, channel=ContactChannel.EMAIL, source=Channel.PHONE
            )
    location = thread_location_for(customer=customer)
    if location is not None:
        message.thread = thread_touch(
            customer=customer, location=location, associate=None, message=message
        )
        message.location = location
        message.save(update_fields=["thread", "location"])
    interaction_record(
        customer=customer,
        kind=Interaction.Kind.CONSENT if word else Interaction.Kind.SERVICE,
        channel=Channel.PHONE,
        summary=timeline_text(message, event="stop" if word else "reply", word=word),
        subject=message,
        location=location,
        detail={"contact_channel": MessageChannel.SMS, "message_id": message.pk},
    )
    return message


@transaction.atomic
def message_receive_web(
    *,
    customer: Customer,
    body: str,
    location: Location,
    associate: Associate | None = None,
    sender: str = "",
) -> Message:
    """A message a shopper wrote on the storefront to an associate (the shared list's
    "Message … at …"): it lands in that associate's thread with the customer at that
    store, unread, and on the timeline. Raises MessageInvalid (empty, too long)."""
    body = (body or "").strip()
    if not body:
        raise MessageInvalid(_empty(), field="body")
    if len(body) > 1000:
        raise MessageInvalid(_too_long(), field="body")
    message = Message.objects.create(
        customer=customer,
        channel=MessageChannel.WEB,
        direction=Message.Direction.IN,
        purpose=Purpose.REPLY,
        sender=sender[:254],
        body=body,
        status=Message.Status.RECEIVED,
        associate=associate,
        location=location,
    )
    thread = thread_touch(customer=customer, location=location, associate=None, message=message)
    if associate is not None and thread.associate_id != associate.pk:
        thread.associate = associate
        thread.save(update_fields=["associate"])
    message.thread = thread
    message.save(update_fields=["thread"])
    interaction_record(
        customer=customer,
        kind=Interaction.Kind.SERVICE,
        channel=Channel.WEB,
        summary=timeline_text(message, event="reply"),
        subject=message,
        location=location,
        associate=associate,
        detail={"contact_channel": MessageChannel.WEB, "message_id": message.pk},
    )
    return message


def _empty() -> str:
    from django.utils.translation import gettext

    return gettext("Write your message.")


def _too_long() -> str:
    from django.utils.translation import gettext

    return gettext("A message is at most 1000 characters.")
