"""Gift cards' domain errors (all ``GiftCardError``, a ``DomainError`` with a stable code)."""

from django.utils.translation import gettext_lazy as _

from omni.errors import DomainError


class GiftCardError(DomainError):
    """Something about this gift card cannot be done."""

    code = "gift_card_error"
    default_message = _("This gift card cannot be used.")


class GiftCardNotFound(GiftCardError):
    """No usable card has this code (unknown, disabled, expired: one answer, so a guesser
    learns nothing about which)."""

    code = "gift_card_not_found"
    http_status = 404
    default_message = _("We could not find a gift card with this code. Check it and try again.")


class GiftCardInsufficient(GiftCardError):
    """The card's balance does not cover the amount asked (a racing spend took it)."""

    code = "gift_card_insufficient"
    http_status = 409
    default_message = _("This gift card does not have enough balance left.")


class GiftCardInvalid(GiftCardError):
    """An amount out of bounds, a wrong currency, a missing reason."""

    code = "gift_card_invalid"
    http_status = 400
    default_message = _("This gift card cannot be issued as asked.")


class TooManyAttempts(GiftCardError):
    """Too many balance checks from one place in a short time (guessing codes)."""

    code = "too_many_attempts"
    http_status = 429
    default_message = _("Too many tries. Wait a few minutes and try again.")
