"""The promotions domain's errors (omni.errors.DomainError, each with a stable code)."""

from django.utils.translation import gettext_lazy as _

from omni import errors as omni_errors


class PromotionError(omni_errors.DomainError):
    code = "promotion_error"
    default_message = _("This offer cannot be used.")


class CodeNotApplicable(PromotionError):
    """A code typed does not apply (unknown, expired, used up, wrong channel...); the
    message says why. Nothing was changed."""

    code = "code_not_applicable"
    http_status = 400
    default_message = _("This code cannot be used.")


class VoucherExhausted(PromotionError):
    """The last use of a code went to another order a moment ago (the conditional
    UPDATE found none left), or the customer has used the offer as often as allowed."""

    code = "voucher_exhausted"
    default_message = _("This code has just been used up.")


class NoCodeLeft(PromotionError):
    """A campaign's batch has no unissued code left to hand out."""

    code = "no_code_left"
    default_message = _("No code is left in this campaign's batch.")
