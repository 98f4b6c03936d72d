"""The outbox delivers each side effect once, after commit, and loses none when the
broker is down."""

import threading
from unittest import mock

import pytest
from django.core import mail
from django.db import close_old_connections, transaction

from omni import outbox
from omni.email import email_send_once
from omni.models import EmailLog, OutboxMessage

calls: list[dict] = []


def echo(payload: dict) -> None:
    calls.append(payload)


def explode(payload: dict) -> None:
    raise RuntimeError("handler failed")


@pytest.fixture(autouse=True)
def test_email_templates(settings):
    from pathlib import Path

    here = Path(__file__).resolve().parents[1] / "templates"
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], here]}]


@pytest.fixture(autouse=True)
def handlers():
    calls.clear()
    outbox.register_handler("test.echo", echo)
    outbox.register_handler("test.explode", explode)
    yield


@pytest.mark.django_db(transaction=True)
def test_recorded_message_is_delivered_once_after_commit():
    with transaction.atomic():
        outbox.outbox_record(topic="test.echo", payload={"n": 1}, dedupe_key="echo:1")
        assert calls == []  # nothing happens before commit
    assert calls == [{"n": 1}]
    message = OutboxMessage.objects.get(dedupe_key="echo:1")
    assert message.status == OutboxMessage.Status.DONE
    # Delivering again (a duplicate from the broker) does not run the handler again.
    assert outbox.outbox_deliver(message_id=message.pk) is False
    assert calls == [{"n": 1}]


@pytest.mark.django_db(transaction=True)
def test_rolled_back_change_records_nothing():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        outbox.outbox_record(topic="test.echo", payload={}, dedupe_key="echo:rollback")
        1 / 0  # noqa: B018
    assert not OutboxMessage.objects.exists()
    assert calls == []


@pytest.mark.django_db(transaction=True)
def test_same_dedupe_key_is_one_side_effect():
    first = outbox.outbox_record(topic="test.echo", payload={"n": 1}, dedupe_key="echo:same")
    second = outbox.outbox_record(topic="test.echo", payload={"n": 2}, dedupe_key="echo:same")
    assert first is not None and second is None
    assert calls == [{"n": 1}]


@pytest.mark.django_db(transaction=True)
def test_broker_outage_delays_and_the_sweep_delivers():
    from omni.tasks import outbox_deliver

    with mock.patch.object(
        outbox_deliver, "apply_async", side_effect=ConnectionError("broker down")
    ):
        outbox.outbox_record(topic="test.echo", payload={"n": 7}, dedupe_key="echo:outage")
    message = OutboxMessage.objects.get(dedupe_key="echo:outage")
    assert message.status == OutboxMessage.Status.PENDING
    assert "broker down" in message.last_error
    assert calls == []
    assert outbox.outbox_sweep() == 1
    assert calls == [{"n": 7}]
    assert outbox.outbox_sweep() == 0  # nothing left, nothing doubled
    assert calls == [{"n": 7}]


@pytest.mark.django_db(transaction=True)
def test_failing_handler_is_retried_later_with_backoff():
    outbox.outbox_record(topic="test.explode", payload={}, dedupe_key="explode:1")
    message = OutboxMessage.objects.get(dedupe_key="explode:1")
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 1
    assert "handler failed" in message.last_error
    assert outbox.outbox_sweep() == 0  # not due yet: backoff


@pytest.mark.django_db(transaction=True)
def test_unknown_topic_fails_visibly_without_raising():
    outbox.outbox_record(topic="test.nobody", payload={}, dedupe_key="nobody:1")
    message = OutboxMessage.objects.get(dedupe_key="nobody:1")
    assert message.status == OutboxMessage.Status.FAILED


@pytest.mark.django_db
def test_email_is_sent_once_per_kind_object_and_stage():
    args = dict(kind="test_hello", object_type="orders.order", object_id=5, to="a@example.com")
    first = email_send_once(**args, context={"name": "Ana"}, stage="1")
    again = email_send_once(**args, context={"name": "Ana"}, stage="1")
    next_stage = email_send_once(**args, context={"name": "Ana"}, stage="2")
    assert first is not None and again is None and next_stage is not None
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert message.subject == "Test email for Ana"
    assert "Hello Ana" in message.body
    assert message.alternatives[0][1] == "text/html"
    assert EmailLog.objects.filter(sent_at__isnull=False).count() == 2


@pytest.mark.django_db
def test_failed_send_can_be_retried():
    args = dict(kind="test_hello", object_type="x.y", object_id=1, to="b@example.com")
    with (
        mock.patch("omni.email.EmailMultiAlternatives.send", side_effect=OSError("smtp down")),
        pytest.raises(OSError),
    ):
        email_send_once(**args, context={"name": "B"})
    assert not EmailLog.objects.exists()
    assert email_send_once(**args, context={"name": "B"}) is not None
    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_message_run_the_handler_once():
    slow_calls: list[int] = []

    def slow(payload):
        slow_calls.append(payload["n"])
        threading.Event().wait(0.3)  # hold the row lock while the other worker arrives

    outbox.register_handler("test.slow", slow)
    message = OutboxMessage.objects.create(topic="test.slow", payload={"n": 1}, dedupe_key="s:1")
    results = []

    def worker():
        try:
            results.append(outbox.outbox_deliver(message_id=message.pk))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]
    assert slow_calls == [1]
