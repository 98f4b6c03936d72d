"""What customers lends to every app's surfaces (storefront views, back-office screens):
the shopper behind a request and their store ("My store: Brooklyn"), and the guest's
recently viewed products. Only surface modules import it (tests/test_layering.py).

The store is the one the shopper chose in this session, else the member's
``Customer.home_store``; it lives in the session, so the header shows it without a query.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.http import HttpRequest

from customers import selectors, services
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


# A guest's recent views live in a signed cookie, newest first ("12.7.3|4.1": product ids,
# then category ids), so a page view by a visitor without cookies (a crawler) writes no
# session row; a member's live in the database. The cookie is set on the response by
# customers.middleware.RecentlyViewedCookieMiddleware.
RECENT_COOKIE = "omni_recent"
RECENT_COOKIE_SALT = "customers.recently_viewed"
RECENT_COOKIE_MAX_AGE = 60 * 60 * 24 * 90
RECENT_KEPT = 8


def _ids(text: str) -> list[int]:
    return [int(part) for part in text.split(".") if part.isdigit()][:RECENT_KEPT]


def guest_recent(request) -> tuple[list[int], list[int]]:
    """A guest's (product ids, category ids) from the signed cookie; a forged or
    malformed cookie counts as none."""
    pending = getattr(request, "recently_viewed_cookie", None)
    raw = (
        pending
        if pending is not None
        else request.get_signed_cookie(
            RECENT_COOKIE, default="", salt=RECENT_COOKIE_SALT, max_age=RECENT_COOKIE_MAX_AGE
        )
    )
    products, _, categories = (raw or "").partition("|")
    return _ids(products), _ids(categories)


def _cookie_value(products: list[int], categories: list[int]) -> str:
    return ".".join(map(str, products)) + "|" + ".".join(map(str, categories))


def account_customer(request: HttpRequest) -> Customer:
    """The logged-in shopper's customer (one query, cached on the request). A login made
    before customers were linked at sign-up (staff, old accounts) gets one now, by its
    address only if that address is verified."""
    customer = getattr(request, "_omni_customer", None)
    if customer is None:
        customer = selectors.customer_for_user(user=request.user)
    if customer is None:
        user = request.user
        if user.email:
            verified = EmailAddress.objects.filter(
                user=user, email__iexact=user.email, verified=True
            ).exists()
            customer = services.customer_link_login(user=user, email=user.email, verified=verified)
        else:
            customer = services.customer_resolve(user=user)
    request._omni_customer = customer
    return customer
