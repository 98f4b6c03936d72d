"""Returns from any channel at any location that accepts them, or started online."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.models import Channel, Customer
from omni import money
from omni.models import TimeStampedModel
from orders.models import Order, OrderLine
from stores.models import Associate, Location


class Return(TimeStampedModel):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested (started online)")
        RECEIVED = "received", pgettext_lazy("status", "Received")
        REFUNDED = "refunded", _("Refunded")
        CLOSED = "closed", pgettext_lazy("status", "Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class Method(models.TextChoices):
        IN_STORE = "in_store", _("At a store")
        BY_POST = "by_post", _("By post")

    class RefundMethod(models.TextChoices):
        ORIGINAL = "original", _("Original payment")
        STORE_CREDIT = "store_credit", _("Store credit")
        EXCHANGE = "exchange", _("Exchange")
        # The value becomes a tender for a new sale rung up at the till (carried on a new
        # gift card, so a walk-in shopper can spend it and keep what is left).
        TILL_EXCHANGE = "till_exchange", _("Exchange at the till")
        # A new gift card for the value, handed over at the desk: what a gift receipt's
        # recipient gets (the giver's card or store credit is not theirs).
        GIFT_CARD = "gift_card", _("New gift card")

    number = models.CharField(
        max_length=20, unique=True, help_text=_("The return code"), verbose_name=_("number")
    )
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="returns", verbose_name=_("order")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="returns", verbose_name=_("customer")
    )
    channel = models.CharField(
        max_length=12, choices=Channel.choices, default=Channel.STORE, verbose_name=_("channel")
    )
    method = models.CharField(
        max_length=10, choices=Method.choices, default=Method.IN_STORE, verbose_name=_("method")
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="returns_received",
        help_text=_("Where it was (or will be) received"),
        verbose_name=_("location"),
    )
    associate = models.ForeignKey(
        Associate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="returns_handled",
        verbose_name=_("associate"),
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.REQUESTED, verbose_name=_("status")
    )
    refund_method = models.CharField(
        max_length=14,
        choices=RefundMethod.choices,
        default=RefundMethod.ORIGINAL,
        verbose_name=_("refund method"),
    )
    # The order's currency, copied so a refund reads right without the order (every stored
    # amount carries its currency); the lines' refund amounts are in it too.
    currency = models.CharField(max_length=3, default=money.currency, verbose_name=_("currency"))
    refund_total = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, default=0, verbose_name=_("refund total")
    )
    # The tax inside ``refund_total``: what the returned lines were charged.
    refund_tax = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, default=0, verbose_name=_("refund tax")
    )
    exchange_order = models.ForeignKey(
        Order,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("exchange order"),
    )
    policy_override_by = models.ForeignKey(
        Associate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("policy override by"),
    )
    policy_override_reason = models.CharField(
        max_length=255, blank=True, verbose_name=_("policy override reason")
    )
    requested_at = models.DateTimeField(default=timezone.now, verbose_name=_("requested at"))
    received_at = models.DateTimeField(null=True, blank=True, verbose_name=_("received at"))
    refunded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("refunded at"))

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
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
        TOO_SMALL = "too_small", _("Too small")
        TOO_LARGE = "too_large", _("Too large")
        NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
        DAMAGED = "damaged", _("Arrived damaged")
        CHANGED_MIND = "changed_mind", _("Changed my mind")
        WRONG_ITEM = "wrong_item", _("Wrong item")
        OTHER = "other", _("Other")

    class Condition(models.TextChoices):
        UNINSPECTED = "", _("Not inspected yet")
        A = "A", _("A: resaleable")
        B = "B", _("B: open box")
        C = "C", _("C: damaged")

    class Disposition(models.TextChoices):
        PENDING = "", _("Not decided yet")
        RESTOCK = "restock", _("Restock here")
        TO_WAREHOUSE = "to_warehouse", _("Send to a warehouse")
        INSPECT = "inspect", _("Hold for inspection")
        WRITE_OFF = "write_off", _("Write off")

    return_request = models.ForeignKey(
        Return, on_delete=models.CASCADE, related_name="lines", verbose_name=_("return request")
    )
    order_line = models.ForeignKey(
        OrderLine,
        on_delete=models.PROTECT,
        related_name="return_lines",
        verbose_name=_("order line"),
    )
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    reason = models.CharField(max_length=20, choices=Reason.choices, verbose_name=_("reason"))
    reason_note = models.CharField(max_length=255, blank=True, verbose_name=_("reason note"))
    condition = models.CharField(
        max_length=1, choices=Condition.choices, blank=True, default="", verbose_name=_("condition")
    )
    disposition = models.CharField(
        max_length=14,
        choices=Disposition.choices,
        blank=True,
        default="",
        verbose_name=_("disposition"),
    )
    # In the return's currency.
    refund_amount = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, default=0, verbose_name=_("refund amount")
    )
    # The tax inside ``refund_amount`` (the returned units' share of the line's tax).
    refund_tax = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, default=0, verbose_name=_("refund tax")
    )

    class Meta:
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
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
        return _("%(quantity)s × line %(line)s") % {
            "quantity": self.quantity,
            "line": self.order_line_id,
        }
