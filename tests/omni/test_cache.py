"""The cache is best-effort: with the cache pointed at a port where no Redis listens, every
surface still answers from the database — storefront checkout, API reads and writes with an
API key, throttled endpoints (which fail open) — and the outage is logged once, not per
call. The backend itself: reads miss, writes are skipped, ``add`` lets the caller go on,
``incr`` says "missing", and the breaker stops trying for a while after a failure."""

from __future__ import annotations

import logging
import time

import pytest
from django.core.cache import cache
from django.test import override_settings

from omni import cache as best_effort
from omni.api.services import webhook_subscription_create
from omni.models import ApiKey, ApiScope, OutboxMessage
from orders.models import Order
from tests.api import conftest as api_fixtures
from tests.api.conftest import Caller
from tests.orders.test_views import add, guest_checkout
from tests.shop_data import make_shop

# Port 1: nothing listens, so every connection is refused at once (as when Redis is down).
DEAD_CACHE = {
    "default": {
        "BACKEND": "omni.cache.BestEffortRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "ALIAS": "default",
    }
}
PRODUCTS = "/api/v1/products/"

# The API tests' keys and small retailer.
api_key = api_fixtures.api_key
client_for = api_fixtures.client_for
world = api_fixtures.world


@pytest.fixture
def dead_cache():
    with override_settings(CACHES=DEAD_CACHE):
        yield cache


def cache_warnings(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "omni.cache" and r.levelno == logging.WARNING]


# --- the backend --------------------------------------------------------------------------


def test_a_down_cache_misses_skips_writes_and_lets_add_callers_go_on(dead_cache):
    assert dead_cache.get("k") is None
    assert dead_cache.get("k", "fallback") == "fallback"
    assert dead_cache.get_many(["a", "b"]) == {}
    assert dead_cache.has_key("k") is False
    assert dead_cache.set("k", 1) is None
    assert dead_cache.set_many({"a": 1, "b": 2}) == ["a", "b"]  # the keys not stored
    assert dead_cache.delete("k") is False
    assert dead_cache.add("k", 1) is True  # as if new: a debounce schedules, a lock is taken
    with pytest.raises(ValueError):  # what incr says of a key the cache does not hold
        dead_cache.incr("k")
    assert dead_cache.get_or_set("k", 7) == 7
    assert dead_cache.ping() is False


def test_the_outage_is_logged_once_per_interval_not_per_call(dead_cache, caplog):
    with caplog.at_level(logging.WARNING, logger="omni.cache"):
        for _ in range(50):
            dead_cache.get("k")
    [warning] = cache_warnings(caplog)
    assert "unavailable" in warning.getMessage()
    assert "fall back to the database" in warning.getMessage()


def test_after_a_failure_the_breaker_skips_redis_until_it_is_time_to_retry(dead_cache, monkeypatch):
    dead_cache.get("k")  # fails, opens the breaker
    outage = dead_cache.outage
    assert outage.is_down
    tried = []
    monkeypatch.setattr(
        best_effort.RedisCache, "get", lambda *a, **k: tried.append(1) or "fresh", raising=True
    )
    started = time.monotonic()
    assert [dead_cache.get("k") for _ in range(100)] == [None] * 100
    assert tried == []  # skipped: not one connection attempt while the breaker is open
    assert time.monotonic() - started < 0.5
    outage.down_until = 0.0  # time to retry: Redis answers again
    assert dead_cache.get("k") == "fresh"
    assert not outage.is_down


def test_a_redis_that_answers_is_used(settings):
    if not settings.CACHE_URL.startswith("redis"):
        pytest.skip("needs Redis: set REDIS_URL=redis://...")
    assert cache.add("best-effort-probe", 1)
    assert cache.get("best-effort-probe") == 1
    assert cache.incr("best-effort-probe") == 2
    assert cache.ping() is True


# --- the surfaces -------------------------------------------------------------------------


@pytest.mark.django_db
def test_checkout_succeeds_with_the_cache_down(client, dead_cache, caplog):
    shop = make_shop()
    # A webhook subscription: checkout reads the active ones (normally from the cache).
    webhook_subscription_create(url="https://hooks.example.com/omni", events=["order.created"])
    with caplog.at_level(logging.WARNING, logger="omni.cache"):
        add(client, shop.variant())
        response = guest_checkout(client)
    assert response.status_code == 302, response.content[:500]
    order = Order.objects.get()
    assert response.url == f"/checkout/done/{order.number}/"
    # The subscription was read from the database: its delivery is in the outbox.
    assert OutboxMessage.objects.filter(topic="webhook.deliver").exists()
    assert len(cache_warnings(caplog)) == 1


@pytest.mark.django_db
def test_the_api_reads_and_writes_with_a_key_while_the_cache_is_down(client_for, world, dead_cache):
    api = client_for()
    listed = api.get(PRODUCTS)
    assert listed.status_code == 200
    assert [p["name"] for p in listed.json()["results"]] == ["Linen Shirt"]
    created = api.post(
        "/api/v1/orders/",
        {
            "channel": "store",
            "location": "SPR",
            "associate": "E-SPR",
            "customer": {"email": "ana@example.com", "first_name": "Ana"},
            "lines": [{"sku": "SHIRT-NAVY-M", "quantity": 1}],
            "payment": {"method": "external", "reference": "TILL-1"},
        },
    )
    assert created.status_code == 201, created.json()
    # last_used_at is still recorded (the cache only spares that write when it is up).
    assert ApiKey.objects.get().last_used_at is not None


@pytest.mark.django_db
def test_a_bad_key_is_still_refused_with_the_cache_down(dead_cache, world):
    caller = Caller()
    caller.credentials(HTTP_AUTHORIZATION="Bearer omni_abc_not-a-real-key")
    assert caller.get(PRODUCTS).status_code == 401


@pytest.mark.django_db
def test_throttling_fails_open_with_a_warning_when_the_cache_is_down(
    client_for, world, dead_cache, caplog
):
    caller = client_for(scopes=[ApiScope.CATALOG_READ], rate_per_minute=2)
    with caplog.at_level(logging.WARNING, logger="omni.cache"):
        statuses = [caller.get(PRODUCTS).status_code for _ in range(5)]
    assert statuses == [200] * 5  # over the rate, but nobody can count: let it through
    assert len(cache_warnings(caplog)) == 1


@pytest.mark.django_db
def test_staff_login_works_with_the_cache_down(client, dead_cache):
    from tests import factories as f

    user = f.UserFactory(email="ana@example.com", username="ana")
    user.set_password("a-long-password-1")
    user.save()
    started = time.monotonic()
    response = client.post(
        "/accounts/login/", {"login": "ana@example.com", "password": "a-long-password-1"}
    )
    assert response.status_code == 302
    # allauth's rate-limit lock is an ``add``: it must not wait for a lock that never comes.
    # About 0.5 s on an idle two-core box (each dead-cache call fails fast); the bound
    # leaves room for a loaded CI machine, far below any lock or socket timeout.
    assert time.monotonic() - started < 2.0
