"""The orders domain's errors. Every one derives from ``OrdersError`` (and so from
``omni.errors.DomainError``) and carries a stable ``code``: a surface turns it into a form
error, an HTMX message or an API error body, never a 500. Messages are written for the
shopper or the associate who will read them."""

from django.utils.translation import gettext_lazy as _

from inventory import errors as inventory_errors
from omni import errors as omni_errors


class OrdersError(omni_errors.DomainError):
    """The order, cart or payment request cannot be done."""

    code = "orders_error"
    default_message = _("This order request cannot be done.")


class CheckoutInvalid(OrdersError):
    """The checkout request is incomplete or contradicts itself (no address, a pickup
    store that does not exist, pay in store for a parcel...). Nothing was written."""

    code = "checkout_invalid"
    http_status = 400
    default_message = _("The checkout details are incomplete or do not fit together.")


class TaxInvoiceInvalid(OrdersError):
    """The buyer's details for a tax invoice are missing or malformed (a Thai tax ID that
    is not 13 digits or fails its check digit). ``field`` names the one to fix."""

    code = "tax_invoice_invalid"
    http_status = 400
    default_message = _("Check the details for the tax invoice.")


class InvalidQuantity(OrdersError):
    """The quantity is not valid here (a pickup line collected, a checkout line)."""

    code = "invalid_quantity"
    http_status = 400
    default_message = _("This quantity is not valid here.")


class CartQuantityError(InvalidQuantity):
    """The quantity is not one we can put in a cart (below 1, or above the maximum)."""

    code = "invalid_quantity"
    http_status = 400
    default_message = _("This quantity cannot be put in the cart.")


class CartEmpty(OrdersError):
    """There is nothing in the cart to check out."""

    code = "cart_empty"
    http_status = 400
    default_message = _("Your cart is empty.")


class CartRestoreInvalid(OrdersError):
    """The restore link is not valid (``restore_link_invalid``), too old
    (``restore_link_expired``) or its cart was already bought (``restore_link_used``)."""

    code = "restore_link_invalid"
    http_status = 400
    default_message = _("This cart link is not valid.")


class VariantUnavailable(OrdersError):
    """This item is no longer sold (inactive, unknown or without a price)."""

    code = "variant_unavailable"
    http_status = 400
    default_message = _("This item is no longer sold.")


class InsufficientStock(OrdersError, inventory_errors.InsufficientStock):
    """Not enough stock: "Only 2 left". Also an ``inventory.errors.InsufficientStock``, so
    code that catches the inventory error catches this one too. ``details["lines"]`` names
    each short line: variant_id, sku, requested, available."""

    code = "insufficient_stock"
    http_status = 409
    default_message = _("There is not enough stock.")


class InvalidTransition(OrdersError, omni_errors.InvalidTransition):
    """The cart, order or fulfilment is not in a state that allows this step."""

    code = "invalid_transition"
    http_status = 409
    default_message = _("This step is not possible for this order in its current state.")


class PickupCodeMismatch(OrdersError):
    """The code shown or scanned is not this order's."""

    code = "pickup_code_mismatch"
    http_status = 400
    default_message = _("That code does not match this order.")


class OrderNotFound(OrdersError, omni_errors.NotFound):
    """No such order (or not one of yours)."""

    code = "order_not_found"
    http_status = 404
    default_message = _("We could not find that order.")


class PaymentError(OrdersError):
    """The payment could not be taken or given back."""

    code = "payment_error"
    http_status = 402
    default_message = _("The payment could not be completed.")


class InvalidCardNumber(PaymentError):
    """The card number is not valid (checked before anything is written)."""

    code = "invalid_card_number"
    http_status = 422
    default_message = _("That card number is not valid; please check it.")


class InvalidCardDetails(PaymentError):
    """The name, expiry or CVC given with a card is not valid (checked before anything is
    written); ``field`` says which."""

    code = "invalid_card_details"
    http_status = 422
    default_message = _("The card details are not valid; please check them.")


class PaymentDeclined(PaymentError):
    """The payment was declined (``card_declined``, ``insufficient_funds``,
    ``insufficient_store_credit``). Nothing was written: no order, no stock held."""

    code = "card_declined"
    http_status = 402
    default_message = _("The payment was declined.")


class PaymentFailed(PaymentError):
    """The payment provider could not process the request (``processing_error``,
    ``refund_failed``); trying again later may work. Nothing was written."""

    code = "processing_error"
    http_status = 502
    default_message = _("We could not process the payment. Please try again later.")


class QrCallbackInvalid(PaymentError):
    """A QR provider's callback that cannot be trusted or read (``bad_signature``,
    ``malformed_callback``), names no pending payment of ours (``unknown_reference``), or
    says another amount or currency was paid (``amount_mismatch``). Nothing was written."""

    code = "invalid_callback"
    http_status = 400
    default_message = _("This payment confirmation is not valid.")


class RefundNotAllowed(PaymentError):
    """More than was captured (minus what was already refunded) cannot be refunded."""

    code = "refund_exceeds_payment"
    http_status = 409
    default_message = _("That is more than can be refunded.")


class OrderLinkInvalid(OrdersError):
    """An order-status link (in a guest's email) that was tampered with or is unknown."""

    code = "order_link_invalid"
    http_status = 404
    default_message = _("This link is not valid.")


class OrderLinkExpired(OrderLinkInvalid):
    """An order-status link older than ``OMNI_ORDER_LINK_MAX_AGE_DAYS``."""

    code = "order_link_expired"
    http_status = 410
    default_message = _("This link to your order has expired.")


class ManualDiscountInvalid(OrdersError):
    """A hand-given discount is malformed (negative, no reason) or over the bound
    ``OMNI_MAX_MANUAL_DISCOUNT_PERCENT``. ``field`` names the input to fix."""

    code = "manual_discount_invalid"
    http_status = 400
    default_message = _("This discount cannot be given.")
