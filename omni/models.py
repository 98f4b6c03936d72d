"""Cross-cutting tables that belong to no domain: the outbox, the email log, and the REST
API's keys, idempotency records and webhooks.

They import no domain app: rows point at domain objects through a typed reference
(``"orders.order"``, id) rather than a foreign key.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created at")
    )
    updated_at = models.DateTimeField(auto_now=True, db_index=True, verbose_name=_("updated at"))

    class Meta:
        abstract = True


class OutboxMessage(models.Model):
    """A side effect (email, webhook, recompute) recorded in the same transaction as the
    change it follows, then relayed to Celery after commit. A broker outage delays it;
    the periodic sweep re-sends what is still pending, so none is lost."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DISPATCHED = "dispatched", _("Dispatched to the worker")
        DONE = "done", pgettext_lazy("status", "Done")
        FAILED = "failed", _("Failed")

    topic = models.CharField(
        max_length=80,
        help_text=_("What to do, e.g. email.order_confirmation"),
        verbose_name=_("topic"),
    )
    payload = models.JSONField(default=dict, blank=True, verbose_name=_("payload"))
    # Same key twice means the same side effect: the second is refused by the database.
    dedupe_key = models.CharField(max_length=200, unique=True, verbose_name=_("dedupe key"))
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    available_at = models.DateTimeField(default=timezone.now, verbose_name=_("available at"))
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created at")
    )
    dispatched_at = models.DateTimeField(null=True, blank=True, verbose_name=_("dispatched at"))
    done_at = models.DateTimeField(null=True, blank=True, verbose_name=_("done at"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    # The web request (or task) that recorded it: its log lines and the task's share it.
    request_id = models.CharField(
        max_length=64, blank=True, editable=False, verbose_name=_("request id")
    )

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
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

    name = models.CharField(max_length=40, primary_key=True, verbose_name=_("name"))
    at = models.DateTimeField(verbose_name=_("at"))
    detail = models.CharField(
        max_length=200, blank=True, help_text=_("Host or process"), verbose_name=_("detail")
    )

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"


class EmailLog(models.Model):
    """Every email we send, once per (kind, object, stage): the unique constraint is what
    makes "at most once" true even when two workers pick up the same message."""

    kind = models.CharField(max_length=60, verbose_name=_("kind"))
    object_type = models.CharField(
        max_length=60,
        help_text=_('Typed reference, e.g. "orders.order"'),
        verbose_name=_("object type"),
    )
    object_id = models.CharField(max_length=64, verbose_name=_("object id"))
    stage = models.CharField(max_length=30, blank=True, default="", verbose_name=_("stage"))
    to = models.EmailField(verbose_name=_("to"))
    # The subject as it was sent (a record), in ``language``; ``subject_params`` are the
    # values its template read, so ``subject_text`` can say it in the reader's language.
    subject = models.CharField(max_length=255, verbose_name=_("subject"))
    language = models.CharField(max_length=10, blank=True, default="", verbose_name=_("language"))
    subject_params = models.JSONField(
        default=dict, blank=True, verbose_name=_("subject parameters")
    )
    customer_id_ref = models.BigIntegerField(
        null=True,
        blank=True,
        db_index=True,
        help_text=_("Customer id (typed reference)"),
        verbose_name=_("customer id ref"),
    )
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))

    class Meta:
        verbose_name = _("email log")
        verbose_name_plural = _("email logs")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_type", "object_id", "stage"], name="email_once_per_stage"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to}"

    @property
    def subject_text(self) -> str:
        """The subject in the active language (as sent, for a log kept without params)."""
        from omni.email import email_subject_render

        return email_subject_render(kind=self.kind, params=self.subject_params, legacy=self.subject)


class TypedReference(models.Model):
    """Points at a row of another (often higher) app without importing it:
    ``reference_type`` is "app_label.model" (e.g. "orders.order"), ``reference_id`` its key."""

    reference_type = models.CharField(
        max_length=60, blank=True, default="", verbose_name=_("reference type")
    )
    reference_id = models.CharField(
        max_length=64, blank=True, default="", verbose_name=_("reference id")
    )

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

    CATALOG_READ = "catalog:read", _("Catalog: read")
    CATALOG_WRITE = "catalog:write", _("Catalog: write")
    LOCATIONS_READ = "locations:read", _("Locations: read")
    STOCK_READ = "stock:read", _("Stock: read")
    STOCK_WRITE = "stock:write", _("Stock: write (adjustments, counts)")
    ORDERS_READ = "orders:read", _("Orders: read")
    ORDERS_WRITE = "orders:write", _("Orders: write (create, fulfilment status)")
    CUSTOMERS_READ = "customers:read", _("Customers: read")
    CUSTOMERS_WRITE = "customers:write", _("Customers: write (create, update, consent)")
    RETURNS_READ = "returns:read", _("Returns: read")
    RETURNS_WRITE = "returns:write", _("Returns: write")
    WEBHOOKS_MANAGE = "webhooks:manage", _("Webhooks: manage subscriptions")
    REPORTS_READ = "reports:read", _("Reports: read (the numbers' daily rollups)")
    PROMOTIONS_READ = "promotions:read", _("Promotions: read (and check a code)")
    ORDERS_DISCOUNT = "orders:discount", _("Orders: give a manual discount (POS)")


class ApiKey(models.Model):
    """A key an integration (POS, WMS, marketplace) sends as ``Authorization: Bearer``.
    Only the SHA-256 of the key is stored; ``prefix`` (the part before the secret) finds
    the row. ``location_codes`` binds the key to stores: a POS key may only move its own
    store's stock (empty: every location)."""

    name = models.CharField(
        max_length=120, help_text=_("Who uses it, e.g. 'Springfield POS'"), verbose_name=_("name")
    )
    prefix = models.CharField(max_length=16, unique=True, editable=False, verbose_name=_("prefix"))
    hashed_key = models.CharField(max_length=64, editable=False, verbose_name=_("hashed key"))
    scopes = models.JSONField(default=list, blank=True, verbose_name=_("scopes"))
    location_codes = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Location codes this key may act for (empty: all)"),
        verbose_name=_("location codes"),
    )
    rate_per_minute = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Requests per minute (empty: the default rate)"),
        verbose_name=_("rate per minute"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created at")
    )
    last_used_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("last used at")
    )
    revoked_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("revoked at")
    )

    class Meta:
        verbose_name_plural = _("API keys")
        ordering = ["name", "id"]
        verbose_name = _("API key")

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

    owner = models.CharField(
        max_length=40, help_text=_('"key:<id>" or "user:<id>"'), verbose_name=_("owner")
    )
    key = models.CharField(max_length=255, verbose_name=_("key"))
    method = models.CharField(max_length=10, verbose_name=_("method"))
    path = models.CharField(max_length=255, verbose_name=_("path"))
    request_hash = models.CharField(max_length=64, verbose_name=_("request hash"))
    response_status = models.PositiveSmallIntegerField(verbose_name=_("response status"))
    response_body = models.JSONField(null=True, blank=True, verbose_name=_("response body"))
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_key_per_owner")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class WebhookEvent(models.TextChoices):
    ORDER_CREATED = "order.created", _("Order created")
    ORDER_UPDATED = "order.updated", _("Order updated (status, fulfilment)")
    STOCK_CHANGED = "stock.changed", _("Stock changed")
    RETURN_RECEIVED = "return.received", _("Return received")
    PICKUP_READY = "pickup.ready", _("Pickup ready")
    TRANSFER_SHIPPED = "transfer.shipped", _("Transfer shipped")
    TRANSFER_RECEIVED = "transfer.received", _("Transfer received")
    FULFILMENT_SHIPPED = "fulfilment.shipped", _("Fulfilment shipped (tracking)")


class WebhookSubscription(TimeStampedModel):
    """Where to POST events. ``secret`` signs each delivery (HMAC-SHA256), so it is kept
    in clear: the receiver holds the same secret to check the signature."""

    url = models.URLField(max_length=500, verbose_name=_("URL"))
    events = models.JSONField(
        default=list, help_text=_("Event names, e.g. order.created"), verbose_name=_("events")
    )
    secret = models.CharField(max_length=80, editable=False, verbose_name=_("secret"))
    description = models.CharField(max_length=200, blank=True, verbose_name=_("description"))
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    api_key = models.ForeignKey(
        ApiKey,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_subscriptions",
        help_text=_("The key that manages it (empty: made by staff)"),
        verbose_name=_("API key"),
    )

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.url} ({', '.join(self.events)})"

    def wants(self, event: str) -> bool:
        return self.is_active and (event in self.events or "*" in self.events)


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one subscription: the delivery log."""

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed (will retry)")
        GAVE_UP = "gave_up", _("Failed (no more retries)")

    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    event = models.CharField(max_length=60, verbose_name=_("event"))
    event_id = models.CharField(
        max_length=64, db_index=True, help_text=_("Same on every retry"), verbose_name=_("event id")
    )
    payload = models.JSONField(default=dict, verbose_name=_("payload"))
    attempt = models.PositiveSmallIntegerField(default=1, verbose_name=_("attempt"))
    status = models.CharField(max_length=10, choices=Status.choices, verbose_name=_("status"))
    response_status = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("response status")
    )
    response_body = models.TextField(blank=True, verbose_name=_("response body"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    duration_ms = models.PositiveIntegerField(default=0, verbose_name=_("duration ms"))
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("webhook delivery")
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_sub_idx")
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.attempt} → {self.status}"
