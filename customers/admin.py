"""Customers admin: the customer record with its identities, consent, sizes, notes, lists,
tasks and (read-only) loyalty and store-credit ledgers; the timeline, orders and returns
are linked rather than inlined because a loyal customer has thousands of them."""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.db.models import DecimalField, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.html import format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.models import (
    Consent,
    ConsentChange,
    Customer,
    CustomerAccessLog,
    CustomerIdentity,
    CustomerNote,
    FollowUpTask,
    Interaction,
    List,
    ListItem,
    LoyaltyEntry,
    RecentlyViewedCategory,
    RecentlyViewedProduct,
    SizePreference,
    StoreCreditEntry,
)
from customers.services import consent_set, loyalty_add, store_credit_add
from omni.admin import (
    TIMESTAMPS,
    FlatQueriesInlineMixin,
    LedgerAdminMixin,
    ReadOnlyAdminMixin,
    admin_changelist_link,
    count_of,
    money,
)
from omni.money import MONEY_DIGITS, MinorUnitsValidator, smallest_unit
from stores.models import Associate

MONEY_FIELD = DecimalField(max_digits=MONEY_DIGITS, decimal_places=2)


def _ledger_balance(model, column: str, output_field, zero):
    """The sum of a customer's ledger, as a subquery on the outer customer row."""
    total = (
        model.objects.filter(customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(total=Sum(column))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=output_field), zero, output_field=output_field)


def _associate_of(user) -> Associate | None:
    """The admin user's associate record, if they have one (merchandisers often do not)."""
    return getattr(user, "associate", None)


# --- customer inlines --------------------------------------------------------------------------


class IdentityInline(admin.TabularInline):
    model = CustomerIdentity
    fields = ("kind", "value", "is_verified", "verified_at", "source", "created_at")
    extra = 0


class ConsentInline(admin.TabularInline):
    """Saved through customers.services.consent_set (see CustomerAdmin.save_formset), so a
    change made here lands in the consent history and on the timeline like any other."""

    model = Consent
    fields = ("channel", "state", "source", "changed_by", "changed_at")
    readonly_fields = ("changed_by", "changed_at")
    extra = 0
    can_delete = False  # withdraw consent by setting "none", so the history stays whole

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


class SizeInline(admin.TabularInline):
    model = SizePreference
    fields = ("size_group", "size", "source", "updated_at")
    extra = 0


class NoteInline(FlatQueriesInlineMixin, admin.TabularInline):
    model = CustomerNote
    fields = ("body", "is_pinned", "author", "location", "created_at")
    readonly_fields = ("created_at",)
    extra = 0


class ListInline(FlatQueriesInlineMixin, admin.TabularInline):
    model = List
    fields = ("name", "kind", "is_shared", "sent_to_location", "store_status")
    extra = 0
    show_change_link = True  # items are edited on the list's own page


class TaskInline(FlatQueriesInlineMixin, admin.TabularInline):
    model = FollowUpTask
    fields = ("reason", "due_on", "status", "location", "assigned_to")
    extra = 0


class LoyaltyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Read-only: adjustments are added on the loyalty entries page, never edited."""

    model = LoyaltyEntry
    fields = ("created_at", "points", "reason", "note", "location", "reference_label")
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("location")


class StoreCreditInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Read-only: adjustments are added on the store credit entries page, never edited."""

    model = StoreCreditEntry
    fields = ("created_at", "amount_display", "reason", "note", "location", "reference_label")
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("location")

    @admin.display(description=_("Amount"))
    def amount_display(self, obj):
        return money(obj.amount, obj.currency)


# --- customers ---------------------------------------------------------------------------------


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "email",
        "phone",
        "loyalty_number",
        "home_store",
        "loyalty_points",
        "store_credit",
    )
    list_filter = ("is_active", "source_channel", "home_store")
    list_select_related = ("home_store",)
    # Exact matches for keys (fast, unambiguous); substrings for the contacts people type.
    search_fields = (
        "email",
        "phone",
        "=loyalty_number",
        "last_name",
        "first_name",
        "=identities__value",
    )
    autocomplete_fields = ("user", "merged_into")
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = ("loyalty_points", "store_credit", "history", *TIMESTAMPS)
    fieldsets = (
        (
            _("Identity"),
            {
                "fields": (
                    ("first_name", "last_name"),
                    "birthday",
                    "loyalty_number",
                    "user",
                    "is_active",
                    "merged_into",
                )
            },
        ),
        (_("Contact"), {"fields": ("email", "phone")}),
        (_("Relationship"), {"fields": ("home_store", "primary_associate", "source_channel")}),
        (_("Preferences"), {"fields": ("preferences",)}),
        (_("Balances and history"), {"fields": ("loyalty_points", "store_credit", "history")}),
        (_("Timestamps"), {"fields": TIMESTAMPS, "classes": ("collapse",)}),
    )
    inlines = (
        IdentityInline,
        ConsentInline,
        SizeInline,
        NoteInline,
        ListInline,
        TaskInline,
        LoyaltyInline,
        StoreCreditInline,
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                loyalty_balance=_ledger_balance(LoyaltyEntry, "points", IntegerField(), Value(0)),
                credit_balance=_ledger_balance(
                    StoreCreditEntry, "amount", MONEY_FIELD, Value(Decimal("0.00"))
                ),
            )
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is not Consent:
            return super().save_formset(request, form, formset, change)
        for consent in formset.save(commit=False):
            consent_set(
                customer=formset.instance,
                channel=consent.channel,
                state=consent.state,
                source=consent.source,
                associate=_associate_of(request.user),
            )

    @admin.display(description=_("Name"), ordering="last_name")
    def name(self, obj):
        return str(obj)

    @admin.display(description=_("Loyalty points"), ordering="loyalty_balance")
    def loyalty_points(self, obj):
        return getattr(obj, "loyalty_balance", 0)

    @admin.display(description=_("Store credit"), ordering="credit_balance")
    def store_credit(self, obj):
        return money(getattr(obj, "credit_balance", None) or Decimal("0"))

    @admin.display(description=_("History"))
    def history(self, obj):
        if obj.pk is None:
            return "—"
        links = (
            ("customers.interaction", _("Timeline →")),
            ("orders.order", _("Orders →")),
            ("returns.return", pgettext_lazy("noun", "Returns →")),
            ("customers.customeraccesslog", _("Access log →")),
        )
        return format_html_join(
            " · ",
            "{}",
            (
                (admin_changelist_link(model, text, customer__id__exact=obj.pk),)
                for model, text in links
            ),
        )


@admin.register(CustomerIdentity)
class CustomerIdentityAdmin(admin.ModelAdmin):
    list_display = ("value", "kind", "customer", "is_verified", "source", "created_at")
    list_filter = ("kind", "is_verified", "source")
    list_select_related = ("customer",)
    search_fields = ("=value", "customer__email", "customer__last_name")
    autocomplete_fields = ("customer",)
    show_full_result_count = False


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ("customer", "channel", "state", "source", "changed_at", "changed_by")
    list_filter = ("channel", "state", "source")
    list_select_related = ("customer", "changed_by")
    search_fields = ("customer__email", "customer__phone", "=customer__loyalty_number")
    autocomplete_fields = ("customer",)
    readonly_fields = ("changed_by", "changed_at")
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        # Through the service: it appends the history and the timeline entry.
        consent = consent_set(
            customer=obj.customer,
            channel=obj.channel,
            state=obj.state,
            source=obj.source,
            associate=_associate_of(request.user),
        )
        obj.pk = consent.pk  # the admin logs and redirects to the row the service wrote


@admin.register(ConsentChange)
class ConsentChangeAdmin(LedgerAdminMixin, admin.ModelAdmin):
    list_display = (
        "changed_at",
        "customer",
        "channel",
        "state",
        "source",
        "location",
        "changed_by",
    )
    list_filter = ("channel", "state", "source")
    list_select_related = ("customer", "location", "changed_by")
    search_fields = ("customer__email", "customer__phone", "=customer__loyalty_number")
    date_hierarchy = "changed_at"
    show_full_result_count = False


@admin.register(SizePreference)
class SizePreferenceAdmin(admin.ModelAdmin):
    list_display = ("customer", "size_group", "size", "source", "updated_at")
    list_filter = ("size_group", "source")
    list_select_related = ("customer",)
    search_fields = ("customer__email", "=customer__loyalty_number")
    autocomplete_fields = ("customer",)
    show_full_result_count = False


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = (
        "occurred_at",
        "customer",
        "kind",
        "channel",
        "location",
        "associate",
        "summary_shown",
    )
    list_filter = ("kind", "channel", "location")
    list_select_related = ("customer", "location", "associate")
    search_fields = ("summary", "customer__email", "=customer__loyalty_number", "=subject_id")
    autocomplete_fields = ("customer",)
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    @admin.display(description=_("summary"))
    def summary_shown(self, obj: Interaction) -> str:
        """In the admin's language; a row written before keys existed is marked legacy."""
        if obj.is_legacy:
            return _("%(summary)s (legacy text)") % {"summary": obj.summary}
        return obj.summary_text


@admin.register(CustomerNote)
class CustomerNoteAdmin(admin.ModelAdmin):
    list_display = ("created_at", "customer", "excerpt", "author", "location", "is_pinned")
    list_filter = ("is_pinned", "location")
    list_select_related = ("customer", "author", "location")
    search_fields = ("body", "customer__email", "=customer__loyalty_number")
    readonly_fields = TIMESTAMPS
    autocomplete_fields = ("customer",)
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description=_("Note"))
    def excerpt(self, obj):
        return Truncator(obj.body).chars(80)


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(admin.ModelAdmin):
    list_display = ("due_on", "reason", "customer", "location", "assigned_to", "status")
    list_filter = ("status", "location")
    list_select_related = ("customer", "location", "assigned_to")
    search_fields = ("reason", "customer__email", "=customer__loyalty_number")
    readonly_fields = TIMESTAMPS
    autocomplete_fields = ("customer",)
    date_hierarchy = "due_on"
    show_full_result_count = False


@admin.register(CustomerAccessLog)
class CustomerAccessLogAdmin(LedgerAdminMixin, admin.ModelAdmin):
    list_display = ("accessed_at", "user", "customer", "location", "action")
    list_select_related = ("user", "customer", "location")
    search_fields = ("user__username", "user__email", "customer__email")
    date_hierarchy = "accessed_at"
    show_full_result_count = False


# --- lists -------------------------------------------------------------------------------------


class ListItemInline(FlatQueriesInlineMixin, admin.TabularInline):
    model = ListItem
    fields = ("product", "variant", "quantity", "note", "added_by_associate", "added_by_name")
    raw_id_fields = ("product", "variant")
    extra = 0


@admin.register(List)
class ListAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "customer",
        "kind",
        "is_shared",
        "items",
        "sent_to_location",
        "store_status",
        "updated_at",
    )
    list_filter = ("kind", "store_status", "is_shared", "sent_to_location")
    list_select_related = ("customer", "sent_to_location")
    search_fields = ("name", "customer__email", "=customer__loyalty_number", "=share_token")
    autocomplete_fields = ("customer",)
    readonly_fields = ("share_token", *TIMESTAMPS)
    inlines = (ListItemInline,)
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_count=count_of(ListItem, "list"))

    @admin.display(description=_("Items"), ordering="item_count")
    def items(self, obj):
        return obj.item_count


@admin.register(ListItem)
class ListItemAdmin(admin.ModelAdmin):
    list_display = ("list", "product", "variant", "quantity", "added_by_name", "added_at")
    list_select_related = ("list", "product", "variant")
    search_fields = ("list__name", "product__name", "=variant__sku")
    autocomplete_fields = ("list", "product", "variant")
    date_hierarchy = "added_at"
    show_full_result_count = False


# --- ledgers -----------------------------------------------------------------------------------


class ManualLedgerEntryAdmin(LedgerAdminMixin, admin.ModelAdmin):
    """Loyalty and store credit: read-only rows, but a merchandiser may add an adjustment,
    which is appended by the ledger's service (``ledger_add``)."""

    allow_manual_entries = True
    list_select_related = ("customer", "location")
    list_filter = ("reason",)
    search_fields = ("customer__email", "=customer__loyalty_number", "note", "=reference_id")
    autocomplete_fields = ("customer",)
    date_hierarchy = "created_at"
    readonly_fields = ("reference_label", "created_at")
    show_full_result_count = False

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "reason":
            # The column is free text shared by both ledgers; offer this ledger's reasons.
            return forms.ChoiceField(
                choices=self.model.Reason.choices, initial=self.model.Reason.ADJUSTMENT
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        entry = self.ledger_add(obj)
        obj.pk = entry.pk  # the admin logs and redirects to the row the service wrote


@admin.register(LoyaltyEntry)
class LoyaltyEntryAdmin(ManualLedgerEntryAdmin):
    list_display = (
        "created_at",
        "customer",
        "points",
        "reason",
        "location",
        "note",
        "reference_label",
    )
    fields = ("customer", "points", "reason", "note", "location", "reference_label", "created_at")

    def ledger_add(self, entry: LoyaltyEntry) -> LoyaltyEntry:
        return loyalty_add(
            customer=entry.customer,
            points=entry.points,
            reason=entry.reason,
            location=entry.location,
            note=entry.note,
        )


@admin.register(StoreCreditEntry)
class StoreCreditEntryAdmin(ManualLedgerEntryAdmin):
    list_display = (
        "created_at",
        "customer",
        "amount_display",
        "reason",
        "location",
        "note",
        "reference_label",
    )
    fields = (
        "customer",
        "amount",
        "currency",
        "reason",
        "note",
        "location",
        "reference_label",
        "created_at",
    )

    # The shop has one currency; the service writes it.
    readonly_fields = ("currency", *ManualLedgerEntryAdmin.readonly_fields)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "amount":
            # Credit in the shop's currency: whole dong or rial, cents for dollars.
            field.validators.append(MinorUnitsValidator())
            field.widget.attrs["step"] = str(smallest_unit())
        return field

    def ledger_add(self, entry: StoreCreditEntry) -> StoreCreditEntry:
        return store_credit_add(
            customer=entry.customer,
            amount=entry.amount,
            reason=entry.reason,
            location=entry.location,
            note=entry.note,
        )

    @admin.display(description=_("Amount"), ordering="amount")
    def amount_display(self, obj):
        return money(obj.amount, obj.currency)


# --- recently viewed (the storefront's "continue where you left off") --------------------------


@admin.register(RecentlyViewedProduct)
class RecentlyViewedProductAdmin(LedgerAdminMixin, admin.ModelAdmin):
    list_display = ("viewed_at", "customer", "product")
    list_select_related = ("customer", "product")
    search_fields = ("customer__email", "product__name")
    show_full_result_count = False


@admin.register(RecentlyViewedCategory)
class RecentlyViewedCategoryAdmin(LedgerAdminMixin, admin.ModelAdmin):
    list_display = ("viewed_at", "customer", "category")
    list_select_related = ("customer", "category")
    search_fields = ("customer__email", "category__name")
    show_full_result_count = False
