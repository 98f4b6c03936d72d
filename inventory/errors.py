"""Inventory's domain errors. Every one derives from ``InventoryError`` (and so from
``omni.errors.DomainError``): a surface turns it into a form error or a 400/404/409 with
its stable ``code`` and JSON-safe ``details``, never a 500."""

from django.utils.translation import gettext_lazy as _

from omni.errors import DomainError, NotFound
from omni.errors import InvalidTransition as BaseInvalidTransition


class InventoryError(DomainError):
    """The stock engine refused the change."""

    code = "inventory_error"
    default_message = _("The stock could not be changed.")


class InsufficientStock(InventoryError):
    """Not enough stock for this request."""

    code = "insufficient_stock"
    default_message = _("There is not enough stock.")
    http_status = 409


class InvalidTransition(InventoryError, BaseInvalidTransition):
    """The reservation or transfer is not in a state that allows this step."""

    code = "invalid_transition"
    default_message = _("This reservation or transfer cannot take this step now.")
    http_status = 409


class InvalidQuantity(InventoryError):
    """The quantity is not valid for this operation."""

    code = "invalid_quantity"
    default_message = _("The quantity is not valid.")
    http_status = 400


class UnknownVariant(InventoryError):
    """No such SKU."""

    code = "unknown_variant"
    default_message = _("There is no such SKU.")
    http_status = 400


class UnknownLocation(InventoryError):
    """No such location."""

    code = "unknown_location"
    default_message = _("There is no such location.")
    http_status = 400


class InvalidDestination(InventoryError):
    """The delivery address or pickup store cannot be served."""

    code = "invalid_destination"
    default_message = _("This delivery address or pickup store cannot be served.")
    http_status = 400


class ReservationNotFound(InventoryError, NotFound):
    """No such reservation."""

    code = "reservation_not_found"
    default_message = _("There is no such reservation.")
    http_status = 404


class TransferNotFound(InventoryError, NotFound):
    """No such transfer."""

    code = "transfer_not_found"
    default_message = _("There is no such transfer.")
    http_status = 404


class CountRejected(InventoryError):
    """Rows of a stock count could not be applied, so none was. ``details["rows"]`` maps
    each failing row's index to ``{"code", "message"}``."""

    code = "count_rejected"
    default_message = _("Some rows of the stock count could not be applied, so none was.")
    http_status = 409
