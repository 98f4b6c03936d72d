"""The customer's append-only ledgers: loyalty points and store credit."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Model, Sum

from customers.models import (
    Customer,
    LoyaltyEntry,
    StoreCreditEntry,
)
from customers.services.base import reference_of
from omni.money import currency as install_currency
from omni.money import minor_units, to_money
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


# --- points as money ------------------------------------------------------------------------
# OMNI_LOYALTY_POINT_VALUE = {"points": 100, "value": "5"}: that many points are worth
# ``value`` whole units of the market's currency. A purchase earns a point per whole unit
# spent (checkout), so the default gives back 5% in every market, whatever its currency.


def loyalty_rate() -> tuple[int, Decimal]:
    """(points, value): ``points`` are worth ``value`` in the market's currency."""
    rate = getattr(settings, "OMNI_LOYALTY_POINT_VALUE", None) or {"points": 100, "value": "5"}
    return int(rate["points"]), Decimal(str(rate["value"]))


def loyalty_worth(*, points: int, currency: str | None = None) -> Decimal:
    """What ``points`` pay, rounded down to the currency's minor units."""
    per, value = loyalty_rate()
    code = currency or install_currency()
    if points <= 0:
        return to_money(0, code)
    exact = Decimal(points) * value / per
    return to_money_floor(exact, code)


def loyalty_points_for(*, amount: Decimal, currency: str | None = None) -> int:
    """The fewest points whose worth covers ``amount`` (rounded up to a whole point)."""
    per, value = loyalty_rate()
    if amount <= 0:
        return 0
    points = int((Decimal(amount) * per / value).to_integral_value(rounding=ROUND_CEILING))
    return points


@transaction.atomic
def loyalty_redeem(
    *,
    customer: Customer,
    amount: Decimal,
    currency: str,
    reference: Model | None = None,
    location: Location | None = None,
    note: str = "",
) -> tuple[LoyaltyEntry | None, Decimal]:
    """Spend points for up to ``amount``: as many as it takes, at most the balance. A
    REDEMPTION entry of minus the points; returns it and the money they paid (zero and
    None when there are no points to spend).

    Locks the customer row, then sums the ledger: two redemptions at once cannot spend
    the same points."""
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    entries = LoyaltyEntry.objects.filter(customer=locked)
    if reference is not None:
        # Points the paid order itself earns (written earlier in its checkout) are not
        # spendable on it: they count once it is placed.
        reference_type, reference_id = reference_of(reference)
        entries = entries.exclude(
            reference_type=reference_type, reference_id=reference_id, points__gt=0
        )
    balance = entries.aggregate(s=Sum("points"))["s"] or 0
    wanted = loyalty_points_for(amount=amount, currency=currency)
    points = min(wanted, balance)
    worth = min(loyalty_worth(points=points, currency=currency), to_money(amount, currency))
    if points <= 0 or worth <= 0:
        return None, to_money(0, currency)
    entry = loyalty_add(
        customer=locked,
        points=-points,
        reason=LoyaltyEntry.Reason.REDEMPTION,
        reference=reference,
        location=location,
        note=note,
    )
    return entry, worth


def to_money_floor(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded down to the currency's minor units (points never pay a fraction
    more than they are worth)."""
    step = Decimal(1).scaleb(-minor_units(currency))
    return to_money(Decimal(amount).quantize(step, rounding=ROUND_FLOOR), currency)
