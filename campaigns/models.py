"""Messages to many: back-in-stock requests, saved segments and newsletters (campaigns).

A back-in-stock request is the shopper's one-time consent to one message about one size
at one store (or online); a newsletter goes only to customers with marketing consent on
email, once per customer per campaign (``CampaignSend`` is unique on both)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import Product, Variant
from customers.models import Customer
from stores.models import Location


class BackInStockRequest(models.Model):
    """ "Tell me when this size is back at my store (or online)". ``location`` None means
    online. A guest leaves an email or a phone; a member's contacts are their customer's.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting")
        DUE = "due", _("Alert on its way")
        NOTIFIED = "notified", _("Alert sent")
        EXPIRED = "expired", _("Expired")

    variant = models.ForeignKey(
        Variant, on_delete=models.CASCADE, related_name="+", verbose_name=_("variant")
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("store"),
        help_text=_("Empty: online"),
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    email = models.EmailField(blank=True, verbose_name=_("email"))
    # E.164, from omni.phones: a phone-only request is alerted by one text (messaging).
    phone = models.CharField(max_length=32, blank=True, verbose_name=_("phone"))
    language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, verbose_name=_("language")
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, verbose_name=_("status")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    notified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("notified at"))

    class Meta:
        verbose_name = _("back-in-stock request")
        verbose_name_plural = _("back-in-stock requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The receiver's read: the open requests of one variant.
            models.Index(
                fields=["variant", "location"],
                condition=Q(status="open"),
                name="bis_open_variant_idx",
            ),
            # The store's demand page.
            models.Index(
                fields=["location", "-created_at"],
                condition=Q(status="open"),
                name="bis_open_location_idx",
            ),
            models.Index(fields=["expires_at"], condition=Q(status="open"), name="bis_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="", phone="", customer__isnull=True),
                name="bis_has_a_contact",
            )
        ]

    def __str__(self) -> str:
        return f"{self.variant_id} @ {self.location_id or 'online'}: {self.status}"


class Segment(models.Model):
    """Saved rules over the one model (``campaigns.segments``), compiled to one queryset."""

    name = models.CharField(max_length=120, verbose_name=_("name"))
    rules = models.JSONField(default=dict, blank=True, verbose_name=_("rules"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    """A newsletter: one version per language, some products, sent to a segment."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("campaign status", "Draft")
        SCHEDULED = "scheduled", pgettext_lazy("campaign status", "Scheduled")
        SENDING = "sending", pgettext_lazy("campaign status", "Sending")
        SENT = "sent", pgettext_lazy("campaign status", "Sent")

    name = models.CharField(max_length=120, verbose_name=_("name"))
    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("segment")
    )
    products = models.ManyToManyField(
        Product, blank=True, related_name="+", verbose_name=_("products")
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, verbose_name=_("status")
    )
    scheduled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("send at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class CampaignVersion(models.Model):
    """The campaign in one language: the customer's language picks it, else the market's
    default language's."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="versions", verbose_name=_("campaign")
    )
    language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, verbose_name=_("language")
    )
    subject = models.CharField(max_length=200, verbose_name=_("subject"))
    body = models.TextField(
        verbose_name=_("body"), help_text=_("Plain text; blank lines part paragraphs")
    )

    class Meta:
        verbose_name = _("campaign version")
        verbose_name_plural = _("campaign versions")
        ordering = ["campaign_id", "language"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "language"], name="campaign_language_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_language_display()}: {self.subject}"


class CampaignSend(models.Model):
    """One customer's copy of a campaign: at most one per (campaign, customer)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="sends", verbose_name=_("campaign")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    email = models.EmailField(verbose_name=_("email"))
    language = models.CharField(max_length=8, verbose_name=_("language"))
    sent_at = models.DateTimeField(default=timezone.now, verbose_name=_("sent at"))
    bounced_at = models.DateTimeField(null=True, blank=True, verbose_name=_("bounced at"))
    unsubscribed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("unsubscribed at"))

    class Meta:
        verbose_name = _("campaign send")
        verbose_name_plural = _("campaign sends")
        ordering = ["campaign_id", "customer_id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="campaign_send_once")
        ]
        indexes = [models.Index(fields=["email", "-sent_at"], name="campaign_send_email_idx")]

    def __str__(self) -> str:
        return f"{self.campaign_id} → {self.customer_id}"
