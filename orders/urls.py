"""Storefront cart and checkout; back-office pickup queue and endless aisle.

``urlpatterns`` are the storefront's (namespace ``orders``); ``backoffice_urlpatterns`` are
mounted under ``/backoffice/`` by ``project/urls.py`` in the shared ``backoffice`` namespace, so
their names must be unique across apps."""

from django.urls import path

from orders import backoffice, backoffice_shipments, backoffice_transfers, views

app_name = "orders"

urlpatterns: list = [
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart-add"),
    path("cart/mini/", views.mini_cart, name="mini-cart"),
    path("cart/line/<int:variant_id>/", views.cart_line_update, name="cart-line"),
    path("cart/line/<int:variant_id>/remove/", views.cart_line_remove, name="cart-remove"),
    path("cart/code/", views.cart_code, name="cart-code"),
    path("cart/restore/<str:token>/", views.cart_restore, name="cart-restore"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/done/<str:number>/", views.confirmation, name="confirmation"),
    path("checkout/pay/<str:number>/", views.qr_payment, name="qr-payment"),
    path("orders/status/<str:token>/", views.order_status, name="order-status"),
    path("account/orders/", views.account_orders, name="account-orders"),
    path("account/orders/<str:number>/", views.account_order_detail, name="account-order-detail"),
    path("orders/<str:number>/tax-invoice/", views.tax_invoice, name="tax-invoice"),
]

backoffice_urlpatterns: list = [
    path("pickups/", backoffice.pickup_queue, name="pickup-queue"),
    path("pickups/<int:pk>/", backoffice.pickup_detail, name="pickup-detail"),
    path("pickups/<int:pk>/act/", backoffice.pickup_action, name="pickup-action"),
    path("transfers/", backoffice_transfers.transfer_queue, name="transfer-queue"),
    path("transfers/<int:pk>/", backoffice_transfers.transfer_detail, name="transfer-detail"),
    path("transfers/<int:pk>/slip/", backoffice_transfers.transfer_slip, name="transfer-slip"),
    path("transfers/<int:pk>/act/", backoffice_transfers.transfer_action, name="transfer-action"),
    path("shipments/", backoffice_shipments.shipment_queue, name="shipment-queue"),
    path("shipments/<int:pk>/", backoffice_shipments.shipment_detail, name="shipment-detail"),
    path("shipments/<int:pk>/slip/", backoffice_shipments.shipment_slip, name="shipment-slip"),
    path("shipments/<int:pk>/act/", backoffice_shipments.shipment_action, name="shipment-action"),
    path("aisle/", backoffice.aisle, name="aisle"),
    path("aisle/done/<str:number>/", backoffice.aisle_done, name="aisle-done"),
    path(
        "payments/<int:pk>/confirm-qr/",
        backoffice.qr_payment_confirm,
        name="qr-payment-confirm",
    ),
    path("orders/<str:number>/tax-invoice/", backoffice.tax_invoice_desk, name="tax-invoice"),
]
