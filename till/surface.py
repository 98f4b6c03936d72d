"""What the till lends to other apps' screens: the basket in progress of a register (kept
in the associate's session, one per register) and the returns desk's hand-over of an
exchange to the till — the returned value, carried on a new gift card, paying first for
what the customer takes instead."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.http import HttpRequest

from stores.models import Location
from till.models import Register, Shift

# The register this session last rang up on (the returns desk hands an exchange to it).
LAST_REGISTER_KEY = "till:last_register"


def basket_state_key(register_id: int) -> str:
    return f"till:{register_id}"


def basket_state(request: HttpRequest, register_id: int) -> dict:
    """The sale in progress on a register, as this session keeps it."""
    state = request.session.get(basket_state_key(register_id)) or {}
    state.setdefault("lines", {})
    state.setdefault("customer_id", None)
    state.setdefault("key", uuid.uuid4().hex)
    return state


def basket_state_save(request: HttpRequest, register_id: int, state: dict) -> None:
    request.session[basket_state_key(register_id)] = state
    request.session[LAST_REGISTER_KEY] = register_id


def exchange_register(request: HttpRequest, *, location: Location) -> Register | None:
    """The register an exchange taken at this store's returns desk goes on to: the one
    this session last used, if its shift is open; else the only register with an open
    shift here; None when no shift is open (or several and none was used: the associate
    picks by opening a till first)."""
    open_here = list(
        Register.objects.filter(
            location=location, is_active=True, shifts__status=Shift.Status.OPEN
        ).distinct()
    )
    last = request.session.get(LAST_REGISTER_KEY)
    for register in open_here:
        if register.pk == last:
            return register
    return open_here[0] if len(open_here) == 1 else None


def exchange_begin(
    request: HttpRequest,
    *,
    register: Register,
    return_number: str,
    code: str,
    amount: Decimal,
    customer_id: int | None,
) -> None:
    """Put a return's value (on the gift card ``code``) on ``register``'s sale in progress
    as its first tender; the return's customer is attached unless the sale has one or the
    order was a walk-in's (an anonymous till sale)."""
    state = basket_state(request, register.pk)
    state["exchange"] = {
        "return": return_number,
        "code": code,
        "amount": str(amount),
        "last4": code.replace("-", "")[-4:],
    }
    walk_in = Register.objects.filter(walk_in_customer_id=customer_id).exists()
    if customer_id and not walk_in and not state.get("customer_id"):
        state["customer_id"] = customer_id
    basket_state_save(request, register.pk, state)
