"""Returns' domain errors. Every one derives from ``ReturnError`` (and so from
``omni.errors.DomainError``) and carries a stable ``code``; the policy's refusals are
``ReturnNotAllowed`` subclasses with the same codes as ``PolicyDecision`` reports, so the
storefront, the back-office and the API all say the same thing."""

from omni.errors import DomainError, NotFound
from omni.errors import InvalidTransition as BaseInvalidTransition


class ReturnError(DomainError):
    """The return cannot be done as asked."""

    code = "return_error"


class ReturnNotAllowed(ReturnError):
    """The return policy refuses this return."""

    code = "return_not_allowed"
    http_status = 409


class ReturnWindowExpired(ReturnNotAllowed):
    """The return window for this item has ended."""

    code = "return_window_expired"


class FinalSale(ReturnNotAllowed):
    """This item was a final sale and cannot be returned."""

    code = "final_sale"


class QuantityExceedsPurchase(ReturnNotAllowed):
    """More units than were bought (minus those already returned)."""

    code = "quantity_exceeds_purchase"


class NotYetReceived(ReturnNotAllowed):
    """The item has not been delivered or collected yet."""

    code = "not_yet_received"


class OverrideNotAllowed(ReturnError):
    """Only a manager can override the return policy."""

    code = "override_not_allowed"
    http_status = 403


class OverrideReasonRequired(ReturnError):
    """A policy override needs a reason."""

    code = "override_reason_required"
    http_status = 400


class LocationDoesNotAcceptReturns(ReturnError):
    """This location does not take returns."""

    code = "location_does_not_accept_returns"
    http_status = 400


class InvalidReturnLine(ReturnError):
    """A line of the return is not valid (not on the order, twice, a bad quantity,
    reason, condition or disposition)."""

    code = "invalid_return_line"
    http_status = 400


class RefundNotPossible(ReturnError):
    """The refund cannot be made this way (nothing left to refund on the payments)."""

    code = "refund_not_possible"


class NoWarehouse(ReturnError):
    """There is no active warehouse to send the item to."""

    code = "no_warehouse"


class ReturnNotFound(ReturnError, NotFound):
    """No such return (or not one of yours)."""

    code = "return_not_found"
    http_status = 404


class InvalidTransition(ReturnError, BaseInvalidTransition):
    """The return is not in a state that allows this step."""

    code = "invalid_transition"


# The policy's refusal codes, in the order they are reported (the first one raised).
REFUSAL_ERRORS: dict[str, type[ReturnNotAllowed]] = {
    QuantityExceedsPurchase.code: QuantityExceedsPurchase,
    FinalSale.code: FinalSale,
    NotYetReceived.code: NotYetReceived,
    ReturnWindowExpired.code: ReturnWindowExpired,
}
