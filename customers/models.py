"""One customer per person across every channel, with everything the store and the web
both need to know: identities, consent, sizes, the timeline, lists, ledgers."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Product, Variant
from omni.models import TimeStampedModel, TypedReference
from stores.models import Associate, Location


class Channel(models.TextChoices):
    """Where something happened. Shared by orders, interactions and consent sources."""

    WEB = "web", "Web"
    APP = "app", "App"
    STORE = "store", "Store"
    PHONE = "phone", "Phone"
    SOCIAL = "social", "Social"
    MARKETPLACE = "marketplace", "Marketplace"
    EMAIL = "email", "Email"
    API = "api", "API"
    SYSTEM = "system", "System"


class Customer(TimeStampedModel):
    """A person, with or without a login. ``email``/``phone`` are the primary contacts we
    write to; every known address, number and card lives in ``identities`` for lookup."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customer",
    )
    first_name = models.CharField(max_length=80, blank=True)
    last_name = models.CharField(max_length=80, blank=True)
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=32, blank=True, db_index=True)
    loyalty_number = models.CharField(max_length=20, unique=True, null=True, blank=True)
    home_store = models.ForeignKey(
        Location,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="home_customers",
        limit_choices_to={"kind": Location.Kind.STORE},
    )
    primary_associate = models.ForeignKey(
        Associate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client_book",
    )
    preferences = models.JSONField(default=dict, blank=True, help_text="Colours, styles, fits")
    birthday = models.DateField(null=True, blank=True)
    source_channel = models.CharField(max_length=12, choices=Channel.choices, default=Channel.WEB)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )
    is_active = models.BooleanField(default=True)
    # Everything sent to them (emails, the printed receipt) is in this language.
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of the emails and receipts we send them"),
    )

    class Meta:
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
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone"
        LOYALTY = "loyalty", "Loyalty number"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Normalised: emails lower-cased, phones as digits with a leading +.
    value = models.CharField(max_length=254)
    is_verified = models.BooleanField(default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=12, choices=Channel.choices, default=Channel.WEB)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "customer identities"
        ordering = ["kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="identity_value_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"


class ContactChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    PHONE = "phone", "Phone"


class ConsentState(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    ONE_TO_ONE = "one_to_one", "One-to-one from an associate only"
    NONE = "none", "None"


class Consent(models.Model):
    """The current consent of one customer on one contact channel. Every change is also
    appended to ``ConsentChange`` so we can show who changed it, when and where."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=8, choices=ContactChannel.choices)
    state = models.CharField(max_length=12, choices=ConsentState.choices, default=ConsentState.NONE)
    source = models.CharField(max_length=12, choices=Channel.choices, default=Channel.WEB)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        Associate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
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

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consent_changes")
    channel = models.CharField(max_length=8, choices=ContactChannel.choices)
    state = models.CharField(max_length=12, choices=ConsentState.choices)
    source = models.CharField(max_length=12, choices=Channel.choices)
    location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_by = models.ForeignKey(
        Associate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at"]
        indexes = [models.Index(fields=["customer", "-changed_at"], name="consent_change_cust_idx")]

    def __str__(self) -> str:
        return f"{self.channel} → {self.state} ({self.source})"


class SizePreference(models.Model):
    """A customer's size in one size group, learned from purchases in any channel or set
    by hand (an edited size is not overwritten by learning)."""

    class Source(models.TextChoices):
        LEARNED = "learned", "Learned from purchases"
        EDITED = "edited", "Set by the customer or an associate"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="sizes")
    size_group = models.CharField(max_length=20, choices=Category.SizeGroup.choices)
    size = models.CharField(max_length=20)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.LEARNED)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
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

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "product"], name="recent_product_once")
        ]
        indexes = [models.Index(fields=["customer", "-viewed_at"], name="recent_product_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} viewed product {self.product_id}"


class RecentlyViewedCategory(models.Model):
    """A category the customer browsed, as ``RecentlyViewedProduct``."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "recently viewed categories"
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
        ORDER = "order", "Order"
        PICKUP = "pickup", "Pickup"
        RETURN = "return", "Return"
        STORE_VISIT = "store_visit", "Store visit"
        SERVICE = "service", "Service conversation"
        NOTE = "note", "Note"
        LIST_CHANGE = "list_change", "List change"
        EMAIL = "email", "Email sent"
        CONSENT = "consent", "Consent change"
        OUTREACH = "outreach", "Associate outreach"
        ACCOUNT = "account", "Account"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="interactions")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    channel = models.CharField(max_length=12, choices=Channel.choices)
    location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    associate = models.ForeignKey(
        Associate, on_delete=models.SET_NULL, null=True, blank=True, related_name="interactions"
    )
    summary = models.CharField(max_length=255)
    detail = models.JSONField(default=dict, blank=True)
    subject_type = models.CharField(max_length=60, blank=True, default="")
    subject_id = models.CharField(max_length=64, blank=True, default="")
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at", "-id"], name="timeline_idx"),
            models.Index(fields=["subject_type", "subject_id"], name="interaction_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary}"


class CustomerNote(TimeStampedModel):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        Associate, on_delete=models.SET_NULL, null=True, blank=True, related_name="notes_written"
    )
    location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField()
    is_pinned = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_pinned", "-created_at"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="note_customer_idx")]

    def __str__(self) -> str:
        return self.body[:60]


class FollowUpTask(TimeStampedModel):
    """Clienteling to-do: "call Ana when the blazer in 38 is back", due on a date."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tasks")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="customer_tasks")
    assigned_to = models.ForeignKey(
        Associate, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    created_by = models.ForeignKey(
        Associate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=200)
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["location", "status", "due_on"], name="task_store_due_idx"),
            models.Index(fields=["assigned_to", "status", "due_on"], name="task_assignee_due_idx"),
        ]

    def __str__(self) -> str:
        return self.reason


class CustomerAccessLog(models.Model):
    """Who looked at whose record, when: clienteling data is personal."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="access_log")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=30, default="view")
    accessed_at = models.DateTimeField(default=timezone.now)

    class Meta:
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
        WISHLIST = "wishlist", "Wishlist"
        SHOPPING = "shopping", "Shopping list"

    class StoreStatus(models.TextChoices):
        NOT_SENT = "", "Not sent"
        NEW = "new", "New"
        PREPARED = "prepared", "Prepared"
        VISITED = "visited", "Visited"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="lists")
    name = models.CharField(max_length=120, default="My wishlist")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.WISHLIST)
    share_token = models.CharField(max_length=40, unique=True, default=new_share_token)
    is_shared = models.BooleanField(default=False, help_text="Visible to anyone with the link")
    sent_to_location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="lists_sent_here"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    visit_planned_for = models.DateField(null=True, blank=True)
    store_status = models.CharField(
        max_length=10, choices=StoreStatus.choices, blank=True, default=StoreStatus.NOT_SENT
    )

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(
                fields=["sent_to_location", "store_status", "-sent_at"], name="list_store_queue_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ListItem(models.Model):
    list = models.ForeignKey(List, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(
        Variant, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    quantity = models.PositiveIntegerField(default=1)
    note = models.CharField(max_length=255, blank=True)
    added_by_associate = models.ForeignKey(
        Associate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept as text too so the shopper still sees "added by Maya" if the associate leaves.
    added_by_name = models.CharField(max_length=120, blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
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

    reason = models.CharField(max_length=30)
    note = models.CharField(max_length=255, blank=True)
    location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

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
        PURCHASE = "purchase", "Purchase"
        RETURN = "return", "Return (reversal)"
        REDEMPTION = "redemption", "Redemption"
        ADJUSTMENT = "adjustment", "Adjustment"
        BONUS = "bonus", "Bonus"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="loyalty_entries")
    points = models.IntegerField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "loyalty entries"
        indexes = [models.Index(fields=["customer", "-created_at"], name="loyalty_customer_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="loyalty_points_nonzero")
        ]


class StoreCreditEntry(LedgerEntry):
    class Reason(models.TextChoices):
        RETURN_REFUND = "return_refund", "Refund of a return"
        SPEND = "spend", "Spent on an order"
        GOODWILL = "goodwill", "Goodwill"
        ADJUSTMENT = "adjustment", "Adjustment"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="credit_entries")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "store credit entries"
        indexes = [models.Index(fields=["customer", "-created_at"], name="credit_customer_idx")]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="credit_amount_nonzero")]
