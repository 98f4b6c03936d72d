"""Sending one message to one person: consent, the number's country, the segment limit,
quiet hours, the outbox, and the delivery that the outbox runs."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Channel, ConsentState, ContactChannel, Customer, Interaction
from customers.selectors import consent_state
from customers.services import interaction_record
from messaging.errors import (
    InvalidNumber,
    MessageInvalid,
    MessageTooLong,
    NoConsent,
    NoContact,
    ProviderRejected,
)
from messaging.models import Message, MessageChannel, Purpose
from messaging.providers import sms_provider, sms_segments
from messaging.services.threads import thread_touch
from messaging.services.timeline import timeline_text
from omni.email import absolute_url, email_send_once
from omni.models import OutboxMessage
from omni.outbox import outbox_record
from omni.phones import PhoneInvalid, phone_e164
from stores.models import Associate, Location

logger = logging.getLogger(__name__)

TOPIC_SEND = "messaging.send"
SENDABLE_CHANNELS = (MessageChannel.EMAIL, MessageChannel.SMS)
OUTBOUND_PURPOSES = (Purpose.SERVICE, Purpose.ONE_TO_ONE, Purpose.MARKETING, Purpose.REQUESTED)
MAX_BODY = 1600  # Twilio's limit on one message's body; an email is not a letter either
MAX_SUBJECT = 200


# --- the rules, each on its own ---------------------------------------------------------


def consent_allows(*, customer: Customer | None, channel: str, purpose: str) -> bool:
    """Whether ``purpose`` may go to ``customer`` on ``channel``: marketing needs
    marketing consent; one-to-one needs marketing or one-to-one consent; a service message
    needs only a contact (and, by text, the customer's choice of texts for service
    messages, which a STOP reply turns back to email); a requested message (an alert the
    person asked for) is allowed by the request. 0–1 queries."""
    if purpose == Purpose.REQUESTED:
        return True
    if purpose == Purpose.SERVICE:
        if channel == MessageChannel.SMS and customer is not None:
            return customer.service_messages_by in (ContactChannel.SMS, "both")
        return True
    if customer is None:
        return False  # marketing and associates' messages go to a known customer only
    state = consent_state(customer=customer, channel=channel)
    if purpose == Purpose.MARKETING:
        return state == ConsentState.MARKETING
    return state in (ConsentState.MARKETING, ConsentState.ONE_TO_ONE)


def recipient_address(*, channel: str, customer: Customer | None, to: str) -> str:
    """Where the message goes: ``to`` when given, else the customer's email or phone.
    A phone number must be valid for its country (read in the market's country when it
    has no +code) and is returned in E.164. Raises NoContact, InvalidNumber."""
    if channel == MessageChannel.SMS:
        raw = (to or (customer.phone if customer else "")).strip()
        if not raw:
            raise NoContact(_("We have no phone number for this customer."), field="to")
        try:
            return phone_e164(raw)
        except PhoneInvalid as error:
            raise InvalidNumber(error.message, field="to") from None
    address = (to or (customer.email if customer else "")).strip()
    if not address:
        raise NoContact(_("We have no email address for this customer."), field="to")
    try:
        validate_email(address)
    except ValidationError:
        raise NoContact(_("The email address is not valid."), field="to") from None
    return address


def segments_checked(body: str) -> int:
    """The text's segments, within the limit: ``OMNI_SMS_LONG_TEXTS`` ``split`` (the
    default) sends a longer text as up to ``OMNI_SMS_MAX_SEGMENTS`` parts that the phone
    joins; ``refuse`` allows one segment only. Raises MessageTooLong."""
    segments = sms_segments(body)
    most = 1 if settings.OMNI_SMS_LONG_TEXTS == "refuse" else settings.OMNI_SMS_MAX_SEGMENTS
    if segments > most:
        if most == 1:
            message = _(
                "A text is one message of 160 letters (70 in Thai, Persian or with "
                "accents); shorten it."
            )
        else:
            message = _(
                "The text is %(segments)s messages long; the most is %(most)s. Shorten it."
            ) % {
                "segments": segments,
                "most": most,
            }
        raise MessageTooLong(message, field="body", segments=segments, most=most)
    return segments


def _zone_for(location: Location | None, customer: Customer | None) -> ZoneInfo:
    for place in (location, customer.home_store if customer else None):
        if place is not None and place.timezone:
            try:
                return ZoneInfo(place.timezone)
            except (KeyError, ValueError):
                continue
    return ZoneInfo(settings.TIME_ZONE)


def _clock(text: str) -> dt.time:
    hours, minutes = text.strip().split(":")
    return dt.time(int(hours), int(minutes))


def quiet_hours_end(*, now: dt.datetime, zone: ZoneInfo) -> dt.datetime | None:
    """When quiet hours (``OMNI_MESSAGE_QUIET_HOURS``, "21:00-08:00" in the store's time
    zone; blank: none) are over, if ``now`` falls in them; else None."""
    window = (settings.OMNI_MESSAGE_QUIET_HOURS or "").strip()
    if not window:
        return None
    try:
        start, end = (_clock(part) for part in window.split("-"))
    except ValueError:
        # A mistyped setting must not stop every text: send, and say so in the log.
        logger.warning("OMNI_MESSAGE_QUIET_HOURS %r is not HH:MM-HH:MM; ignored", window)
        return None
    local = now.astimezone(zone)
    moment = local.time()
    if start <= end:
        quiet = start <= moment < end
        day = local.date()
    else:  # across midnight
        quiet = moment >= start or moment < end
        day = local.date() + dt.timedelta(days=1) if moment >= start else local.date()
    if not quiet:
        return None
    return dt.datetime.combine(day, end, tzinfo=zone)


# --- the entry point -----------------------------------------------------------------


@transaction.atomic
def send_message(
    *,
    channel: str,
    purpose: str,
    body: str,
    customer: Customer | None = None,
    to: str = "",
    subject: str = "",
    kind: str = "",
    associate: Associate | None = None,
    location: Location | None = None,
    language: str = "",
    dedupe_key: str = "",
) -> Message:
    """Send one email or text to one person, through the outbox: the message is queued
    in the caller's transaction and handed to the provider after commit (at the end of
    quiet hours for a text that is not a service message). Every sender uses this —
    associates' messages, service texts, alerts, campaigns.

    ``channel``: ``email`` or ``sms``. ``purpose`` decides the consent needed
    (``consent_allows``): ``service``, ``one_to_one`` (an associate; needs ``customer``),
    ``marketing`` (needs ``customer``), ``requested`` (the person asked for it: the
    request is the consent; ``customer`` may be None with ``to``). ``to`` defaults to the
    customer's email or phone. ``dedupe_key``: a second call with the same key returns
    the first message instead of sending again.

    Raises, before anything is written: MessageInvalid (unknown channel or purpose,
    empty body, subject or body too long), NoContact, InvalidNumber (not a number of its
    country), MessageTooLong (past the segment limit), NoConsent."""
    if channel not in SENDABLE_CHANNELS:
        raise MessageInvalid(_("Choose email or text message."), field="channel")
    if purpose not in OUTBOUND_PURPOSES:
        raise MessageInvalid(_("Unknown kind of message."), field="purpose", purpose=purpose)
    body = (body or "").strip()
    subject = " ".join((subject or "").split())
    if not body:
        raise MessageInvalid(_("Write the message."), field="body")
    if len(body) > MAX_BODY:
        raise MessageInvalid(
            _("A message is at most %(most)s characters.") % {"most": MAX_BODY}, field="body"
        )
    if len(subject) > MAX_SUBJECT:
        raise MessageInvalid(
            _("A subject is at most %(most)s characters.") % {"most": MAX_SUBJECT},
            field="subject",
        )
    if purpose in (Purpose.ONE_TO_ONE, Purpose.MARKETING) and customer is None:
        raise MessageInvalid(_("Choose the customer to write to."), field="customer")
    if dedupe_key:
        earlier = _sent_under(dedupe_key)
        if earlier is not None:
            return earlier
    address = recipient_address(channel=channel, customer=customer, to=to)
    segments = segments_checked(body) if channel == MessageChannel.SMS else 0
    if not consent_allows(customer=customer, channel=channel, purpose=purpose):
        raise NoConsent(
            _refusal(channel=channel, purpose=purpose, customer=customer), channel=channel
        )
    if channel == MessageChannel.EMAIL and not subject:
        subject = settings.OMNI_SITE_NAME
    now = timezone.now()
    send_after = None
    if channel == MessageChannel.SMS and purpose != Purpose.SERVICE:
        send_after = quiet_hours_end(now=now, zone=_zone_for(location, customer))
    message = Message.objects.create(
        customer=customer,
        channel=channel,
        direction=Message.Direction.OUT,
        purpose=purpose,
        kind=kind[:40],
        to=address,
        subject=subject,
        body=body,
        language=language or (customer.language if customer else "") or settings.LANGUAGE_CODE,
        segments=segments,
        associate=associate,
        location=location,
        created_at=now,
        send_after=send_after,
    )
    recorded = outbox_record(
        topic=TOPIC_SEND,
        payload={"message_id": message.pk},
        dedupe_key=dedupe_key or f"{TOPIC_SEND}:{message.pk}",
        available_at=send_after,
    )
    if recorded is None:  # another call took the key between our look and our write
        message.delete()
        return _sent_under(dedupe_key) or message
    if purpose == Purpose.ONE_TO_ONE and customer is not None and location is not None:
        message.thread = thread_touch(
            customer=customer, location=location, associate=associate, message=message
        )
        message.save(update_fields=["thread"])
    # Associates' messages and service texts go on the timeline (service emails are
    # already there as "Email sent").
    if customer is not None and (
        purpose == Purpose.ONE_TO_ONE
        or (purpose == Purpose.SERVICE and channel == MessageChannel.SMS)
    ):
        interaction_record(
            customer=customer,
            kind=Interaction.Kind.OUTREACH
            if purpose == Purpose.ONE_TO_ONE
            else Interaction.Kind.SERVICE,
            channel=Channel.EMAIL if channel == MessageChannel.EMAIL else Channel.PHONE,
            summary=timeline_text(message, event="queued"),
            subject=message,
            location=location,
            associate=associate,
            detail={"contact_channel": channel, "message_id": message.pk},
        )
    return message


def _refusal(*, channel: str, purpose: str, customer: Customer | None) -> str:
    who = {"customer": str(customer) if customer else ""}
    if purpose == Purpose.SERVICE:
        return _("%(customer)s gets service messages by email, not by text.") % who
    if purpose == Purpose.MARKETING:
        if channel == MessageChannel.SMS:
            return _("%(customer)s has not agreed to marketing texts.") % who
        return _("%(customer)s has not agreed to marketing emails.") % who
    if channel == MessageChannel.SMS:
        return _("%(customer)s has not agreed to be contacted by text message.") % who
    return _("%(customer)s has not agreed to be contacted by email.") % who


# --- delivery (the outbox's handler) -------------------------------------------------------


def sms_status_callback_url() -> str:
    return absolute_url(reverse("messaging-sms-status"))


def message_deliver(payload: dict[str, Any]) -> Message | None:
    """Hand a queued message to its provider (the outbox runs this once per message,
    after commit). Locks the message. Consent is asked again: a STOP that came in while
    the text waited for the morning stops it. A provider outage raises
    ProviderUnavailable, so the outbox retries later and the message stays queued; a
    refusal marks it failed."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("customer", "associate", "location")
            .filter(pk=payload.get("message_id"))
            .first()
        )
        if message is None or message.status != Message.Status.QUEUED:
            return message
        if message.customer is not None and not consent_allows(
            customer=message.customer, channel=message.channel, purpose=message.purpose
        ):
            return _failed(message, "consent withdrawn before sending")
        if message.channel == MessageChannel.SMS:
            provider = sms_provider()
            try:
                sent = provider.send(
                    to=message.to, body=message.body, status_callback=sms_status_callback_url()
                )
            except ProviderRejected as error:
                message.provider = provider.name
                return _failed(message, str(error.details.get("detail") or error.code))
            message.provider = provider.name
            message.provider_id = sent.provider_id
            message.status = sent.status
        else:
            _email_send(message)
            message.provider = "email"
            message.status = Message.Status.SENT
        message.sent_at = timezone.now()
        message.save(update_fields=["provider", "provider_id", "status", "sent_at"])
        logger.info(
            "message %s sent by %s",
            message.pk,
            message.provider,
            extra={"event": "message_sent", "message_id": message.pk, "channel": message.channel},
        )
        return message


def _failed(message: Message, reason: str) -> Message:
    message.status = Message.Status.FAILED
    message.error = reason[:255]
    message.save(update_fields=["provider", "status", "error"])
    if message.customer_id and message.purpose in (Purpose.ONE_TO_ONE, Purpose.SERVICE):
        interaction_record(
            customer=message.customer,
            kind=Interaction.Kind.OUTREACH
            if message.purpose == Purpose.ONE_TO_ONE
            else Interaction.Kind.SERVICE,
            channel=Channel.EMAIL if message.channel == MessageChannel.EMAIL else Channel.PHONE,
            summary=timeline_text(message, event="failed"),
            subject=message,
            location=message.location,
            associate=message.associate,
            detail={"contact_channel": message.channel, "message_id": message.pk},
        )
    return message


def _email_send(message: Message) -> None:
    associate = message.associate
    email_send_once(
        kind="message",
        object_type="messaging.message",
        object_id=message.pk,
        to=message.to,
        context={
            "subject": message.subject,
            "body": message.body,
            "purpose": message.purpose,
            "associate_name": associate.display_name if associate else "",
            "store_name": message.location.name if message.location else "",
        },
        customer_id=message.customer_id,
        language=message.language or None,
        subject_params={"subject": message.subject},
    )


def _sent_under(dedupe_key: str) -> Message | None:
    row = OutboxMessage.objects.filter(dedupe_key=dedupe_key).values_list("payload", flat=True)
    payload = row.first()
    if not payload:
        return None
    return Message.objects.filter(pk=payload.get("message_id")).first()
