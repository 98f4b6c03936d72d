"""The till's errors: each a ``DomainError`` with a stable ``code`` that the till screen
shows beside the button and the API returns as its error body."""

from django.utils.translation import gettext_lazy as _

from omni import errors as omni_errors


class TillError(omni_errors.DomainError):
    code = "till_error"
    default_message = _("This cannot be done at the till.")


class ShiftNotOpen(TillError):
    """The register has no open shift (or the shift named is closed)."""

    code = "shift_not_open"
    default_message = _("Open a shift on this register first.")


class ShiftAlreadyOpen(TillError):
    code = "shift_already_open"
    default_message = _("This register already has an open shift.")


class ShiftAlreadyClosed(TillError):
    code = "shift_already_closed"
    default_message = _("This shift is already closed.")


class ManagerRequired(TillError):
    """Only a manager may do this (close with a large variance, reopen, oversell)."""

    code = "manager_required"
    http_status = 403
    default_message = _("A manager must do this.")


class TenderInvalid(TillError):
    """The tenders do not pay the sale: cash below what is due, a card for more than is
    left, an unknown kind, a negative amount. ``field`` names what to fix."""

    code = "tender_invalid"
    http_status = 400
    default_message = _("The payment does not cover the sale.")


class TillInputInvalid(TillError):
    """A bad amount, an empty reason, a register of another store."""

    code = "till_input_invalid"
    http_status = 400
    default_message = _("Check what was entered.")
