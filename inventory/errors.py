"""Inventory's domain errors. Every one derives from ``InventoryError`` (and so from
``omni.errors.DomainError``): a surface turns it into a form error or a 400/404/409 with
its stable ``code`` and JSON-safe ``details``, never a 500."""

from omni.errors import DomainError, NotFound
from omni.errors import InvalidTransition as BaseInvalidTransition


class InventoryError(DomainError):
    """The stock engine refused the change."""

    code = "inventory_error"


class InsufficientStock(InventoryError):
    """Not enough stock for this request."""

    code = "insufficient_stock"
    http_status = 409


class InvalidTransition(InventoryError, BaseInvalidTransition):
    """The reservation or transfer is not in a state that allows this step."""

    code = "invalid_transition"
    http_status = 409


class InvalidQuantity(InventoryError):
    """The quantity is not valid for this operation."""

    code = "invalid_quantity"
    http_status = 400


class UnknownVariant(InventoryError):
    """No such SKU."""

    code = "unknown_variant"
    http_status = 400


class UnknownLocation(InventoryError):
    """No such location."""

    code = "unknown_location"
    http_status = 400


class InvalidDestination(InventoryError):
    """The delivery address or pickup store cannot be served."""

    code = "invalid_destination"
    http_status = 400


class ReservationNotFound(InventoryError, NotFound):
    """No such reservation."""

    code = "reservation_not_found"
    http_status = 404


class TransferNotFound(InventoryError, NotFound):
    """No such transfer."""

    code = "transfer_not_found"
    http_status = 404


class CountRejected(InventoryError):
    """Rows of a stock count could not be applied, so none was. ``details["rows"]`` maps
    each failing row's index to ``{"code", "message"}``."""

    code = "count_rejected"
    http_status = 409
