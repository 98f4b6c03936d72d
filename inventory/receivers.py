"""Inventory's receivers of what the apps below it send (it may import them; they may not
import inventory): a location that moved (``stores.signals.location_moved``)."""

from __future__ import annotations


def location_moved(sender, *, location_id: int, **kwargs) -> None:
    """``stores.signals.location_moved`` receiver: rebuild nearest availability on the
    worker once the new distances are committed (a full, set-based recompute: every
    store's "nearest that has it" may have changed, and it writes only changed rows)."""
    from django.db import transaction

    from inventory import tasks

    transaction.on_commit(tasks.availability_recompute_all.delay)
