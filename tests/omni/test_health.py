"""What an operator sees: /healthz/ in detail (database, cache, broker, outbox backlog,
worker and beat heartbeats), /healthz/live/ for the load balancer, /metrics for a scraper,
and one JSON log line per request whose request id follows the work into the outbox."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.utils import timezone

from omni import outbox
from omni.health import heartbeat_record
from omni.models import OutboxMessage
from omni.observability import JsonFormatter
from project.celery import app
from tests.omni.test_cache import DEAD_CACHE

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_a_worker():
    """Tasks go to a worker (not in-process), as in production."""
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


def test_healthz_in_process_tasks_is_healthy(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        response = client.get("/healthz/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["outbox"] == {
        "status": "ok",
        "pending": 0,
        "dispatched": 0,
        "failed": 0,
        "oldest_age_seconds": None,
    }
    assert body["worker"]["status"].startswith("ok")


def test_healthz_shows_the_outbox_backlog_and_its_age(client):
    created = timezone.now() - dt.timedelta(minutes=20)
    OutboxMessage.objects.create(topic="t", dedupe_key="a", created_at=created)
    OutboxMessage.objects.create(topic="t", dedupe_key="b", status="dispatched")
    OutboxMessage.objects.create(topic="t", dedupe_key="c", status="failed")
    OutboxMessage.objects.create(topic="t", dedupe_key="d", status="done", created_at=created)
    response = client.get("/healthz/")
    assert response.status_code == 503  # a side effect waiting 20 minutes is a fault
    backlog = response.json()["outbox"]
    assert (backlog["pending"], backlog["dispatched"], backlog["failed"]) == (1, 1, 1)
    assert 1190 <= backlog["oldest_age_seconds"] <= 1300
    assert backlog["status"] == "error: backlog too old"


def test_healthz_with_a_worker_reports_its_heartbeat_and_beats(client, with_a_worker):
    never = client.get("/healthz/").json()
    assert never["worker"]["status"] == "error: never seen"
    heartbeat_record(name="worker", detail="host-a")
    heartbeat_record(name="beat", detail="host-b", now=timezone.now() - dt.timedelta(hours=1))
    body = client.get("/healthz/").json()
    assert body["worker"]["status"] == "ok" and body["worker"]["age_seconds"] < 5
    assert body["beat"]["status"] == "error: stale"
    assert body["status"] == "degraded"


def test_the_heartbeat_task_records_the_worker(client, with_a_worker):
    from omni.tasks import heartbeat

    heartbeat.apply()
    assert client.get("/healthz/").json()["worker"]["status"] == "ok"


def test_a_down_cache_is_503_on_healthz_but_live_stays_200(client):
    with override_settings(CACHES=DEAD_CACHE):
        detail = client.get("/healthz/")
        live = client.get("/healthz/live/")
    assert detail.status_code == 503
    assert detail.json()["cache"] == "error: unreachable"
    assert live.status_code == 200 and live.json() == {"status": "ok", "database": "ok"}


def test_live_asks_the_database_once(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert client.get("/healthz/live/").status_code == 200


def test_metrics_expose_latency_per_view_and_the_outbox(client):
    OutboxMessage.objects.create(topic="t", dedupe_key="a")
    client.get("/healthz/live/")
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    assert (
        'omni_http_request_duration_seconds_count{method="GET",status="200",view="healthz-live"}'
        in text
    )
    assert 'omni_outbox_backlog{status="pending"} 1.0' in text
    assert "omni_outbox_oldest_pending_seconds" in text
    assert "omni_celery_task_failures_total" in text or "omni_celery_task_failures" in text


def test_metrics_need_the_token_when_one_is_set(client, settings):
    settings.OMNI_METRICS_TOKEN = "s3cret"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200


def test_every_response_carries_a_request_id_and_keeps_a_sane_incoming_one(client):
    made = client.get("/healthz/live/")
    assert len(made["X-Request-ID"]) == 32
    kept = client.get("/healthz/live/", HTTP_X_REQUEST_ID="lb-1234.abc")
    assert kept["X-Request-ID"] == "lb-1234.abc"
    refused = client.get("/healthz/live/", HTTP_X_REQUEST_ID="bad id\n{json}")
    assert refused["X-Request-ID"] != "bad id\n{json}" and len(refused["X-Request-ID"]) == 32


def test_one_json_line_per_request_with_its_id(client, caplog):
    with caplog.at_level(logging.INFO, logger="omni.request"):
        response = client.get("/healthz/live/", HTTP_X_REQUEST_ID="req-42")
    [record] = [r for r in caplog.records if r.name == "omni.request"]
    line = json.loads(JsonFormatter().format(record))
    assert line["event"] == "request" and line["request_id"] == "req-42"
    assert (line["method"], line["path"], line["view"], line["status"]) == (
        "GET",
        "/healthz/live/",
        "healthz-live",
        response.status_code,
    )
    assert line["duration_ms"] >= 0


def test_the_request_id_follows_the_work_into_the_outbox_and_its_handler(rf):
    from omni.observability import RequestIdMiddleware, current_request_id

    seen = []
    outbox.register_handler("test.request-id", lambda payload: seen.append(current_request_id()))

    def view(request):
        outbox.outbox_record(topic="test.request-id", payload={}, dedupe_key="rid:1")
        return HttpResponse("ok")

    RequestIdMiddleware(view)(rf.get("/", HTTP_X_REQUEST_ID="checkout-7"))
    message = OutboxMessage.objects.get(dedupe_key="rid:1")
    assert message.request_id == "checkout-7"
    assert current_request_id() == ""  # the request is over
    outbox.outbox_deliver(message_id=message.pk)  # later, in a worker (the sweep)
    assert seen == ["checkout-7"]


@pytest.mark.django_db(transaction=True)  # beat closes its old connections first
def test_beat_records_its_heartbeat_when_it_sends_a_task(client, with_a_worker, monkeypatch):
    from project import celery as omni_celery

    monkeypatch.setitem(omni_celery._beat, "recorded_at", 0.0)
    omni_celery._beat_heartbeat()  # not the beat process: nothing recorded
    assert client.get("/healthz/").json()["beat"]["status"] == "error: never seen"
    monkeypatch.setitem(omni_celery._beat, "running", True)
    omni_celery._beat_heartbeat()
    assert client.get("/healthz/").json()["beat"]["status"] == "ok"


@pytest.mark.postgres  # the second process reads the test database
def test_metrics_add_up_every_process_of_the_machine(tmp_path):
    """``make up`` sets PROMETHEUS_MULTIPROC_DIR: what a worker process counted (emails
    sent) shows in the web process's /metrics."""
    import os
    import subprocess
    import sys

    from tests.integration.harness import database_url

    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    worker = (
        "from omni.metrics import EMAILS_SENT; EMAILS_SENT.labels(kind='order_confirmation').inc(3)"
    )
    subprocess.run([sys.executable, "-c", worker], env=env, check=True, timeout=60)
    web = (
        "import django; django.setup(); from omni.metrics import metrics_text;"
        "print(metrics_text().decode())"
    )
    out = subprocess.run(
        [sys.executable, "-c", web],
        env={**env, "DJANGO_SETTINGS_MODULE": "project.settings", "DATABASE_URL": database_url()},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert 'omni_emails_sent_total{kind="order_confirmation"} 3.0' in out.stdout
