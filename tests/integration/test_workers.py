"""Real Celery workers on real Redis and PostgreSQL: side effects leave through the outbox
after commit, each email exactly once, none lost while the broker is unreachable, and two
workers scanning the same due carts send each email once.

Each test starts ``celery -A project worker --pool solo`` subprocesses against the test
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
import time

import pytest
from django.conf import settings
from django.utils import timezone

from customers import services as customer_services
from customers.models import Channel, ConsentState, ContactChannel
from omni.models import EmailLog, OutboxMessage
from omni.outbox import outbox_sweep
from orders import services
from orders.models import Cart
from project.celery import app
from tests import factories as f
from tests.integration.harness import DEAD_BROKER, Workers, use_broker
from tests.integration.harness import wait_for as _wait_for
from tests.orders import conftest as orders_fixtures
from tests.orders.helpers import place, receive

# The orders tests' geography and priced variant.
places = orders_fixtures.places
variant = orders_fixtures.variant

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


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
    use_broker(settings.REDIS_URL)
    try:
        yield pool
    finally:
        pool.stop()
        for key, value in saved.items():
            app.conf[key] = value
        use_broker(saved["broker_url"])


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
    use_broker(DEAD_BROKER)

    order = place([(stocked.pk, 1)])  # the order itself succeeds

    message = OutboxMessage.objects.get(topic="email.order_confirmation")
    assert message.status == OutboxMessage.Status.PENDING
    assert "dispatch" in message.last_error
    time.sleep(2)
    assert workers.emails_to(order.email) == []

    use_broker(settings.REDIS_URL)  # Redis is back; beat's sweep runs
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


def test_a_worker_process_killed_while_sending_an_email_sends_it_once_after_recovery(
    workers, stocked
):
    """SIGKILL of the process running the email task, while the mail server has not yet
    accepted the message: the task is not acknowledged (``task_reject_on_worker_lost``),
    the broker hands it to the new process at once, and exactly one email goes out, logged
    once. (The window that remains — a kill after the mail server accepted and before the
    commit — is the few statements between them; its duplicate has the same Message-ID.)"""
    workers.env["EMAIL_BACKEND"] = "tests.integration.mail.HeldFileBackend"
    (workers.mail_dir / ".hold").write_text("hold")
    workers.start(1, pool="prefork", extra=("--concurrency", "1"))

    order = place([(stocked.pk, 1)])

    _wait_for(lambda: list(workers.mail_dir.glob(".sending-*")), what="the send to begin")
    [marker] = workers.mail_dir.glob(".sending-*")
    child = int(marker.read_text())
    marker.unlink()
    os.kill(child, signal.SIGKILL)  # inside the send, before the mail server has it
    killed_at = time.monotonic()
    (workers.mail_dir / ".hold").unlink()

    _wait_for(lambda: workers.emails_to(order.email), what="the confirmation after the kill")
    redelivered_in = time.monotonic() - killed_at
    message = OutboxMessage.objects.get(topic="email.order_confirmation")
    _wait_for(
        lambda: OutboxMessage.objects.get(pk=message.pk).status == OutboxMessage.Status.DONE,
        what="the outbox row marked done",
    )
    time.sleep(2)  # anything still on its way would have arrived
    [email] = workers.emails_to(order.email)
    assert (
        email["Message-ID"] == f"<omni.order_confirmation.orders-order.{order.pk}.0@omni.example>"
    )
    assert len(_email_log("order_confirmation")) == 1
    log = workers.log_text()
    assert "WorkerLostError" in log  # the kill was seen as a lost worker, not a success
    # Redelivered by the broker at once, not by the outbox sweep 10 minutes later.
    assert redelivered_in < 30, redelivered_in
    print(f"\nworker killed mid-send: confirmation redelivered in {redelivered_in:.1f}s, 1 email")
