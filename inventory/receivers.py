"""Inventory's receivers of what the apps below it send (it may import them; they may not
import inventory): holding a list's units for a visit (``stores.signals.hold_for_visit``)
and a location that moved (``stores.signals.location_moved``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import models

from inventory.models import Reservation
from inventory.selectors import (
    reservations_for_reference,
)
from inventory.services import StockLine, reservations_create, reservations_release


def hold_for_visit(
    sender,
    *,
    location_id: int,
    lines: Sequence[tuple[int, int]],
    expires_at: dt.datetime,
    reference: models.Model,
    **kwargs,
) -> list[Reservation]:
    """``stores.signals.hold_for_visit`` receiver: let go of the visit holds made earlier
    for ``reference``, then hold every line at the location (kind ``visit``), all or none,
    so the same units are never held twice. Runs in the sender's transaction; raises
    InsufficientStock naming every short line."""
    previous = [
        hold.pk
        for hold in reservations_for_reference(reference=reference)
        if hold.kind == Reservation.Kind.VISIT
    ]
    if previous:
        reservations_release(reservation_ids=previous)
    return reservations_create(
        lines=[StockLine(variant_id, location_id, quantity) for variant_id, quantity in lines],
        kind=Reservation.Kind.VISIT,
        expires_at=expires_at,
        reference=reference,
    )


def location_moved(sender, *, location_id: int, **kwargs) -> None:
    """``stores.signals.location_moved`` receiver: rebuild nearest availability on the
    worker once the new distances are committed (a full, set-based recompute: every
    store's "nearest that has it" may have changed, and it writes only changed rows)."""
    from django.db import transaction

    from inventory import tasks

    transaction.on_commit(tasks.availability_recompute_all.delay)
