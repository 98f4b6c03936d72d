"""Carts, orders, their lines, fulfilments (ship or pickup), payments and refunds."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import Variant
from customers.models import Channel, Customer
from omni import money
from omni.models import TimeStampedModel, TypedReference
from stores.models import Associate, Location


def new_cart_token() -> str:
    return secrets.token_urlsafe(18)


class Cart(TimeStampedModel):
    """A persisted cart for a guest (session) or a member. Restorable on another device
    through a signed link carrying ``token``."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("status", "Open")
        CONVERTED = "converted", _("Converted to an order")
        MERGED = "merged", _("Merged into another cart")
        CLOSED = "closed", pgettext_lazy("status", "Closed")

    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carts",
        verbose_name=_("customer"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carts",
        verbose_name=_("user"),
    )
    session_key = models.CharField(
        max_length=40, blank=True, db_index=True, verbose_name=_("session key")
    )
    token = models.CharField(
        max_length=40, unique=True, default=new_cart_token, verbose_name=_("token")
    )
    email = models.EmailField(blank=True, verbose_name=_("email"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, verbose_name=_("status")
    )
    channel = models.CharField(
        max_length=12, choices=Channel.choices, default=Channel.WEB, verbose_name=_("channel")
    )
    store = models.ForeignKey(
        Location,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The shopper's store when the cart was last touched"),
        verbose_name=_("store"),
    )
    last_activity_at = models.DateTimeField(
        default=timezone.now, verbose_name=_("last activity at")
    )
    # Abandoned-cart recovery: the next stage and when it is due (null: nothing due).
    recovery_stage = models.PositiveSmallIntegerField(default=0, verbose_name=_("recovery stage"))
    recovery_due_at = models.DateTimeField(null=True, blank=True, verbose_name=_("recovery due at"))
    converted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("converted at"))
    # The discount code the shopper applied (checked again at every pricing).
    voucher_code = models.CharField(
        max_length=40, blank=True, verbose_name=pgettext_lazy("discount code", "code")
    )

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")
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
        return _("Cart %(id)s [%(status)s]") % {"id": self.pk, "status": self.status}


class CartLine(models.Model):
    cart = models.ForeignKey(
        Cart, on_delete=models.CASCADE, related_name="lines", verbose_name=_("cart")
    )
    variant = models.ForeignKey(
        Variant, on_delete=models.CASCADE, related_name="+", verbose_name=_("variant")
    )
    quantity = models.PositiveIntegerField(default=1, verbose_name=_("quantity"))
    added_at = models.DateTimeField(default=timezone.now, verbose_name=_("added at"))

    class Meta:
        verbose_name = _("cart line")
        verbose_name_plural = _("cart lines")
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
        PLACED = "placed", _("Placed")
        PROCESSING = "processing", _("Processing")
        PARTIALLY_FULFILLED = "partially_fulfilled", _("Partially fulfilled")
        FULFILLED = "fulfilled", _("Fulfilled")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(
        max_length=20, unique=True, help_text=_("Printed on receipts"), verbose_name=_("number")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="orders", verbose_name=_("customer")
    )
    email = models.EmailField(blank=True, verbose_name=_("email"))
    phone = models.CharField(max_length=32, blank=True, verbose_name=_("phone"))
    channel = models.CharField(max_length=12, choices=Channel.choices, verbose_name=_("channel"))
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders_placed",
        help_text=_("Where the order was placed (a store for in-store and endless-aisle sales)"),
        verbose_name=_("location"),
    )
    associate = models.ForeignKey(
        Associate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attributed_orders",
        help_text=_("The associate who helped (sales attribution)"),
        verbose_name=_("associate"),
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PLACED, verbose_name=_("status")
    )
    currency = models.CharField(max_length=3, default=money.currency, verbose_name=_("currency"))
    subtotal = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, default=0, verbose_name=_("subtotal")
    )
    shipping_total = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, default=0, verbose_name=_("shipping total")
    )
    discount_total = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, default=0, verbose_name=_("discount total")
    )
    tax_total = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, default=0, verbose_name=_("tax total")
    )
    total = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, default=0, verbose_name=_("total")
    )
    # Kept on the order so an old order reads right after the market changes: True, the
    # line totals include the tax (VAT); False, the tax was added on top (sales tax).
    prices_include_tax = models.BooleanField(default=False, verbose_name=_("prices include tax"))
    shipping_tax = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, default=0, verbose_name=_("shipping tax")
    )
    shipping_tax_rate = models.DecimalField(
        max_digits=7, decimal_places=5, default=0, verbose_name=_("shipping tax rate")
    )
    # {"name", "line1", "line2", "city", "region", "postcode", "country"}
    shipping_address = models.JSONField(
        default=dict, blank=True, verbose_name=_("shipping address")
    )
    cart = models.ForeignKey(
        Cart,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("cart"),
    )
    external_reference = models.CharField(
        max_length=80,
        blank=True,
        help_text=_("The marketplace's or POS's own order id"),
        verbose_name=_("external reference"),
    )
    placed_at = models.DateTimeField(default=timezone.now, verbose_name=_("placed at"))

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
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

    @property
    def shipping_net(self):
        """Delivery without its tax (VAT markets tax it; the US adds none)."""
        if self.prices_include_tax:
            return self.shipping_total - self.shipping_tax
        return self.shipping_total

    @property
    def shipping_gross(self):
        return self.shipping_net + self.shipping_tax

    @property
    def shipping_tax_percent(self) -> str:
        return format((self.shipping_tax_rate * 100).normalize(), "f")


class OrderLine(models.Model):
    """A line as sold: product name, SKU and price are copied so the receipt never changes
    when the catalog does."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    variant = models.ForeignKey(
        Variant, on_delete=models.PROTECT, related_name="order_lines", verbose_name=_("variant")
    )
    product_name = models.CharField(max_length=200, verbose_name=_("product name"))
    sku = models.CharField(max_length=40, verbose_name=_("SKU"))
    size = models.CharField(max_length=20, blank=True, verbose_name=_("size"))
    colour = models.CharField(max_length=40, blank=True, verbose_name=_("colour"))
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    # In the order's currency (a line is never in another).
    unit_price = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, verbose_name=_("unit price")
    )
    line_total = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, verbose_name=_("line total")
    )
    # The rate charged and the tax in (VAT) or on top of (sales tax) ``line_total``.
    tax_rate = models.DecimalField(
        max_digits=7, decimal_places=5, default=0, verbose_name=_("tax rate")
    )
    tax_amount = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, default=0, verbose_name=_("tax amount")
    )
    # Off ``line_total`` before its tax: the sum of the line's OrderLineDiscount rows.
    discount_total = models.DecimalField(
        max_digits=money.MONEY_DIGITS,
        decimal_places=2,
        default=0,
        verbose_name=_("discount total"),
    )
    is_final_sale = models.BooleanField(default=False, verbose_name=_("is final sale"))

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
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

    @property
    def charged_total(self):
        """What the line cost after its discounts (its VAT in it in a VAT market)."""
        return self.line_total - self.discount_total

    @property
    def net_total(self):
        """The line without its tax, after its discounts."""
        if self.order.prices_include_tax:
            return self.charged_total - self.tax_amount
        return self.charged_total

    @property
    def tax_percent(self) -> str:
        """The rate as a percentage without trailing zeros: "7", "6.25"."""
        return format((self.tax_rate * 100).normalize(), "f")

    @property
    def gross_total(self):
        """What the shopper paid for the line, its tax included."""
        if self.order.prices_include_tax:
            return self.charged_total
        return self.charged_total + self.tax_amount


class OrderLineDiscount(models.Model):
    """One offer's share of a line (or, without a line, of the shipping it waived): the
    promotion and code that gave it, the amount and the label the receipt prints. A
    hand-given discount has no promotion and its reason in the label."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="discounts", verbose_name=_("order")
    )
    line = models.ForeignKey(
        OrderLine,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="discounts",
        help_text=_("Empty: the shipping"),
        verbose_name=_("order line"),
    )
    promotion = models.ForeignKey(
        "promotions.Promotion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("promotion"),
    )
    voucher = models.ForeignKey(
        "promotions.Voucher",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("discount code", "voucher"),
    )
    code = models.CharField(
        max_length=40, blank=True, verbose_name=pgettext_lazy("discount code", "code")
    )
    label = models.CharField(max_length=200, verbose_name=_("label"))
    amount = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, verbose_name=_("amount")
    )

    class Meta:
        verbose_name = _("order discount")
        verbose_name_plural = _("order discounts")
        ordering = ["order_id", "line_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="order_discount_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.amount}"


class Fulfilment(TimeStampedModel):
    """How some lines reach the shopper: shipped from a location chosen by sourcing, or
    picked up at a store (possibly after a transfer, hence ``expected_ready_at``)."""

    class Kind(models.TextChoices):
        SHIP = "ship", pgettext_lazy("fulfilment kind", "Ship")
        PICKUP = "pickup", _("Pick up in store")
        CARRY_OUT = "carry_out", _("Taken in store")

    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        PICKING = "picking", _("Picking")
        PACKED = "packed", _("Packed")
        READY = "ready", _("Ready for pickup")
        SHIPPED = "shipped", pgettext_lazy("status", "Shipped")
        DELIVERED = "delivered", _("Delivered")
        COLLECTED = "collected", _("Collected")
        PARTIALLY_COLLECTED = "partially_collected", _("Partially collected")
        EXPIRED = "expired", _("Not collected (released)")
        CANCELLED = "cancelled", _("Cancelled")

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="fulfilments", verbose_name=_("order")
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PLACED, verbose_name=_("status")
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="fulfilments",
        help_text=_("Ships from here, or is picked up here"),
        verbose_name=_("location"),
    )
    expected_ready_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("expected ready at")
    )
    ready_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ready at"))
    hold_until = models.DateTimeField(null=True, blank=True, verbose_name=_("hold until"))
    reminder_sent_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("reminder sent at")
    )
    shipped_at = models.DateTimeField(null=True, blank=True, verbose_name=_("shipped at"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))
    collected_at = models.DateTimeField(null=True, blank=True, verbose_name=_("collected at"))
    tracking_number = models.CharField(max_length=60, blank=True, verbose_name=_("tracking number"))
    carrier = models.CharField(
        max_length=20,
        blank=True,
        help_text=_("A key of OMNI_CARRIER_TRACKING_URLS, e.g. ups"),
        verbose_name=_("carrier"),
    )
    # A pickup that waited for a transfer: when its last unit arrived ("all items here"),
    # which puts it at the top of the store's queue.
    all_items_here_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("all items here at")
    )

    class Meta:
        verbose_name = _("fulfilment")
        verbose_name_plural = _("fulfilments")
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
    fulfilment = models.ForeignKey(
        Fulfilment, on_delete=models.CASCADE, related_name="lines", verbose_name=_("fulfilment")
    )
    order_line = models.ForeignKey(
        OrderLine,
        on_delete=models.CASCADE,
        related_name="fulfilment_lines",
        verbose_name=_("order line"),
    )
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    quantity_collected = models.PositiveIntegerField(
        default=0, verbose_name=_("quantity collected")
    )

    class Meta:
        verbose_name = _("fulfilment line")
        verbose_name_plural = _("fulfilment lines")
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
        return _("%(quantity)s × line %(line)s") % {
            "quantity": self.quantity,
            "line": self.order_line_id,
        }


class Payment(TimeStampedModel):
    class Provider(models.TextChoices):
        TEST = "test", _("Test card provider")
        PAY_IN_STORE = "pay_in_store", _("Pay in store")
        STORE_CREDIT = "store_credit", _("Store credit")
        EXTERNAL = "external", _("Paid on the POS or marketplace")
        QR_TEST = "qr_test", _("Test QR provider")
        COD = "cod", _("Cash on delivery")
        # Tenders (orders.services.tenders; the till): cash handed over at a register, a
        # gift card (giftcards ledger), loyalty points spent as money (customers ledger).
        CASH = "cash", _("Cash")
        GIFT_CARD = "gift_card", _("Gift card")
        LOYALTY_POINTS = "loyalty_points", _("Loyalty points")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        AUTHORISED = "authorised", _("Authorised")
        CAPTURED = "captured", _("Captured")
        DECLINED = "declined", _("Declined")
        FAILED = "failed", _("Failed")
        VOIDED = "voided", _("Voided")
        REFUNDED = "refunded", _("Refunded")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="payments", verbose_name=_("order")
    )
    provider = models.CharField(max_length=14, choices=Provider.choices, verbose_name=_("provider"))
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    amount = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, verbose_name=_("amount")
    )
    currency = models.CharField(max_length=3, default=money.currency, verbose_name=_("currency"))
    provider_reference = models.CharField(
        max_length=80, blank=True, verbose_name=_("provider reference")
    )
    card_last4 = models.CharField(max_length=4, blank=True, verbose_name=_("card last4"))
    failure_code = models.CharField(max_length=40, blank=True, verbose_name=_("failure code"))
    failure_message = models.CharField(
        max_length=255, blank=True, verbose_name=_("failure message")
    )
    # A QR payment not confirmed by then is given up and its order cancelled.
    expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("expires at"))

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["order_id", "id"]
        indexes = [
            # The QR expiry sweep reads only pending payments that can expire.
            models.Index(
                fields=["expires_at"],
                name="payment_pending_expiry_idx",
                condition=Q(status="pending", expires_at__isnull=False),
            ),
            # A provider's callback finds its payment by the provider's reference.
            models.Index(fields=["provider_reference"], name="payment_provider_ref_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.amount} [{self.status}]"

    @classmethod
    def qr_providers(cls) -> frozenset[str]:
        """Every provider name a QR payment may carry: the configured one
        (``OMNI_QR_PAYMENT_PROVIDER``) and the test one."""
        return frozenset(
            {
                cls.Provider.QR_TEST,
                getattr(settings, "OMNI_QR_PAYMENT_PROVIDER", cls.Provider.QR_TEST),
            }
        )

    @property
    def is_qr(self) -> bool:
        """Paid by a bank app scanning a QR code, online or at a till."""
        return self.provider in self.qr_providers()

    @property
    def method_label(self) -> str:
        """How a person names the way this was paid, on a receipt or a report row."""
        if self.is_qr:
            return str(_("QR payment"))
        return str(self.get_provider_display())


class Refund(TypedReference):
    """Money back to a payment. ``reference`` points at the return that caused it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment")
    )
    # In the payment's currency: money goes back the way it came.
    amount = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, verbose_name=_("amount")
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    provider_reference = models.CharField(
        max_length=80, blank=True, verbose_name=_("provider reference")
    )
    reason = models.CharField(max_length=255, blank=True, verbose_name=_("reason"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return _("Refund %(amount)s [%(status)s]") % {"amount": self.amount, "status": self.status}


class CartRecoveryStep(models.Model):
    """One stage of abandoned-cart recovery done for a cart: the email sent and/or the
    store follow-up created, and the clicks its restore link got. Unique per (cart, stage),
    so a stage is done once whatever runs the scan; recovery metrics are read from here."""

    cart = models.ForeignKey(
        Cart, on_delete=models.CASCADE, related_name="recovery_steps", verbose_name=_("cart")
    )
    stage = models.PositiveSmallIntegerField(
        help_text=_("1 = the first email"), verbose_name=_("stage")
    )
    emailed = models.BooleanField(default=False, verbose_name=_("emailed"))
    task = models.ForeignKey(
        "customers.FollowUpTask",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The follow-up created for the shopper's store (high-value carts)"),
        verbose_name=_("task"),
    )
    # The cart's prices' currency when the stage ran (a cart has none of its own).
    currency = models.CharField(max_length=3, default=money.currency, verbose_name=_("currency"))
    subtotal = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, default=0, verbose_name=_("subtotal")
    )
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )
    clicks = models.PositiveIntegerField(default=0, verbose_name=_("clicks"))
    first_clicked_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("first clicked at")
    )
    last_clicked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last clicked at"))
    restored_into = models.ForeignKey(
        Cart,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The cart the restore link filled on the shopper's other device"),
        verbose_name=_("restored into"),
    )

    class Meta:
        verbose_name = _("cart recovery step")
        verbose_name_plural = _("cart recovery steps")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "stage"], name="cart_recovery_step_once")
        ]

    def __str__(self) -> str:
        return _("Cart %(cart)s recovery stage %(stage)s") % {
            "cart": self.cart_id,
            "stage": self.stage,
        }


class TaxInvoiceCounter(models.Model):
    """The one row that hands out tax-invoice numbers: locked (select_for_update) while a
    number is taken, so two desks issuing at once get consecutive numbers, never the same."""

    # One row per sequence; "tax_invoice" is the install's (a named row, not a fixed pk,
    # so nothing collides with the table's own id sequence).
    name = models.CharField(max_length=30, unique=True, verbose_name=_("name"))
    last_number = models.PositiveIntegerField(default=0, verbose_name=_("last number"))

    class Meta:
        verbose_name = _("tax invoice counter")
        verbose_name_plural = _("tax invoice counters")

    def __str__(self) -> str:
        return f"{self.name}: {self.last_number}"


class TaxInvoice(models.Model):
    """A full tax invoice for an order, issued on the buyer's request (at checkout or at
    the desk) with the buyer's name, address and tax ID. One per order; numbered in one
    sequence per install, as tax offices require (Thailand: ใบกำกับภาษีเต็มรูป)."""

    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="tax_invoice", verbose_name=_("order")
    )
    number = models.PositiveIntegerField(unique=True, verbose_name=_("number"))
    buyer_name = models.CharField(max_length=200, verbose_name=_("buyer name"))
    buyer_address = models.TextField(verbose_name=_("buyer address"))
    buyer_tax_id = models.CharField(max_length=20, verbose_name=_("buyer tax ID"))
    issued_at = models.DateTimeField(default=timezone.now, verbose_name=_("issued at"))
    issued_by = models.ForeignKey(
        Associate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Blank: requested by the shopper at checkout"),
        verbose_name=_("issued by"),
    )

    class Meta:
        verbose_name = _("tax invoice")
        verbose_name_plural = _("tax invoices")
        ordering = ["-number"]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"INV-{self.number:06d}"
