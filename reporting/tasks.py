"""Reporting's Celery tasks: thin, take ids, call one service, safe to run twice.

- ``rollups_refresh`` — queued after commit by ``reporting.receivers`` when an order or a
  return changed: recompute every (location, day) the order touches.
- ``rollups_refresh_recent`` — beat, every ``OMNI_ROLLUPS_RECENT_SECONDS`` (10 minutes):
  today and yesterday of every location, for what no order event announces (transfers,
  follow-ups done) and for a refresh a broker outage lost."""

from celery import shared_task

from reporting import services


@shared_task(name="reporting.tasks.rollups_refresh", ignore_result=True)
def rollups_refresh(*, order_id: int | None = None, return_id: int | None = None) -> None:
    services.rollups_refresh_for_event({"order_id": order_id, "return_id": return_id})


@shared_task(name="reporting.tasks.rollups_refresh_recent", ignore_result=True)
def rollups_refresh_recent() -> int:
    return services.rollups_refresh_recent()
