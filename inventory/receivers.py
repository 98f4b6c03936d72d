"""Inventory's answers to questions lower apps ask through signals (it may import them;
they may not import inventory)."""

from __future__ import annotations

from collections.abc import Iterable

from inventory.models import Stock


def salable_at_location(
    sender, *, location_id: int, variant_ids: Iterable[int], **kwargs
) -> dict[int, int]:
    """``stores.signals.salable_at_location`` receiver: ``{variant_id: salable}`` at the
    location (``Stock.objects.with_salable()``, floored at 0); variants without a stock
    row there are absent. One query."""
    return dict(
        Stock.objects.with_salable()
        .filter(location_id=location_id, variant_id__in=list(variant_ids))
        .values_list("variant_id", "salable")
    )
