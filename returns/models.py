"""Returns from any channel at any location that accepts them, or started online."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from customers.models import Channel, Customer
from omni.models import TimeStampedModel
from orders.models import Order, OrderLine
from stores.models import Associate, Location


class Return(TimeStampedModel):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested (started online)"
        RECEIVED = "received", "Received"
        REFUNDED = "refunded", "Refunded"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    class Method(models.TextChoices):
        IN_STORE = "in_store", "At a store"
        BY_POST = "by_post", "By post"

    class RefundMethod(models.TextChoices):
        ORIGINAL = "original", "Original payment"
        STORE_CREDIT = "store_credit", "Store credit"
        EXCHANGE = "exchange", "Exchange"

    number = models.CharField(max_length=20, unique=True, help_text="The return code")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="returns")
    channel = models.CharField(max_length=12, choices=Channel.choices, default=Channel.STORE)
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.IN_STORE)
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="returns_received",
        help_text="Where it was (or will be) received",
    )
    associate = models.ForeignKey(
        Associate, on_delete=models.SET_NULL, null=True, blank=True, related_name="returns_handled"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    refund_method = models.CharField(
        max_length=14, choices=RefundMethod.choices, default=RefundMethod.ORIGINAL
    )
    refund_total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    exchange_order = models.ForeignKey(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    policy_override_by = models.ForeignKey(
        Associate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    policy_override_reason = models.CharField(max_length=255, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    received_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-requested_at"], name="return_customer_idx"),
            models.Index(fields=["location", "status", "-received_at"], name="return_location_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(refund_total__gte=0), name="return_refund_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(policy_override_by__isnull=True) | ~Q(policy_override_reason=""),
                name="return_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class ReturnLine(models.Model):
    class Reason(models.TextChoices):
        TOO_SMALL = "too_small", "Too small"
        TOO_LARGE = "too_large", "Too large"
        NOT_AS_DESCRIBED = "not_as_described", "Not as described"
        DAMAGED = "damaged", "Arrived damaged"
        CHANGED_MIND = "changed_mind", "Changed my mind"
        WRONG_ITEM = "wrong_item", "Wrong item"
        OTHER = "other", "Other"

    class Condition(models.TextChoices):
        UNINSPECTED = "", "Not inspected yet"
        A = "A", "A: resaleable"
        B = "B", "B: open box"
        C = "C", "C: damaged"

    class Disposition(models.TextChoices):
        PENDING = "", "Not decided yet"
        RESTOCK = "restock", "Restock here"
        TO_WAREHOUSE = "to_warehouse", "Send to a warehouse"
        INSPECT = "inspect", "Hold for inspection"
        WRITE_OFF = "write_off", "Write off"

    return_request = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.PositiveIntegerField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    reason_note = models.CharField(max_length=255, blank=True)
    condition = models.CharField(max_length=1, choices=Condition.choices, blank=True, default="")
    disposition = models.CharField(
        max_length=14, choices=Disposition.choices, blank=True, default=""
    )
    refund_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    class Meta:
        ordering = ["return_request_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="return_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(refund_amount__gte=0), name="return_line_refund_non_negative"
            ),
            models.UniqueConstraint(
                fields=["return_request", "order_line"], name="return_line_once_per_return"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × line {self.order_line_id}"
