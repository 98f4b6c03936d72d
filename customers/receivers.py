"""Receivers of allauth's signals: a new login gets its customer record, and a verified
email address joins the login to the customer who already used that address (a guest
who ordered before signing up sees those orders in the account). Connected in
``customers.apps``."""

from __future__ import annotations

import logging

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.utils.translation import get_language

from customers.selectors import customer_for_user
from customers.services import customer_link_login, customer_update_profile
from omni.errors import DomainError
from omni.i18n import language_remember
from stores.selectors import associate_for_user
from stores.services import associate_language_set

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
        # The language they signed up in is the one we write to them in.
        customer_link_login(user=user, email=user.email, verified=verified, language=get_language())
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


# --- the person's language (omni.i18n) ---------------------------------------------------


def language_at_login(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: the saved language goes into the session, so every page speaks
    it without a query — the associate's for staff (when they chose one), else the
    customer's."""
    if request is None:
        return
    associate = associate_for_user(user=user)
    if associate is not None and associate.language:
        language_remember(request, associate.language)
        return
    customer = customer_for_user(user=user)
    if customer is not None:
        language_remember(request, customer.language)


def language_chosen_save(sender, *, request, language: str, **kwargs) -> None:
    """``omni.i18n.language_chosen`` (the switcher), the one receiver: the choice is saved
    on the associate's profile and on the member's customer record."""
    associate = associate_for_user(user=request.user)
    if associate is not None:
        associate_language_set(associate=associate, language=language)
    customer = customer_for_user(user=request.user)
    if customer is not None:
        try:
            customer_update_profile(customer=customer, language=language, channel="web")
        except DomainError as error:
            messages.warning(request, str(error))
