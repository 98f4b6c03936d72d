"""Carts, orders, their lines, fulfilments (ship or pickup), payments and refunds."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import Variant
from customers.models import Channel, Customer
from omni.models import TimeStampedModel, TypedReference
from stores.models import Associate, Location


def new_cart_token() -> str:
    return secrets.token_urlsafe(18)


class Cart(TimeStampedModel):
    """A persisted cart for a guest (session) or a member. Restorable on another device
    through a signed link carrying ``token``."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CONVERTED = "converted", "Converted to an order"
        MERGED = "merged", "Merged into another cart"
        CLOSED = "closed", "Closed"

    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="carts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carts",
    )
    session_key = models.CharField(max_length=40, blank=True, db_index=True)
    token = models.CharField(max_length=40, unique=True, default=new_cart_token)
    email = models.EmailField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    channel = models.CharField(max_length=12, choices=Channel.choices, default=Channel.WEB)
    store = models.ForeignKey(
        Location,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The shopper's store when the cart was last touched",
    )
    last_activity_at = models.DateTimeField(default=timezone.now)
    # Abandoned-cart recovery: the next stage and when it is due (null: nothing due).
    recovery_stage = models.PositiveSmallIntegerField(default=0)
    recovery_due_at = models.DateTimeField(null=True, blank=True)
    converted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_activity_at"]
        indexes = [
            # The recovery scan reads only open carts that are due, not all carts.
            models.Index(
                fields=["recovery_due_at"],
                name="cart_recovery_due_idx",
                condition=Q(status="open", recovery_due_at__isnull=False),
            ),
            models.Index(fields=["customer", "status"], name="cart_customer_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Cart {self.pk} [{self.status}]"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cart_line_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="cart_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id}"


class Order(TimeStampedModel):
    class Status(models.TextChoices):
        PLACED = "placed", "Placed"
        PROCESSING = "processing", "Processing"
        PARTIALLY_FULFILLED = "partially_fulfilled", "Partially fulfilled"
        FULFILLED = "fulfilled", "Fulfilled"
        CANCELLED = "cancelled", "Cancelled"

    number = models.CharField(max_length=20, unique=True, help_text="Printed on receipts")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    channel = models.CharField(max_length=12, choices=Channel.choices)
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders_placed",
        help_text="Where the order was placed (a store for in-store and endless-aisle sales)",
    )
    associate = models.ForeignKey(
        Associate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attributed_orders",
        help_text="The associate who helped (sales attribution)",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLACED)
    currency = models.CharField(max_length=3, default="USD")
    subtotal = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    shipping_total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    discount_total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    tax_total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    # {"name", "line1", "line2", "city", "region", "postcode", "country"}
    shipping_address = models.JSONField(default=dict, blank=True)
    cart = models.ForeignKey(
        Cart, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    external_reference = models.CharField(
        max_length=80, blank=True, help_text="The marketplace's or POS's own order id"
    )
    placed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-placed_at"], name="order_customer_idx"),
            models.Index(fields=["location", "-placed_at"], name="order_location_idx"),
            models.Index(fields=["channel", "-placed_at"], name="order_channel_idx"),
            models.Index(fields=["email"], name="order_email_idx"),
            # Finding an order by the phone number it was placed with (BORIS lookup).
            models.Index(fields=["phone"], name="order_phone_idx"),
            # The post-purchase follow-up scans a window of placing times.
            models.Index(fields=["placed_at"], name="order_placed_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_non_negative"),
            models.UniqueConstraint(
                fields=["channel", "external_reference"],
                condition=~Q(external_reference=""),
                name="order_external_reference_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    """A line as sold: product name, SKU and price are copied so the receipt never changes
    when the catalog does."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="order_lines")
    product_name = models.CharField(max_length=200)
    sku = models.CharField(max_length=40)
    size = models.CharField(max_length=20, blank=True)
    colour = models.CharField(max_length=40, blank=True)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    line_total = models.DecimalField(max_digits=12, decimal_places=2)
    is_final_sale = models.BooleanField(default=False)

    class Meta:
        ordering = ["order_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="order_line_price_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"


class Fulfilment(TimeStampedModel):
    """How some lines reach the shopper: shipped from a location chosen by sourcing, or
    picked up at a store (possibly after a transfer, hence ``expected_ready_at``)."""

    class Kind(models.TextChoices):
        SHIP = "ship", "Ship"
        PICKUP = "pickup", "Pick up in store"
        CARRY_OUT = "carry_out", "Taken in store"

    class Status(models.TextChoices):
        PLACED = "placed", "Placed"
        PICKING = "picking", "Picking"
        PACKED = "packed", "Packed"
        READY = "ready", "Ready for pickup"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"
        COLLECTED = "collected", "Collected"
        PARTIALLY_COLLECTED = "partially_collected", "Partially collected"
        EXPIRED = "expired", "Not collected (released)"
        CANCELLED = "cancelled", "Cancelled"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="fulfilments")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLACED)
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="fulfilments",
        help_text="Ships from here, or is picked up here",
    )
    expected_ready_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    hold_until = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    collected_at = models.DateTimeField(null=True, blank=True)
    tracking_number = models.CharField(max_length=60, blank=True)
    carrier = models.CharField(
        max_length=20, blank=True, help_text="A key of OMNI_CARRIER_TRACKING_URLS, e.g. ups"
    )
    # A pickup that waited for a transfer: when its last unit arrived ("all items here"),
    # which puts it at the top of the store's queue.
    all_items_here_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order_id", "id"]
        indexes = [
            models.Index(fields=["location", "kind", "status"], name="fulfilment_queue_idx"),
            models.Index(
                fields=["hold_until"],
                name="fulfilment_hold_expiry_idx",
                condition=Q(kind="pickup", status="ready"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} [{self.status}]"

    @property
    def carrier_name(self) -> str:
        carrier = settings.OMNI_CARRIERS.get(self.carrier) or {}
        return carrier.get("name", self.carrier)

    @property
    def tracking_url(self) -> str:
        """The carrier's tracking page for this parcel (``OMNI_CARRIERS`` URL template);
        empty without a carrier template or tracking number."""
        carrier = settings.OMNI_CARRIERS.get(self.carrier) or {}
        template = carrier.get("url", "")
        if not template or not self.tracking_number:
            return ""
        from urllib.parse import quote

        return template.format(tracking=quote(self.tracking_number, safe=""))


class FulfilmentLine(models.Model):
    fulfilment = models.ForeignKey(Fulfilment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.CASCADE, related_name="fulfilment_lines"
    )
    quantity = models.PositiveIntegerField()
    quantity_collected = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="fulfilment_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(quantity_collected__lte=F("quantity")),
                name="fulfilment_line_collected_within_quantity",
            ),
            models.UniqueConstraint(
                fields=["fulfilment", "order_line"], name="fulfilment_line_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × line {self.order_line_id}"


class Payment(TimeStampedModel):
    class Provider(models.TextChoices):
        TEST = "test", "Test card provider"
        PAY_IN_STORE = "pay_in_store", "Pay in store"
        STORE_CREDIT = "store_credit", "Store credit"
        EXTERNAL = "external", "Paid on the POS or marketplace"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        AUTHORISED = "authorised", "Authorised"
        CAPTURED = "captured", "Captured"
        DECLINED = "declined", "Declined"
        FAILED = "failed", "Failed"
        VOIDED = "voided", "Voided"
        REFUNDED = "refunded", "Refunded"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    provider = models.CharField(max_length=14, choices=Provider.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    provider_reference = models.CharField(max_length=80, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    failure_code = models.CharField(max_length=40, blank=True)
    failure_message = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["order_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.amount} [{self.status}]"


class Refund(TypedReference):
    """Money back to a payment. ``reference`` points at the return that caused it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    provider_reference = models.CharField(max_length=80, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} [{self.status}]"


class CartRecoveryStep(models.Model):
    """One stage of abandoned-cart recovery done for a cart: the email sent and/or the
    store follow-up created, and the clicks its restore link got. Unique per (cart, stage),
    so a stage is done once whatever runs the scan; recovery metrics are read from here."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="recovery_steps")
    stage = models.PositiveSmallIntegerField(help_text="1 = the first email")
    emailed = models.BooleanField(default=False)
    task = models.ForeignKey(
        "customers.FollowUpTask",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The follow-up created for the shopper's store (high-value carts)",
    )
    subtotal = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    clicks = models.PositiveIntegerField(default=0)
    first_clicked_at = models.DateTimeField(null=True, blank=True)
    last_clicked_at = models.DateTimeField(null=True, blank=True)
    restored_into = models.ForeignKey(
        Cart,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The cart the restore link filled on the shopper's other device",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "stage"], name="cart_recovery_step_once")
        ]

    def __str__(self) -> str:
        return f"Cart {self.cart_id} recovery stage {self.stage}"
