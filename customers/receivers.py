"""Receivers of allauth's signals: a new login gets its customer record, and a verified
email address joins the login to the customer who already used that address (a guest
who ordered before signing up sees those orders in the account). Connected in
``customers.apps``."""

from __future__ import annotations

import logging

from allauth.account.models import EmailAddress

from customers.services import customer_link_login
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
