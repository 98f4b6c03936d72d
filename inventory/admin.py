"""Inventory admin. Quantities change only through inventory.services: on-hand and
reserved are shown, never edited as fields; a merchandiser receives, adjusts (with a
reason) and counts stock, or imports a CSV of counts, on the screens of
``inventory.admin_stock``, each one service call. The movement ledger and reservations are
read-only, precomputed availability too."""

from django.contrib import admin, messages
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from inventory.admin_stock import StockEntryAdminMixin
from inventory.models import (
    NearestAvailability,
    Reservation,
    Stock,
    StockMovement,
    Transfer,
    TransferLine,
)
from inventory.services import availability_refresh_later, availability_refresh_variants
from omni.admin import (
    EXPORT_CHUNK_SIZE,
    EstimatedCountPaginator,
    FlatQueriesInlineMixin,
    LedgerAdminMixin,
    ReadOnlyAdminMixin,
    admin_changelist_link,
    count_of,
    streamed_csv,
)

STOCK_EXPORT_HEADER = ("sku", "product", "location_code", "on_hand", "reserved", "salable")


@admin.action(description=_("Export selected stock as CSV"), permissions=["view"])
def export_stock_csv(modeladmin, request, queryset):
    rows = queryset.values_list(
        "variant__sku", "variant__product__name", "location__code", "on_hand", "reserved", "salable"
    ).iterator(chunk_size=EXPORT_CHUNK_SIZE)
    return streamed_csv("stock.csv", STOCK_EXPORT_HEADER, rows)


# Above this many variants the admin hands the work to the worker instead of waiting.
ADMIN_REFRESH_INLINE_MAX = 200


@admin.action(
    description=_("Recompute nearest availability for these variants"), permissions=["change"]
)
def recompute_availability(modeladmin, request, queryset):
    variant_ids = sorted(set(queryset.values_list("variant_id", flat=True)))
    if len(variant_ids) > ADMIN_REFRESH_INLINE_MAX:
        availability_refresh_later(variant_ids=variant_ids)
        modeladmin.message_user(
            request,
            gettext(
                "Nearest availability of %(count)d variants will be recomputed in the background."
            )
            % {"count": len(variant_ids)},
            messages.SUCCESS,
        )
        return
    rows = availability_refresh_variants(variant_ids=variant_ids)
    modeladmin.message_user(
        request,
        ngettext(
            "Recomputed nearest availability for %(count)d variant (%(rows)d rows written).",
            "Recomputed nearest availability for %(count)d variants (%(rows)d rows written).",
            len(variant_ids),
        )
        % {"count": len(variant_ids), "rows": rows},
        messages.SUCCESS,
    )


class BelowSafetyStockFilter(admin.SimpleListFilter):
    """Rows the web can no longer sell from: what is left after holds is at or under the
    safety stock in force (the row's, else the location's)."""

    title = _("safety stock")
    parameter_name = "safety"

    def lookups(self, request, model_admin):
        return (
            ("below", _("Below safety stock")),
            ("none_salable", _("Nothing salable online")),
            ("above", _("Salable above safety stock")),
        )

    def queryset(self, request, queryset):
        # ``safety_in_force`` and ``salable`` are annotated by StockAdmin.get_queryset.
        if self.value() == "below":
            return queryset.filter(on_hand__lt=F("reserved") + F("safety_in_force"))
        if self.value() == "none_salable":
            return queryset.filter(salable=0)
        if self.value() == "above":
            return queryset.filter(salable__gt=0)
        return queryset


@admin.register(Stock)
class StockAdmin(StockEntryAdminMixin, admin.ModelAdmin):
    # Fits a 1280 px window beside the navigation and the filters: the product's name
    # under its SKU, the location by its code (the name in a tooltip), short headings.
    list_display = (
        "sku",
        "location_code",
        "on_hand",
        "reserved",
        "safety_column",
        "salable_units",
        "stock_links",
    )
    list_filter = (BelowSafetyStockFilter, "location__kind", "location")
    list_select_related = ("variant__product", "location")
    search_fields = (
        "=variant__sku",
        "=variant__barcode",
        "variant__product__name",
        "=location__code",
    )
    fields = (
        "variant",
        "location",
        ("on_hand", "reserved"),
        "safety_stock",
        ("safety_stock_in_force", "salable_units"),
        "stock_links",
        "movements",
        "updated_at",
    )
    readonly_fields = (
        "stock_links",
        "variant",
        "location",
        "on_hand",
        "reserved",
        "safety_stock_in_force",
        "salable_units",
        "movements",
        "updated_at",
    )
    actions = (export_stock_csv, recompute_availability)
    # A stock row per variant per location: counting them all twice per page is wasted work.
    show_full_result_count = False

    def get_queryset(self, request):
        # Salable comes from the one definition inventory uses everywhere.
        return (
            super()
            .get_queryset(request)
            .with_salable()
            .annotate(safety_in_force=Coalesce(F("safety_stock"), F("location__safety_stock")))
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_set_stock": self.has_change_permission(request),
        }
        return super().changelist_view(request, extra_context)

    # Stock rows are opened by inventory.services when stock is received (the "Receive
    # stock" screen); a row is kept
    # for its ledger and reservations, so neither adding nor deleting one belongs here.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Write only what the form may change: a full save would put back the on-hand and
        # reserved read when the page was opened, undoing any sale made since.
        obj.save(update_fields=["safety_stock", "updated_at"])

    class Media:
        css = {"all": ("css/admin.css",)}

    @admin.display(description=_("SKU and product"), ordering="variant__sku")
    def sku(self, obj):
        return format_html(
            '{}<br><span class="stock-product">{}</span>', obj.variant.sku, obj.variant.product.name
        )

    @admin.display(description=_("Location"), ordering="location__code")
    def location_code(self, obj):
        return format_html('<abbr title="{}">{}</abbr>', obj.location.name, obj.location.code)

    @admin.display(description=_("Safety"), ordering="safety_in_force")
    def safety_column(self, obj):
        return obj.safety_in_force

    @admin.display(description=_("Safety stock in force"), ordering="safety_in_force")
    def safety_stock_in_force(self, obj):
        return obj.safety_in_force

    @admin.display(description=_("Salable"), ordering="salable")
    def salable_units(self, obj):
        return obj.salable

    @admin.display(description=_("Ledger"))
    def movements(self, obj):
        return admin_changelist_link(
            "inventory.stockmovement",
            _("Movements of this SKU here →"),
            variant__id__exact=obj.variant_id,
            location__id__exact=obj.location_id,
        )


@admin.register(StockMovement)
class StockMovementAdmin(LedgerAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "variant",
        "location",
        "signed_delta",
        "on_hand_after",
        "reason",
        "reference_label",
        "associate",
        "actor",
    )
    # A million rows and more: no date hierarchy (it reads every row's date), no full
    # count (an estimate, see EstimatedCountPaginator), newest first along the
    # movement_created_idx index; dates narrow with the cheap range filter instead.
    list_filter = ("reason", ("created_at", admin.DateFieldListFilter), "location")
    list_select_related = ("variant", "location", "associate")
    search_fields = ("=variant__sku", "=reference_id", "note", "actor")
    ordering = ("-created_at", "-id")
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    @admin.display(description=pgettext_lazy("stock movement", "Change"), ordering="delta")
    def signed_delta(self, obj):
        return f"{obj.delta:+d}"


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Holding or releasing stock moves ``Stock.reserved``, which only inventory.services may
    do; here reservations are looked at, not changed."""

    list_display = (
        "created_at",
        "sku",
        "location",
        "quantity",
        "kind",
        "status",
        "expires_at",
        "reference_label",
    )
    list_filter = ("status", "kind", "stock__location")
    list_select_related = ("stock__variant", "stock__location")
    search_fields = ("=stock__variant__sku", "=reference_id")
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description=_("SKU"), ordering="stock__variant__sku")
    def sku(self, obj):
        return obj.stock.variant.sku

    @admin.display(description=_("Location"), ordering="stock__location__name")
    def location(self, obj):
        return obj.stock.location


class TransferLineInline(FlatQueriesInlineMixin, admin.TabularInline):
    model = TransferLine
    fields = ("variant", "quantity", "quantity_shipped", "quantity_received", "quantity_damaged")
    # Quantities move stock, which only inventory.services may do: read-only here.
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


# --- transfer actions: one per transition, each through inventory.services ---------------


def _transfer_action(modeladmin, request, queryset, step, done) -> None:
    """Run ``step(transfer)`` for each selected transfer, each in its own transaction;
    a refusal is reported by transfer number and the others still go ahead. ``done(n)``
    says what happened to the n that went through."""
    from omni.errors import DomainError

    ok = 0
    for transfer in queryset.order_by("pk"):
        try:
            step(transfer)
        except DomainError as refusal:
            modeladmin.message_user(
                request,
                gettext("%(number)s: %(reason)s")
                % {"number": transfer.number, "reason": refusal.message},
                level=messages.ERROR,
            )
        else:
            ok += 1
    if ok:
        modeladmin.message_user(request, done(ok) % {"count": ok}, level=messages.SUCCESS)


def _admin_actor(request) -> str:
    return f"admin:{request.user.get_username()}"[:120]


@admin.action(
    description=_("Ship selected transfers (everything requested)"), permissions=["change"]
)
def transfers_ship(modeladmin, request, queryset):
    from inventory.services import transfer_ship

    _transfer_action(
        modeladmin,
        request,
        queryset,
        lambda t: transfer_ship(transfer_id=t.pk, actor=_admin_actor(request)),
        lambda n: ngettext("%(count)d transfer(s) shipped.", "%(count)d transfer(s) shipped.", n),
    )


@admin.action(
    description=_("Receive selected transfers (everything in transit, in good order)"),
    permissions=["change"],
)
def transfers_receive(modeladmin, request, queryset):
    from inventory.services import transfer_receive

    _transfer_action(
        modeladmin,
        request,
        queryset,
        lambda t: transfer_receive(transfer_id=t.pk, actor=_admin_actor(request)),
        lambda n: ngettext("%(count)d transfer(s) received.", "%(count)d transfer(s) received.", n),
    )


@admin.action(description=_("Cancel selected transfers"), permissions=["change"])
def transfers_cancel(modeladmin, request, queryset):
    from inventory.services import transfer_cancel

    _transfer_action(
        modeladmin,
        request,
        queryset,
        lambda t: transfer_cancel(
            transfer_id=t.pk,
            reason=f"Cancelled in the admin by {request.user.get_username()}",
        ),
        lambda n: ngettext(
            "%(count)d transfer(s) cancelled.", "%(count)d transfer(s) cancelled.", n
        ),
    )


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin):
    """Transfers by state, with an action per transition (ship, receive, cancel) calling
    the same inventory services as the back-office and the API; state and quantities are
    never edited here. New transfers are requested from the back-office or the API."""

    list_display = (
        "number",
        "source",
        "destination",
        "status",
        "line_count",
        "expected_at",
        "updated_at",
    )
    list_filter = ("status", "source", "destination")
    list_select_related = ("source", "destination")
    search_fields = ("=reference_id", "note", "source__code", "destination__code")
    date_hierarchy = "created_at"
    actions = (transfers_ship, transfers_receive, transfers_cancel)
    fields = (
        ("source", "destination"),
        "status",
        "expected_at",
        "requested_by",
        "note",
        "reference_label",
        "cancel_reason",
        ("created_at", "shipped_at", "received_at", "cancelled_at"),
    )
    readonly_fields = (
        "source",
        "destination",
        "status",
        "expected_at",
        "requested_by",
        "reference_label",
        "cancel_reason",
        "created_at",
        "shipped_at",
        "received_at",
        "cancelled_at",
    )
    inlines = (TransferLineInline,)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(lines_total=count_of(TransferLine, "transfer"))
        )

    @admin.display(description=_("Transfer"), ordering="pk")
    def number(self, obj):
        return obj.number

    @admin.display(description=_("Lines"), ordering="lines_total")
    def line_count(self, obj):
        return obj.lines_total


@admin.register(TransferLine)
class TransferLineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: quantities move through the transfer's actions (inventory.services)."""

    list_display = (
        "transfer",
        "variant",
        "quantity",
        "quantity_shipped",
        "quantity_received",
        "quantity_damaged",
    )
    list_select_related = ("transfer", "variant")
    search_fields = ("=variant__sku", "transfer__note")


@admin.register(NearestAvailability)
class NearestAvailabilityAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Recomputed by the availability worker: an edit here would be overwritten."""

    list_display = ("variant", "store", "rank", "source_location", "quantity", "distance_km")
    list_filter = ("store",)
    list_select_related = ("variant", "store", "source_location")
    search_fields = ("=variant__sku", "=product__slug")
    show_full_result_count = False
