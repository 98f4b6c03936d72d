"""Who the storefront's shopper is: their customer record and their store ("My store:
Brooklyn"). Both belong to customers — the store is the one the shopper chose in this
session, else the member's ``Customer.home_store`` — so the storefront apps above
customers (orders, returns) read them from here; catalog and stores, below it, ask through
their signals (``catalog.signals.shopper_store``, ``stores.signals.store_chosen``).

The store lives in the session, so the header shows it without a query.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from customers.models import Customer
from customers.selectors import customer_for_user
from stores.models import Location

STORE_SESSION_KEY = "omni_store"


@dataclass(frozen=True)
class ChosenStore:
    """The shopper's store as the session remembers it (no query to show it)."""

    id: int
    name: str

    def __str__(self) -> str:
        return self.name


def my_store(request: HttpRequest) -> ChosenStore | None:
    """The store the shopper chose (session), else a member's active home store (one
    query, then remembered in the session)."""
    saved = request.session.get(STORE_SESSION_KEY)
    if saved:
        return ChosenStore(id=int(saved["id"]), name=str(saved["name"]))
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        home = (
            Location.objects.filter(
                home_customers__user=user, is_active=True, kind=Location.Kind.STORE
            )
            .values("pk", "name")
            .first()
        )
        if home:
            store = ChosenStore(id=home["pk"], name=home["name"])
            my_store_remember(request, store)
            return store
    return None


def my_store_remember(request: HttpRequest, store: Location | ChosenStore) -> None:
    """Make ``store`` the shopper's store for this session (the header shows it)."""
    store_id = store.pk if isinstance(store, Location) else store.id
    request.session[STORE_SESSION_KEY] = {"id": store_id, "name": store.name}


def customer_of(request: HttpRequest) -> Customer | None:
    """The logged-in shopper's Customer (one query, cached on the request), or None."""
    if not hasattr(request, "_omni_customer"):
        request._omni_customer = customer_for_user(user=request.user)
    return request._omni_customer


def shopper(request: HttpRequest) -> dict:
    """``my_store`` for every template, lazily: a page that does not show it pays no
    query."""
    return {"my_store": SimpleLazyObject(lambda: my_store(request))}
