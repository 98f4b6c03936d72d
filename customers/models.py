"""One customer per person across every channel, with everything the store and the web
both need to know: identities, consent, sizes, the timeline, lists, ledgers."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import Category, Product, Variant
from omni import money, stored_text
from omni.models import TimeStampedModel, TypedReference
from stores.models import Associate, Location


class Channel(models.TextChoices):
    """Where something happened. Shared by orders, interactions and consent sources."""

    WEB = "web", _("Web")
    APP = "app", _("App")
    STORE = "store", pgettext_lazy("channel", "Store")
    PHONE = "phone", _("Phone")
    SOCIAL = "social", _("Social")
    MARKETPLACE = "marketplace", _("Marketplace")
    EMAIL = "email", pgettext_lazy("channel", "Email")
    API = "api", _("API")
    SYSTEM = "system", _("System")


class Customer(TimeStampedModel):
    """A person, with or without a login. ``email``/``phone`` are the primary contacts we
    write to; every known address, number and card lives in ``identities`` for lookup."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customer",
        verbose_name=_("user"),
    )
    first_name = models.CharField(max_length=80, blank=True, verbose_name=_("first name"))
    last_name = models.CharField(max_length=80, blank=True, verbose_name=_("last name"))
    email = models.EmailField(blank=True, db_index=True, verbose_name=_("email"))
    phone = models.CharField(max_length=32, blank=True, db_index=True, verbose_name=_("phone"))
    loyalty_number = models.CharField(
        max_length=20, unique=True, null=True, blank=True, verbose_name=_("loyalty number")
    )
    home_store = models.ForeignKey(
        Location,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="home_customers",
        limit_choices_to={"kind": Location.Kind.STORE},
        verbose_name=_("home store"),
    )
    primary_associate = models.ForeignKey(
        Associate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client_book",
        verbose_name=_("primary associate"),
    )
    preferences = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Colours, styles, fits"),
        verbose_name=_("preferences"),
    )
    birthday = models.DateField(null=True, blank=True, verbose_name=_("birthday"))
    source_channel = models.CharField(
        max_length=12,
        choices=Channel.choices,
        default=Channel.WEB,
        verbose_name=_("source channel"),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name=_("merged into"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    # Everything sent to them (emails, the printed receipt) is in this language.
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of the emails and receipts we send them"),
    )

    # How pickup, transfer and return updates reach them (one channel, never both):
    # messaging.services routes every service message by it.
    service_messages_by = models.CharField(
        _("service messages by"),
        max_length=8,
        choices=[
            ("email", pgettext_lazy("channel", "Email")),
            ("sms", _("Text message")),
            ("both", _("Email and text message")),
        ],
        default="email",
        help_text=_(
            "How we tell them their order is ready, their items arrived or their return "
            "was received"
        ),
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["last_name", "first_name", "id"]
        indexes = [models.Index(fields=["last_name", "first_name"], name="customer_name_idx")]

    def __str__(self) -> str:
        return self.full_name or self.email or self.phone or f"Customer {self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class CustomerIdentity(models.Model):
    """One way to recognise a customer: an email, a phone number or a loyalty card. Each
    value belongs to exactly one customer, which is what lets a guest checkout or a store
    sale attach to the existing record."""

    class Kind(models.TextChoices):
        EMAIL = "email", pgettext_lazy("channel", "Email")
        PHONE = "phone", _("Phone")
        LOYALTY = "loyalty", _("Loyalty number")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="identities", verbose_name=_("customer")
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    # Normalised: emails lower-cased, phones as digits with a leading +.
    value = models.CharField(max_length=254, verbose_name=_("value"))
    is_verified = models.BooleanField(default=False, verbose_name=_("is verified"))
    verified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("verified at"))
    source = models.CharField(
        max_length=12, choices=Channel.choices, default=Channel.WEB, verbose_name=_("source")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("customer identity")
        verbose_name_plural = _("customer identities")
        ordering = ["kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="identity_value_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"


class ContactChannel(models.TextChoices):
    EMAIL = "email", pgettext_lazy("channel", "Email")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone")


class ConsentState(models.TextChoices):
    MARKETING = "marketing", _("Marketing")
    ONE_TO_ONE = "one_to_one", _("One-to-one from an associate only")
    NONE = "none", _("None")


class Consent(models.Model):
    """The current consent of one customer on one contact channel. Every change is also
    appended to ``ConsentChange`` so we can show who changed it, when and where."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="consents", verbose_name=_("customer")
    )
    channel = models.CharField(
        max_length=8, choices=ContactChannel.choices, verbose_name=_("channel")
    )
    state = models.CharField(
        max_length=12,
        choices=ConsentState.choices,
        default=ConsentState.NONE,
        verbose_name=_("state"),
    )
    source = models.CharField(
        max_length=12, choices=Channel.choices, default=Channel.WEB, verbose_name=_("source")
    )
    changed_at = models.DateTimeField(default=timezone.now, verbose_name=_("changed at"))
    changed_by = models.ForeignKey(
        Associate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["customer_id", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "channel"], name="consent_per_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}: {self.state}"

    @property
    def allows_marketing(self) -> bool:
        return self.state == ConsentState.MARKETING

    @property
    def allows_one_to_one(self) -> bool:
        return self.state in (ConsentState.MARKETING, ConsentState.ONE_TO_ONE)


class ConsentChange(models.Model):
    """Append-only history of consent: the audit trail behind ``Consent``."""

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="consent_changes",
        verbose_name=_("customer"),
    )
    channel = models.CharField(
        max_length=8, choices=ContactChannel.choices, verbose_name=_("channel")
    )
    state = models.CharField(max_length=12, choices=ConsentState.choices, verbose_name=_("state"))
    source = models.CharField(max_length=12, choices=Channel.choices, verbose_name=_("source"))
    location = models.ForeignKey(
        Location,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
    )
    changed_by = models.ForeignKey(
        Associate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(default=timezone.now, verbose_name=_("changed at"))

    class Meta:
        verbose_name = _("consent change")
        verbose_name_plural = _("consent changes")
        ordering = ["-changed_at"]
        indexes = [models.Index(fields=["customer", "-changed_at"], name="consent_change_cust_idx")]

    def __str__(self) -> str:
        return f"{self.channel} → {self.state} ({self.source})"


class SizePreference(models.Model):
    """A customer's size in one size group, learned from purchases in any channel or set
    by hand (an edited size is not overwritten by learning)."""

    class Source(models.TextChoices):
        LEARNED = "learned", _("Learned from purchases")
        EDITED = "edited", _("Set by the customer or an associate")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="sizes", verbose_name=_("customer")
    )
    size_group = models.CharField(
        max_length=20, choices=Category.SizeGroup.choices, verbose_name=_("size group")
    )
    size = models.CharField(max_length=20, verbose_name=_("size"))
    source = models.CharField(
        max_length=10, choices=Source.choices, default=Source.LEARNED, verbose_name=_("source")
    )
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("size preference")
        verbose_name_plural = _("size preferences")
        ordering = ["size_group"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "size_group"], name="size_per_group"),
        ]

    def __str__(self) -> str:
        return f"{self.size_group}: {self.size}"


class RecentlyViewedProduct(models.Model):
    """A product the customer looked at, on any device they are logged in on ("continue
    where you left off"). One row per (customer, product), its time moved on each view,
    so the table grows with what a shopper looked at, not with how often."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    viewed_at = models.DateTimeField(default=timezone.now, verbose_name=_("viewed at"))

    class Meta:
        verbose_name = _("recently viewed product")
        verbose_name_plural = _("recently viewed products")
        constraints = [
            models.UniqueConstraint(fields=["customer", "product"], name="recent_product_once")
        ]
        indexes = [models.Index(fields=["customer", "-viewed_at"], name="recent_product_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} viewed product {self.product_id}"


class RecentlyViewedCategory(models.Model):
    """A category the customer browsed, as ``RecentlyViewedProduct``."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="+", verbose_name=_("category")
    )
    viewed_at = models.DateTimeField(default=timezone.now, verbose_name=_("viewed at"))

    class Meta:
        verbose_name = _("recently viewed category")
        verbose_name_plural = _("recently viewed categories")
        constraints = [
            models.UniqueConstraint(fields=["customer", "category"], name="recent_category_once")
        ]
        indexes = [models.Index(fields=["customer", "-viewed_at"], name="recent_category_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} viewed category {self.category_id}"


class Interaction(models.Model):
    """One entry on the customer's timeline, whatever the channel: this is how the store
    knows what the web knows. ``subject_type``/``subject_id`` point at the order, return,
    list... without importing it."""

    class Kind(models.TextChoices):
        ORDER = "order", pgettext_lazy("timeline entry kind", "Order")
        PICKUP = "pickup", pgettext_lazy("timeline entry kind", "Pickup")
        RETURN = "return", pgettext_lazy("timeline entry kind", "Return")
        STORE_VISIT = "store_visit", _("Store visit")
        SERVICE = "service", _("Service conversation")
        NOTE = "note", _("Note")
        LIST_CHANGE = "list_change", _("List change")
        EMAIL = "email", _("Email sent")
        CONSENT = "consent", _("Consent change")
        OUTREACH = "outreach", _("Associate outreach")
        ACCOUNT = "account", _("Account")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="interactions", verbose_name=_("customer")
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, verbose_name=_("kind"))
    channel = models.CharField(max_length=12, choices=Channel.choices, verbose_name=_("channel"))
    location = models.ForeignKey(
        Location,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
    )
    associate = models.ForeignKey(
        Associate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interactions",
        verbose_name=_("associate"),
    )
    # The entry is read in the reader's language: ``summary_key``/``summary_params`` (see
    # omni.stored_text); ``summary`` is the English text kept for search, the admin and
    # as the fallback; a row without a key is legacy text, shown as stored.
    summary = models.CharField(max_length=255, verbose_name=_("summary"))
    summary_key = models.CharField(
        max_length=60, blank=True, default="", verbose_name=_("summary key")
    )
    summary_params = models.JSONField(
        default=dict, blank=True, verbose_name=_("summary parameters")
    )
    detail = models.JSONField(default=dict, blank=True, verbose_name=_("detail"))
    subject_type = models.CharField(
        max_length=60, blank=True, default="", verbose_name=_("subject type")
    )
    subject_id = models.CharField(
        max_length=64, blank=True, default="", verbose_name=_("subject id")
    )
    occurred_at = models.DateTimeField(default=timezone.now, verbose_name=_("occurred at"))

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at", "-id"], name="timeline_idx"),
            models.Index(fields=["subject_type", "subject_id"], name="interaction_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary_text}"

    @property
    def summary_text(self) -> str:
        """The summary in the active language (the stored text for a legacy row)."""
        return stored_text.render(self.summary_key, self.summary_params, legacy=self.summary)

    @property
    def is_legacy(self) -> bool:
        """Written as plain text before summaries had keys: shown as stored."""
        return not self.summary_key


class CustomerNote(TimeStampedModel):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="notes", verbose_name=_("customer")
    )
    author = models.ForeignKey(
        Associate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notes_written",
        verbose_name=_("author"),
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
    )
    body = models.TextField(verbose_name=_("body"))
    is_pinned = models.BooleanField(default=False, verbose_name=_("is pinned"))

    class Meta:
        verbose_name = _("customer note")
        verbose_name_plural = _("customer notes")
        ordering = ["-is_pinned", "-created_at"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="note_customer_idx")]

    def __str__(self) -> str:
        return self.body[:60]


class FollowUpTask(TimeStampedModel):
    """Clienteling to-do: "call Ana when the blazer in 38 is back", due on a date."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("status", "Open")
        DONE = "done", pgettext_lazy("status", "Done")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("customer")
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        related_name="customer_tasks",
        verbose_name=_("location"),
    )
    assigned_to = models.ForeignKey(
        Associate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("assigned to"),
    )
    created_by = models.ForeignKey(
        Associate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # As typed by the associate; for a task the system writes (an abandoned cart), the
    # English text beside ``reason_key`` and ``reason_params`` (omni.stored_text), which
    # are rendered in the reader's language.
    reason = models.CharField(max_length=200, verbose_name=_("reason"))
    reason_key = models.CharField(
        max_length=60, blank=True, default="", verbose_name=_("reason key")
    )
    reason_params = models.JSONField(default=dict, blank=True, verbose_name=_("reason parameters"))
    due_on = models.DateField(verbose_name=_("due on"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, verbose_name=_("status")
    )
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))

    class Meta:
        verbose_name = _("follow up task")
        verbose_name_plural = _("follow up tasks")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["location", "status", "due_on"], name="task_store_due_idx"),
            models.Index(fields=["assigned_to", "status", "due_on"], name="task_assignee_due_idx"),
        ]

    def __str__(self) -> str:
        return self.reason

    @property
    def reason_text(self) -> str:
        """The reason in the active language (as typed, for a task an associate wrote)."""
        return stored_text.render(self.reason_key, self.reason_params, legacy=self.reason)


class CustomerAccessLog(models.Model):
    """Who looked at whose record, when: clienteling data is personal."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="access_log", verbose_name=_("customer")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
    )
    action = models.CharField(max_length=30, default="view", verbose_name=_("action"))
    accessed_at = models.DateTimeField(default=timezone.now, verbose_name=_("accessed at"))

    class Meta:
        verbose_name = _("customer access log")
        verbose_name_plural = _("customer access logs")
        ordering = ["-accessed_at"]
        indexes = [models.Index(fields=["customer", "-accessed_at"], name="access_customer_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} customer {self.customer_id}"


def new_share_token() -> str:
    return secrets.token_urlsafe(16)


class List(TimeStampedModel):
    """A wishlist or shopping list, shared between the shopper and the store. "Send to my
    store" puts it in that store's back-office queue."""

    class Kind(models.TextChoices):
        WISHLIST = "wishlist", _("Wishlist")
        SHOPPING = "shopping", _("Shopping list")

    class StoreStatus(models.TextChoices):
        NOT_SENT = "", _("Not sent")
        NEW = "new", pgettext_lazy("status", "New")
        PREPARED = "prepared", _("Prepared")
        VISITED = "visited", _("Visited")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="lists", verbose_name=_("customer")
    )
    name = models.CharField(max_length=120, default=_("My wishlist"), verbose_name=_("name"))
    kind = models.CharField(
        max_length=10, choices=Kind.choices, default=Kind.WISHLIST, verbose_name=_("kind")
    )
    share_token = models.CharField(
        max_length=40, unique=True, default=new_share_token, verbose_name=_("share token")
    )
    is_shared = models.BooleanField(
        default=False, help_text=_("Visible to anyone with the link"), verbose_name=_("is shared")
    )
    sent_to_location = models.ForeignKey(
        Location,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lists_sent_here",
        verbose_name=_("sent to location"),
    )
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    visit_planned_for = models.DateField(null=True, blank=True, verbose_name=_("visit planned for"))
    store_status = models.CharField(
        max_length=10,
        choices=StoreStatus.choices,
        blank=True,
        default=StoreStatus.NOT_SENT,
        verbose_name=_("store status"),
    )

    class Meta:
        verbose_name = _("list")
        verbose_name_plural = _("lists")
        ordering = ["-updated_at"]
        indexes = [
            models.Index(
                fields=["sent_to_location", "store_status", "-sent_at"], name="list_store_queue_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ListItem(models.Model):
    list = models.ForeignKey(
        List, on_delete=models.CASCADE, related_name="items", verbose_name=_("list")
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    variant = models.ForeignKey(
        Variant,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("variant"),
    )
    quantity = models.PositiveIntegerField(default=1, verbose_name=_("quantity"))
    note = models.CharField(max_length=255, blank=True, verbose_name=_("note"))
    added_by_associate = models.ForeignKey(
        Associate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by associate"),
    )
    # Kept as text too so the shopper still sees "added by Maya" if the associate leaves.
    added_by_name = models.CharField(max_length=120, blank=True, verbose_name=_("added by name"))
    added_at = models.DateTimeField(default=timezone.now, verbose_name=_("added at"))

    class Meta:
        verbose_name = _("list item")
        verbose_name_plural = _("list items")
        ordering = ["-added_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="list_item_quantity_positive"
            ),
            # One row per size picked, and one "size not chosen yet" row per product.
            models.UniqueConstraint(
                fields=["list", "variant"],
                condition=Q(variant__isnull=False),
                name="list_item_variant_unique",
            ),
            models.UniqueConstraint(
                fields=["list", "product"],
                condition=Q(variant__isnull=True),
                name="list_item_product_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}/{self.variant_id}"


class LedgerEntry(TypedReference):
    """Base for append-only ledgers: a row is never changed or deleted; balances are sums."""

    reason = models.CharField(max_length=30, verbose_name=_("reason"))
    note = models.CharField(max_length=255, blank=True, verbose_name=_("note"))
    location = models.ForeignKey(
        Location,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError(f"{type(self).__name__} rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} rows are append-only.")


class LoyaltyEntry(LedgerEntry):
    class Reason(models.TextChoices):
        PURCHASE = "purchase", _("Purchase")
        RETURN = "return", _("Return (reversal)")
        REDEMPTION = "redemption", _("Redemption")
        ADJUSTMENT = "adjustment", _("Adjustment")
        BONUS = "bonus", _("Bonus")

    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="loyalty_entries",
        verbose_name=_("customer"),
    )
    points = models.IntegerField(verbose_name=_("points"))

    class Meta:
        verbose_name = _("loyalty entry")
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("loyalty entries")
        indexes = [models.Index(fields=["customer", "-created_at"], name="loyalty_customer_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="loyalty_points_nonzero")
        ]


class StoreCreditEntry(LedgerEntry):
    class Reason(models.TextChoices):
        RETURN_REFUND = "return_refund", _("Refund of a return")
        SPEND = "spend", _("Spent on an order")
        GOODWILL = "goodwill", _("Goodwill")
        ADJUSTMENT = "adjustment", _("Adjustment")

    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="credit_entries",
        verbose_name=_("customer"),
    )
    amount = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, verbose_name=_("amount")
    )
    currency = models.CharField(max_length=3, default=money.currency, verbose_name=_("currency"))

    class Meta:
        verbose_name = _("store credit entry")
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("store credit entries")
        indexes = [models.Index(fields=["customer", "-created_at"], name="credit_customer_idx")]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="credit_amount_nonzero")]
