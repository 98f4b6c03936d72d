"""The Celery app, configured from Django settings (CELERY_ namespace).

It also carries two things every worker needs whatever starts it:

- a guard for kombu's Redis transport (5.7.0), whose worker could exit with
  ``Unrecoverable error: AttributeError("'NoneType' object has no attribute 'hostname'")``
  (or ``'client'``) when the broker dropped while messages were unacknowledged (see
  ``_guarded_connparams`` and ``_tolerant_restore``);
- the request id of the web request (or task) that sent a task travels in the task's
  headers and tags the task's log lines (``omni.observability``).
"""

import functools
import logging
import os
import socket
import time

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

logger = logging.getLogger(__name__)

app = Celery("omni")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Request ids into task headers and log lines, task failure counts (signal receivers).
from omni import observability  # noqa: E402, F401


def _guarded_connparams(connparams):
    """kombu 5.7's Redis channel builds a new client from ``self.connection.client`` when
    it needs one; after a broker loss the consumer's connection is already released
    (``connection`` or its ``client`` is None), and the AttributeError that follows escapes
    every ``except connection_errors`` — a late ack or the restore of unacknowledged
    messages then stops the worker (``Unrecoverable error: AttributeError("'NoneType' object
    has no attribute 'hostname'")`` or ``... 'client'``). Raising the broker's own
    connection error instead lets kombu and Celery do what they do for a lost broker: log,
    reconnect, carry on."""

    @functools.wraps(connparams)
    def guarded(self, *args, **kwargs):
        transport = getattr(self, "connection", None)
        if transport is None or getattr(transport, "client", None) is None:
            import redis

            raise redis.exceptions.ConnectionError("broker connection already closed")
        return connparams(self, *args, **kwargs)

    guarded.omni_guarded = True
    return guarded


def _tolerant_restore(restore_unacked):
    """Restoring unacknowledged messages while closing after a broker loss cannot work (the
    broker is down): the messages stay in Redis's ``unacked`` set, which kombu restores
    after ``visibility_timeout``, and the outbox sweep hands over again any side effect not
    done within ``omni.outbox.REDISPATCH_AFTER``. So: forget them locally, log, let the
    close finish (and the consumer reconnect)."""

    @functools.wraps(restore_unacked)
    def restore(self, client=None):
        import redis

        try:
            return restore_unacked(self, client)
        except (AttributeError, redis.exceptions.ConnectionError, OSError) as exc:
            count = len(self._delivered)
            self._delivered.clear()
            logger.warning(
                "broker connection already closed: %s unacknowledged message(s) left in the "
                "broker for redelivery (%r)",
                count,
                exc,
                extra={"event": "broker_restore_skipped"},
            )
            return None

    restore.omni_guarded = True
    return restore


def _install_transport_guard() -> None:
    try:
        from kombu.transport import redis as kombu_redis
    except ImportError:  # pragma: no cover - celery[redis] is a dependency
        return
    if not getattr(kombu_redis.QoS.restore_unacked, "omni_guarded", False):
        kombu_redis.QoS.restore_unacked = _tolerant_restore(kombu_redis.QoS.restore_unacked)
    if not getattr(kombu_redis.Channel._connparams, "omni_guarded", False):
        kombu_redis.Channel._connparams = _guarded_connparams(kombu_redis.Channel._connparams)


_install_transport_guard()


# --- beat's heartbeat ----------------------------------------------------------------------

_beat = {"running": False, "recorded_at": 0.0}


@signals.beat_init.connect
def _beat_started(**kwargs) -> None:
    _beat["running"] = True


@signals.before_task_publish.connect
def _beat_heartbeat(**kwargs) -> None:
    """In the beat process, every task sent shows beat is alive: record it (at most every
    few seconds, so a burst of due tasks is one write). Never stops beat."""
    now = time.monotonic()
    if not _beat["running"] or now - _beat["recorded_at"] < 10:
        return
    _beat["recorded_at"] = now
    try:
        import django
        from django.apps import apps

        if not apps.ready:
            django.setup()
        from django.db import close_old_connections

        from omni.health import heartbeat_record

        close_old_connections()
        heartbeat_record(name="beat", detail=socket.gethostname())
    except Exception as exc:  # the database is down: beat keeps scheduling
        logger.warning("beat heartbeat not recorded: %r", exc, extra={"event": "beat_heartbeat"})


@signals.worker_ready.connect
def _worker_metrics_served(**kwargs) -> None:
    """``OMNI_WORKER_METRICS_PORT``: a worker on a machine of its own serves its counters
    (task failures, emails sent) for the scraper."""
    port = os.environ.get("OMNI_WORKER_METRICS_PORT")
    if not port:
        return
    from prometheus_client import REGISTRY, CollectorRegistry, start_http_server

    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    start_http_server(int(port), registry=registry)
    logger.info("worker metrics on port %s", port)
