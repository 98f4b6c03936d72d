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
from django.utils.translation import gettext

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
from inventory.signals import transfer_received
from stores.models import Associate
from stores.selectors import location_distances_from

Status = Transfer.Status

# A transfer arrives the next day within this distance, and a day later per further step.
TRANSFER_KM_PER_DAY = 500


def transfer_number_parse(text: str) -> int | None:
    """The transfer id a scanned or typed slip code names: "TR000042", "tr 42", "42" →
    42; None when it names none."""
    compact = "".join(ch for ch in (text or "") if ch.isalnum()).upper()
    compact = compact.removeprefix(Transfer.NUMBER_PREFIX)
    if not compact.isdigit() or len(compact) > 18:
        return None
    return int(compact) or None


def transfer_transit_time(*, distance_km: Decimal | float) -> dt.timedelta:
    """How long a transfer takes on the road: next day within 500 km, a day more for
    each further 500 km. Sourcing uses it for a pickup's ready date."""
    return dt.timedelta(days=1 + int(float(distance_km) // TRANSFER_KM_PER_DAY))


def _locked_transfer(transfer_id: int) -> Transfer:
    try:
        return Transfer.objects.select_for_update().get(pk=transfer_id)
    except Transfer.DoesNotExist:
        raise TransferNotFound(gettext("No such transfer."), transfer_id=transfer_id) from None


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
        raise InvalidDestination(
            gettext("A transfer needs two different locations."), location_id=source_id
        )
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


def _transfer_webhook(transfer: Transfer, event: str, lines: list[TransferLine]) -> None:
    from omni.api.webhooks import webhook_event_record

    webhook_event_record(
        event=event,
        payload={
            "transfer_id": transfer.pk,
            "number": transfer.number,
            "status": transfer.status,
            "source_id": transfer.source_id,
            "destination_id": transfer.destination_id,
            "reference_type": transfer.reference_type,
            "reference_id": transfer.reference_id,
            "lines": [
                {
                    "variant_id": ln.variant_id,
                    "requested": ln.quantity,
                    "shipped": ln.quantity_shipped,
                    "received": ln.quantity_received,
                    "damaged": ln.quantity_damaged,
                }
                for ln in lines
            ],
        },
        dedupe_key=f"{event}:inventory.transfer:{transfer.pk}:"
        + "-".join(f"{ln.quantity_received}.{ln.quantity_damaged}" for ln in lines),
    )


def _refuse(transfer: Transfer, action: str) -> InvalidTransition:
    """The clear sentence for a step the transfer's state does not allow."""
    status = transfer.status
    values = {"number": transfer.number, "reason": transfer.cancel_reason}
    if status == Status.CANCELLED:
        cancelled = {
            ("shipped", True): gettext(
                "Transfer %(number)s was cancelled (%(reason)s); it cannot be shipped."
            ),
            ("shipped", False): gettext("Transfer %(number)s was cancelled; it cannot be shipped."),
            ("received", True): gettext(
                "Transfer %(number)s was cancelled (%(reason)s); it cannot be received."
            ),
            ("received", False): gettext(
                "Transfer %(number)s was cancelled; it cannot be received."
            ),
        }
        message = cancelled[action, bool(transfer.cancel_reason)] % values
    elif status == Status.RECEIVED:
        message = gettext("Transfer %(number)s was received already; nothing was changed.") % values
    elif status == Status.SHIPPED:
        message = gettext("Transfer %(number)s has already been shipped.") % values
    else:
        message = gettext("Transfer %(number)s has not been shipped yet.") % values
    return InvalidTransition(message, transfer_id=transfer.pk, status=status, action=action)


def _count_refused() -> dict[str, str]:
    return {
        "sent": gettext("Enter a whole number of units sent for %(sku)s."),
        "received": gettext("Enter a whole number of units received for %(sku)s."),
        "damaged": gettext("Enter a whole number of units damaged for %(sku)s."),
    }


def _counts(
    lines: list[TransferLine], given: Mapping[int, int] | None, default, what: str
) -> dict[int, int]:
    """{variant_id: units} checked against the transfer's lines (unknown SKUs and
    non-integers refused); a line not named counts ``default(line)``."""
    given = dict(given) if given is not None else None
    known = {ln.variant_id for ln in lines}
    if given is not None and (unknown := sorted(set(given) - known)):
        raise InvalidQuantity(gettext("These SKUs are not on the transfer."), variant_ids=unknown)
    counts = {}
    for line in lines:
        count = default(line) if given is None else given.get(line.variant_id, 0)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InvalidQuantity(
                _count_refused()[what] % {"sku": line.variant.sku},
                variant_id=line.variant_id,
            )
        counts[line.variant_id] = count
    return counts


@transaction.atomic
def transfer_ship(
    *,
    transfer_id: int,
    shipped: Mapping[int, int] | None = None,
    associate: Associate | None = None,
    actor: str = "",
) -> Transfer:
    """The units left the source. ``shipped`` ({variant_id: units}) is what actually went
    in the box — fewer than requested is allowed (a line not named ships 0); by default
    everything requested. The sent units leave on-hand (``transfer_out`` movements
    referencing the transfer); holds for units not sent are released back to sale.

    Locks the transfer, its holds, then the source stock rows in primary-key order. Raises
    InvalidTransition (cancelled, shipped already — two associates at once: the second
    waits for the lock and is refused — or its holds are gone), InvalidQuantity (more than
    requested, nothing at all, a SKU not on it), TransferNotFound."""
    transfer = _locked_transfer(transfer_id)
    if transfer.status != Status.REQUESTED:
        raise _refuse(transfer, "shipped")
    lines = list(transfer.lines.select_related("variant").order_by("pk"))
    counts = _counts(lines, shipped, lambda ln: ln.quantity, "sent")
    for line in lines:
        if counts[line.variant_id] > line.quantity:
            raise InvalidQuantity(
                gettext("Only %(requested)s of %(sku)s were requested; ship at most %(requested)s.")
                % {"requested": line.quantity, "sku": line.variant.sku},
                variant_id=line.variant_id,
                requested=line.quantity,
                shipped=counts[line.variant_id],
            )
    if not any(counts.values()):
        raise InvalidQuantity(
            gettext("Ship at least one unit, or cancel the transfer with a reason."),
            transfer_id=transfer.pk,
        )
    holds = _holds(transfer)
    if not holds:
        raise InvalidTransition(
            gettext("The transfer's held stock was released."), transfer_id=transfer.pk
        )
    if any(counts[ln.variant_id] != ln.quantity for ln in lines):
        # A short shipment: let every hold go, then hold and commit exactly what was sent
        # (the units were held a moment ago, so safety stock does not stand in the way).
        reservations_release(reservation_ids=holds)
        sent = [
            StockLine(ln.variant_id, transfer.source_id, counts[ln.variant_id])
            for ln in lines
            if counts[ln.variant_id]
        ]
        holds = [
            r.pk
            for r in reserve_lines(
                sent,
                kind=Reservation.Kind.TRANSFER,
                expires_at=None,
                reference=transfer,
                within_salable=False,
            )
        ]
    reservations_commit(
        reservation_ids=holds,
        reason=StockMovement.Reason.TRANSFER_OUT,
        reference=transfer,
        associate=associate,
        actor=actor,
    )
    for line in lines:
        line.quantity_shipped = counts[line.variant_id]
    TransferLine.objects.bulk_update(lines, ["quantity_shipped"])
    now = timezone.now()
    transfer.status = Status.SHIPPED
    transfer.shipped_at = now
    transfer.updated_at = now
    transfer.save(update_fields=["status", "shipped_at", "updated_at"])
    _transfer_webhook(transfer, "transfer.shipped", lines)
    return transfer


@transaction.atomic
def transfer_receive(
    *,
    transfer_id: int,
    received: Mapping[int, int] | None = None,
    damaged: Mapping[int, int] | None = None,
    associate: Associate | None = None,
    actor: str = "",
) -> Transfer:
    """Units arrived at the destination. ``received`` ({variant_id: units}) counts what
    arrived in good order: it lands in the destination's on-hand (``transfer_in``
    movements). ``damaged`` counts units that arrived unsellable: they are written off at
    the door (recorded on the line, never in stock — the source's ``transfer_out`` already
    took them off its books). By default everything still in transit arrived in good
    order. What is neither stays in transit: the transfer stays ``shipped`` until a later
    receipt accounts for it, and only then is ``received``.

    When the transfer was made for an order (it has a reference), the arrived units are
    held at the destination for it (a pickup hold with the same reference) and
    ``inventory.signals.transfer_received`` tells orders, in this transaction.

    Locks the transfer, then the destination stock rows in primary-key order. Raises
    InvalidTransition (not shipped, cancelled, or received already — also the second of
    two receipts at once), InvalidQuantity (more than is in transit, nothing counted, a
    SKU not on it), TransferNotFound."""
    transfer = _locked_transfer(transfer_id)
    if transfer.status != Status.SHIPPED:
        raise _refuse(transfer, "received")
    lines = list(transfer.lines.select_related("variant").order_by("pk"))
    good = _counts(lines, received, lambda ln: ln.in_transit if damaged is None else 0, "received")
    broken = _counts(lines, damaged, lambda ln: 0, "damaged")
    for line in lines:
        count = good[line.variant_id] + broken[line.variant_id]
        if count > line.in_transit:
            raise InvalidQuantity(
                (
                    gettext(
                        "Only %(in_transit)s of %(sku)s are still on their way (%(shipped)s "
                        "shipped, %(received)s received, %(damaged)s damaged); %(count)s "
                        "cannot arrive."
                    )
                    if line.quantity_damaged
                    else gettext(
                        "Only %(in_transit)s of %(sku)s are still on their way (%(shipped)s "
                        "shipped, %(received)s received); %(count)s cannot arrive."
                    )
                )
                % {
                    "in_transit": line.in_transit,
                    "sku": line.variant.sku,
                    "shipped": line.quantity_shipped,
                    "received": line.quantity_received,
                    "damaged": line.quantity_damaged,
                    "count": count,
                },
                variant_id=line.variant_id,
                in_transit=line.in_transit,
                received=count,
            )
    if not any(good.values()) and not any(broken.values()):
        raise InvalidQuantity(
            gettext("Count at least one unit in (received or damaged)."), transfer_id=transfer.pk
        )
    arriving = [ln for ln in lines if good[ln.variant_id]]
    stock_ids = {
        ln.variant_id: stock_id_for_incoming(
            variant_id=ln.variant_id, location_id=transfer.destination_id
        )
        for ln in arriving
    }
    entries = []
    for line in sorted(arriving, key=lambda ln: stock_ids[ln.variant_id]):
        on_hand, _ = stock_change(stock_ids[line.variant_id], on_hand_delta=good[line.variant_id])
        entries.append(
            movement(
                variant_id=line.variant_id,
                location_id=transfer.destination_id,
                delta=good[line.variant_id],
                on_hand_after=on_hand,
                reason=StockMovement.Reason.TRANSFER_IN,
                reference=transfer,
                associate=associate,
                actor=actor,
            )
        )
    movements_record(entries)
    for line in lines:
        line.quantity_received += good[line.variant_id]
        line.quantity_damaged += broken[line.variant_id]
    TransferLine.objects.bulk_update(lines, ["quantity_received", "quantity_damaged"])
    now = timezone.now()
    complete = all(ln.in_transit == 0 for ln in lines)
    if complete:
        transfer.status = Status.RECEIVED
        transfer.received_at = now
    transfer.updated_at = now
    transfer.save(update_fields=["status", "received_at", "updated_at"])
    if transfer.reference_type and arriving:
        # Earmarked units: held whatever the destination's safety stock.
        reserve_lines(
            [
                StockLine(ln.variant_id, transfer.destination_id, good[ln.variant_id])
                for ln in arriving
            ],
            kind=Reservation.Kind.PICKUP,
            expires_at=reservation_default_expiry(kind=Reservation.Kind.PICKUP, now=now),
            reference=(transfer.reference_type, transfer.reference_id),
            within_salable=False,
        )
    _transfer_webhook(transfer, "transfer.received", lines)
    transfer_received.send(sender=Transfer, transfer=transfer, complete=complete)
    return transfer


@transaction.atomic
def transfer_cancel(
    *, transfer_id: int, reason: str = "", associate: Associate | None = None
) -> Transfer:
    """Call off a transfer that has not left: its holds at the source are released and
    the reason is kept. Idempotent: cancelling a cancelled transfer changes nothing.

    Locks the transfer, its holds, then the source stock rows. Raises InvalidTransition
    (already shipped or received), TransferNotFound."""
    transfer = _locked_transfer(transfer_id)
    if transfer.status == Status.CANCELLED:
        return transfer
    if transfer.status != Status.REQUESTED:
        raise InvalidTransition(
            gettext("Transfer %(number)s is %(status)s; it can no longer be cancelled.")
            % {"number": transfer.number, "status": str(transfer.get_status_display()).lower()},
            transfer_id=transfer.pk,
            status=transfer.status,
        )
    reservations_release(reservation_ids=_holds(transfer))
    now = timezone.now()
    transfer.status = Status.CANCELLED
    transfer.cancelled_at = now
    transfer.cancel_reason = reason.strip()[:255]
    transfer.updated_at = now
    transfer.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    return transfer
