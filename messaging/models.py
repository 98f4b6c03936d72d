"""Every email or text sent to (or received from) one customer, and the conversation each
belongs to.

A ``Message`` is one email, text or web message, in or out. A ``Thread`` is a customer's
conversation with a store (and the associate looking after it): the back-office inbox
lists threads, newest first, one indexed read; a thread's page lists its messages.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.models import Customer
from stores.models import Associate, Location


class MessageChannel(models.TextChoices):
    EMAIL = "email", pgettext_lazy("channel", "Email")
    SMS = "sms", _("Text message")
    # A message a shopper wrote on the storefront (the shared list's "Message …" form).
    WEB = "web", pgettext_lazy("message channel", "Web")


class Purpose(models.TextChoices):
    """Why we may send it, which decides the consent it needs (``messaging.services``)."""

    SERVICE = "service", _("Service (about an order, pickup or return)")
    ONE_TO_ONE = "one_to_one", _("One-to-one from an associate")
    MARKETING = "marketing", _("Marketing")
    REQUESTED = "requested", _("Requested by the customer")
    REPLY = "reply", _("The customer's reply")


class Thread(models.Model):
    """One customer's conversation with a store. ``associate``: who looks after it (the
    associate who wrote last, else the customer's primary associate), so an associate's
    inbox shows their own clients' threads and the unassigned ones."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="threads", verbose_name=_("customer")
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="threads", verbose_name=_("store")
    )
    associate = models.ForeignKey(
        Associate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="threads",
        verbose_name=_("associate"),
    )
    last_message_at = models.DateTimeField(default=timezone.now, verbose_name=_("last message"))
    last_preview = models.CharField(max_length=160, blank=True, verbose_name=_("last message"))
    last_direction = models.CharField(max_length=3, default="out", verbose_name=_("direction"))
    unread = models.PositiveIntegerField(default=0, verbose_name=_("unread"))

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "location"], name="thread_per_customer_store"
            ),
        ]
        indexes = [
            models.Index(fields=["location", "-last_message_at"], name="thread_inbox_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} @ {self.location}"


class Message(models.Model):
    class Direction(models.TextChoices):
        OUT = "out", pgettext_lazy("message direction", "Sent")
        IN = "in", pgettext_lazy("message direction", "Received")

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("message status", "Queued")
        SENT = "sent", pgettext_lazy("message status", "Sent")
        DELIVERED = "delivered", pgettext_lazy("message status", "Delivered")
        FAILED = "failed", pgettext_lazy("message status", "Failed")
        RECEIVED = "received", pgettext_lazy("message status", "Received")

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("customer"),
    )
    thread = models.ForeignKey(
        Thread,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("conversation"),
    )
    channel = models.CharField(
        max_length=8, choices=MessageChannel.choices, verbose_name=_("channel")
    )
    direction = models.CharField(
        max_length=3, choices=Direction.choices, default=Direction.OUT, verbose_name=_("direction")
    )
    purpose = models.CharField(max_length=12, choices=Purpose.choices, verbose_name=_("purpose"))
    # The template or the service event it was made from ("pickup_ready", "size_back"),
    # blank for a message an associate wrote.
    kind = models.CharField(max_length=40, blank=True, default="", verbose_name=_("kind"))
    to = models.CharField(max_length=254, blank=True, default="", verbose_name=_("to"))
    sender = models.CharField(max_length=254, blank=True, default="", verbose_name=_("from"))
    subject = models.CharField(max_length=200, blank=True, default="", verbose_name=_("subject"))
    body = models.TextField(verbose_name=_("message"))
    language = models.CharField(
        max_length=8, blank=True, default="", choices=settings.LANGUAGES, verbose_name=_("language")
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, verbose_name=_("status")
    )
    error = models.CharField(max_length=255, blank=True, default="", verbose_name=_("error"))
    provider = models.CharField(max_length=20, blank=True, default="", verbose_name=_("provider"))
    provider_id = models.CharField(
        max_length=64, blank=True, default="", verbose_name=_("provider's id")
    )
    segments = models.PositiveSmallIntegerField(default=0, verbose_name=_("segments"))
    associate = models.ForeignKey(
        Associate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("associate"),
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("store"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    # Quiet hours: not handed to the provider before this moment.
    send_after = models.DateTimeField(null=True, blank=True, verbose_name=_("send after"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="message_customer_idx"),
            models.Index(fields=["thread", "created_at"], name="message_thread_idx"),
            models.Index(fields=["provider", "provider_id"], name="message_provider_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.direction} {self.to or self.sender}: {self.body[:40]}"

    @property
    def is_outbound(self) -> bool:
        return self.direction == self.Direction.OUT
