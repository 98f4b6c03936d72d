"""Real Celery workers on real Redis and PostgreSQL: side effects leave through the outbox
after commit, each email exactly once, none lost while the broker is unreachable, and two
workers scanning the same due carts send each email once.

Each test starts ``celery -A omni worker --pool solo`` subprocesses against the test
database (pytest-django's ``test_<name>``; rows are committed with
``transactional_db``) and a queue of its own on ``REDIS_URL``, with the file email
backend writing to a temporary directory that the test reads back.

"Broker down" is simulated by pointing this process (the web side placing the order) at a
port where nothing listens: publishing fails exactly as it does when Redis is down
(connection refused), without stopping the shared Redis server other processes use.
The workers stay connected to the real broker, as they would be once Redis is back.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from customers import services as customer_services
from customers.models import Channel, ConsentState, ContactChannel
from omni.celery import app
from omni.management.commands.emails_show import messages_in
from omni.models import EmailLog, OutboxMessage
from omni.outbox import outbox_sweep
from orders import services
from orders.models import Cart
from tests import factories as f
from tests.orders import conftest as orders_fixtures
from tests.orders.helpers import place, receive

# The orders tests' geography and priced variant.
places = orders_fixtures.places
variant = orders_fixtures.variant

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(settings.BASE_DIR)
DEAD_BROKER = "redis://127.0.0.1:1/0"


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    auth = f"{user}:{db['PASSWORD']}" if db.get("PASSWORD") else user
    return (
        f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


class Workers:
    """Celery worker subprocesses on one queue; stopped (then killed) at teardown."""

    def __init__(self, tmp_path: Path):
        self.queue = f"omni-it-{uuid.uuid4().hex[:8]}"
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir()
        self.logs = tmp_path
        self.processes: list[tuple[subprocess.Popen, Path]] = []
        self.env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "SITE_URL": "https://shop.example.com",
            "DJANGO_SETTINGS_MODULE": "omni.settings",
        }

    def start(self, count: int = 1) -> None:
        for _ in range(count):
            n = len(self.processes) + 1
            log = self.logs / f"worker{n}.log"
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "omni",
                    "worker",
                    "--pool",
                    "solo",
                    "-Q",
                    self.queue,
                    "-n",
                    f"it{n}-{self.queue}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel",
                    "INFO",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self.processes.append((process, log))
        for process, log in self.processes:
            _wait_for(lambda log=log: b"ready." in log.read_bytes(), what=f"worker ready ({log})")
            assert process.poll() is None, log.read_text()

    def stop(self) -> None:
        for process, _log in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process, _log in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)

    def emails_to(self, address: str) -> list:
        return [m for m in messages_in(self.mail_dir) if address in (m["To"] or "")]

    def log_text(self) -> str:
        return "\n".join(log.read_text(errors="replace") for _p, log in self.processes)


def _wait_for(condition, *, what: str, timeout: float = 45.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _use_broker(url: str) -> None:
    """Point this process's Celery producer at ``url`` (dropping pooled connections)."""
    app.conf.broker_url = url
    app.conf.broker_write_url = url
    # New pools are made on next use; the old ones are left to the garbage collector
    # (closing them would break a producer still holding one).
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def workers(transactional_db, tmp_path):
    """Tasks go to the real broker (not run in-process) on a queue only these workers
    read; everything is put back afterwards."""
    saved = {
        key: app.conf[key]
        for key in ("task_always_eager", "task_default_queue", "broker_url", "broker_write_url")
    }
    pool = Workers(tmp_path)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = pool.queue
    app.conf.task_publish_retry_policy = {"max_retries": 1, "interval_start": 0}
    _use_broker(settings.REDIS_URL)
    try:
        yield pool
    finally:
        pool.stop()
        for key, value in saved.items():
            app.conf[key] = value
        _use_broker(saved["broker_url"])


@pytest.fixture
def stocked(places, variant):
    receive(variant, places["chicago"], 20)
    return variant


def _email_log(kind: str, **filters) -> list[EmailLog]:
    return list(EmailLog.objects.filter(kind=kind, **filters))


def test_an_order_placed_gets_its_confirmation_exactly_once(workers, stocked):
    workers.start(1)

    order = place([(stocked.pk, 1)])

    _wait_for(lambda: _email_log("order_confirmation"), what="the confirmation")
    message = OutboxMessage.objects.get(topic="email.order_confirmation")
    _wait_for(
        lambda: OutboxMessage.objects.get(pk=message.pk).status == OutboxMessage.Status.DONE,
        what="the outbox row marked done",
    )
    [email] = workers.emails_to(order.email)
    assert order.number in email["Subject"]
    # The broker hands the same message over again (a redelivery): nothing more is sent.
    from omni.tasks import outbox_deliver

    outbox_deliver.delay(message.pk)
    time.sleep(2)
    assert len(workers.emails_to(order.email)) == 1
    assert len(_email_log("order_confirmation")) == 1
    assert "Traceback" not in workers.log_text()


def test_an_order_placed_while_the_broker_is_down_is_emailed_once_it_is_back(workers, stocked):
    workers.start(1)
    _use_broker(DEAD_BROKER)

    order = place([(stocked.pk, 1)])  # the order itself succeeds

    message = OutboxMessage.objects.get(topic="email.order_confirmation")
    assert message.status == OutboxMessage.Status.PENDING
    assert "dispatch" in message.last_error
    time.sleep(2)
    assert workers.emails_to(order.email) == []

    _use_broker(settings.REDIS_URL)  # Redis is back; beat's sweep runs
    assert outbox_sweep() >= 1
    assert outbox_sweep() == 0  # a second sweep finds nothing left to hand over

    _wait_for(lambda: workers.emails_to(order.email), what="the late confirmation")
    time.sleep(1)
    assert len(workers.emails_to(order.email)) == 1
    assert OutboxMessage.objects.get(pk=message.pk).status == OutboxMessage.Status.DONE


def test_two_workers_scanning_the_same_due_carts_send_each_email_once(workers, stocked):
    carts = []
    for n in range(12):
        customer = f.CustomerFactory(email=f"cart{n}@example.com", first_name="Ana")
        customer_services.consent_set(
            customer=customer,
            channel=ContactChannel.EMAIL,
            state=ConsentState.MARKETING,
            source=Channel.WEB,
        )
        cart = Cart.objects.create(customer=customer, email=customer.email)
        services.cart_add(cart=cart, variant_id=stocked.pk)
        carts.append(cart)
    idle = timezone.now() - dt.timedelta(minutes=90)
    Cart.objects.filter(pk__in=[c.pk for c in carts]).update(
        last_activity_at=idle, recovery_due_at=idle + dt.timedelta(minutes=60)
    )
    workers.start(2)

    from orders.tasks import carts_recover

    carts_recover.delay()
    carts_recover.delay()

    _wait_for(
        lambda: (
            len(_email_log("abandoned_cart")) == len(carts)
            and not Cart.objects.filter(
                pk__in=[c.pk for c in carts], recovery_due_at__lte=timezone.now()
            ).exists()
        ),
        what="every due cart handled",
    )
    # Both workers ran a scan (one message each: solo pool, prefetch of one).
    _wait_for(
        lambda: all(
            b"orders.tasks.carts_recover" in log.read_bytes() and b"succeeded" in log.read_bytes()
            for _process, log in workers.processes
        ),
        what="both scans to finish",
    )
    for n in range(len(carts)):
        assert len(workers.emails_to(f"cart{n}@example.com")) == 1
    assert sorted(log.stage for log in _email_log("abandoned_cart")) == ["1"] * len(carts)
    assert "Traceback" not in workers.log_text()
