"""Webhooks: events recorded in the caller's transaction, delivered after commit to a real
HTTP server on 127.0.0.1, signed with HMAC-SHA256 over "{timestamp}.{body}", retried with
exponential backoff, logged per attempt, redelivered from the admin; subscriptions through
the API; order events from the orders domain fanned out."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from omni import outbox
from omni.api import webhooks
from omni.api.services import webhook_subscription_create
from omni.api.webhooks import webhook_event_record, webhook_signature_valid
from omni.models import ApiScope, OutboxMessage, WebhookDelivery, WebhookSubscription
from tests.api.conftest import assert_permission_matrix, error_of

pytestmark = pytest.mark.django_db


class Receiver:
    """A local HTTP endpoint that answers the statuses queued (then 200) and keeps what
    it received."""

    def __init__(self):
        self.statuses: list[int] = []
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"boom")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.OMNI_WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.OMNI_WEBHOOK_TIMEOUT_SECONDS = 2
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def subscription(receiver):
    return webhook_subscription_create(url=receiver.url, events=["order.created", "stock.changed"])


def record(event="order.created", key="order.created:orders.order:1", **payload):
    with transaction.atomic():
        return webhook_event_record(
            event=event, payload=payload or {"order_id": 1, "number": "S0000001"}, dedupe_key=key
        )


def test_a_signed_delivery_reaches_the_receiver_after_commit(
    receiver, subscription, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert record() == 1
        assert receiver.received == []  # nothing before commit
    [request] = receiver.received
    headers, body = request["headers"], request["body"]
    assert headers["X-Omni-Event"] == "order.created"
    assert headers["Content-Type"] == "application/json"
    # The receiver's check: HMAC-SHA256 of "{timestamp}.{body}" with the shared secret.
    expected = hmac.new(
        subscription.secret.encode(),
        headers["X-Omni-Timestamp"].encode() + b"." + body,
        hashlib.sha256,
    ).hexdigest()
    assert headers["X-Omni-Signature"] == f"sha256={expected}"
    assert webhook_signature_valid(
        secret=subscription.secret,
        timestamp=headers["X-Omni-Timestamp"],
        body=body,
        signature=headers["X-Omni-Signature"],
    )
    assert not webhook_signature_valid(
        secret="whsec_wrong",
        timestamp=headers["X-Omni-Timestamp"],
        body=body,
        signature=headers["X-Omni-Signature"],
    )
    envelope = json.loads(body)
    assert envelope["event"] == "order.created"
    assert envelope["data"] == {"order_id": 1, "number": "S0000001"}
    assert headers["X-Omni-Delivery"] == envelope["id"]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempt, delivery.response_status) == ("succeeded", 1, 200)


def test_a_rolled_back_change_sends_nothing(receiver, subscription):
    with pytest.raises(RuntimeError), transaction.atomic():
        record()
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.filter(topic="webhook.deliver").exists()


def test_only_active_subscriptions_that_want_the_event_get_it(
    receiver, subscription, django_capture_on_commit_callbacks
):
    everything = webhook_subscription_create(url=receiver.url, events=["*"])
    off = webhook_subscription_create(url=receiver.url, events=["order.created"])
    WebhookSubscription.objects.filter(pk=off.pk).update(is_active=False)
    webhook_subscription_create(url=receiver.url, events=["return.received"])
    with django_capture_on_commit_callbacks(execute=True):
        assert record() == 2
        assert record() == 0  # the same occurrence again: sent once
    assert {d.subscription_id for d in WebhookDelivery.objects.all()} == {
        subscription.pk,
        everything.pk,
    }


def test_a_failing_receiver_is_retried_with_exponential_backoff(
    receiver, subscription, django_capture_on_commit_callbacks
):
    receiver.statuses = [500, 503]
    with django_capture_on_commit_callbacks(execute=True):
        record()
    first = WebhookDelivery.objects.get()
    assert (first.status, first.response_status, first.response_body) == ("failed", 500, "boom")
    retry = OutboxMessage.objects.get(topic="webhook.deliver", status="pending")
    assert retry.available_at == first.next_attempt_at
    assert (first.next_attempt_at - first.created_at).total_seconds() == pytest.approx(30, abs=1)

    # Not due yet: the sweep leaves it; once due, it is attempted again.
    assert outbox.outbox_sweep() == 0
    later = timezone.now() + dt.timedelta(seconds=31)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.outbox_sweep(now=later) == 1
    second = WebhookDelivery.objects.get(attempt=2)
    assert (second.status, second.response_status) == ("failed", 503)
    assert (second.next_attempt_at - second.created_at).total_seconds() == pytest.approx(60, abs=1)

    with django_capture_on_commit_callbacks(execute=True):
        outbox.outbox_sweep(now=later + dt.timedelta(seconds=61))
    third = WebhookDelivery.objects.get(attempt=3)
    assert third.status == "succeeded"
    # The same event (id) each time, freshly signed each time.
    ids = {json.loads(r["body"])["id"] for r in receiver.received}
    assert len(receiver.received) == 3 and len(ids) == 1


def test_backoff_doubles_and_is_capped():
    assert [webhooks.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert webhooks.backoff(20).total_seconds() == 6 * 3600


def test_it_gives_up_after_the_last_attempt(
    receiver, subscription, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(webhooks, "MAX_ATTEMPTS", 1)
    receiver.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        record()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.next_attempt_at) == ("gave_up", None)
    assert not OutboxMessage.objects.filter(topic="webhook.deliver", status="pending").exists()


def test_an_unreachable_receiver_is_logged_and_retried(
    settings, django_capture_on_commit_callbacks
):
    settings.OMNI_WEBHOOK_ALLOW_PRIVATE_URLS = True
    webhook_subscription_create(url="http://127.0.0.1:9/nobody-listens", events=["order.created"])
    with django_capture_on_commit_callbacks(execute=True):
        record()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and delivery.response_status is None
    assert "refused" in delivery.error.lower() or "error" in delivery.error.lower()


def test_private_addresses_are_refused_unless_allowed(settings, django_capture_on_commit_callbacks):
    settings.OMNI_WEBHOOK_ALLOW_PRIVATE_URLS = False
    webhook_subscription_create(url="http://127.0.0.1:8000/internal", events=["order.created"])
    with django_capture_on_commit_callbacks(execute=True):
        record()
    delivery = WebhookDelivery.objects.get()
    assert delivery.response_status is None
    assert "private address" in delivery.error


def test_redeliver_from_the_admin(
    admin_client, receiver, subscription, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record()
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:omni_webhookdelivery_changelist"),
            {"action": "redeliver", "_selected_action": [delivery.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert len(receiver.received) == 2
    again = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert (again.event_id, again.attempt, again.status) == (delivery.event_id, 1, "succeeded")


def test_the_delivery_log_pages_in_the_admin(
    admin_client, receiver, subscription, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record()
    delivery = WebhookDelivery.objects.get()
    assert admin_client.get(reverse("admin:omni_webhookdelivery_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:omni_webhookdelivery_change", args=[delivery.pk]))
    assert page.status_code == 200


# --- events from the domains --------------------------------------------------------------


def test_every_order_event_is_a_webhook_event(receiver, django_capture_on_commit_callbacks):
    from orders.services.events import ORDER_EVENTS

    webhook_subscription_create(url=receiver.url, events=["*"])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for n, event in enumerate(sorted(ORDER_EVENTS)):
            webhooks.webhook_order_event_record(
                event=event, order_id=7, number="W0000007", status="placed", key=str(n)
            )
    names = [json.loads(r["body"])["event"] for r in receiver.received]
    assert names.count("order.created") == 1
    assert names.count("order.updated") == len(ORDER_EVENTS) - 1
    assert names.count("pickup.ready") == 1


def test_a_pickup_made_ready_is_pickup_ready_and_order_updated(
    receiver, django_capture_on_commit_callbacks
):
    webhook_subscription_create(url=receiver.url, events=["pickup.ready", "order.updated"])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        webhooks.webhook_order_event_record(
            event="fulfilment_ready",
            order_id=7,
            number="W0000007",
            status="processing",
            key="31",
            detail={"fulfilment_id": 31},
        )
    by_event = {json.loads(r["body"])["event"]: json.loads(r["body"]) for r in receiver.received}
    assert by_event["pickup.ready"]["data"]["fulfilment_id"] == 31
    assert by_event["order.updated"]["data"]["change"] == "fulfilment_ready"


def test_stock_movements_are_stock_changed(receiver, world, django_capture_on_commit_callbacks):
    from inventory.models import StockMovement

    webhook_subscription_create(url=receiver.url, events=["stock.changed"])
    movements = list(StockMovement.objects.filter(location=world["spr"]).order_by("pk"))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        assert webhooks.webhook_stock_changed_record(movements=movements) == 1
    [request] = receiver.received
    changes = json.loads(request["body"])["data"]["changes"]
    assert [(c["variant_id"], c["on_hand"]) for c in changes] == [
        (m.variant_id, m.on_hand_after) for m in movements
    ]


def test_a_received_return_is_return_received(receiver, django_capture_on_commit_callbacks):
    from tests import factories as f

    returned = f.ReturnFactory(status="refunded")
    webhook_subscription_create(url=receiver.url, events=["return.received"])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        assert webhooks.webhook_return_received_record(return_request=returned) == 1
    data = json.loads(receiver.received[0]["body"])["data"]
    assert (data["return_id"], data["number"]) == (returned.pk, returned.number)


def test_recording_an_event_nobody_wants_costs_no_query(
    receiver, django_assert_num_queries, django_capture_on_commit_callbacks
):
    record()  # reads the (empty) list of subscriptions once, then caches it
    with django_assert_num_queries(0):
        assert (
            webhook_event_record(event="order.created", payload={}, dedupe_key="order.created:2")
            == 0
        )
    # A new subscription is seen at once (the cached list is cleared when one changes).
    webhook_subscription_create(url=receiver.url, events=["order.created"])
    with django_capture_on_commit_callbacks(execute=True):
        assert record(key="order.created:orders.order:3") == 1


def test_an_order_placed_through_the_api_is_delivered_as_order_created(
    api, world, receiver, subscription, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/orders/",
            {
                "channel": "store",
                "location": "SPR",
                "customer": {"email": "ana@example.com"},
                "lines": [{"sku": "SHIRT-NAVY-M", "quantity": 1}],
            },
        )
    assert response.status_code == 201
    envelope = next(
        json.loads(r["body"]) for r in receiver.received if b"order.created" in r["body"]
    )
    assert envelope["data"]["number"] == response.json()["number"]
    assert envelope["data"]["order_id"] == response.json()["id"]


def test_a_pickup_made_ready_through_the_api_is_pickup_ready(
    api, world, receiver, django_capture_on_commit_callbacks
):
    webhook_subscription_create(url=receiver.url, events=["pickup.ready"])
    created = api.post(
        "/api/v1/orders/",
        {
            "channel": "web",
            "customer": {"email": "ana@example.com"},
            "lines": [{"sku": "SHIRT-NAVY-M", "quantity": 1}],
            "fulfilment": {"type": "pickup", "store": "SPR"},
            "payment": {"method": "pay_in_store"},
        },
    ).json()
    pickup_id = created["fulfilments"][0]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/fulfilments/{pickup_id}/status/", {"status": "ready"})
    assert response.status_code == 200
    [request] = receiver.received
    assert json.loads(request["body"])["data"]["fulfilment_id"] == pickup_id


# --- subscriptions through the API -------------------------------------------------------------


def test_create_a_subscription_shows_the_secret_once(api):
    response = api.post(
        "/api/v1/webhooks/", {"url": "https://pos.example.com/hooks", "events": ["stock.changed"]}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert WebhookSubscription.objects.get(pk=body["id"]).secret == body["secret"]
    detail = api.get(f"/api/v1/webhooks/{body['id']}/").json()
    assert "secret" not in detail


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"url": "ftp://example.com/x", "events": ["order.created"]}, "url", "invalid"),
        ({"url": "not a url", "events": ["order.created"]}, "url", "invalid"),
        (
            {"url": "https://example.com/x", "events": ["order.deleted"]},
            "events[0]",
            "invalid_choice",
        ),
        ({"url": "https://example.com/x", "events": []}, "events", "empty"),
    ],
)
def test_subscription_validation(api, body, field, code):
    response = api.post("/api/v1/webhooks/", body)
    assert response.status_code == 400
    error = error_of(response)["errors"][0]
    assert (error["field"], error["code"]) == (field, code)


def test_a_key_manages_its_own_subscriptions_only(client_for, staff):
    mine, theirs = (
        client_for(scopes=[ApiScope.WEBHOOKS_MANAGE]),
        client_for(scopes=[ApiScope.WEBHOOKS_MANAGE]),
    )
    created = mine.post(
        "/api/v1/webhooks/", {"url": "https://a.example.com/h", "events": ["*"]}
    ).json()
    url = f"/api/v1/webhooks/{created['id']}/"
    assert theirs.get(url).status_code == 404
    assert theirs.get("/api/v1/webhooks/").json()["results"] == []
    assert staff.get(url).status_code == 200
    updated = mine.patch(url, {"is_active": False, "events": ["order.updated"]})
    assert updated.json()["is_active"] is False and updated.json()["events"] == ["order.updated"]
    assert mine.delete(url).status_code == 204
    assert not WebhookSubscription.objects.exists()


def test_the_delivery_log_through_the_api(api, receiver, django_capture_on_commit_callbacks):
    created = api.post(
        "/api/v1/webhooks/", {"url": receiver.url, "events": ["order.created"]}
    ).json()
    with django_capture_on_commit_callbacks(execute=True):
        record()
    log = api.get(f"/api/v1/webhooks/{created['id']}/deliveries/").json()
    assert [(d["event"], d["status"]) for d in log["results"]] == [("order.created", "succeeded")]


def test_permission_matrix_webhooks(client_for, anonymous, staff):
    assert_permission_matrix(
        method="post",
        url="/api/v1/webhooks/",
        data={"url": "https://example.com/h", "events": ["order.created"]},
        scope=ApiScope.WEBHOOKS_MANAGE,
        client_for=client_for,
        anonymous=anonymous,
        staff=staff,
        ok=201,
        other_store=201,
    )


def test_webhook_lists_queries_do_not_grow(api, django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from omni.models import ApiKey
    from tests.api.conftest import Caller

    key = ApiKey.objects.get()
    caller = api
    subscription = webhook_subscription_create(
        url="https://example.com/h", events=["*"], api_key=key
    )

    def queries(url, size):
        caller.get(url, {"page_size": size})
        with CaptureQueriesContext(connection) as captured:
            assert caller.get(url, {"page_size": size}).status_code == 200
        return len(captured)

    def grow(n):
        for i in range(n):
            webhook_subscription_create(url=f"https://example.com/{i}", events=["*"], api_key=key)
            WebhookDelivery.objects.create(
                subscription=subscription,
                event="order.created",
                event_id=f"e{i}",
                status="succeeded",
            )

    deliveries = f"/api/v1/webhooks/{subscription.pk}/deliveries/"
    grow(5)
    few = (queries("/api/v1/webhooks/", 5), queries(deliveries, 5))
    grow(45)
    assert (queries("/api/v1/webhooks/", 50), queries(deliveries, 50)) == few
    assert isinstance(caller, Caller)


# --- events from the domain services, end to end -----------------------------------------------


def test_a_stock_count_batch_is_one_stock_changed_event(
    api, world, receiver, django_capture_on_commit_callbacks
):
    webhook_subscription_create(url=receiver.url, events=["stock.changed"])
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/stock/counts/",
            {
                "location": "SPR",
                "rows": [
                    {"sku": "SHIRT-NAVY-M", "counted": 9},
                    {"sku": "SHIRT-WHITE-M", "counted": 0},
                ],
            },
        )
    assert response.status_code == 200, response.json()
    [request] = receiver.received  # one event for the batch, not one per row
    changes = json.loads(request["body"])["data"]["changes"]
    assert sorted((c["on_hand"], c["reason"]) for c in changes) == [
        (0, "cycle_count"),
        (9, "cycle_count"),
    ]


def test_a_return_received_through_the_api_is_return_received(
    api, world, receiver, django_capture_on_commit_callbacks
):
    sale = api.post(
        "/api/v1/orders/",
        {
            "channel": "store",
            "location": "SPR",
            "customer": {"email": "ana@example.com"},
            "lines": [{"sku": "SHIRT-NAVY-M", "quantity": 1}],
        },
    ).json()
    webhook_subscription_create(url=receiver.url, events=["return.received"])
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/returns/",
            {
                "order": sale["number"],
                "location": "PEO",
                "associate": "E-SPR",
                "lines": [
                    {
                        "sku": "SHIRT-NAVY-M",
                        "quantity": 1,
                        "reason": "too_small",
                        "condition": "A",
                        "disposition": "restock",
                    }
                ],
                "refund_method": "store_credit",
            },
        )
    assert response.status_code == 201, response.json()
    [request] = receiver.received
    data = json.loads(request["body"])["data"]
    assert (data["return_id"], data["status"]) == (response.json()["id"], "refunded")
