"""Messaging's domain errors: every one derives from ``MessagingError`` (and so from
``omni.errors.DomainError``) and carries a stable ``code``. ``send_message`` raises them
before anything is written."""

from django.utils.translation import gettext_lazy as _

from omni.errors import DomainError


class MessagingError(DomainError):
    code = "messaging_error"
    default_message = _("This message cannot be sent.")
    http_status = 422


class MessageInvalid(MessagingError):
    """An unknown channel or purpose, an empty message, no one to send it to."""

    code = "message_invalid"
    default_message = _("This message cannot be sent as written.")


class NoConsent(MessagingError):
    """The customer's consent on this channel does not allow this purpose."""

    code = "consent_required"
    default_message = _("The customer has not agreed to be contacted this way.")
    http_status = 403


class NoContact(MessagingError):
    """No email address or phone number to send to."""

    code = "no_contact"
    default_message = _("We have no address or number to send this to.")


class InvalidNumber(MessagingError):
    """The phone number is not a valid number of its country."""

    code = "invalid_number"
    default_message = _("The phone number is not valid.")


class MessageTooLong(MessagingError):
    """A text longer than the segment limit, with splitting off (or past the most parts
    allowed)."""

    code = "message_too_long"
    default_message = _("The text is too long.")


class ProviderUnavailable(MessagingError):
    """The provider could not be reached or answered with a server error: the outbox
    tries again later (the message stays queued)."""

    code = "provider_unavailable"
    default_message = _("The text message provider is not available; it will be retried.")
    http_status = 503


class ProviderRejected(MessagingError):
    """The provider refused this message for good (an unreachable number, a blocked
    recipient): the message is marked failed."""

    code = "provider_rejected"
    default_message = _("The text message provider refused this message.")


class WebhookInvalid(MessagingError):
    """A provider's callback with a bad signature or missing fields."""

    code = "webhook_invalid"
    default_message = _("The callback could not be verified.")
    http_status = 403
