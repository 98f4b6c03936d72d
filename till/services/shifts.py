"""Registers and shifts: open with a float, cash in and out with a reason, close with a
counted amount against the expected one. Only a manager closes with a variance above
``OMNI_TILL_VARIANCE_LIMIT`` or reopens a closed shift."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omni.money import ZERO, currency, format_money, to_money
from stores.models import Associate, Location
from till.errors import (
    ManagerRequired,
    ShiftAlreadyClosed,
    ShiftAlreadyOpen,
    ShiftNotOpen,
    TillInputInvalid,
)
from till.models import CashMove, Register, Shift, ShiftRefund

# Above any drawer, and within the money columns: a typing slip, refused as bad input.
MAX_AMOUNT = Decimal("1000000000")


def variance_limit() -> Decimal:
    """The largest difference between counted and expected cash an associate may close
    with (``OMNI_TILL_VARIANCE_LIMIT``, else the market's ``till_variance_limit``: 5.00 in
    the US, 100,000 in Vietnam), in the market's currency; above it, a manager."""
    from omni.markets import current_market

    configured = str(getattr(settings, "OMNI_TILL_VARIANCE_LIMIT", "") or "").strip()
    return to_money(configured or current_market().till_variance_limit)


def _amount(value, *, field: str, allow_zero: bool = True) -> Decimal:
    try:
        amount = to_money(value)
    except (ArithmeticError, TypeError, ValueError):
        raise TillInputInvalid(_("Enter an amount."), field=field) from None
    if amount >= MAX_AMOUNT:
        raise TillInputInvalid(_("Enter an amount."), field=field)
    if amount < ZERO or (not allow_zero and amount == ZERO):
        raise TillInputInvalid(_("Enter an amount above zero."), field=field)
    return amount


def register_create(*, location: Location, code: str, name: str) -> Register:
    """A register at a store. Raises TillInputInvalid for a warehouse or a blank code."""
    if not location.is_store:
        raise TillInputInvalid(_("Registers are for stores."), field="location")
    code = (code or "").strip().upper()[:20]
    if not code:
        raise TillInputInvalid(_("Give the register a code."), field="code")
    register, _created = Register.objects.get_or_create(
        location=location, code=code, defaults={"name": (name or code)[:60]}
    )
    return register


def shift_current(*, register: Register) -> Shift | None:
    return Shift.objects.filter(register=register, status=Shift.Status.OPEN).first()


def shift_open(*, register: Register, associate: Associate, opening_float) -> Shift:
    """Open a shift on ``register`` with ``opening_float`` in the drawer. Raises
    ShiftAlreadyOpen (one open shift per register, held by a unique index even when two
    tablets open at once), TillInputInvalid (a negative or malformed float)."""
    amount = _amount(opening_float, field="opening_float")
    try:
        with transaction.atomic():
            return Shift.objects.create(
                register=register, opened_by=associate, opening_float=amount, currency=currency()
            )
    except IntegrityError:
        raise ShiftAlreadyOpen() from None


def _locked(shift: Shift) -> Shift:
    return Shift.objects.select_for_update().select_related("register").get(pk=shift.pk)


@transaction.atomic
def shift_cash_move(*, shift: Shift, associate: Associate, amount, reason: str) -> CashMove:
    """Cash into (``amount`` > 0) or out of (< 0) the drawer, with a reason. Locks the
    shift. Raises ShiftNotOpen, TillInputInvalid (zero, malformed, no reason)."""
    try:
        value = to_money(amount)
    except (ArithmeticError, TypeError, ValueError):
        raise TillInputInvalid(_("Enter an amount."), field="amount") from None
    if value == ZERO:
        raise TillInputInvalid(_("Enter an amount other than zero."), field="amount")
    if abs(value) >= MAX_AMOUNT:
        raise TillInputInvalid(_("Enter an amount."), field="amount")
    reason = " ".join((reason or "").split())[:120]
    if not reason:
        raise TillInputInvalid(_("Say why the cash moves."), field="reason")
    shift = _locked(shift)
    if not shift.is_open:
        raise ShiftNotOpen()
    return CashMove.objects.create(shift=shift, amount=value, reason=reason, associate=associate)


@transaction.atomic
def shift_close(*, shift: Shift, associate: Associate, counted, note: str = "") -> Shift:
    """Close the shift with the cash ``counted`` in the drawer: the expected cash (float
    + cash sales − cash refunds ± cash moves) and the variance are stored and the Z report
    is final. Locks the shift, so a second close waits and is then refused. Raises
    ShiftAlreadyClosed, ManagerRequired (variance above ``variance_limit()`` for an
    associate who is not a manager), TillInputInvalid."""
    from till.services.reports import shift_report

    counted = _amount(counted, field="counted")
    shift = _locked(shift)
    if not shift.is_open:
        raise ShiftAlreadyClosed()
    now = timezone.now()
    report = shift_report(shift=shift, until=now)
    variance = counted - report.expected_cash
    if abs(variance) > variance_limit() and not associate.is_manager:
        raise ManagerRequired(
            _(
                "The count is %(variance)s off the expected %(expected)s; a manager must close "
                "this shift."
            )
            % {
                "variance": format_money(variance, shift.currency),
                "expected": format_money(report.expected_cash, shift.currency),
            },
            field="counted",
        )
    shift.status = Shift.Status.CLOSED
    shift.closed_by = associate
    shift.closed_at = now
    shift.counted_cash = counted
    shift.expected_cash = report.expected_cash
    shift.variance = variance
    shift.close_note = " ".join((note or "").split())[:255]
    shift.save()
    return shift


@transaction.atomic
def shift_reopen(*, shift: Shift, associate: Associate) -> Shift:
    """A manager reopens a closed shift (a miscount): the close figures are cleared and
    the Z report becomes an X report again. Locks the shift. Raises ManagerRequired,
    ShiftNotOpen (the shift is open already), ShiftAlreadyOpen (another shift is open on
    the register)."""
    if not associate.is_manager:
        raise ManagerRequired(_("Only a manager can reopen a shift."))
    shift = _locked(shift)
    if shift.is_open:
        raise ShiftNotOpen(_("This shift is open."))
    if Shift.objects.filter(register_id=shift.register_id, status=Shift.Status.OPEN).exists():
        raise ShiftAlreadyOpen()
    shift.status = Shift.Status.OPEN
    shift.closed_by = None
    shift.closed_at = None
    shift.counted_cash = shift.expected_cash = shift.variance = None
    shift.reopened_count += 1
    shift.save()
    return shift


def shift_current_locked(*, register: Register) -> Shift | None:
    """The register's open shift, locked until the caller's transaction ends (a sale, a
    close and a refund paid out there take the same lock, so they run one by one)."""
    return (
        Shift.objects.select_for_update()
        .filter(register=register, status=Shift.Status.OPEN)
        .first()
    )


def shift_refunds_attach(*, register: Register, refund_ids: Sequence[int]) -> int:
    """The returns desk paid ``refund_ids`` out at ``register`` (cash from its drawer, a
    card through its terminal): they count on its open shift's reports and expected
    cash, in no other drawer's. Call it inside the return's transaction: it locks the
    open shift (a close waits, so its Z report and stored expected cash agree); the
    desk takes this lock before the return's own (a sale's order: shift, then stock).
    Nothing when no shift is open there. The number of refunds newly attached."""
    shift = shift_current_locked(register=register)
    if shift is None or not refund_ids:
        return 0
    known = set(
        ShiftRefund.objects.filter(refund_id__in=refund_ids).values_list("refund_id", flat=True)
    )
    fresh = [ShiftRefund(shift=shift, refund_id=pk) for pk in refund_ids if pk not in known]
    ShiftRefund.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)
