"""Gift cards and their append-only ledger.

A card's code is shown once, when it is issued (to the associate, in the recipient's
email) and never stored: the table keeps an HMAC-SHA256 of it (``code_hash``, keyed with
``SECRET_KEY``) to find the card by, and the last four characters to show. A card's
balance is the sum of its ledger (``GiftCardEntry``), like the store-credit ledger.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.models import Customer, LedgerEntry
from omni import money
from omni.models import TimeStampedModel, TypedReference


class GiftCard(TimeStampedModel, TypedReference):
    """One gift card. ``reference`` points at the order line that sold it (a card sold
    as a product) or the refund it was made for; blank when staff issued it."""

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("gift card", "Active")
        DISABLED = "disabled", pgettext_lazy("gift card", "Disabled")

    class Source(models.TextChoices):
        ISSUED = "issued", _("Issued by staff")
        SOLD = "sold", _("Sold")
        REFUND = "refund", _("Refund to a new card")

    class Delivery(models.TextChoices):
        PHYSICAL = "physical", _("Physical card")
        EMAIL = "email", _("Emailed")

    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    last4 = models.CharField(max_length=4, verbose_name=_("last four characters"))
    currency = models.CharField(max_length=3, default=money.currency, verbose_name=_("currency"))
    initial_amount = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, verbose_name=_("initial amount")
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.ACTIVE, verbose_name=_("status")
    )
    source = models.CharField(max_length=10, choices=Source.choices, verbose_name=_("source"))
    delivery = models.CharField(
        max_length=10,
        choices=Delivery.choices,
        default=Delivery.PHYSICAL,
        verbose_name=_("delivery"),
    )
    reason = models.CharField(max_length=255, blank=True, verbose_name=_("reason"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    # Who bought it or was given it (a refund's customer); None for a card sold to a guest.
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gift_cards",
        verbose_name=_("customer"),
    )
    recipient_name = models.CharField(max_length=120, blank=True, verbose_name=_("recipient name"))
    recipient_email = models.EmailField(blank=True, verbose_name=_("recipient email"))
    message = models.CharField(max_length=500, blank=True, verbose_name=_("message"))
    # None: never expires (the default; many markets forbid gift card expiry).
    expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("expires at"))

    class Meta:
        verbose_name = _("gift card")
        verbose_name_plural = _("gift cards")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["reference_type", "reference_id"], name="giftcard_reference_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(initial_amount__gte=0), name="giftcard_initial_non_negative"
            )
        ]

    def __str__(self) -> str:
        return f"•••• {self.last4}"

    @property
    def masked(self) -> str:
        return f"•••• {self.last4}"

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())


class GiftCardEntry(LedgerEntry):
    """A movement of a card's balance: issued (positive), spent on an order (negative),
    a refund back to the card (positive), an adjustment. Never changed or deleted."""

    class Reason(models.TextChoices):
        ISSUE = "issue", _("Issued")
        SPEND = "spend", _("Spent on an order")
        REFUND = "refund", _("Refund")
        ADJUSTMENT = "adjustment", _("Adjustment")

    card = models.ForeignKey(
        GiftCard, on_delete=models.PROTECT, related_name="entries", verbose_name=_("gift card")
    )
    amount = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, verbose_name=_("amount")
    )

    class Meta:
        verbose_name = _("gift card entry")
        verbose_name_plural = _("gift card entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["card", "-created_at"], name="giftcard_entry_card_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="giftcard_entry_nonzero")
        ]


class GiftCardProduct(models.Model):
    """A catalog variant sold as a gift card: the shopper chooses the amount (within the
    market's bounds) instead of the price book's price, and no stock is held for it. An
    emailed card's code goes to the recipient once the order is paid."""

    variant = models.OneToOneField(
        "catalog.Variant",
        on_delete=models.CASCADE,
        related_name="gift_card_product",
        verbose_name=_("variant"),
    )
    delivery = models.CharField(
        max_length=10,
        choices=GiftCard.Delivery.choices,
        default=GiftCard.Delivery.EMAIL,
        verbose_name=_("delivery"),
    )

    class Meta:
        verbose_name = _("gift card product")
        verbose_name_plural = _("gift card products")

    def __str__(self) -> str:
        return f"{self.variant_id} ({self.delivery})"
