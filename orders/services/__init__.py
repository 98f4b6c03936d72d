"""The orders domain's write path: every change to carts, orders, fulfilments and payments
goes through these functions (storefront, back-office, API, workers). Split by subdomain:

- ``carts``: get or create, add / set / remove, merge at login, email, signed restore links
- ``checkout``: ``order_place`` — one transaction from cart or lines to a paid order
- ``order_request``: what checkout is asked for (contact, ship / pick up / carry out),
  checked before any write
- ``totals``: shipping, tax and totals from the settings; pickup preparation time
- ``payments``: provider interface, the test card provider (test numbers in its
  docstring), pay in store, store credit, QR and cash on delivery, capture / void / refund
- ``qr_payload``: the EMVCo / PromptPay text a bank-app QR code encodes (with its CRC)
- ``qr_payments``: a QR payment confirmed (signed callback, or an associate), the expiry
  sweep (beat)
- ``fulfilments``: the lifecycle both kinds share (start picking, cancel, the order's
  status from its fulfilments) and the lock order
- ``pickups``: ready, collected (with the code), waiting for a transfer
- ``pickup_expiry``: the sweeps (beat): expire uncollected pickups, remind before that
- ``shipments``: packed, shipped (all or part), a line unavailable, delivered
- ``list_holds``: ``list_hold_for_visit`` — a shopper's list held at a store for the
  visit (customers' list and inventory's holds in one transaction)
- ``numbers``: readable order numbers ("W0001234")
- ``events``: ``order_events_record``, the hook integrations (webhooks) listen on
- ``recovery``: abandoned-cart follow-ups (``carts_recover``, beat)
- ``followups``: the post-purchase thank-you (``orders_follow_up``, beat)

Placing an order: build one ``OrderRequest`` (a frozen value) and pass it to
``order_place``, which returns ``OrderPlacement(order, created)``; ``created`` is False
for a retry (the cart was already checked out, or the channel already has an order with
that ``external_reference``): that order comes back unchanged and nothing is written::

    placement = services.order_place(
        services.OrderRequest.web(
            cart=cart,
            fulfilment=services.PickupAt(store),
            payment=services.PaymentChoice.pay_in_store(),
            contact=services.Contact(email="ana@example.com"),
        )
    )

One constructor per surface: ``OrderRequest.web`` (the storefront's checkout of the
shopper's cart), ``.store_sale`` (an associate at a store: taken home now by default, or
shipped / picked up: the endless aisle, an exchange), ``.api`` (a POS or a marketplace:
its channel, its ``external_reference``, the locations its key may take stock from).
Picking up is ``PickupAt(store)`` in any of them; anything else builds ``OrderRequest``
with its fields directly.
"""

from orders.errors import (
    CartEmpty,
    CartQuantityError,
    CartRestoreInvalid,
    CheckoutInvalid,
    InsufficientStock,
    InvalidCardNumber,
    InvalidQuantity,
    InvalidTransition,
    OrderNotFound,
    OrdersError,
    PaymentDeclined,
    PaymentError,
    PaymentFailed,
    PickupCodeMismatch,
    RefundNotAllowed,
    VariantUnavailable,
)
from orders.services.carts import (
    cart_add,
    cart_attach_email,
    cart_code_apply,
    cart_code_remove,
    cart_for_login,
    cart_get_or_create,
    cart_max_line_quantity,
    cart_merge,
    cart_recovery_stages,
    cart_remove,
    cart_restore,
    cart_restore_token,
    cart_set_quantity,
    variant_label,
)
from orders.services.checkout import (
    OrderPlacement,
    order_place,
)
from orders.services.events import order_events_record
from orders.services.followups import orders_follow_up
from orders.services.fulfilments import (
    fulfilment_cancel,
    fulfilment_start_picking,
    order_cancel,
    order_status_for,
    order_status_refresh,
)
from orders.services.list_holds import list_hold_for_visit
from orders.services.numbers import (
    NUMBER_PREFIX,
    order_number_for,
    order_number_normalise,
)
from orders.services.order_request import (
    CarryOut,
    Contact,
    FulfilmentChoice,
    OrderRequest,
    PickupAt,
    ShipTo,
)
from orders.services.payments import (
    Card,
    PaymentChoice,
    PaymentProvider,
    ProviderResult,
    TestCardProvider,
    card_parse,
    order_refund_value,
    payment_capture,
    payment_provider_for,
    payment_provider_register,
    payment_refund,
    payment_refundable,
    payment_void,
    payments_collect_on_delivery,
)
from orders.services.pickup_expiry import (
    pickups_expire,
    pickups_remind,
)
from orders.services.pickups import (
    fulfilment_collect,
    fulfilment_ready,
    pickup_missing,
    pickup_transfer_arrived,
)
from orders.services.qr_payments import (
    QrConfirmResult,
    qr_callback_confirm,
    qr_payment_confirm,
    qr_payment_of,
    qr_payment_svg,
    qr_payments_expire,
)
from orders.services.recovery import RecoveryRun, carts_recover, carts_recovery_due
from orders.services.shipments import (
    fulfilment_deliver,
    fulfilment_line_unavailable,
    fulfilment_pack,
    fulfilment_ship,
)
from orders.services.tax_invoices import (
    TaxInvoiceBuyer,
    tax_invoice_buyer_clean,
    tax_invoice_issue,
    thai_tax_id_valid,
)
from orders.services.totals import (
    CustomerFacts,
    ManualDiscount,
    TaxableLine,
    TaxBand,
    Totals,
    customer_facts,
    customer_facts_of_id,
    order_totals,
    tax_bands,
)

__all__ = [
    "NUMBER_PREFIX",
    "Card",
    "CarryOut",
    "CartEmpty",
    "CartQuantityError",
    "CartRestoreInvalid",
    "CheckoutInvalid",
    "Contact",
    "CustomerFacts",
    "FulfilmentChoice",
    "InsufficientStock",
    "InvalidCardNumber",
    "InvalidQuantity",
    "InvalidTransition",
    "ManualDiscount",
    "OrderNotFound",
    "OrderPlacement",
    "OrderRequest",
    "OrdersError",
    "PaymentChoice",
    "PaymentDeclined",
    "PaymentError",
    "PaymentFailed",
    "PaymentProvider",
    "PickupAt",
    "PickupCodeMismatch",
    "ProviderResult",
    "QrConfirmResult",
    "RecoveryRun",
    "RefundNotAllowed",
    "ShipTo",
    "TaxBand",
    "TaxInvoiceBuyer",
    "TaxableLine",
    "TestCardProvider",
    "Totals",
    "VariantUnavailable",
    "card_parse",
    "cart_add",
    "cart_attach_email",
    "cart_code_apply",
    "cart_code_remove",
    "cart_for_login",
    "cart_get_or_create",
    "cart_max_line_quantity",
    "cart_merge",
    "cart_recovery_stages",
    "cart_remove",
    "cart_restore",
    "cart_restore_token",
    "cart_set_quantity",
    "carts_recover",
    "carts_recovery_due",
    "customer_facts",
    "customer_facts_of_id",
    "fulfilment_cancel",
    "fulfilment_collect",
    "fulfilment_deliver",
    "fulfilment_line_unavailable",
    "fulfilment_pack",
    "fulfilment_ready",
    "fulfilment_ship",
    "fulfilment_start_picking",
    "list_hold_for_visit",
    "order_cancel",
    "order_events_record",
    "order_number_for",
    "order_number_normalise",
    "order_place",
    "order_refund_value",
    "order_status_for",
    "order_status_refresh",
    "order_totals",
    "orders_follow_up",
    "payment_capture",
    "payment_provider_for",
    "payment_provider_register",
    "payment_refund",
    "payment_refundable",
    "payment_void",
    "payments_collect_on_delivery",
    "pickup_missing",
    "pickup_transfer_arrived",
    "pickups_expire",
    "pickups_remind",
    "qr_callback_confirm",
    "qr_payment_confirm",
    "qr_payment_of",
    "qr_payment_svg",
    "qr_payments_expire",
    "tax_bands",
    "tax_invoice_buyer_clean",
    "tax_invoice_issue",
    "thai_tax_id_valid",
    "variant_label",
]
