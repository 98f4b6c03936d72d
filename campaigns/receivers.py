"""Campaigns' receivers of what the apps below it send (it may import them; they may
not import campaigns): a size that became salable
(``inventory.signals.availability_gained``)."""

from __future__ import annotations


def availability_gained(
    sender, *, variant_id: int, store_ids: list[int], online: bool, **kwargs
) -> None:
    """``inventory.signals.availability_gained`` receiver: the open back-in-stock
    requests for the size at those stores (or online) get their one alert, recorded in
    the outbox in the refresh's transaction (sent after it commits)."""
    from campaigns.services import back_in_stock_alerts_due

    back_in_stock_alerts_due(variant_id=variant_id, store_ids=store_ids, online=online)
