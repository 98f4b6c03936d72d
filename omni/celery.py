"""The Celery app, configured from Django settings (CELERY_ namespace).

It also carries two things every worker needs whatever starts it:

- a guard for kombu's Redis transport (5.7.0), whose worker could exit with
  ``Unrecoverable error: AttributeError("'NoneType' object has no attribute 'hostname'")``
  when the broker dropped while messages were unacknowledged (see ``_tolerant_restore``);
- the request id of the web request (or task) that sent a task travels in the task's
  headers and tags the task's log lines (``omni.observability``).
"""

import functools
import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omni.settings")

logger = logging.getLogger(__name__)

app = Celery("omni")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _tolerant_restore(restore_unacked):
    """kombu closes the consumer's channel after a broker loss; the channel then restores
    its unacknowledged messages through a connection whose client is already gone
    (``self.connection.client`` is None) and the AttributeError escapes
    ``ignore_errors``, stopping the worker. Restoring cannot work then anyway (the broker
    is down): the messages stay in Redis's ``unacked`` set, which kombu restores after
    ``visibility_timeout``, and the outbox sweep hands over again any side effect not done
    within ``omni.outbox.REDISPATCH_AFTER``. So: forget them locally, log, carry on."""

    @functools.wraps(restore_unacked)
    def restore(self, client=None):
        try:
            return restore_unacked(self, client)
        except AttributeError as exc:
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

    restore.omni_tolerant = True
    return restore


def _install_transport_guard() -> None:
    try:
        from kombu.transport import redis as kombu_redis
    except ImportError:  # pragma: no cover - celery[redis] is a dependency
        return
    if not getattr(kombu_redis.QoS.restore_unacked, "omni_tolerant", False):
        kombu_redis.QoS.restore_unacked = _tolerant_restore(kombu_redis.QoS.restore_unacked)


_install_transport_guard()
