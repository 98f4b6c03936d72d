"""Cross-cutting tables that belong to no domain: the outbox and the email log.

They import no domain app: rows point at domain objects through a typed reference
(``"orders.order"``, id) rather than a foreign key.
"""

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

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["available_at"],
                name="outbox_pending_due_idx",
                condition=models.Q(status__in=["pending", "dispatched"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} [{self.status}]"


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
