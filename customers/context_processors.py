"""Who the storefront's shopper is: their customer record and their store ("My store:
Brooklyn"). Both belong to customers — the store is the one the shopper chose in this
session, else the member's ``Customer.home_store`` — so the storefront apps above
customers (orders, returns) read them from here; catalog and stores, below it, ask through
their signals (``catalog.signals.shopper_store``, ``stores.signals.store_chosen``).

The store lives in the session, so the header shows it without a query.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from customers.surface import my_store


def shopper(request: HttpRequest) -> dict:
    """``my_store`` for every template, lazily: a page that does not show it pays no
    query."""
    return {"my_store": SimpleLazyObject(lambda: my_store(request))}
