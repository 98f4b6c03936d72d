"""The storefront's cart for every storefront view and the header.

The cart count costs at most one query (evaluated only when a page shows it). A guest's
cart is found by a random key kept in the session rather than by the session key itself,
because Django cycles the session key at login and the guest cart must still be found then
to be merged. The shopper's store ("My store: Brooklyn") and customer are customers'
(``customers.context_processors``): they sit below orders.
"""

from __future__ import annotations

import secrets

from django.db.models import Sum
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from orders.models import CartLine
from orders.selectors import carts_open_of
from orders.services.carts import CART_SESSION_KEY

PLACED_SESSION_KEY = "omni_placed_orders"


def cart_key(request: HttpRequest, *, create: bool = False) -> str:
    """This device's guest-cart key ("" until the shopper first adds something)."""
    key = request.session.get(CART_SESSION_KEY, "")
    if not key and create:
        key = secrets.token_urlsafe(24)
        request.session[CART_SESSION_KEY] = key
    return key


def cart_count(request: HttpRequest) -> int:
    """Items in the shopper's open cart, for the header. One query (none for a guest who
    never added anything)."""
    key = "" if request.user.is_authenticated else cart_key(request)
    if not request.user.is_authenticated and not key:
        return 0
    # The same cart cart_get_or_create would pick: the most recently active one.
    latest = carts_open_of(user=request.user, session_key=key).values("pk")[:1]
    total = CartLine.objects.filter(cart_id__in=latest).aggregate(n=Sum("quantity"))["n"]
    return int(total or 0)


def storefront(request: HttpRequest) -> dict:
    """``cart_count``, lazily: a page that does not show it pays no query."""
    return {"cart_count": SimpleLazyObject(lambda: cart_count(request))}
