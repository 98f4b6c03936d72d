"""Reads about customers shared by the storefront, the back-office and the API."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from customers.models import (
    Consent,
    ConsentState,
    ContactChannel,
    Customer,
    LoyaltyEntry,
    StoreCreditEntry,
)
from omni.money import ZERO


def loyalty_balance(*, customer: Customer) -> int:
    return LoyaltyEntry.objects.filter(customer=customer).aggregate(s=Sum("points"))["s"] or 0


def store_credit_balance(*, customer: Customer) -> Decimal:
    total = StoreCreditEntry.objects.filter(customer=customer).aggregate(s=Sum("amount"))["s"]
    return total if total is not None else ZERO


def consent_state(*, customer: Customer, channel: str = ContactChannel.EMAIL) -> str:
    """The customer's consent on a channel; no row means no consent."""
    state = (
        Consent.objects.filter(customer=customer, channel=channel)
        .values_list("state", flat=True)
        .first()
    )
    return state or ConsentState.NONE
