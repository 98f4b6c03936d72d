"""Reporting's receivers: the order and return services announce a change (one
notification signal each, documented beside it); after commit, a Celery task recomputes
the days it touches (``reporting.tasks.rollups_refresh``).

Why a task on commit and not an outbox row: the checkout's query budget (≤ 40) has no room
for an outbox insert per order, and the rollups are derived data — a refresh lost to a
broker outage at that moment is redone by the beat task for today and yesterday
(``rollups_refresh_recent``), and older days by ``rollups_rebuild``. No query is added
to the writer's transaction."""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def _refresh_after_commit(**payload) -> None:
    from reporting.tasks import rollups_refresh

    def send() -> None:
        try:
            rollups_refresh.delay(**payload)
        except Exception:  # a broker outage must not fail the request that committed
            logger.warning("Rollups refresh not queued for %s", payload, exc_info=True)

    transaction.on_commit(send)


def order_event_recorded(sender, *, order_id: int, event: str, key: str = "", **kwargs) -> None:
    """``orders.services.events.order_event_recorded`` receiver."""
    _refresh_after_commit(order_id=order_id)


def return_changed(sender, *, return_id: int, **kwargs) -> None:
    """``returns.signals.return_changed`` receiver."""
    _refresh_after_commit(return_id=return_id)
