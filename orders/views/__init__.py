"""Storefront cart and checkout; the shopper's orders in their account, one module per
subject: ``cart``, ``checkout`` (with the confirmation and a guest's order-status page),
``account`` (``/account/orders/...``).

Thin: the cart and order services do the work; a ``DomainError`` they raise becomes a
message next to the line or on the form, never a 500. HTMX posts get a fragment of the
same template (the mini-cart or the cart) and an ``HX-Trigger`` so other parts of the page
can follow; without JavaScript every form posts and redirects."""

from orders.views.account import account_order_detail, account_orders
from orders.views.cart import (
    cart,
    cart_add,
    cart_code,
    cart_line_remove,
    cart_line_update,
    cart_restore,
    mini_cart,
)
from orders.views.checkout import checkout, confirmation, order_status, qr_payment
from orders.views.tax_invoice import tax_invoice

__all__ = [
    "account_order_detail",
    "account_orders",
    "cart",
    "cart_add",
    "cart_code",
    "cart_line_remove",
    "cart_line_update",
    "cart_restore",
    "checkout",
    "confirmation",
    "mini_cart",
    "order_status",
    "qr_payment",
    "tax_invoice",
]
