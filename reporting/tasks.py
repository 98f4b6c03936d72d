"""Reporting's Celery tasks. The rollups after an event are refreshed by the outbox
handler (``rollups.refresh``, run by ``omni.tasks.outbox_deliver``); this beat task
recomputes today and yesterday of every location every ``OMNI_ROLLUPS_RECENT_SECONDS``
(10 minutes) for what no order event announces (transfers, follow-ups done)."""

from celery import shared_task

from reporting import services


@shared_task(name="reporting.tasks.rollups_refresh_recent", ignore_result=True)
def rollups_refresh_recent() -> int:
    return services.rollups_refresh_recent()
