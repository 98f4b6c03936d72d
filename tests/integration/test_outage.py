"""Redis stops in the middle of trading, as README's "Running for real" deploys it: one
``REDIS_URL`` serving both the cache and the broker, gunicorn with DEBUG off, a Celery
worker and beat under ``omni.respawn`` (the Procfile's commands), PostgreSQL.

The test starts its own redis-server (a port from ``OMNI_TEST_REDIS_PORTS``), kills it,
places orders through the storefront checkout and the API while it is down, starts it
again, and checks that every order succeeded, that each confirmation arrives exactly once
afterwards, and that the worker is processing again without anyone restarting it.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time

import pytest
import requests

from omni.api.services import api_key_create
from omni.models import ApiScope, EmailLog, OutboxMessage
from orders.models import Order
from tests.api import conftest as api_fixtures
from tests.integration.harness import (
    Processes,
    RedisServer,
    emails_to,
    free_port,
    port_open,
    service_env,
    tracebacks,
    wait_for,
)

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

world = api_fixtures.world
GOOD_CARD = "4242 4242 4242 4242"
OUTAGE_ORDERS = 5  # of each kind: web checkout and API order


class Shopper:
    """A browser without JavaScript: keeps its cookies (also the Secure ones DEBUG-off
    sets, since the test talks plain HTTP to gunicorn) and sends the CSRF token."""

    def __init__(self, base: str):
        self.base = base
        self.cookies: dict[str, str] = {}

    def go(self, method: str, path: str, **kwargs) -> requests.Response:
        response = requests.request(
            method,
            self.base + path,
            cookies=self.cookies,
            allow_redirects=False,
            timeout=30,
            **kwargs,
        )
        self.cookies.update(response.cookies.get_dict())
        return response

    def post_form(self, path: str, data: dict) -> requests.Response:
        return self.go(
            "POST", path, data={**data, "csrfmiddlewaretoken": self.cookies["csrftoken"]}
        )

    def checkout(self, *, variant_id: int, store_id: int, email: str) -> requests.Response:
        self.go("GET", "/cart/")
        added = self.post_form(
            "/cart/add/", {"variant": variant_id, "quantity": 1, "next": "/cart/"}
        )
        assert added.status_code == 302, added.text[:500]
        return self.post_form(
            "/checkout/",
            {
                "email": email,
                "first_name": "Ana",
                "last_name": "Shopper",
                "fulfilment": "pickup",
                "store": store_id,
                "payment": "card",
                "card_number": GOOD_CARD,
                "card_name": "Ana Shopper",
                "card_expiry": "12/40",
                "card_cvc": "123",
            },
        )


def api_order(base: str, key: str, n: int, email: str) -> requests.Response:
    return requests.post(
        f"{base}/api/v1/orders/",
        json={
            "channel": "store",
            "location": "SPR",
            "associate": "E-SPR",
            "customer": {"email": email, "first_name": "Ana"},
            "lines": [{"sku": "SHIRT-NAVY-M", "quantity": 1}],
            "payment": {"method": "external", "reference": f"TILL-{n}"},
            "external_reference": f"POS-OUTAGE-{n}",
        },
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": f"outage-{n}"},
        timeout=30,
    )


@pytest.fixture
def shop(world, tmp_path):
    """The retailer, an API key, a redis-server of the test's own, and gunicorn + worker +
    beat on it, configured as README says."""
    api_fixtures.receive(world["navy"], world["spr"], 60)
    _, raw_key = api_key_create(name="POS", scopes=list(ApiScope.values), location_codes=[])
    redis = RedisServer(tmp_path)
    redis.start()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    port = free_port()
    env = service_env(
        redis_url=redis.url,
        mail_dir=mail_dir,
        DEBUG="False",
        SECRET_KEY="outage-test-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="False",
        LOG_FORMAT="json",
        OMNI_OUTBOX_SWEEP_SECONDS="2",
        OMNI_HEARTBEAT_SECONDS="2",
        RESPAWN_FIRST_DELAY="0.5",
    )
    processes = Processes(tmp_path, env)
    python = sys.executable
    collected = processes.start(
        "collectstatic", [python, "manage.py", "collectstatic", "--noinput", "-v0"]
    )
    assert collected[0].wait(timeout=300) == 0, collected[1].read_text()
    processes.start(
        "web",
        [
            python,
            "-m",
            "gunicorn",
            "project.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--error-logfile",
            "-",
        ],
    )
    _, worker_log = processes.start(
        "worker",
        [
            python,
            "-m",
            "omni.respawn",
            python,
            "-m",
            "celery",
            "-A",
            "project",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "--without-gossip",
            "--without-mingle",
        ],
    )
    _, beat_log = processes.start(
        "beat",
        [
            python,
            "-m",
            "omni.respawn",
            python,
            "-m",
            "celery",
            "-A",
            "project",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(tmp_path / "beat-schedule"),
        ],
    )
    try:
        wait_for(lambda: port_open(port), what="gunicorn", timeout=60)
        wait_for(lambda: b"ready." in worker_log.read_bytes(), what="the worker", timeout=60)
        yield {
            "base": f"http://127.0.0.1:{port}",
            "key": raw_key,
            "redis": redis,
            "mail": mail_dir,
            "worker_log": worker_log,
            "beat_log": beat_log,
            "logs": tmp_path,
            **world,
        }
    finally:
        processes.stop()
        redis.stop()


def test_orders_placed_while_redis_is_down_succeed_and_are_confirmed_once_it_is_back(shop):
    base, redis = shop["base"], shop["redis"]
    figures: dict[str, object] = {}

    # Trading normally: an order is confirmed by the worker.
    before = api_order(base, shop["key"], 0, "before@example.com")
    assert before.status_code == 201, before.text
    wait_for(lambda: emails_to(shop["mail"], "before@example.com"), what="a normal confirmation")
    normal = []
    for n in range(2):
        started = time.monotonic()
        web = Shopper(base).checkout(
            variant_id=shop["navy"].pk, store_id=shop["spr"].pk, email=f"normal{n}@example.com"
        )
        assert web.status_code == 302, web.text[:300]
        normal.append(time.monotonic() - started)
    figures["web order seconds with Redis up (last of 2)"] = round(normal[-1], 2)

    redis.stop()  # the outage: cache and broker both gone
    outage_started = time.monotonic()

    results = []
    for n in range(1, OUTAGE_ORDERS + 1):
        started = time.monotonic()
        web = Shopper(base).checkout(
            variant_id=shop["navy"].pk, store_id=shop["spr"].pk, email=f"web{n}@example.com"
        )
        results.append(("web", n, web.status_code, time.monotonic() - started, web))
        started = time.monotonic()
        api = api_order(base, shop["key"], n, f"api{n}@example.com")
        results.append(("api", n, api.status_code, time.monotonic() - started, api))
    products = requests.get(
        f"{base}/api/v1/products/", headers={"Authorization": f"Bearer {shop['key']}"}, timeout=30
    )
    health = requests.get(f"{base}/healthz/", timeout=30)
    live = requests.get(f"{base}/healthz/live/", timeout=30)

    failed = [(kind, n, code, r.text[:300]) for kind, n, code, _, r in results if code >= 400]
    assert not failed, failed
    assert all(code == (302 if kind == "web" else 201) for kind, _, code, _, _ in results)
    assert all(
        re.match(r"^/checkout/done/\w+/$", r.headers["Location"])
        for kind, _, _, _, r in results
        if kind == "web"
    )
    assert products.status_code == 200
    assert health.status_code == 503  # the operator sees it...
    assert health.json()["cache"].startswith("error") and health.json()["broker"].startswith(
        "error"
    )
    assert live.status_code == 200  # ...and the load balancer keeps the shop in rotation
    placed = Order.objects.filter(email__regex=r"^(web|api)\d+@example\.com$")
    assert placed.count() == 2 * OUTAGE_ORDERS
    pending = OutboxMessage.objects.filter(topic="email.order_confirmation").exclude(status="done")
    assert pending.count() == 2 * OUTAGE_ORDERS  # waiting, not lost
    figures["outage orders (placed/succeeded)"] = (len(results), len(results) - len(failed))
    for kind in ("web", "api"):
        seconds = sorted(t for k, *_, t, _ in results if k == kind)
        figures[f"{kind} order seconds during the outage (median, max)"] = (
            round(statistics.median(seconds), 2),
            round(seconds[-1], 2),
        )
    time.sleep(3)
    assert not any(emails_to(shop["mail"], f"{k}{n}@example.com") for k, n, *_ in results)

    outage_seconds = time.monotonic() - outage_started
    connected_before = shop["worker_log"].read_text(errors="replace").count("Connected to redis")
    redis.start()  # Redis is back (empty: no persistence)
    back = time.monotonic()
    reconnected = wait_for(
        lambda: (
            shop["worker_log"].read_text(errors="replace").count("Connected to redis")
            > connected_before
        ),
        what="the worker to reconnect",
        timeout=60,
    )
    figures["worker reconnected, seconds after Redis is back"] = round(reconnected, 1)

    everyone = [f"{kind}{n}@example.com" for kind, n, *_ in results]
    wait_for(
        lambda: all(emails_to(shop["mail"], address) for address in everyone),
        what="every confirmation after the outage",
        timeout=120,
    )
    figures["all confirmations delivered, seconds after Redis is back"] = round(
        time.monotonic() - back, 1
    )
    # The worker is processing again (no restart by hand): a new order is confirmed.
    after = api_order(base, shop["key"], 99, "after@example.com")
    assert after.status_code == 201, after.text
    took = wait_for(lambda: emails_to(shop["mail"], "after@example.com"), what="a new confirmation")
    figures["new order confirmed, seconds"] = round(took, 1)
    time.sleep(4)  # two more sweeps: nothing is sent twice
    copies = {address: len(emails_to(shop["mail"], address)) for address in everyone}
    assert set(copies.values()) == {1}, copies
    assert EmailLog.objects.filter(kind="order_confirmation", to__in=everyone).count() == len(
        everyone
    )
    assert not OutboxMessage.objects.exclude(status="done").filter(topic="email.order_confirmation")
    figures["confirmations delivered (distinct/total)"] = (len(copies), sum(copies.values()))

    # The operator's view recovers by itself (worker and beat heartbeats fresh again).
    wait_for(
        lambda: requests.get(f"{base}/healthz/", timeout=10).status_code == 200,
        what="/healthz/ healthy again",
        timeout=60,
    )
    worker_log = shop["worker_log"].read_text(errors="replace")
    # The checkout's request id tagged the email the worker sent for it, after the outage.
    [web1] = [r for kind, n, _, _, r in results if (kind, n) == ("web", 1)]
    request_id = web1.headers["X-Request-ID"]
    sent_lines = [
        json.loads(line)
        for line in worker_log.splitlines()
        if line.startswith("{") and '"email_sent"' in line and request_id in line
    ]
    assert [line["email_kind"] for line in sent_lines] == ["order_confirmation"]
    restarts = worker_log.count("omni.respawn") and worker_log.count("restarting in")
    figures["worker restarts by omni.respawn"] = restarts
    figures["outage seconds"] = round(outage_seconds, 1)
    assert "Unrecoverable error" not in worker_log, tracebacks(worker_log)[-1:]
    print("\noutage figures:", *(f"  {k}: {v}" for k, v in figures.items()), sep="\n")
