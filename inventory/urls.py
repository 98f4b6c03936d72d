"""Back-office stock lookup and transfer requests.

``urlpatterns`` are the storefront's (namespace ``inventory``); ``backoffice_urlpatterns`` are
mounted under ``/backoffice/`` by ``project/urls.py`` in the shared ``backoffice`` namespace, so
their names must be unique across apps."""

from django.urls import path

from . import backoffice

app_name = "inventory"

urlpatterns: list = []

backoffice_urlpatterns: list = [
    path("stock/", backoffice.stock_lookup, name="stock-lookup"),
    path("stock/transfer/", backoffice.stock_transfer_request, name="stock-transfer"),
]
