"""What a customer allows: consent per contact channel, with its history."""

from __future__ import annotations

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from customers.errors import (
    InvalidContact,
)
from customers.models import (
    Consent,
    ConsentChange,
    ConsentState,
    ContactChannel,
    Customer,
    Interaction,
)
from customers.services.base import interaction_record
from omni import stored_text
from stores.models import Associate, Location


class ServiceChannel(models.TextChoices):
    """How service messages go (``Customer.service_messages_by``), for the timeline."""

    EMAIL = "email", pgettext_lazy("channel", "Email")
    SMS = "sms", gettext_lazy("Text message")
    BOTH = "both", gettext_lazy("Email and text message")


# Timeline entries of this module, read in the reader's language (omni.stored_text).
TIMELINE = stored_text.register(
    {
        "service_channel.changed": stored_text.Template(
            gettext_lazy("Service messages by: %(channel)s"),
            channel=stored_text.choice(ServiceChannel),
        ),
        "consent.changed": stored_text.Template(
            gettext_lazy("%(channel)s consent: %(state)s"),
            channel=stored_text.choice(ContactChannel),
            state=stored_text.choice(ConsentState),
        ),
    }
)


@transaction.atomic
def consent_set(
    *,
    customer: Customer,
    channel: str,
    state: str,
    source: str,
    associate: Associate | None = None,
    location: Location | None = None,
) -> Consent:
    """Set the consent of one contact channel, appending the change to its history and to
    the timeline. Setting the same state again records nothing new."""
    if channel not in ContactChannel.values:
        raise InvalidContact(
            _("Unknown contact channel “%(channel)s”.") % {"channel": channel}, field="channel"
        )
    if state not in ConsentState.values:
        raise InvalidContact(
            _("Unknown consent state “%(state)s”.") % {"state": state}, field="state"
        )
    now = timezone.now()
    # Locking the customer serialises consent writes for this person.
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    consent, created = Consent.objects.get_or_create(
        customer=customer,
        channel=channel,
        defaults={"state": state, "source": source, "changed_by": associate},
    )
    if not created and consent.state == state:
        return consent
    consent.state = state
    consent.source = source
    consent.changed_by = associate
    consent.changed_at = now
    consent.save()
    ConsentChange.objects.create(
        customer=customer,
        channel=channel,
        state=state,
        source=source,
        changed_by=associate,
        location=location,
        changed_at=now,
    )
    interaction_record(
        customer=customer,
        kind=Interaction.Kind.CONSENT,
        channel=source,
        summary=stored_text.text("consent.changed", channel=channel, state=state),
        location=location,
        associate=associate,
    )
    return consent


# "both" only when the customer asked for both.
SERVICE_CHANNELS = (ContactChannel.EMAIL, ContactChannel.SMS, "both")
SERVICE_BY_TEXT = (ContactChannel.SMS, "both")


@transaction.atomic
def service_channel_set(
    *,
    customer: Customer,
    channel: str,
    source: str,
    associate: Associate | None = None,
    location: Location | None = None,
) -> Customer:
    """How service messages (pickup ready, reminder, items arrived, return received)
    reach the customer: ``email``, ``sms`` or (when they ask for it) ``both``. Texts
    need a phone number. Setting the same value records nothing. Locks the customer.
    Raises InvalidContact."""
    if channel not in SERVICE_CHANNELS:
        raise InvalidContact(_("Choose email, text message, or both."), field="service_messages_by")
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if channel in SERVICE_BY_TEXT and not locked.phone:
        raise InvalidContact(
            _("Add a phone number to get service messages by text."), field="service_messages_by"
        )
    if locked.service_messages_by == channel:
        return locked
    locked.service_messages_by = channel
    locked.save(update_fields=["service_messages_by", "updated_at"])
    customer.service_messages_by = channel
    interaction_record(
        customer=locked,
        kind=Interaction.Kind.CONSENT,
        channel=source,
        summary=stored_text.text("service_channel.changed", channel=channel),
        location=location,
        associate=associate,
    )
    return locked
