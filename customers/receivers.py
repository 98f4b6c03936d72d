"""Receivers of allauth's signals: a new login gets its customer record, and a verified
email address joins the login to the customer who already used that address (a guest
who ordered before signing up sees those orders in the account). Also customers' answers
to what lower apps ask about the shopper (``stores.signals``, ``catalog.signals``)."""

from __future__ import annotations

import logging

from allauth.account.models import EmailAddress
from django.contrib import messages

from customers.selectors import customer_size, recently_viewed
from customers.services import customer_link_login, customer_update_profile, recent_view_record
from customers.surface import (
    RECENT_KEPT,
    ChosenStore,
    _cookie_value,
    customer_of,
    guest_recent,
    my_store,
    my_store_remember,
)
from omni.errors import DomainError

logger = logging.getLogger(__name__)


def customer_at_signup(sender, request, user, **kwargs) -> None:
    """Every new login gets a customer at once, so nothing later (a checkout, a list)
    attaches it by an address it has not proved it owns."""
    if not user.email:
        return
    verified = EmailAddress.objects.filter(
        user=user, email__iexact=user.email, verified=True
    ).exists()
    try:
        customer_link_login(user=user, email=user.email, verified=verified)
    except DomainError:
        # Signing up must not fail over the customer record; the account pages retry.
        logger.warning("No customer linked at sign-up for user %s", user.pk, exc_info=True)


def customer_at_email_confirmed(sender, request, email_address, **kwargs) -> None:
    """The address is proved: link the login to the customer who owns it."""
    try:
        customer_link_login(user=email_address.user, email=email_address.email, verified=True)
    except DomainError:
        logger.warning(
            "No customer linked for confirmed email of user %s",
            email_address.user_id,
            exc_info=True,
        )


def store_chosen_remember(sender, *, request, location, **kwargs) -> None:
    """``stores.signals.store_chosen`` receiver: the chosen store is "my store" for this
    session and, for a member, their home store. A refusal is a warning, not a failure:
    the session keeps the choice either way."""
    my_store_remember(request, location)
    customer = customer_of(request)
    if customer is not None:
        try:
            customer_update_profile(customer=customer, home_store=location, channel="web")
        except DomainError as error:
            messages.warning(request, str(error))


# --- catalog's questions about the shopper (``catalog.signals``) --------------------------


def shopper_store(sender, *, request, **kwargs) -> ChosenStore | None:
    """``catalog.signals.shopper_store`` receiver: "my store" (no query once in the
    session)."""
    return my_store(request)


def shopper_size(sender, *, request, size_group: str, **kwargs) -> str:
    """``catalog.signals.shopper_size`` receiver: a member's size in the group, else ""."""
    customer = customer_of(request)
    if customer is None:
        return ""
    return customer_size(customer=customer, size_group=size_group)


def shopper_recently_viewed(
    sender, *, request, limit: int, **kwargs
) -> tuple[list[int], list[int]]:
    """``catalog.signals.recently_viewed`` receiver: a member's on every device they log
    in on (two queries), a guest's from the signed cookie."""
    customer = customer_of(request)
    if customer is not None:
        return recently_viewed(customer=customer, limit=limit)
    products, categories = guest_recent(request)
    return products[:limit], categories[:limit]


def shopper_viewed(sender, *, request, product=None, category=None, **kwargs) -> None:
    """``catalog.signals.product_viewed`` receiver: one upsert for a member, the signed
    cookie for a guest (nothing stored on the server)."""
    customer = customer_of(request)
    if customer is not None:
        recent_view_record(customer=customer, product=product, category=category)
        return
    products, categories = guest_recent(request)
    changed = False
    for current, thing in ((products, product), (categories, category)):
        if thing is not None and current[:1] != [thing.pk]:  # already first: no new cookie
            current[:] = [thing.pk, *(pk for pk in current if pk != thing.pk)][:RECENT_KEPT]
            changed = True
    if changed:
        request.recently_viewed_cookie = _cookie_value(products, categories)
