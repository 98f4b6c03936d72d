"""Idempotency-Key on every POST: a retry with the same key and body gets the first
response and writes nothing; the same key with another body is 422; a failed request
leaves the key free; concurrent duplicates wait (or get 409) instead of writing twice."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from inventory.models import StockMovement
from omni.api import idempotency
from omni.models import IdempotencyRecord
from orders.models import Order
from tests.api.conftest import error_of, receive

ORDERS = "/api/v1/orders/"


def sale(**overrides):
    return {
        "channel": "store",
        "location": "SPR",
        "customer": {"email": "ana@example.com"},
        "lines": [{"sku": "SHIRT-NAVY-M", "quantity": 1}],
        "external_reference": "POS-1",
    } | overrides


@pytest.mark.django_db
def test_the_same_order_post_twice_makes_one_order_and_the_same_response(api, world):
    first = api.post(ORDERS, sale(), key="sale-1")
    again = api.post(ORDERS, sale(), key="sale-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert Order.objects.count() == 1
    assert StockMovement.objects.filter(reason="sale").count() == 1


@pytest.mark.django_db
def test_the_same_stock_adjustment_twice_writes_one_movement(api, world):
    body = {"sku": "SHIRT-NAVY-M", "location": "SPR", "delta": -1, "reason": "damage"}
    first = api.post("/api/v1/stock/adjustments/", body, key="adj-1")
    again = api.post("/api/v1/stock/adjustments/", body, key="adj-1")
    assert first.json() == again.json()
    assert StockMovement.objects.filter(reason="damage").count() == 1


@pytest.mark.django_db
def test_the_same_count_twice_writes_once(api, world):
    body = {"location": "SPR", "rows": [{"sku": "SHIRT-NAVY-M", "counted": 9}]}
    first = api.post("/api/v1/stock/counts/", body, key="count-1")
    again = api.post("/api/v1/stock/counts/", body, key="count-1")
    assert first.json() == again.json() and first.json()["changed"] == 1
    assert StockMovement.objects.filter(reason="cycle_count").count() == 1


@pytest.mark.django_db
def test_key_order_and_whitespace_of_the_body_do_not_matter(api, world):
    body = sale()
    assert api.post(ORDERS, body, key="k").status_code == 201
    reordered = dict(reversed(list(body.items())))
    assert api.post(ORDERS, reordered, key="k").headers["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422(api, world):
    assert api.post(ORDERS, sale(), key="sale-1").status_code == 201
    response = api.post(ORDERS, sale(lines=[{"sku": "SHIRT-NAVY-M", "quantity": 2}]), key="sale-1")
    assert response.status_code == 422
    assert error_of(response)["code"] == "idempotency_key_reused"
    other_endpoint = api.post("/api/v1/customers/", {"email": "x@example.com"}, key="sale-1")
    assert error_of(other_endpoint)["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_keys_belong_to_their_api_key(client_for, world):
    first, second = client_for(), client_for()
    assert first.post(ORDERS, sale(), key="same").status_code == 201
    # Another integration's key with the same name is another key.
    response = second.post(ORDERS, sale(external_reference="POS-2"), key="same")
    assert response.status_code == 201
    assert Order.objects.count() == 2


@pytest.mark.django_db
def test_without_a_key_a_retry_is_a_second_request(api, world):
    assert api.post(ORDERS, sale(external_reference="")).status_code == 201
    assert api.post(ORDERS, sale(external_reference="")).status_code == 201
    assert Order.objects.count() == 2


@pytest.mark.django_db
def test_a_failed_request_leaves_the_key_free(api, world):
    body = sale(lines=[{"sku": "SHIRT-NAVY-M", "quantity": 6}])
    refused = api.post(ORDERS, body, key="retry-me")
    assert refused.status_code == 409
    assert not IdempotencyRecord.objects.exists()
    receive(world["navy"], world["spr"], 1)
    assert api.post(ORDERS, body, key="retry-me").status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", " ", "k" * 256])
def test_a_key_that_is_not_valid_is_400(api, world, key):
    response = api.post(ORDERS, sale(), key=key)
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_idempotency_key"
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_old_records_are_purged(api, world):
    api.post(ORDERS, sale(), key="old")
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(days=2))
    assert idempotency.idempotency_records_purge() == 1


# --- concurrent duplicates (PostgreSQL: the second insert waits on the unique key) --------


def _slow_checkout(monkeypatch, seconds: float):
    from orders import services

    real = services.order_place

    def slow(request):
        placement = real(request)
        time.sleep(seconds)
        return placement

    monkeypatch.setattr(services, "order_place", slow)


def _race(client, *, delay: float = 0.3):
    results = {}

    def post(name):
        try:
            results[name] = client.post(ORDERS, sale(), key="race")
        finally:
            connection.close()

    first = threading.Thread(target=post, args=("first",))
    second = threading.Thread(target=post, args=("second",))
    first.start()
    time.sleep(delay)
    second.start()
    first.join(30)
    second.join(30)
    return results["first"], results["second"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_concurrent_duplicate_waits_and_gets_the_first_response(client_for, world, monkeypatch):
    _slow_checkout(monkeypatch, 1.0)
    first, second = _race(client_for())
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_duplicate_that_waits_too_long_gets_409_in_progress(client_for, world, monkeypatch):
    monkeypatch.setattr(idempotency, "LOCK_WAIT_SECONDS", 0.3)
    _slow_checkout(monkeypatch, 2.0)
    first, second = _race(client_for(), delay=0.2)
    assert first.status_code == 201
    assert second.status_code == 409
    assert error_of(second)["code"] == "idempotency_key_in_progress"
    assert Order.objects.count() == 1


def test_the_purge_runs_hourly_from_beat():
    from celery.schedules import crontab
    from django.conf import settings

    from project.celery import app

    [entry] = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "omni.api.tasks.idempotency_records_purge"
    ]
    assert entry["schedule"] == crontab(minute=5)
    assert "omni.api.tasks.idempotency_records_purge" in app.tasks
