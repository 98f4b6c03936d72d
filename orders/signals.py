"""The receiver that keeps the shopper's cart with them when they log in (Django's
``user_logged_in``)."""

from __future__ import annotations

import logging

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from omni.errors import DomainError

logger = logging.getLogger(__name__)


@receiver(user_logged_in, dispatch_uid="orders.cart_at_login")
def cart_at_login(sender, request, user, **kwargs) -> None:
    """What a guest put in the cart on this device joins the member's cart
    (``cart_for_login``)."""
    if request is None or not hasattr(request, "session"):
        return
    from orders import services
    from orders.services.carts import CART_SESSION_KEY

    key = request.session.get(CART_SESSION_KEY, "")
    if key:
        try:
            services.cart_for_login(user=user, session_key=key)
        except DomainError:
            # A cart closed meanwhile must not stop the login; the items stay where they were.
            logger.warning("Guest cart not merged at login", exc_info=True)
        # The guest key is spent: the member's cart is found by user from now on.
        request.session.pop(CART_SESSION_KEY, None)
    # No store written here: ``customers.context_processors.my_store`` already falls back
    # to the member's home store (stores only) on their next page and remembers it.
