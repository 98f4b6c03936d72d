"""Promotions (automatic or behind a code), their vouchers (codes), batches of one-time
codes, and the redemptions that count their use.

The rules themselves live in ``promotions.services.engine`` (pure: no query); these rows
are what a merchandiser sets up in the admin and what the checkout counts."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import Category, Product, Variant
from customers.models import Channel, Customer
from omni import money
from omni.models import TimeStampedModel
from stores.models import Location


class Promotion(TimeStampedModel):
    """One offer: what it gives (``benefit`` with ``value``), on what (products, variants,
    categories; none: everything), for whom and where (channels, stores, customer facts),
    when (a date window read in the store's time zone, the market's online) and how it
    combines with others (``stacking``, ``priority``)."""

    class Trigger(models.TextChoices):
        AUTOMATIC = "automatic", _("Automatic")
        CODE = "code", _("With a code")

    class Benefit(models.TextChoices):
        PERCENT_OFF = "percent_off", _("Percentage off matching items")
        AMOUNT_OFF = "amount_off", _("Amount off each matching item")
        FIXED_PRICE = "fixed_price", _("Fixed price for matching items")
        BUY_X_GET_Y = "buy_x_get_y", _("Buy X, get Y")
        ORDER_AMOUNT_OFF = "order_amount_off", _("Amount off the order")
        FREE_SHIPPING = "free_shipping", _("Free shipping")

    class Stacking(models.TextChoices):
        STACKABLE = "stackable", _("Stacks with other offers")
        BEST = "best", _("Best for the customer (one of these)")
        EXCLUSIVE = "exclusive", _("Exclusive (alone)")

    name = models.CharField(max_length=120, verbose_name=_("name"))
    label = models.CharField(
        max_length=80,
        blank=True,
        help_text=_("What the shopper reads on the badge and the receipt; blank: the name"),
        verbose_name=_("label"),
    )
    trigger = models.CharField(
        max_length=10, choices=Trigger.choices, default=Trigger.AUTOMATIC, verbose_name=_("trigger")
    )
    benefit = models.CharField(
        max_length=20,
        choices=Benefit.choices,
        default=Benefit.PERCENT_OFF,
        verbose_name=_("benefit"),
    )
    value = models.DecimalField(
        max_digits=money.MONEY_DIGITS,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_(
            "A percentage (0–100) for a percentage or buy X get Y; an amount in the "
            "shop's currency otherwise"
        ),
        verbose_name=_("value"),
    )
    buy_quantity = models.PositiveSmallIntegerField(
        default=0, help_text=_("Buy X get Y: how many are bought"), verbose_name=_("buy quantity")
    )
    get_quantity = models.PositiveSmallIntegerField(
        default=0,
        help_text=_("Buy X get Y: how many of the cheapest get the value's percentage off"),
        verbose_name=_("get quantity"),
    )
    products = models.ManyToManyField(
        Product, blank=True, related_name="+", verbose_name=_("products")
    )
    variants = models.ManyToManyField(
        Variant, blank=True, related_name="+", verbose_name=_("variants")
    )
    categories = models.ManyToManyField(
        Category, blank=True, related_name="+", verbose_name=_("categories")
    )
    min_quantity = models.PositiveIntegerField(
        default=0, help_text=_("Matching items needed"), verbose_name=_("minimum quantity")
    )
    min_amount = models.DecimalField(
        max_digits=money.MONEY_DIGITS,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Matching merchandise needed, before discounts"),
        verbose_name=_("minimum amount"),
    )
    first_order_only = models.BooleanField(default=False, verbose_name=_("first order only"))
    marketing_consent_only = models.BooleanField(
        default=False,
        help_text=_("Only for customers who agreed to marketing (newsletter subscribers)"),
        verbose_name=_("marketing consent only"),
    )
    loyalty_members_only = models.BooleanField(
        default=False, verbose_name=_("loyalty members only")
    )
    channels = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Channels it is valid in; empty: every channel"),
        verbose_name=_("channels"),
    )
    stores = models.ManyToManyField(
        Location,
        blank=True,
        related_name="+",
        help_text=_("Stores it is valid in; empty: every store"),
        verbose_name=_("stores"),
    )
    starts_on = models.DateField(null=True, blank=True, verbose_name=_("starts on"))
    ends_on = models.DateField(
        null=True, blank=True, help_text=_("Last day it is valid"), verbose_name=_("ends on")
    )
    priority = models.SmallIntegerField(
        default=0, help_text=_("Higher goes first"), verbose_name=_("priority")
    )
    stacking = models.CharField(
        max_length=10,
        choices=Stacking.choices,
        default=Stacking.STACKABLE,
        verbose_name=_("stacking"),
    )
    limit_per_customer = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Empty: no limit"), verbose_name=_("uses per customer")
    )
    is_active = models.BooleanField(default=True, verbose_name=_("active"))

    class Meta:
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        ordering = ["-priority", "pk"]
        indexes = [models.Index(fields=["is_active", "ends_on"], name="promotion_active_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="promotion_value_non_negative"),
            models.CheckConstraint(
                condition=~Q(benefit__in=["percent_off", "buy_x_get_y"]) | Q(value__lte=100),
                name="promotion_percent_at_most_100",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def public_label(self) -> str:
        return self.label or self.name

    def clean(self) -> None:
        errors = {}
        percent = self.benefit in (self.Benefit.PERCENT_OFF, self.Benefit.BUY_X_GET_Y)
        if self.value is not None and self.value < 0:
            errors["value"] = _("The value cannot be negative.")
        elif percent and self.value is not None and self.value > 100:
            errors["value"] = _("A percentage cannot be more than 100.")
        elif self.benefit != self.Benefit.FREE_SHIPPING and not self.value:
            errors["value"] = _("Give the value of the offer.")
        if self.benefit == self.Benefit.BUY_X_GET_Y and (
            not self.buy_quantity or not self.get_quantity
        ):
            errors["buy_quantity"] = _("Buy X get Y needs both quantities.")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The last day cannot be before the first.")
        known = set(Channel.values)
        if not isinstance(self.channels, list) or not set(self.channels) <= known:
            errors["channels"] = _("Unknown channel.")
        if errors:
            raise ValidationError(errors)


class VoucherBatch(TimeStampedModel):
    """A batch of unique one-time codes generated for a campaign (``campaign``: a key a
    flow hands codes out from, e.g. ``post-purchase``)."""

    promotion = models.ForeignKey(
        Promotion, on_delete=models.CASCADE, related_name="batches", verbose_name=_("promotion")
    )
    name = models.CharField(max_length=120, verbose_name=_("name"))
    campaign = models.SlugField(
        max_length=60,
        blank=True,
        db_index=True,
        help_text=_("The flow handing the codes out, e.g. post-purchase"),
        verbose_name=_("campaign"),
    )
    prefix = models.CharField(max_length=12, blank=True, verbose_name=_("prefix"))

    class Meta:
        verbose_name = _("batch of codes")
        verbose_name_plural = _("batches of codes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Voucher(TimeStampedModel):
    """A code that unlocks a promotion. Stored upper-case, unique whatever the case;
    ``used_count`` only moves by a conditional UPDATE (promotions.services.vouchers)."""

    promotion = models.ForeignKey(
        Promotion, on_delete=models.CASCADE, related_name="vouchers", verbose_name=_("promotion")
    )
    batch = models.ForeignKey(
        VoucherBatch,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="vouchers",
        verbose_name=_("batch"),
    )
    code = models.CharField(max_length=40, verbose_name=_("code"))
    usage_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Empty: no limit"), verbose_name=_("usage limit")
    )
    used_count = models.PositiveIntegerField(default=0, verbose_name=_("used"))
    # A one-time code handed to one customer (the post-purchase email).
    issued_to = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued to"),
    )
    issued_at = models.DateTimeField(null=True, blank=True, verbose_name=_("issued at"))

    class Meta:
        verbose_name = pgettext_lazy("discount code", "voucher")
        verbose_name_plural = pgettext_lazy("discount codes", "vouchers")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(Upper("code"), name="voucher_code_unique_ci"),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(used_count__lte=F("usage_limit")),
                name="voucher_used_within_limit",
            ),
        ]
        indexes = [
            models.Index(
                fields=["batch", "issued_to"],
                name="voucher_unissued_idx",
                condition=Q(issued_to__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs) -> None:
        self.code = normalise_code(self.code)
        super().save(*args, **kwargs)


def normalise_code(code: str) -> str:
    """A code as stored and compared: trimmed, upper-case."""
    return (code or "").strip().upper()


class Redemption(models.Model):
    """One order's use of a promotion (and of its code): what it took off and what the
    order came to — the admin's usage and revenue per promotion."""

    promotion = models.ForeignKey(
        Promotion,
        on_delete=models.PROTECT,
        related_name="redemptions",
        verbose_name=_("promotion"),
    )
    voucher = models.ForeignKey(
        Voucher,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="redemptions",
        verbose_name=pgettext_lazy("discount code", "voucher"),
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    # The order lives above this app (orders): kept by id and number.
    order_id = models.BigIntegerField(db_index=True, verbose_name=_("order id"))
    order_number = models.CharField(max_length=20, verbose_name=_("order number"))
    discount = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, verbose_name=_("discount")
    )
    order_total = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, verbose_name=_("order total")
    )
    currency = models.CharField(max_length=3, default=money.currency, verbose_name=_("currency"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["promotion", "customer"], name="redemption_customer_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["promotion", "order_id"], name="redemption_once_per_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.promotion_id} · {self.order_number}"
