"""Webhooks: events recorded with the change they follow, delivered after commit, signed.

Domain code calls ``webhook_event_record(event=..., payload=..., dedupe_key=...)`` inside
its transaction; it records one outbox message (topic ``webhook.deliver``) per active
subscription that wants the event, so a rolled-back change sends nothing and a broker
outage only delays deliveries. The active subscriptions are read from the cache (cleared
whenever one changes), so recording an event nobody subscribed to costs no query — the
checkout's query budget does not move. With the cache down (best-effort, ``omni.cache``)
the list is read from the database on every event and checkout goes on. Order events
come from the orders' one hook (``orders.services.events.order_events_record`` calls
``webhook_order_event_record``), stock movements through ``webhook_stock_changed_record``.

Each delivery POSTs the JSON envelope ``{"id", "event", "created_at", "data"}`` with:

- ``X-Omni-Event``: the event name; ``X-Omni-Delivery``: the event id (the same on every
  retry, so a receiver can drop duplicates);
- ``X-Omni-Timestamp``: Unix seconds when this attempt was signed;
- ``X-Omni-Signature``: ``sha256=`` + hex HMAC-SHA256 of ``f"{timestamp}.{body}"`` with
  the subscription's secret. Receivers recompute it, compare in constant time and refuse
  timestamps older than a few minutes (replays).

A 2xx answer is success. Anything else (an error status, a timeout, a refused connection,
a redirect) is logged as one ``WebhookDelivery`` row and retried with exponential backoff
(30 s, 1 min, 2 min, ... capped at 6 h) up to ``MAX_ATTEMPTS``; the admin can redeliver
any delivery. Private and loopback addresses are refused unless
``OMNI_WEBHOOK_ALLOW_PRIVATE_URLS`` (default: DEBUG) — a webhook URL must not become a
way into the internal network.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from omni.models import OutboxMessage, WebhookDelivery, WebhookEvent, WebhookSubscription
from omni.outbox import outbox_record, register_handler

logger = logging.getLogger(__name__)

TOPIC = "webhook.deliver"
MAX_ATTEMPTS = 8
BACKOFF_FIRST_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 3600
RESPONSE_KEPT_CHARS = 2000
USER_AGENT = "Omni-Webhooks/1.0"
SIGNATURE_TOLERANCE_SECONDS = 300

SUBSCRIPTIONS_CACHE_KEY = "webhooks:active-subscriptions"
# Without a shared cache (no Redis) another process sees a change within this long.
SUBSCRIPTIONS_CACHE_SECONDS = 30


def timeout_seconds() -> float:
    return float(getattr(settings, "OMNI_WEBHOOK_TIMEOUT_SECONDS", 5))


def private_urls_allowed() -> bool:
    return bool(getattr(settings, "OMNI_WEBHOOK_ALLOW_PRIVATE_URLS", settings.DEBUG))


def backoff(attempt: int) -> dt.timedelta:
    """Wait before attempt ``attempt + 1``: 30 s doubled per failed attempt, max 6 h."""
    return dt.timedelta(
        seconds=min(BACKOFF_FIRST_SECONDS * 2 ** (attempt - 1), BACKOFF_MAX_SECONDS)
    )


# --- signing -------------------------------------------------------------------------------


def webhook_signature(*, secret: str, timestamp: str | int, body: bytes | str) -> str:
    """Hex HMAC-SHA256 of ``f"{timestamp}.{body}"`` keyed with the secret."""
    raw = body if isinstance(body, bytes) else body.encode()
    message = f"{timestamp}.".encode() + raw
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def webhook_signature_valid(
    *,
    secret: str,
    timestamp: str,
    body: bytes | str,
    signature: str,
    now: float | None = None,
    tolerance: int = SIGNATURE_TOLERANCE_SECONDS,
) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except (TypeError, ValueError):
        return False
    expected = "sha256=" + webhook_signature(secret=secret, timestamp=timestamp, body=body)
    return age <= tolerance and hmac.compare_digest(expected, signature or "")


# --- recording -----------------------------------------------------------------------------


def _dedupe(key: str) -> str:
    return key if len(key) <= 200 else key[:150] + ":" + hashlib.sha256(key.encode()).hexdigest()


def _active_subscriptions() -> list[tuple[int, list[str]]]:
    """(id, events) of every active subscription: from the cache, else one query."""
    found = cache.get(SUBSCRIPTIONS_CACHE_KEY)
    if found is None:
        found = [
            (pk, list(events or []))
            for pk, events in WebhookSubscription.objects.filter(is_active=True).values_list(
                "pk", "events"
            )
        ]
        cache.set(SUBSCRIPTIONS_CACHE_KEY, found, timeout=SUBSCRIPTIONS_CACHE_SECONDS)
    return found


def _subscriptions_changed(**kwargs) -> None:
    cache.delete(SUBSCRIPTIONS_CACHE_KEY)
    # Again after commit: a reader may have cached the old list in between.
    transaction.on_commit(lambda: cache.delete(SUBSCRIPTIONS_CACHE_KEY))


def webhook_event_record(*, event: str, payload: dict[str, Any], dedupe_key: str) -> int:
    """Record ``event`` for every active subscription that wants it, in the caller's
    transaction (delivered after commit). ``dedupe_key`` names the occurrence
    ("order.created:orders.order:42"): recording it twice sends it once. Returns the
    number of deliveries recorded. One query when nobody subscribes."""
    if event not in WebhookEvent.values:
        raise ValueError(f"Unknown webhook event {event!r}")
    subscription_ids = [
        pk for pk, events in _active_subscriptions() if event in events or "*" in events
    ]
    if not subscription_ids:
        return 0
    envelope = {
        "id": uuid.uuid5(uuid.NAMESPACE_URL, f"omni:webhook:{dedupe_key}").hex,
        "event": event,
        "created_at": timezone.now().isoformat(),
        "data": json.loads(json.dumps(payload, cls=DjangoJSONEncoder)),
    }
    recorded = 0
    for subscription_id in subscription_ids:
        message = outbox_record(
            topic=TOPIC,
            payload={"subscription_id": subscription_id, "attempt": 1, "envelope": envelope},
            dedupe_key=_dedupe(f"webhook:{subscription_id}:{dedupe_key}"),
        )
        recorded += message is not None
    return recorded


def webhook_redeliver(*, delivery: WebhookDelivery) -> OutboxMessage | None:
    """Send a logged delivery's event again (the admin's action), as a new first attempt
    with its own retries. The event id stays the same, so the receiver can tell."""
    return outbox_record(
        topic=TOPIC,
        payload={
            "subscription_id": delivery.subscription_id,
            "attempt": 1,
            "envelope": delivery.payload,
            "redelivery_of": delivery.pk,
        },
        dedupe_key=f"webhook-redeliver:{delivery.pk}:{uuid.uuid4().hex}",
    )


# --- delivering ----------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an instruction: following it could lead anywhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _refusal(url: str) -> str | None:
    """Why this URL may not be called, or None."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return "Only http and https URLs can receive webhooks."
    if private_urls_allowed():
        return None
    try:
        infos = socket.getaddrinfo(parsed.hostname, parsed.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        return f"Cannot resolve {parsed.hostname}: {exc}"
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return f"{parsed.hostname} resolves to a private address ({address})."
    return None


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, str]:
    """(status or None, response text, error) of one POST."""
    refusal = _refusal(url)
    if refusal:
        return None, "", refusal
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=timeout_seconds()) as response:
            text = response.read(RESPONSE_KEPT_CHARS).decode("utf-8", "replace")
            return response.status, text, ""
    except urllib.error.HTTPError as exc:
        text = exc.read(RESPONSE_KEPT_CHARS).decode("utf-8", "replace") if exc.fp else ""
        return exc.code, text, ""
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, "", repr(exc)[:RESPONSE_KEPT_CHARS]


def webhook_deliver(payload: dict[str, Any]) -> WebhookDelivery | None:
    """Outbox handler of ``webhook.deliver``: one signed POST, one log row, and on
    failure the next attempt recorded with its backoff (in the same transaction as the
    log row, so neither is lost). A subscription deleted or switched off meanwhile gets
    nothing."""
    subscription = WebhookSubscription.objects.filter(pk=payload["subscription_id"]).first()
    if subscription is None or not subscription.is_active:
        return None
    envelope = payload["envelope"]
    attempt = int(payload.get("attempt", 1))
    body = json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Omni-Event": envelope["event"],
        "X-Omni-Delivery": envelope["id"],
        "X-Omni-Timestamp": timestamp,
        "X-Omni-Signature": "sha256="
        + webhook_signature(secret=subscription.secret, timestamp=timestamp, body=body),
    }
    started = time.monotonic()
    status, text, error = _post(subscription.url, body, headers)
    elapsed_ms = int((time.monotonic() - started) * 1000)
    succeeded = status is not None and 200 <= status < 300
    retry = not succeeded and attempt < MAX_ATTEMPTS
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event=envelope["event"],
        event_id=envelope["id"],
        payload=envelope,
        attempt=attempt,
        status=(
            WebhookDelivery.Status.SUCCEEDED
            if succeeded
            else WebhookDelivery.Status.FAILED
            if retry
            else WebhookDelivery.Status.GAVE_UP
        ),
        response_status=status,
        response_body=text,
        error=error or ("" if succeeded else f"HTTP {status}"),
        duration_ms=elapsed_ms,
        next_attempt_at=now + backoff(attempt) if retry else None,
        created_at=now,
    )
    if retry:
        outbox_record(
            topic=TOPIC,
            payload={**payload, "attempt": attempt + 1},
            dedupe_key=f"webhook-retry:{delivery.pk}",
            available_at=delivery.next_attempt_at,
        )
    else:
        level = logging.INFO if succeeded else logging.WARNING
        logger.log(level, "webhook %s → %s: %s", envelope["event"], subscription.url, status)
    return delivery


# --- what domain code calls ----------------------------------------------------------------


def webhook_order_event_record(
    *,
    event: str,
    order_id: int,
    number: str,
    status: str,
    key: str = "",
    detail: dict[str, Any] | None = None,
) -> int:
    """An orders-domain event (``orders.services.events.ORDER_EVENTS``) as webhooks, in
    the caller's transaction: ``created`` is ``order.created``; every other change is
    ``order.updated`` (``change`` names it); a pickup made ready is also
    ``pickup.ready``. The data is the order's id, number and status (and the fulfilment
    concerned): a receiver GETs ``/api/v1/orders/<id>/`` for the rest."""
    data = {"order_id": order_id, "number": number, "status": status, **(detail or {})}
    if event == "created":
        return webhook_event_record(
            event=WebhookEvent.ORDER_CREATED,
            payload=data,
            dedupe_key=f"order.created:orders.order:{order_id}",
        )
    occurrence = key or status
    recorded = webhook_event_record(
        event=WebhookEvent.ORDER_UPDATED,
        payload={**data, "change": event},
        dedupe_key=f"order.updated:orders.order:{order_id}:{event}:{occurrence}",
    )
    if event == "fulfilment_ready":
        recorded += webhook_event_record(
            event=WebhookEvent.PICKUP_READY,
            payload=data,
            dedupe_key=f"pickup.ready:orders.fulfilment:{data.get('fulfilment_id', key)}",
        )
    return recorded


def webhook_stock_changed_record(*, movements) -> int:
    """``stock.changed`` for stock movements just written (inventory calls this after
    writing its ledger rows, in its transaction): one event per call listing each change
    (variant, location, delta, on-hand after, reason)."""
    movements = list(movements)
    if not movements:
        return 0
    changes = [
        {
            "variant_id": m.variant_id,
            "location_id": m.location_id,
            "delta": m.delta,
            "on_hand": m.on_hand_after,
            "reason": m.reason,
            "movement_id": m.pk,
        }
        for m in movements
    ]
    ids = [m.pk for m in movements if m.pk is not None]
    occurrence = f"{min(ids)}-{max(ids)}" if ids else uuid.uuid4().hex
    return webhook_event_record(
        event=WebhookEvent.STOCK_CHANGED,
        payload={"changes": changes},
        dedupe_key=f"stock.changed:inventory.stockmovement:{occurrence}",
    )


def register_webhook_handlers() -> None:
    """Called from omni's AppConfig.ready()."""
    register_handler(TOPIC, webhook_deliver)
    for signal in (post_save, post_delete):
        signal.connect(
            _subscriptions_changed,
            sender=WebhookSubscription,
            dispatch_uid=f"webhooks.subscriptions_changed.{signal is post_save}",
        )


def webhook_return_received_record(*, return_request) -> int:
    """``return.received`` for a return just received (returns calls this in
    ``return_receive``'s transaction)."""
    return webhook_event_record(
        event=WebhookEvent.RETURN_RECEIVED,
        payload={
            "return_id": return_request.pk,
            "number": return_request.number,
            "order_id": return_request.order_id,
            "location_id": return_request.location_id,
            "status": return_request.status,
            "refund_total": str(return_request.refund_total),
        },
        dedupe_key=f"return.received:returns.return:{return_request.pk}",
    )
