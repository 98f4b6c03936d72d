"""Health of the parts a shop runs on, for ``/healthz/`` and the metrics.

Two answers, on purpose (README, "Running for real"):

- ``/healthz/live/`` — can this web process serve? Only the database decides: the cache is
  best-effort and the broker's work waits in the outbox, so a web process with a working
  database stays in the load balancer's rotation whatever Redis does.
- ``/healthz/`` — the operator's view: database, cache, broker, outbox backlog and the age
  of its oldest message, the last worker heartbeat and the last beat run. 503 when any of
  them is wrong (Redis down, no worker for minutes, side effects piling up), so a monitor
  pages someone; not a rotation signal.

Heartbeats are one upserted row per process kind (``omni.models.Heartbeat``): the worker's
from the ``heartbeat`` task that beat schedules every ``OMNI_HEARTBEAT_SECONDS``, beat's
from beat itself whenever it sends a task (``project.celery``).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Min, Q
from django.utils import timezone

from omni.models import Heartbeat, OutboxMessage

logger = logging.getLogger(__name__)

HEARTBEATS = ("worker", "beat")


def heartbeat_seconds() -> float:
    return float(getattr(settings, "OMNI_HEARTBEAT_SECONDS", 30))


def stale_after_seconds() -> float:
    return float(getattr(settings, "OMNI_HEALTH_STALE_SECONDS", 180))


def outbox_max_age_seconds() -> float:
    return float(getattr(settings, "OMNI_HEALTH_OUTBOX_MAX_AGE_SECONDS", 600))


def heartbeat_record(*, name: str, detail: str = "", now: dt.datetime | None = None) -> None:
    """Upsert the heartbeat row of ``name`` (one statement on PostgreSQL and SQLite)."""
    Heartbeat.objects.update_or_create(
        name=name, defaults={"at": now or timezone.now(), "detail": detail[:200]}
    )


def heartbeat_ages(now: dt.datetime | None = None) -> dict[str, float | None]:
    """Seconds since each heartbeat, None for one never seen. One query."""
    now = now or timezone.now()
    seen = dict(Heartbeat.objects.filter(name__in=HEARTBEATS).values_list("name", "at"))
    return {
        name: (now - seen[name]).total_seconds() if name in seen else None for name in HEARTBEATS
    }


@dataclass(frozen=True)
class OutboxBacklog:
    pending: int
    dispatched: int
    failed: int
    oldest_age_seconds: float | None


def outbox_backlog(now: dt.datetime | None = None) -> OutboxBacklog:
    """Messages not done yet and the age of the oldest; failed ones. Two queries, each on a
    partial index (only rows not done are in it)."""
    now = now or timezone.now()
    waiting = OutboxMessage.objects.filter(status__in=["pending", "dispatched"]).aggregate(
        pending=Count("id", filter=Q(status="pending")),
        dispatched=Count("id", filter=Q(status="dispatched")),
        oldest=Min("created_at"),
    )
    failed = OutboxMessage.objects.filter(status="failed").count()
    oldest = waiting["oldest"]
    return OutboxBacklog(
        pending=waiting["pending"],
        dispatched=waiting["dispatched"],
        failed=failed,
        oldest_age_seconds=(now - oldest).total_seconds() if oldest else None,
    )


def database_check() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # a health check reports, it does not raise
        return f"error: {exc.__class__.__name__}"


def cache_check() -> str:
    from django.core.cache import cache

    ping = getattr(cache, "ping", None)
    if ping is None:
        return "ok (in-process)"
    return "ok" if ping() else "error: unreachable"


def tasks_run_in_process() -> bool:
    from celery import current_app as app  # the project's (the ground imports no roof)

    return bool(app.conf.task_always_eager)


def broker_check() -> str:
    from celery import current_app as app  # the project's (the ground imports no roof)

    if tasks_run_in_process():
        return "ok (tasks run in-process)"
    url = app.conf.broker_url or ""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return "ok (not checked)"
    try:
        import redis

        redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping()
        return "ok"
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"


def _heartbeat_view(age: float | None) -> dict[str, Any]:
    if tasks_run_in_process():
        return {"status": "ok (tasks run in-process)"}
    if age is None:
        return {"status": "error: never seen"}
    status = "ok" if age <= stale_after_seconds() else "error: stale"
    return {"status": status, "age_seconds": round(age, 1)}


def health_report() -> tuple[bool, dict[str, Any]]:
    """(healthy, the detail): what ``/healthz/`` shows."""
    report: dict[str, Any] = {"database": database_check()}
    report["cache"] = cache_check()
    report["broker"] = broker_check()
    if report["database"] == "ok":
        backlog = outbox_backlog()
        too_old = (backlog.oldest_age_seconds or 0) > outbox_max_age_seconds()
        report["outbox"] = {
            "status": "error: backlog too old" if too_old else "ok",
            "pending": backlog.pending,
            "dispatched": backlog.dispatched,
            "failed": backlog.failed,
            "oldest_age_seconds": (
                round(backlog.oldest_age_seconds, 1)
                if backlog.oldest_age_seconds is not None
                else None
            ),
        }
        ages = heartbeat_ages()
        report["worker"] = _heartbeat_view(ages["worker"])
        report["beat"] = _heartbeat_view(ages["beat"])
    healthy = all(
        (part if isinstance(part, str) else part["status"]).startswith("ok")
        for part in report.values()
    )
    return healthy, {"status": "ok" if healthy else "degraded", **report}
