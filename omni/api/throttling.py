"""Per-key rate limits, counted in the cache (Redis in production, so every web process
shares the count).

A fixed one-minute window per caller: ``cache.add`` opens the window and ``cache.incr``
counts atomically (one round trip each), unlike DRF's SimpleRateThrottle, which rewrites a
list of timestamps per request and loses counts under concurrency. Over the limit the
answer is 429 with ``Retry-After`` (seconds until the window ends).

Rates: ``ApiKey.rate_per_minute`` when set, else ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``
``"api_key"``; staff sessions use ``"staff"``, unauthenticated callers ``"anon"`` per IP.

When the cache is down the throttle fails open: ``omni.cache.BestEffortRedisCache``
answers ``incr`` as for a missing key, the window starts again at 1 and the call goes
through (the cache logs one warning per minute). Refusing every API call because nobody
can count them would be worse than not limiting them for the length of an outage.
"""

from __future__ import annotations

import math
import time

from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from omni.models import ApiKey

WINDOW_SECONDS = 60


def _per_minute(rate: str | None) -> int | None:
    """ "600/min", "10/s", "36000/hour" → requests per minute; None for no limit."""
    if not rate:
        return None
    count, _, period = str(rate).partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[(period or "m")[0]]
    return max(1, math.floor(int(count) * WINDOW_SECONDS / seconds))


class ApiKeyRateThrottle(BaseThrottle):
    def __init__(self) -> None:
        self._wait: float | None = None

    def _caller(self, request) -> tuple[str, int | None]:
        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        auth = request.auth
        if isinstance(auth, ApiKey):
            limit = auth.rate_per_minute or _per_minute(rates.get("api_key"))
            return f"key:{auth.pk}", limit
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"user:{user.pk}", _per_minute(rates.get("staff"))
        return f"ip:{self.get_ident(request)}", _per_minute(rates.get("anon"))

    def allow_request(self, request, view) -> bool:
        who, limit = self._caller(request)
        if limit is None:
            return True
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        key = f"api-throttle:{who}:{window}"
        # The window's counter lives a little longer than the window.
        cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr: start again
            cache.add(key, 1, timeout=WINDOW_SECONDS + 5)
            count = 1
        if count <= limit:
            return True
        self._wait = (window + 1) * WINDOW_SECONDS - now
        return False

    def wait(self) -> float | None:
        return self._wait
