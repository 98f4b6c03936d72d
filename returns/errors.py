"""Returns' domain errors. Every one derives from ``ReturnError`` (and so from
``omni.errors.DomainError``) and carries a stable ``code``; the policy's refusals are
``ReturnNotAllowed`` subclasses with the same codes as ``PolicyDecision`` reports, so the
storefront, the back-office and the API all say the same thing."""

from django.utils.translation import gettext_lazy as _

from omni.errors import DomainError, NotFound
from omni.errors import InvalidTransition as BaseInvalidTransition


class ReturnError(DomainError):
    """The return cannot be done as asked."""

    code = "return_error"
    default_message = _("This return cannot be done as asked.")


class ReturnNotAllowed(ReturnError):
    """The return policy refuses this return."""

    code = "return_not_allowed"
    http_status = 409
    default_message = _("The return policy does not allow this return.")


class ReturnWindowExpired(ReturnNotAllowed):
    """The return window for this item has ended."""

    code = "return_window_expired"
    default_message = _("The return window for this item has ended.")


class FinalSale(ReturnNotAllowed):
    """This item was a final sale and cannot be returned."""

    code = "final_sale"
    default_message = _("This item was a final sale and cannot be returned.")


class QuantityExceedsPurchase(ReturnNotAllowed):
    """More units than were bought (minus those already returned)."""

    code = "quantity_exceeds_purchase"
    default_message = _("That is more than was bought (or already returned).")


class NotYetReceived(ReturnNotAllowed):
    """The item has not been delivered or collected yet."""

    code = "not_yet_received"
    default_message = _("This item has not been delivered or collected yet.")


class OverrideNotAllowed(ReturnError):
    """Only a manager can override the return policy."""

    code = "override_not_allowed"
    http_status = 403
    default_message = _("Only a manager can override the return policy.")


class OverrideReasonRequired(ReturnError):
    """A policy override needs a reason."""

    code = "override_reason_required"
    http_status = 400
    default_message = _("Say why the policy is overridden.")


class LocationDoesNotAcceptReturns(ReturnError):
    """This location does not take returns."""

    code = "location_does_not_accept_returns"
    http_status = 400
    default_message = _("This location does not take returns.")


class InvalidReturnLine(ReturnError):
    """A line of the return is not valid (not on the order, twice, a bad quantity,
    reason, condition or disposition)."""

    code = "invalid_return_line"
    http_status = 400
    default_message = _("A line of this return is not valid.")


class RefundNotPossible(ReturnError):
    """The refund cannot be made this way (nothing left to refund on the payments)."""

    code = "refund_not_possible"
    default_message = _("The refund cannot be made this way.")


class NoWarehouse(ReturnError):
    """There is no active warehouse to send the item to."""

    code = "no_warehouse"
    default_message = _("There is no warehouse to send the item to.")


class ReturnNotFound(ReturnError, NotFound):
    """No such return (or not one of yours)."""

    code = "return_not_found"
    http_status = 404
    default_message = _("We could not find that return.")


class InvalidTransition(ReturnError, BaseInvalidTransition):
    """The return is not in a state that allows this step."""

    code = "invalid_transition"
    default_message = _("This step is not possible for this return in its current state.")


# The policy's refusal codes, in the order they are reported (the first one raised).
REFUSAL_ERRORS: dict[str, type[ReturnNotAllowed]] = {
    QuantityExceedsPurchase.code: QuantityExceedsPurchase,
    FinalSale.code: FinalSale,
    NotYetReceived.code: NotYetReceived,
    ReturnWindowExpired.code: ReturnWindowExpired,
}
