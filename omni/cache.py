"""The cache is best-effort: a Redis outage never fails a request or a transaction.

``BestEffortRedisCache`` is Django's ``RedisCache`` with one rule added: when Redis does not
answer, the call behaves as if the cache were empty — reads miss (the caller goes to the
database), writes and deletes are skipped, ``add`` reports the key as new (the caller
proceeds as the first one: a debounce schedules its refresh, a lock is taken), and
``incr`` raises ``ValueError`` as for a missing key. Every caller (webhook subscriptions
read inside checkout, API-key ``last_used_at``, throttling, allauth's rate limits,
availability debounce) gets that from ``settings.CACHES`` alone, with no try/except of its
own.

After a failure the cache is skipped for ``RETRY_SECONDS`` (a circuit breaker), so a
request during an outage does not wait for a connect timeout per call; and the warning is
logged once per ``WARN_EVERY_SECONDS`` per process, with how many calls fell back since
the last one, not once per request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Seconds the cache is skipped after it failed, before one call tries it again.
RETRY_SECONDS = 5.0
# At most one "cache unavailable" warning per process in this many seconds.
WARN_EVERY_SECONDS = 60.0
# Redis that does not answer within this long counts as down (connect and each command).
SOCKET_TIMEOUT_SECONDS = 0.5


def _errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.RedisError, OSError)


class CacheOutage:
    """Per-process state of one cache: down since when, last warning, calls that fell back.
    Thread-safe (gunicorn threads, Celery threads share a process)."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self._lock = threading.Lock()
        self.down_until = 0.0
        self.last_warning = 0.0
        self.fallbacks = 0
        self.unwarned = 0
        self.is_down = False

    def skipping(self) -> bool:
        """True while the breaker is open: the call falls back without trying Redis."""
        if time.monotonic() < self.down_until:
            self._count()
            return True
        return False

    def _count(self) -> None:
        with self._lock:
            self.fallbacks += 1
            self.unwarned += 1
        _fallback_counted(self.alias)

    def failed(self, operation: str, exc: BaseException) -> None:
        now = time.monotonic()
        self._count()
        with self._lock:
            self.down_until = now + RETRY_SECONDS
            self.is_down = True
            warn = now - self.last_warning >= WARN_EVERY_SECONDS or self.last_warning == 0.0
            if warn:
                self.last_warning = now
                calls, self.unwarned = self.unwarned, 0
        if warn:
            logger.warning(
                "cache %r unavailable (%s on %s): reads fall back to the database, writes "
                "are skipped; %s call(s) fell back since the last warning",
                self.alias,
                exc.__class__.__name__,
                operation,
                calls,
                extra={"event": "cache_unavailable", "cache": self.alias},
            )

    def succeeded(self) -> None:
        if self.is_down:
            with self._lock:
                was_down, self.is_down = self.is_down, False
                self.down_until = 0.0
            if was_down:
                logger.warning(
                    "cache %r is answering again",
                    self.alias,
                    extra={"event": "cache_recovered", "cache": self.alias},
                )


def _fallback_counted(alias: str) -> None:
    # Metrics are optional here: the ground module must not fail to import without them.
    try:
        from omni.metrics import CACHE_FALLBACKS
    except ImportError:  # pragma: no cover - prometheus_client is a dependency
        return
    CACHE_FALLBACKS.labels(cache=alias).inc()


class BestEffortRedisCache(RedisCache):
    """``RedisCache`` that falls back instead of raising when Redis is down (see module)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = {**params, "OPTIONS": dict(params.get("OPTIONS") or {})}
        options = params["OPTIONS"]
        # redis-py waits for the OS connect timeout by default; a down cache must fail fast.
        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT_SECONDS)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT_SECONDS)
        self.outage = CacheOutage(params.get("ALIAS", "default"))
        super().__init__(server, params)

    def _best_effort(self, operation: str, method: Callable[..., T], args: tuple, fallback: T) -> T:
        if self.outage.skipping():
            return fallback
        try:
            result = method(*args)
        except _errors() as exc:
            self.outage.failed(operation, exc)
            return fallback
        self.outage.succeeded()
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # Down: as if the key were new, so the caller goes on as the first one.
        return self._best_effort("add", super().add, (key, value, timeout, version), True)

    def get(self, key, default=None, version=None):
        return self._best_effort("get", super().get, (key, default, version), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._best_effort("set", super().set, (key, value, timeout, version), None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._best_effort("touch", super().touch, (key, timeout, version), False)

    def delete(self, key, version=None):
        return self._best_effort("delete", super().delete, (key, version), False)

    def get_many(self, keys, version=None):
        return self._best_effort("get_many", super().get_many, (keys, version), {})

    def has_key(self, key, version=None):
        return self._best_effort("has_key", super().has_key, (key, version), False)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._best_effort("incr", super().incr, (key, delta, version), missing)
        if result is missing:
            # What Django raises for a key the cache does not hold.
            raise ValueError(f"Key {key!r} not found (cache unavailable)")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Down: every key is reported as not stored.
        return self._best_effort("set_many", super().set_many, (data, timeout, version), list(data))

    def delete_many(self, keys, version=None):
        return self._best_effort("delete_many", super().delete_many, (keys, version), None)

    def clear(self):
        return self._best_effort("clear", super().clear, (), False)

    def ping(self) -> bool:
        """True when Redis answers now (for /healthz/); never raises, ignores the breaker."""
        try:
            return bool(self._cache.get_client(write=True).ping())
        except _errors():
            return False
