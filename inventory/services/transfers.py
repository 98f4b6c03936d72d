"""Transfers between locations: requested (units held at the source) → shipped (they
leave the source's on-hand) → received (they arrive in the destination's on-hand).
A transfer made for an order (its reference points at the order or fulfilment) holds the
arriving units at the destination for that order as a pickup hold."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from inventory.errors import (
    InvalidDestination,
    InvalidQuantity,
    InvalidTransition,
    TransferNotFound,
)
from inventory.models import Reservation, StockMovement, Transfer, TransferLine
from inventory.services.reservations import (
    reservation_default_expiry,
    reservations_commit,
    reservations_release,
    reserve_lines,
)
from inventory.services.stock import (
    Line,
    Reference,
    StockLine,
    ensure_known,
    movement,
    movements_record,
    normalise_lines,
    reference_fields,
    stock_change,
    stock_id_for_incoming,
)
from stores.models import Associate
from stores.selectors import location_distances_from

Status = Transfer.Status

# A transfer arrives the next day within this distance, and a day later per further step.
TRANSFER_KM_PER_DAY = 500


def transfer_transit_time(*, distance_km: Decimal | float) -> dt.timedelta:
    """How long a transfer takes on the road: next day within 500 km, a day more for
    each further 500 km. Sourcing uses it for a pickup's ready date."""
    return dt.timedelta(days=1 + int(float(distance_km) // TRANSFER_KM_PER_DAY))


def _locked_transfer(transfer_id: int) -> Transfer:
    try:
        return Transfer.objects.select_for_update().get(pk=transfer_id)
    except Transfer.DoesNotExist:
        raise TransferNotFound("No such transfer.", transfer_id=transfer_id) from None


def _holds(transfer: Transfer) -> list[int]:
    return list(
        Reservation.objects.filter(
            kind=Reservation.Kind.TRANSFER,
            status=Reservation.Status.ACTIVE,
            **reference_fields(transfer),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def transfer_request(
    *,
    source_id: int,
    destination_id: int,
    lines: Sequence[Line | tuple[int, int]],
    expected_at: dt.datetime | None = None,
    requested_by: Associate | None = None,
    note: str = "",
    reference: Reference = None,
) -> Transfer:
    """Ask for stock to move from ``source_id`` to ``destination_id``. The units are held
    at the source at once (salable there, safety stock kept back) so they cannot be sold
    before they leave. ``expected_at`` defaults to now + ``transfer_transit_time``.
    ``reference`` names what the transfer is for (an order or fulfilment).

    Locks the source stock rows in primary-key order. Raises InsufficientStock (naming
    every short line), InvalidDestination (same source and destination),
    UnknownLocation, UnknownVariant, InvalidQuantity."""
    lines = normalise_lines(lines)
    if source_id == destination_id:
        raise InvalidDestination("A transfer needs two different locations.", location_id=source_id)
    ensure_known(location_ids=[source_id, destination_id])
    if expected_at is None:
        distance = location_distances_from(location_id=source_id).get(destination_id, 0)
        expected_at = timezone.now() + transfer_transit_time(distance_km=distance)
    transfer = Transfer.objects.create(
        source_id=source_id,
        destination_id=destination_id,
        expected_at=expected_at,
        requested_by=requested_by,
        note=note[:255],
        **reference_fields(reference),
    )
    reserve_lines(
        [StockLine(line.variant_id, source_id, line.quantity) for line in lines],
        kind=Reservation.Kind.TRANSFER,
        expires_at=None,
        reference=transfer,
    )
    TransferLine.objects.bulk_create(
        TransferLine(transfer=transfer, variant_id=line.variant_id, quantity=line.quantity)
        for line in lines
    )
    return transfer


@transaction.atomic
def transfer_ship(
    *, transfer_id: int, associate: Associate | None = None, actor: str = ""
) -> Transfer:
    """The units left the source: its holds are committed (on-hand and reserved down,
    ``transfer_out`` movements referencing the transfer).

    Locks the transfer, its holds, then the source stock rows. Raises InvalidTransition
    (not in ``requested``, e.g. shipped twice, or its holds are gone), TransferNotFound."""
    transfer = _locked_transfer(transfer_id)
    if transfer.status != Status.REQUESTED:
        raise InvalidTransition(
            f"The transfer is {transfer.get_status_display().lower()}; only a requested "
            "transfer can be shipped.",
            transfer_id=transfer.pk,
            status=transfer.status,
        )
    holds = _holds(transfer)
    if not holds:
        raise InvalidTransition("The transfer's held stock was released.", transfer_id=transfer.pk)
    reservations_commit(
        reservation_ids=holds,
        reason=StockMovement.Reason.TRANSFER_OUT,
        reference=transfer,
        associate=associate,
        actor=actor,
    )
    transfer.status = Status.SHIPPED
    transfer.shipped_at = timezone.now()
    transfer.save(update_fields=["status", "shipped_at"])
    return transfer


@transaction.atomic
def transfer_receive(
    *,
    transfer_id: int,
    received: Mapping[int, int] | None = None,
    associate: Associate | None = None,
    actor: str = "",
) -> Transfer:
    """The units arrived: the destination's on-hand goes up (``transfer_in`` movements).
    ``received`` ({variant_id: units}) records a short delivery; by default everything
    sent arrived. When the transfer was made for an order (it has a reference), the
    arrived units are held at the destination for it (a pickup hold with the same
    reference), so nobody else can buy them before the shopper comes.

    Locks the transfer, then the destination stock rows in primary-key order. Raises
    InvalidTransition (not shipped, or received already), InvalidQuantity (more than was
    sent, or a variant not on the transfer), TransferNotFound."""
    transfer = _locked_transfer(transfer_id)
    if transfer.status != Status.SHIPPED:
        raise InvalidTransition(
            f"The transfer is {transfer.get_status_display().lower()}; only a shipped "
            "transfer can be received.",
            transfer_id=transfer.pk,
            status=transfer.status,
        )
    lines = list(transfer.lines.order_by("pk"))
    received = (
        dict(received) if received is not None else {ln.variant_id: ln.quantity for ln in lines}
    )
    if unknown := sorted(set(received) - {ln.variant_id for ln in lines}):
        raise InvalidQuantity("These SKUs are not on the transfer.", variant_ids=unknown)
    for line in lines:
        count = received.get(line.variant_id, 0)
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= line.quantity:
            raise InvalidQuantity(
                f"Between 0 and {line.quantity} units of this SKU can arrive.",
                variant_id=line.variant_id,
                received=count,
            )
        line.quantity_received = count
    arriving = [ln for ln in lines if ln.quantity_received]
    stock_ids = {
        ln.variant_id: stock_id_for_incoming(
            variant_id=ln.variant_id, location_id=transfer.destination_id
        )
        for ln in arriving
    }
    entries = []
    for line in sorted(arriving, key=lambda ln: stock_ids[ln.variant_id]):
        on_hand, _ = stock_change(stock_ids[line.variant_id], on_hand_delta=line.quantity_received)
        entries.append(
            movement(
                variant_id=line.variant_id,
                location_id=transfer.destination_id,
                delta=line.quantity_received,
                on_hand_after=on_hand,
                reason=StockMovement.Reason.TRANSFER_IN,
                reference=transfer,
                associate=associate,
                actor=actor,
            )
        )
    movements_record(entries)
    TransferLine.objects.bulk_update(lines, ["quantity_received"])
    now = timezone.now()
    transfer.status = Status.RECEIVED
    transfer.received_at = now
    transfer.save(update_fields=["status", "received_at"])
    if transfer.reference_type and arriving:
        # Earmarked units: held whatever the destination's safety stock.
        reserve_lines(
            [
                StockLine(ln.variant_id, transfer.destination_id, ln.quantity_received)
                for ln in arriving
            ],
            kind=Reservation.Kind.PICKUP,
            expires_at=reservation_default_expiry(kind=Reservation.Kind.PICKUP, now=now),
            reference=(transfer.reference_type, transfer.reference_id),
            within_salable=False,
        )
    return transfer


@transaction.atomic
def transfer_cancel(*, transfer_id: int) -> Transfer:
    """Call off a transfer that has not left: its holds at the source are released.
    Idempotent: cancelling a cancelled transfer changes nothing.

    Locks the transfer, its holds, then the source stock rows. Raises InvalidTransition
    (already shipped or received), TransferNotFound."""
    transfer = _locked_transfer(transfer_id)
    if transfer.status == Status.CANCELLED:
        return transfer
    if transfer.status != Status.REQUESTED:
        raise InvalidTransition(
            f"The transfer is {transfer.get_status_display().lower()}; it can no longer be "
            "cancelled.",
            transfer_id=transfer.pk,
            status=transfer.status,
        )
    reservations_release(reservation_ids=_holds(transfer))
    transfer.status = Status.CANCELLED
    transfer.save(update_fields=["status"])
    return transfer
