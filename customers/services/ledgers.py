"""The customer's append-only ledgers: loyalty points and store credit."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Model

from customers.models import (
    Customer,
    LoyaltyEntry,
    StoreCreditEntry,
)
from customers.services.base import reference_of
from omni.money import currency as install_currency
from omni.money import to_money
from stores.models import Location


def loyalty_add(
    *,
    customer: Customer,
    points: int,
    reason: str,
    reference: Model | None = None,
    location: Location | None = None,
    note: str = "",
) -> LoyaltyEntry | None:
    """Append to the loyalty ledger (negative points reverse or redeem). Zero adds nothing."""
    if points == 0:
        return None
    reference_type, reference_id = reference_of(reference)
    return LoyaltyEntry.objects.create(
        customer=customer,
        points=points,
        reason=reason,
        reference_type=reference_type,
        reference_id=reference_id,
        location=location,
        note=note,
    )


def store_credit_add(
    *,
    customer: Customer,
    amount: Decimal,
    reason: str,
    reference: Model | None = None,
    location: Location | None = None,
    note: str = "",
    currency: str | None = None,
) -> StoreCreditEntry:
    """Append to the store-credit ledger (negative amounts spend credit) in ``currency``
    (the order's when the credit comes from or goes to one; the install's by default)."""
    reference_type, reference_id = reference_of(reference)
    code = currency or install_currency()
    return StoreCreditEntry.objects.create(
        customer=customer,
        amount=to_money(amount, code),
        currency=code,
        reason=reason,
        reference_type=reference_type,
        reference_id=reference_id,
        location=location,
        note=note,
    )
