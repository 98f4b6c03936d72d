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


def registers_open(*, location: Location) -> list[Register]:
    """This store's registers with an open shift, by code."""
    return list(
        Register.objects.filter(location=location, is_active=True, shifts__status=Shift.Status.OPEN)
        .distinct()
        .order_by("code")
    )


def register_in_use(
    request: HttpRequest, *, open_here: list[Register], chosen: str = ""
) -> Register | None:
    """The register the returns desk pays out at and hands an exchange to: the one
    ``chosen`` on the form, else the one this session last rang up on, if its shift is
    open; else the only register with an open shift here; None when no shift is open (or
    several and none was chosen or used). ``open_here``: ``registers_open``."""
    for key in (str(chosen).strip(), str(request.session.get(LAST_REGISTER_KEY, ""))):
        for register in open_here:
            if key and str(register.pk) == key:
                return register
    return open_here[0] if len(open_here) == 1 else None


def return_refunds_paid_at(register: Register | None, *, return_request) -> None:
    """The refunds of a return taken at the desk were paid out at ``register``: they
    count in its open shift's drawer and reports (no other's)."""
    if register is None:
        return
    from orders.models import Refund
    from till.services import shift_refunds_attach

    refund_ids = list(
        Refund.objects.filter(
            reference_type="returns.return", reference_id=str(return_request.pk)
        ).values_list("pk", flat=True)
    )
    shift_refunds_attach(register=register, refund_ids=refund_ids)


def exchange_waiting(request: HttpRequest, register: Register) -> str:
    """The return whose exchange is already on ``register``'s sale in progress ("" when
    none): one exchange at a time, so no card's code is lost."""
    return (basket_state(request, register.pk).get("exchange") or {}).get("return", "")


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
    # A QR code on the screen was for the sale before the exchange paid part of it.
    state.pop("qr", None)
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
