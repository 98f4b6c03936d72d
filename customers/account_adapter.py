"""allauth's adapter (settings.ACCOUNT_ADAPTER): account emails (confirmation, password
reset, notifications) go out in the recipient's language, like every other email to a
customer (omni.email): the customer's saved language when the address is known, else the
language of the page that asked for it (a sign-up, a reset for an unknown address)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation

from customers.models import Customer, CustomerIdentity
from customers.selectors import customer_for_user


def _recipient_language(email: str | list[str], context: dict[str, Any]) -> str | None:
    user = context.get("user")
    customer: Customer | None = None
    if user is not None and getattr(user, "is_authenticated", False):
        customer = customer_for_user(user=user)
    if customer is None and isinstance(email, str) and email:
        identity = (
            CustomerIdentity.objects.select_related("customer")
            .filter(kind=CustomerIdentity.Kind.EMAIL, value=email.strip().lower())
            .first()
        )
        customer = identity.customer if identity is not None else None
    return customer.language if customer is not None else None


class AccountAdapter(DefaultAccountAdapter):
    def render_mail(self, template_prefix, email, context, headers=None):
        language = _recipient_language(email, context) or translation.get_language()
        with translation.override(language):
            return super().render_mail(template_prefix, email, context, headers=headers)
