"""The storefront's templates see the shopper's store ("My store: Brooklyn") as
``my_store``; ``customers.surface`` says which store that is."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from customers.surface import my_store


def shopper(request: HttpRequest) -> dict:
    """``my_store`` for every template, lazily: a page that does not show it pays no
    query."""
    return {"my_store": SimpleLazyObject(lambda: my_store(request))}
