"""Stock per variant per location, its ledger, reservations, transfers, and the
precomputed nearest-store availability. Rows here change only through inventory.services."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import Product, Variant
from omni.models import TypedReference
from stores.models import Associate, Location


class StockQuerySet(models.QuerySet):
    def with_salable(self) -> "StockQuerySet":
        """Annotate ``salable``: on-hand − reserved − safety stock (the row's override, else
        the location's), floored at 0 — what the web may still promise."""
        return self.annotate(
            salable=Greatest(
                F("on_hand")
                - F("reserved")
                - Coalesce(F("safety_stock"), F("location__safety_stock")),
                Value(0),
            )
        )


class Stock(models.Model):
    """One row per (variant, location). ``available = on_hand - reserved`` never drops
    below zero; the database enforces it, not only Python."""

    variant = models.ForeignKey(
        Variant, on_delete=models.PROTECT, related_name="stock", verbose_name=_("variant")
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="stock", verbose_name=_("location")
    )
    on_hand = models.IntegerField(default=0, verbose_name=_("on hand"))
    reserved = models.IntegerField(default=0, verbose_name=_("reserved"))
    # Overrides the location's safety stock for this SKU (null: use the location's).
    safety_stock = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("safety stock")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = StockQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock")
        ordering = ["variant_id", "location_id"]
        verbose_name_plural = _("stock")
        constraints = [
            models.UniqueConstraint(fields=["variant", "location"], name="stock_variant_location"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_non_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="stock_reserved_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_within_on_hand"
            ),
        ]
        indexes = [
            models.Index(fields=["location", "variant"], name="stock_location_variant_idx"),
            # The API's list order and sync key (updated_at, id): an index range, not a
            # sort of every stock row.
            models.Index(fields=["updated_at", "id"], name="stock_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.location_id}: {self.on_hand} ({self.reserved} reserved)"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(TypedReference):
    """Append-only ledger: every change of on-hand writes one row, so the deltas of a
    (variant, location) always sum to its on-hand."""

    class Reason(models.TextChoices):
        RECEIVE = "receive", pgettext_lazy("stock movement reason", "Received")
        COUNT = "count", _("Count adjustment")
        CYCLE_COUNT = "cycle_count", _("Cycle count")
        DAMAGE = "damage", _("Damage")
        THEFT = "theft", _("Theft")
        CORRECTION = "correction", _("Correction")
        SALE = "sale", _("Sold in store")
        SHIP = "ship", pgettext_lazy("stock movement reason", "Shipped")
        PICKUP = "pickup", _("Collected at pickup")
        RETURN_RESTOCK = "return_restock", _("Restocked from a return")
        WRITE_OFF = "write_off", _("Written off")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        TRANSFER_IN = "transfer_in", _("Transfer in")
        INITIAL = "initial", _("Opening balance")

    variant = models.ForeignKey(
        Variant, on_delete=models.PROTECT, related_name="movements", verbose_name=_("variant")
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="movements", verbose_name=_("location")
    )
    delta = models.IntegerField(verbose_name=_("delta"))
    on_hand_after = models.IntegerField(verbose_name=_("on hand after"))
    reason = models.CharField(max_length=16, choices=Reason.choices, verbose_name=_("reason"))
    note = models.CharField(max_length=255, blank=True, verbose_name=_("note"))
    associate = models.ForeignKey(
        Associate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("associate"),
    )
    actor = models.CharField(
        max_length=120, blank=True, help_text=_("API key or system actor"), verbose_name=_("actor")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["variant", "location", "-created_at"], name="movement_stock_idx"),
            models.Index(fields=["location", "-created_at"], name="movement_location_idx"),
            # The default order (the admin's list, newest first) read from an index.
            models.Index(fields=["-created_at", "-id"], name="movement_created_idx"),
            models.Index(fields=["reference_type", "reference_id"], name="movement_reference_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(delta=0), name="movement_delta_nonzero"),
            models.CheckConstraint(
                condition=Q(on_hand_after__gte=0), name="movement_after_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delta:+d} {self.reason}"


class Reservation(TypedReference):
    """Stock held for a cart, an order line, a pickup or a store visit. Cart and pickup
    holds expire; a worker releases them."""

    class Kind(models.TextChoices):
        CART = "cart", _("Cart hold")
        ORDER = "order", _("Order line")
        PICKUP = "pickup", _("Pickup hold")
        VISIT = "visit", _("Held for a store visit")
        TRANSFER = "transfer", _("Held for a transfer")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMMITTED = "committed", _("Committed (left stock)")
        RELEASED = "released", _("Released")
        EXPIRED = "expired", _("Expired")

    stock = models.ForeignKey(
        Stock, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("stock")
    )
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    kind = models.CharField(max_length=8, choices=Kind.choices, verbose_name=_("kind"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.ACTIVE, verbose_name=_("status")
    )
    expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("expires at"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="reservation_quantity_positive"
            ),
        ]
        indexes = [
            # The expiry sweep reads only active holds that can expire.
            models.Index(
                fields=["expires_at"],
                name="reservation_expiry_idx",
                condition=Q(status="active", expires_at__isnull=False),
            ),
            models.Index(
                fields=["reference_type", "reference_id"], name="reservation_reference_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × stock {self.stock_id} [{self.status}]"


class Transfer(TypedReference):
    """Stock moving between locations: requested → shipped (leaves the source) →
    received (arrives at the destination), or cancelled (with a reason) before it left.
    ``expected_at`` dates a pickup's readiness.

    Short and damaged deliveries: a receipt counts, per line, the units that arrived in
    good order (they land in the destination's on-hand) and the damaged ones (written off
    at the door: recorded on the line, never in stock). Whatever is still missing stays
    *in transit*: the transfer stays ``shipped`` ("partly received") until a later
    receipt accounts for every unit sent."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        SHIPPED = "shipped", pgettext_lazy("status", "Shipped")
        RECEIVED = "received", pgettext_lazy("status", "Received")
        CANCELLED = "cancelled", _("Cancelled")

    # The printed, scannable transfer number is this prefix and the zero-padded id.
    NUMBER_PREFIX = "TR"

    source = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="transfers_out", verbose_name=_("source")
    )
    destination = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="transfers_in",
        verbose_name=_("destination"),
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.REQUESTED, verbose_name=_("status")
    )
    expected_at = models.DateTimeField(null=True, blank=True, verbose_name=_("expected at"))
    requested_by = models.ForeignKey(
        Associate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    note = models.CharField(max_length=255, blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    shipped_at = models.DateTimeField(null=True, blank=True, verbose_name=_("shipped at"))
    received_at = models.DateTimeField(null=True, blank=True, verbose_name=_("received at"))
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))
    cancel_reason = models.CharField(max_length=255, blank=True, verbose_name=_("cancel reason"))
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=F("destination")), name="transfer_between_two_places"
            ),
        ]
        indexes = [
            models.Index(fields=["destination", "status"], name="transfer_destination_idx"),
            models.Index(fields=["source", "status"], name="transfer_source_idx"),
            models.Index(fields=["updated_at", "id"], name="transfer_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"Transfer {self.number}: {self.source_id}→{self.destination_id} [{self.status}]"

    @property
    def number(self) -> str:
        """What the packing slip prints and its code encodes: ``TR000042``."""
        return f"{self.NUMBER_PREFIX}{self.pk:06d}" if self.pk else ""


class TransferLine(models.Model):
    """``quantity`` was asked for, ``quantity_shipped`` left the source (fewer is
    allowed), ``quantity_received`` arrived in good order and ``quantity_damaged`` arrived
    unsellable (written off). Shipped − received − damaged is still in transit."""

    transfer = models.ForeignKey(
        Transfer, on_delete=models.CASCADE, related_name="lines", verbose_name=_("transfer")
    )
    variant = models.ForeignKey(
        Variant, on_delete=models.PROTECT, related_name="+", verbose_name=_("variant")
    )
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    quantity_shipped = models.PositiveIntegerField(default=0, verbose_name=_("quantity shipped"))
    quantity_received = models.PositiveIntegerField(default=0, verbose_name=_("quantity received"))
    quantity_damaged = models.PositiveIntegerField(default=0, verbose_name=_("quantity damaged"))

    class Meta:
        verbose_name = _("transfer line")
        verbose_name_plural = _("transfer lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="transfer_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(quantity_shipped__lte=F("quantity")),
                name="transfer_line_shipped_within_requested",
            ),
            models.CheckConstraint(
                condition=Q(quantity_received__lte=F("quantity_shipped") - F("quantity_damaged")),
                name="transfer_line_received_within_sent",
            ),
            models.UniqueConstraint(fields=["transfer", "variant"], name="transfer_line_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id}"

    @property
    def in_transit(self) -> int:
        return self.quantity_shipped - self.quantity_received - self.quantity_damaged


class NearestAvailability(models.Model):
    """For a (variant, store): the nearest few locations with salable stock, ranked by
    distance. Precomputed so a product page answers "3 at your store / 2 at Springfield
    (4 km)" from one indexed read on (product, store)."""

    # A derived read model, rewritten in bulk by inventory.services.availability: no
    # database foreign-key checks and no per-column indexes (four checks and four index
    # entries per row written dominated the recompute); the unique (variant, store, rank)
    # and the (product, store, rank) indexes serve every read and write. Deleting a
    # variant, product or location through the ORM still cascades here, and every
    # recompute replaces a variant's rows whole.
    product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
        verbose_name=_("product"),
    )
    variant = models.ForeignKey(
        Variant,
        on_delete=models.CASCADE,
        related_name="nearest",
        db_constraint=False,
        db_index=False,
        verbose_name=_("variant"),
    )
    store = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
        verbose_name=_("store"),
    )
    rank = models.PositiveSmallIntegerField(
        help_text=_("1 = nearest (0 km is the store itself)"), verbose_name=_("rank")
    )
    source_location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
        verbose_name=_("source location"),
    )
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    distance_km = models.DecimalField(
        max_digits=8, decimal_places=2, verbose_name=_("distance (km)")
    )
    computed_at = models.DateTimeField(default=timezone.now, verbose_name=_("computed at"))

    class Meta:
        verbose_name = _("nearest availability")
        ordering = ["variant_id", "store_id", "rank"]
        verbose_name_plural = _("nearest availability")
        constraints = [
            models.UniqueConstraint(
                fields=["variant", "store", "rank"], name="nearest_rank_unique"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="nearest_quantity_positive"),
        ]
        indexes = [
            models.Index(fields=["product", "store", "rank"], name="nearest_product_store_idx"),
            # The listing's "in stock at my store": only the rows 0 km away (the store's
            # own stock: a twentieth of the rows), by store, so the filter and its count
            # read only the chosen store's rows. (A predicate "source = store" cannot be
            # used: PostgreSQL turns it into two constants and can no longer match it.)
            models.Index(
                fields=["store", "source_location", "product"],
                name="nearest_in_store_idx",
                condition=Q(distance_km=0, quantity__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id} near {self.store_id} #{self.rank}: {self.quantity}"


def low_stock_threshold() -> int:
    return settings.OMNI_LOW_STOCK_THRESHOLD
