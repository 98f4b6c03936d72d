"""Reservations: stock held for a cart, an order line, a pickup, a store visit or a
transfer, released, committed (the units leave stock) or expired by the worker.

Lock order, everywhere in inventory: reservation rows (by primary key) before stock rows
(by primary key). Following it is what keeps concurrent checkouts, releases and the
expiry sweep from deadlocking one another.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from inventory.errors import (
    InsufficientStock,
    InvalidQuantity,
    InvalidTransition,
    ReservationNotFound,
)
from inventory.models import Reservation, Stock, StockMovement
from inventory.services.stock import (
    Reference,
    StockLine,
    can_reserve_many,
    ensure_known,
    movement,
    movements_record,
    normalise_stock_lines,
    reference_fields,
    schedule_availability,
    shortage,
    stock_change,
    stock_ids_for,
    stock_reserve_many,
)
from stores.models import Associate

Kind = Reservation.Kind
Status = Reservation.Status
Reason = StockMovement.Reason

# Why units leave stock when a reservation is committed.
COMMIT_REASONS = frozenset({Reason.SALE, Reason.SHIP, Reason.PICKUP, Reason.TRANSFER_OUT})


def reservation_default_expiry(*, kind: str, now: dt.datetime) -> dt.datetime | None:
    """Cart holds last OMNI_CART_HOLD_MINUTES, pickup holds OMNI_PICKUP_HOLD_DAYS; order,
    visit and transfer holds last until released or committed."""
    if kind == Kind.CART:
        return now + dt.timedelta(minutes=settings.OMNI_CART_HOLD_MINUTES)
    if kind == Kind.PICKUP:
        return now + dt.timedelta(days=settings.OMNI_PICKUP_HOLD_DAYS)
    return None


def _hold_at_once(
    lines: Sequence[StockLine], ids: dict[tuple[int, int], int], *, within_salable: bool
) -> set[int]:
    """Three statements whatever the number of lines: lock the rows in primary-key order,
    then one conditional UPDATE over all of them."""
    holds = [
        (ids[(line.variant_id, line.location_id)], line.quantity)
        for line in lines
        if (line.variant_id, line.location_id) in ids
    ]
    if not holds:
        return set()
    if connection.vendor == "postgresql":
        # Rows locked in a fixed order: two carts with the same SKUs in opposite orders
        # queue behind each other instead of deadlocking.
        list(
            Stock.objects.select_for_update()
            .filter(pk__in=[stock_id for stock_id, _ in holds])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    return stock_reserve_many(holds, within_salable=within_salable)


def _hold_one_by_one(
    lines: Sequence[StockLine], ids: dict[tuple[int, int], int], *, within_salable: bool
) -> set[int]:
    """Older SQLite (no UPDATE ... RETURNING): one conditional UPDATE per line, in
    primary-key order."""
    held = set()
    for line in sorted(lines, key=lambda line: ids.get((line.variant_id, line.location_id), 0)):
        stock_id = ids.get((line.variant_id, line.location_id))
        if stock_id and stock_change(
            stock_id, reserved_delta=line.quantity, within_salable=within_salable
        ):
            held.add(stock_id)
    return held


def reserve_lines(
    lines: Sequence[StockLine],
    *,
    kind: str,
    expires_at: dt.datetime | None,
    reference: Reference,
    within_salable: bool = True,
) -> list[Reservation]:
    """Hold every line or none (the caller's transaction): the stock rows are locked in
    primary-key order and moved by an UPDATE conditional on the salable quantity."""
    if kind not in Kind.values:
        raise InvalidQuantity(gettext("Unknown kind of hold."), kind=kind)
    ids = stock_ids_for((line.variant_id, line.location_id) for line in lines)
    if len(ids) < len(lines):
        ensure_known(
            variant_ids=[line.variant_id for line in lines],
            location_ids=[line.location_id for line in lines],
        )
    if can_reserve_many():
        held = _hold_at_once(lines, ids, within_salable=within_salable)
    else:
        held = _hold_one_by_one(lines, ids, within_salable=within_salable)
    short = [
        shortage(
            variant_id=line.variant_id,
            location_id=line.location_id,
            requested=line.quantity,
            stock_id=ids.get((line.variant_id, line.location_id)),
        )
        for line in lines
        if ids.get((line.variant_id, line.location_id)) not in held
    ]
    if short:
        # The atomic block around the caller rolls back the lines already held.
        raise InsufficientStock(gettext("Not enough stock to hold."), lines=short)
    reservations = Reservation.objects.bulk_create(
        Reservation(
            stock_id=ids[(line.variant_id, line.location_id)],
            quantity=line.quantity,
            kind=kind,
            expires_at=expires_at,
            **reference_fields(reference),
        )
        for line in lines
    )
    schedule_availability(line.variant_id for line in lines)
    return reservations


@transaction.atomic
def reservations_create(
    *,
    lines: Sequence[StockLine | tuple[int, int, int]],
    kind: str,
    expires_at: dt.datetime | None = None,
    reference: Reference = None,
) -> list[Reservation]:
    """Hold stock for several lines (variant, location, quantity) at once: all or none.
    ``expires_at`` defaults by kind (see ``reservation_default_expiry``). The same
    (variant, location) twice is merged into one hold. The location's safety stock is
    kept back.

    Locks the stock rows in primary-key order (never deadlocks with another multi-line
    hold). Raises InsufficientStock naming every short line (details ``lines``:
    variant_id, location_id, requested, salable), InvalidQuantity, UnknownVariant,
    UnknownLocation."""
    lines = normalise_stock_lines(lines)
    if expires_at is None:
        expires_at = reservation_default_expiry(kind=kind, now=timezone.now())
    return reserve_lines(lines, kind=kind, expires_at=expires_at, reference=reference)


def reservation_create(
    *,
    variant_id: int,
    location_id: int,
    quantity: int,
    kind: str,
    expires_at: dt.datetime | None = None,
    reference: Reference = None,
) -> Reservation:
    """Hold one line; see ``reservations_create``."""
    (reservation,) = reservations_create(
        lines=[StockLine(variant_id, location_id, quantity)],
        kind=kind,
        expires_at=expires_at,
        reference=reference,
    )
    return reservation


def _locked(reservation_ids: Iterable[int]) -> list[Reservation]:
    ids = sorted(set(reservation_ids))
    found = list(
        # of=self: lock the holds only; their stock rows are locked later, in pk order.
        Reservation.objects.select_for_update(of=("self",))
        .select_related("stock")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(found) < len(ids):
        missing = sorted(set(ids) - {r.pk for r in found})
        raise ReservationNotFound(gettext("No such reservation."), reservation_ids=missing)
    return found


def _close(reservations: list[Reservation], *, status: str, now: dt.datetime) -> None:
    """Active holds → released/expired: reserved goes down, on-hand stays."""
    active = [r for r in reservations if r.status == Status.ACTIVE]
    if not active:
        return
    Reservation.objects.filter(pk__in=[r.pk for r in active], status=Status.ACTIVE).update(
        status=status, closed_at=now
    )
    per_stock: dict[int, int] = defaultdict(int)
    for r in active:
        per_stock[r.stock_id] += r.quantity
        r.status, r.closed_at = status, now
    for stock_id in sorted(per_stock):
        stock_change(stock_id, reserved_delta=-per_stock[stock_id])
    schedule_availability({r.stock.variant_id for r in active})


@transaction.atomic
def reservations_release(*, reservation_ids: Sequence[int]) -> list[Reservation]:
    """Let go of holds (a cart emptied, an order cancelled). Idempotent: releasing a hold
    that is already released, expired or committed changes nothing.

    Locks the reservations, then their stock rows, in primary-key order. Raises
    ReservationNotFound."""
    reservations = _locked(reservation_ids)
    _close(reservations, status=Status.RELEASED, now=timezone.now())
    return reservations


def reservation_release(*, reservation_id: int) -> Reservation:
    """Let go of one hold; see ``reservations_release``."""
    (reservation,) = reservations_release(reservation_ids=[reservation_id])
    return reservation


@transaction.atomic
def reservations_commit(
    *,
    reservation_ids: Sequence[int],
    reason: str,
    reference: Reference = None,
    associate: Associate | None = None,
    actor: str = "",
) -> list[Reservation]:
    """The held units leave stock (shipped, collected, sold to the visitor it was held
    for): on-hand and reserved go down together and each line writes a movement with
    ``reason`` (sale, ship, pickup) and ``reference`` (default: the hold's own reference).
    Idempotent: committing an already committed hold changes nothing.

    Locks the reservations, then their stock rows, in primary-key order. Raises
    InvalidTransition (a hold that was released or expired: hold the stock again),
    ReservationNotFound, InvalidQuantity (unknown reason)."""
    if reason not in COMMIT_REASONS:
        raise InvalidQuantity(gettext("Unknown reason for stock leaving."), reason=reason)
    reservations = _locked(reservation_ids)
    if closed := [r.pk for r in reservations if r.status in (Status.RELEASED, Status.EXPIRED)]:
        raise InvalidTransition(
            gettext("The hold has been released or has expired."), reservation_ids=closed
        )
    active = [r for r in reservations if r.status == Status.ACTIVE]
    if not active:
        return reservations
    now = timezone.now()
    Reservation.objects.filter(pk__in=[r.pk for r in active]).update(
        status=Status.COMMITTED, closed_at=now
    )
    entries = []
    for r in sorted(active, key=lambda r: (r.stock_id, r.pk)):
        result = stock_change(r.stock_id, on_hand_delta=-r.quantity, reserved_delta=-r.quantity)
        if result is None:  # cannot happen while reserved <= on_hand holds; say so loudly
            raise InsufficientStock(
                gettext("The held units are no longer in stock."), reservation_id=r.pk
            )
        entries.append(
            movement(
                variant_id=r.stock.variant_id,
                location_id=r.stock.location_id,
                delta=-r.quantity,
                on_hand_after=result[0],
                reason=reason,
                reference=reference if reference is not None else _own_reference(r),
                associate=associate,
                actor=actor,
            )
        )
        r.status, r.closed_at = Status.COMMITTED, now
    movements_record(entries)
    return reservations


def _own_reference(reservation: Reservation) -> Reference:
    if not reservation.reference_type:
        return None
    return (reservation.reference_type, reservation.reference_id)


def reservation_commit(
    *,
    reservation_id: int,
    reason: str,
    reference: Reference = None,
    associate: Associate | None = None,
    actor: str = "",
) -> Reservation:
    """Commit one hold; see ``reservations_commit``."""
    (reservation,) = reservations_commit(
        reservation_ids=[reservation_id],
        reason=reason,
        reference=reference,
        associate=associate,
        actor=actor,
    )
    return reservation


@transaction.atomic
def reservations_rehold(
    *,
    reservation_ids: Sequence[int],
    lines: Sequence[StockLine],
    kind: str,
    reference: Reference = None,
    expires_at: dt.datetime | None = None,
) -> list[Reservation]:
    """Replace holds by holds of exactly ``lines`` (a part of what they held: a short
    shipment, a line sent elsewhere). The released units were held a moment ago, so the
    new holds ignore safety stock. All or nothing, in the caller's transaction.

    Locks the reservations, then the stock rows, in primary-key order. Raises
    ReservationNotFound, InsufficientStock (``lines`` more than was held)."""
    reservations_release(reservation_ids=reservation_ids)
    lines = [line for line in lines if line.quantity]
    if not lines:
        return []
    return reserve_lines(
        lines, kind=kind, expires_at=expires_at, reference=reference, within_salable=False
    )


@transaction.atomic
def reservations_hold_for_visit(
    *,
    location_id: int,
    lines: Sequence[tuple[int, int]],
    expires_at: dt.datetime,
    reference: Reference,
) -> list[Reservation]:
    """Put units aside at a location for a shopper's visit: let go of the visit holds
    made earlier for ``reference`` (a model instance: the list), then hold every line
    (``(variant_id, quantity)``, kind ``visit``), all or none, so the same units are never
    held twice. Holds of other kinds for the same reference are left alone.

    Locks the earlier holds, then the stock rows, in primary-key order. Raises
    InsufficientStock naming every short line (details ``lines``: variant_id,
    location_id, requested, salable)."""
    previous = list(
        Reservation.objects.filter(
            status=Reservation.Status.ACTIVE,
            kind=Reservation.Kind.VISIT,
            **reference_fields(reference),
        ).values_list("pk", flat=True)
    )
    if previous:
        reservations_release(reservation_ids=previous)
    return reservations_create(
        lines=[StockLine(variant_id, location_id, quantity) for variant_id, quantity in lines],
        kind=Reservation.Kind.VISIT,
        expires_at=expires_at,
        reference=reference,
    )


def stock_ship(
    *,
    reservation_ids: Sequence[int],
    reference: Reference = None,
    associate: Associate | None = None,
    actor: str = "",
) -> list[Reservation]:
    """A shipment left the building: commits its holds with reason ``ship``."""
    return reservations_commit(
        reservation_ids=reservation_ids,
        reason=Reason.SHIP,
        reference=reference,
        associate=associate,
        actor=actor,
    )


def stock_collect(
    *,
    reservation_ids: Sequence[int],
    reference: Reference = None,
    associate: Associate | None = None,
    actor: str = "",
) -> list[Reservation]:
    """The shopper collected a pickup: commits its holds with reason ``pickup``."""
    return reservations_commit(
        reservation_ids=reservation_ids,
        reason=Reason.PICKUP,
        reference=reference,
        associate=associate,
        actor=actor,
    )


@transaction.atomic
def reservation_convert(
    *,
    reservation_id: int,
    kind: str,
    expires_at: dt.datetime | None = None,
    reference: Reference = None,
) -> Reservation:
    """Turn a live hold into another kind without letting go of the units (a cart hold
    becomes an order-line hold at checkout; an order hold becomes a pickup hold when the
    parcel is ready). ``expires_at`` defaults by the new kind; ``reference`` replaces the
    old one when given.

    Locks the reservation. Raises InvalidTransition when the hold is no longer active
    (hold the stock again), ReservationNotFound, InvalidQuantity (unknown kind)."""
    if kind not in Kind.values:
        raise InvalidQuantity(gettext("Unknown kind of hold."), kind=kind)
    (reservation,) = _locked([reservation_id])
    if reservation.status != Status.ACTIVE:
        raise InvalidTransition(
            gettext("The hold is no longer active."),
            reservation_id=reservation.pk,
            status=reservation.status,
        )
    reservation.kind = kind
    reservation.expires_at = expires_at or reservation_default_expiry(kind=kind, now=timezone.now())
    fields = ["kind", "expires_at"]
    if reference is not None:
        for name, value in reference_fields(reference).items():
            setattr(reservation, name, value)
        fields += ["reference_type", "reference_id"]
    reservation.save(update_fields=fields)
    return reservation


def reservations_expire(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Release every active hold whose expiry has passed, in batches of ``batch_size``,
    one transaction per batch; the number released.

    Safe to run twice at once: on PostgreSQL each batch locks its holds with
    ``FOR UPDATE SKIP LOCKED`` (a second sweep takes the next ones instead of waiting or
    releasing the same ones), and the status change is conditional on the hold still
    being active. On SQLite writes are serialised."""
    now = now or timezone.now()
    total = 0
    while True:
        released = _expire_batch(now=now, batch_size=batch_size)
        total += released
        if released < batch_size:
            return total


@transaction.atomic
def _expire_batch(*, now: dt.datetime, batch_size: int) -> int:
    due = Reservation.objects.filter(status=Status.ACTIVE, expires_at__lte=now).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True)
    rows = list(due.values_list("pk", "stock_id", "quantity")[:batch_size])
    if not rows:
        return 0
    Reservation.objects.filter(pk__in=[pk for pk, _, _ in rows], status=Status.ACTIVE).update(
        status=Status.EXPIRED, closed_at=now
    )
    per_stock: dict[int, int] = defaultdict(int)
    for _, stock_id, quantity in rows:
        per_stock[stock_id] += quantity
    for stock_id in sorted(per_stock):
        stock_change(stock_id, reserved_delta=-per_stock[stock_id])
    schedule_availability(
        Stock.objects.filter(pk__in=per_stock).values_list("variant_id", flat=True).distinct()
    )
    return len(rows)
