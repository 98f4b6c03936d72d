"""Metrics for a Prometheus scraper, at ``/metrics`` (``omni.views.metrics``).

Counted in the process where they happen (``prometheus_client``):

- ``omni_http_request_duration_seconds{view,method,status}`` — request latency per view;
- ``omni_celery_task_failures_total{task}``, ``omni_celery_task_retries_total{task}``;
- ``omni_emails_sent_total{kind}``;
- ``omni_cache_fallbacks_total{cache}`` — cache calls answered by the fallback (Redis down);
- ``omni_outbox_dispatch_failures_total`` — hand-overs to the broker that failed.

Read from the database at each scrape (true whichever process did the work):
``omni_outbox_backlog{status}``, ``omni_outbox_oldest_pending_seconds``,
``omni_outbox_failed``, ``omni_heartbeat_age_seconds{name}`` (worker, beat).

Web and worker processes are several processes: set ``PROMETHEUS_MULTIPROC_DIR`` to an
empty directory shared by the processes of one machine (``make up`` does) and ``/metrics``
adds up all of them; a worker on a machine of its own can serve its counters itself with
``OMNI_WORKER_METRICS_PORT``.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

REQUEST_LATENCY = Histogram(
    "omni_http_request_duration_seconds",
    "Time to answer a request, per view",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
TASK_FAILURES = Counter("omni_celery_task_failures", "Celery tasks that raised", ["task"])
TASK_RETRIES = Counter("omni_celery_task_retries", "Celery task retries", ["task"])
EMAILS_SENT = Counter("omni_emails_sent", "Emails handed to the mail server", ["kind"])
CACHE_FALLBACKS = Counter(
    "omni_cache_fallbacks", "Cache calls answered by the fallback (cache down)", ["cache"]
)
OUTBOX_DISPATCH_FAILURES = Counter(
    "omni_outbox_dispatch_failures", "Outbox messages the broker did not take (left pending)"
)


class DatabaseCollector:
    """Gauges read from the database when scraped: the outbox and the heartbeats."""

    def collect(self):
        from omni.health import heartbeat_ages, outbox_backlog

        backlog = outbox_backlog()
        by_status = GaugeMetricFamily(
            "omni_outbox_backlog", "Outbox messages not yet done", labels=["status"]
        )
        by_status.add_metric(["pending"], backlog.pending)
        by_status.add_metric(["dispatched"], backlog.dispatched)
        yield by_status
        yield GaugeMetricFamily(
            "omni_outbox_oldest_pending_seconds",
            "Age of the oldest outbox message not yet done",
            value=backlog.oldest_age_seconds or 0.0,
        )
        yield GaugeMetricFamily(
            "omni_outbox_failed", "Outbox messages that gave up", value=backlog.failed
        )
        ages = GaugeMetricFamily(
            "omni_heartbeat_age_seconds",
            "Seconds since a background process last showed it was alive",
            labels=["name"],
        )
        for name, age in heartbeat_ages().items():
            if age is not None:
                ages.add_metric([name], age)
        yield ages


def metrics_text() -> bytes:
    """The exposition text: this process's (or every process's) counters, then the
    database gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        counted = generate_latest(registry)
    else:
        from prometheus_client import REGISTRY

        counted = generate_latest(REGISTRY)
    database = CollectorRegistry()
    database.register(DatabaseCollector())
    return counted + generate_latest(database)
