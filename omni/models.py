"""Cross-cutting tables that belong to no domain: the outbox, the email log, and the REST
API's keys, idempotency records and webhooks.

They import no domain app: rows point at domain objects through a typed reference
(``"orders.order"``, id) rather than a foreign key.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class OutboxMessage(models.Model):
    """A side effect (email, webhook, recompute) recorded in the same transaction as the
    change it follows, then relayed to Celery after commit. A broker outage delays it;
    the periodic sweep re-sends what is still pending, so none is lost."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DISPATCHED = "dispatched", "Dispatched to the worker"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    topic = models.CharField(max_length=80, help_text="What to do, e.g. email.order_confirmation")
    payload = models.JSONField(default=dict, blank=True)
    # Same key twice means the same side effect: the second is refused by the database.
    dedupe_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    available_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # The web request (or task) that recorded it: its log lines and the task's share it.
    request_id = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["available_at"],
                name="outbox_pending_due_idx",
                condition=models.Q(status__in=["pending", "dispatched"]),
            ),
            # /healthz/ and the metrics count the failed ones without reading the rest.
            models.Index(
                fields=["created_at"],
                name="outbox_failed_idx",
                condition=models.Q(status="failed"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} [{self.status}]"


class Heartbeat(models.Model):
    """When a background process last showed it was alive: ``worker`` (a worker ran the
    heartbeat task) and ``beat`` (the scheduler sent a task). One row per name, upserted
    every ``OMNI_HEARTBEAT_SECONDS``; ``/healthz/`` reports their age."""

    name = models.CharField(max_length=40, primary_key=True)
    at = models.DateTimeField()
    detail = models.CharField(max_length=200, blank=True, help_text="Host or process")

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"


class EmailLog(models.Model):
    """Every email we send, once per (kind, object, stage): the unique constraint is what
    makes "at most once" true even when two workers pick up the same message."""

    kind = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60, help_text='Typed reference, e.g. "orders.order"')
    object_id = models.CharField(max_length=64)
    stage = models.CharField(max_length=30, blank=True, default="")
    to = models.EmailField()
    subject = models.CharField(max_length=255)
    customer_id_ref = models.BigIntegerField(
        null=True, blank=True, db_index=True, help_text="Customer id (typed reference)"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_type", "object_id", "stage"], name="email_once_per_stage"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to}"


class TypedReference(models.Model):
    """Points at a row of another (often higher) app without importing it:
    ``reference_type`` is "app_label.model" (e.g. "orders.order"), ``reference_id`` its key."""

    reference_type = models.CharField(max_length=60, blank=True, default="")
    reference_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        abstract = True

    def set_reference(self, obj) -> None:
        self.reference_type = obj._meta.label_lower
        self.reference_id = str(obj.pk)

    @property
    def reference_label(self) -> str:
        if not self.reference_type:
            return ""
        return f"{self.reference_type.split('.')[-1]} #{self.reference_id}"


# --- the integrators' REST API (omni.api) ---------------------------------------------------


class ApiScope(models.TextChoices):
    """What an API key may do. Reads and writes are separate so a reporting tool never
    holds a key that can move stock."""

    CATALOG_READ = "catalog:read", "Catalog: read"
    CATALOG_WRITE = "catalog:write", "Catalog: write"
    LOCATIONS_READ = "locations:read", "Locations: read"
    STOCK_READ = "stock:read", "Stock: read"
    STOCK_WRITE = "stock:write", "Stock: write (adjustments, counts)"
    ORDERS_READ = "orders:read", "Orders: read"
    ORDERS_WRITE = "orders:write", "Orders: write (create, fulfilment status)"
    CUSTOMERS_READ = "customers:read", "Customers: read"
    CUSTOMERS_WRITE = "customers:write", "Customers: write (create, update, consent)"
    RETURNS_READ = "returns:read", "Returns: read"
    RETURNS_WRITE = "returns:write", "Returns: write"
    WEBHOOKS_MANAGE = "webhooks:manage", "Webhooks: manage subscriptions"


class ApiKey(models.Model):
    """A key an integration (POS, WMS, marketplace) sends as ``Authorization: Bearer``.
    Only the SHA-256 of the key is stored; ``prefix`` (the part before the secret) finds
    the row. ``location_codes`` binds the key to stores: a POS key may only move its own
    store's stock (empty: every location)."""

    name = models.CharField(max_length=120, help_text="Who uses it, e.g. 'Springfield POS'")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    hashed_key = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list, blank=True)
    location_codes = models.JSONField(
        default=list, blank=True, help_text="Location codes this key may act for (empty: all)"
    )
    rate_per_minute = models.PositiveIntegerField(
        null=True, blank=True, help_text="Requests per minute (empty: the default rate)"
    )
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])

    def allows_location(self, code: str) -> bool:
        return not self.location_codes or code in self.location_codes


class IdempotencyRecord(models.Model):
    """The response a POST with an ``Idempotency-Key`` got, so a retry with the same key
    and body gets it again instead of writing twice. The row is inserted in the same
    transaction as the write it guards: a concurrent duplicate waits on the unique key."""

    owner = models.CharField(max_length=40, help_text='"key:<id>" or "user:<id>"')
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_key_per_owner")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class WebhookEvent(models.TextChoices):
    ORDER_CREATED = "order.created", "Order created"
    ORDER_UPDATED = "order.updated", "Order updated (status, fulfilment)"
    STOCK_CHANGED = "stock.changed", "Stock changed"
    RETURN_RECEIVED = "return.received", "Return received"
    PICKUP_READY = "pickup.ready", "Pickup ready"
    TRANSFER_SHIPPED = "transfer.shipped", "Transfer shipped"
    TRANSFER_RECEIVED = "transfer.received", "Transfer received"
    FULFILMENT_SHIPPED = "fulfilment.shipped", "Fulfilment shipped (tracking)"


class WebhookSubscription(TimeStampedModel):
    """Where to POST events. ``secret`` signs each delivery (HMAC-SHA256), so it is kept
    in clear: the receiver holds the same secret to check the signature."""

    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="Event names, e.g. order.created")
    secret = models.CharField(max_length=80, editable=False)
    description = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    api_key = models.ForeignKey(
        ApiKey,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_subscriptions",
        help_text="The key that manages it (empty: made by staff)",
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.url} ({', '.join(self.events)})"

    def wants(self, event: str) -> bool:
        return self.is_active and (event in self.events or "*" in self.events)


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one subscription: the delivery log."""

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed (will retry)"
        GAVE_UP = "gave_up", "Failed (no more retries)"

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=60)
    event_id = models.CharField(max_length=64, db_index=True, help_text="Same on every retry")
    payload = models.JSONField(default=dict)
    attempt = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_sub_idx")
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.attempt} → {self.status}"
