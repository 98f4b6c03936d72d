"""The till in the admin. Registers are set up here (code, name, store, active); shifts,
cash moves and till sales are money records written only by ``till.services`` (the till's
own screens and the API), so the admin shows them and never adds, changes or deletes one.
Sales kept for the manager (stock short when an offline sale was posted: no order) are a
filter away. Every changelist is a fixed number of queries, whatever its rows."""

from django import forms
from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from omni.admin import ReadOnlyAdminMixin, admin_changelist_link, money
from stores.models import Location
from till.models import CashMove, ParkedSale, Register, Shift, ShiftRefund, TillSale


class StoreFilter(admin.SimpleListFilter):
    """By store: the stores only (a warehouse has no till), from the locations table, never
    from the rows listed (a DISTINCT over every sale)."""

    title = _("store")
    parameter_name = "store"
    # The path from the listed model to its store.
    location_path = "location"

    def lookups(self, request, model_admin):
        stores = Location.objects.filter(kind=Location.Kind.STORE).order_by("code")
        return [
            (str(pk), f"{code} {name}")
            for pk, code, name in stores.values_list("pk", "code", "name")
        ]

    def queryset(self, request, queryset):
        value = self.value() or ""
        # An id as the lookups wrote it: ASCII digits within a 64-bit key (a longer one
        # matches no store, and SQLite refuses to bind it).
        if value.isascii() and value.isdigit() and len(value) <= 18:
            return queryset.filter(**{f"{self.location_path}_id": int(value)})
        if value:
            return queryset.none()
        return queryset


class StoreOfRegisterFilter(StoreFilter):
    location_path = "register__location"


class StoreOfShiftFilter(StoreFilter):
    location_path = "shift__register__location"


def _flat(fields) -> tuple[str, ...]:
    """The field names of a ``fields`` layout (rows may be tuples)."""
    return tuple(n for row in fields for n in (row if isinstance(row, tuple) else (row,)))


class OrderPlacedFilter(admin.SimpleListFilter):
    """A sale without an order was kept for the manager: stock ran short when it was
    posted (or the cash taken offline is below the price), and nothing was placed yet."""

    title = _("order")
    parameter_name = "placed"

    def lookups(self, request, model_admin):
        return (
            ("no", _("No order (kept for the manager)")),
            ("yes", _("Order placed")),
        )

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(order__isnull=True)
        if self.value() == "yes":
            return queryset.filter(order__isnull=False)
        return queryset


# --- registers: set up here -----------------------------------------------------------------


class RegisterForm(forms.ModelForm):
    class Meta:
        model = Register
        fields = ("location", "code", "name", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "location" in self.fields:
            # A till is at a store (till.services.register_create refuses a warehouse).
            self.fields["location"].queryset = Location.objects.filter(
                kind=Location.Kind.STORE
            ).order_by("code")

    def clean_code(self) -> str:
        # As register_create writes it, so "t1" and "T1 " are the store's one T1.
        code = (self.cleaned_data.get("code") or "").strip().upper()
        # The store is read-only once the register has traded, and then the form's own
        # (store, code) check does not run: this one does, whatever the form shows.
        location = self.cleaned_data.get("location") or getattr(self.instance, "location", None)
        if (
            code
            and location is not None
            and Register.objects.filter(location=location, code=code)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            raise forms.ValidationError(
                _("This store already has a register %(code)s."), params={"code": code}
            )
        return code


@admin.register(Register)
class RegisterAdmin(admin.ModelAdmin):
    form = RegisterForm
    list_display = ("code", "name", "location", "is_active", "has_open_shift", "shift_list")
    list_display_links = ("code", "name")
    list_filter = ("is_active", StoreFilter)
    list_select_related = ("location",)
    search_fields = ("=code", "name", "=location__code", "location__name")
    readonly_fields = ("walk_in_customer", "shift_list", "created_at", "updated_at")
    fields = ("location", "code", "name", "is_active", "walk_in_customer", "shift_list")

    def get_queryset(self, request):
        open_shift = Shift.objects.filter(register=OuterRef("pk"), status=Shift.Status.OPEN)
        return super().get_queryset(request).annotate(_open=Exists(open_shift))

    def get_readonly_fields(self, request, obj=None):
        # A register that has traded keeps its store: its shifts and sales were there.
        if obj is not None and obj.shifts.exists():
            return ("location", *self.readonly_fields)
        return self.readonly_fields

    @admin.display(description=_("shift open"), boolean=True, ordering="_open")
    def has_open_shift(self, obj):
        return getattr(obj, "_open", None)

    @admin.display(description=_("shifts"))
    def shift_list(self, obj):
        if obj.pk is None:
            return "—"
        return admin_changelist_link(
            "till.shift", _("Shifts on this register →"), register__id__exact=obj.pk
        )


# --- money records: read-only ----------------------------------------------------------------


class _ReadOnlyInline(admin.TabularInline):
    """Rows of a shift written only by till.services (and the returns desk): read here."""

    extra = 0
    can_delete = False
    ordering = ("created_at", "pk")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CashMoveInline(_ReadOnlyInline):
    model = CashMove
    fields = ("created_at", "amount", "reason", "associate")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("associate")


class ShiftRefundInline(_ReadOnlyInline):
    """The refunds the returns desk paid out at this shift's register."""

    model = ShiftRefund
    fields = ("created_at", "refund")
    readonly_fields = fields
    verbose_name = _("refund paid out here")
    verbose_name_plural = _("refunds paid out here")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("refund__payment")


class _OnAShift:
    """The store and register columns of a row that belongs to a shift."""

    @admin.display(description=_("store"), ordering="shift__register__location__code")
    def store(self, obj):
        return obj.shift.register.location.code

    @admin.display(description=_("register"), ordering="shift__register__code")
    def register(self, obj):
        return obj.shift.register


@admin.register(Shift)
class ShiftAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Opened, moved and closed on the till (till.services): counted cash and its
    variance are read here, never typed."""

    list_display = (
        "opened_at",
        "store",
        "register",
        "opened_by",
        "status",
        "float_amount",
        "expected_amount",
        "counted_amount",
        "variance_amount",
        "closed_at",
    )
    list_filter = ("status", StoreOfRegisterFilter)
    list_select_related = ("register__location", "opened_by", "closed_by")
    search_fields = ("=register__code", "register__name", "=register__location__code")
    # A shift per register per day: a small table, so the date drill-down stays cheap.
    date_hierarchy = "opened_at"
    fields = (
        ("register", "status", "currency"),
        ("opened_by", "opened_at", "opening_float"),
        ("closed_by", "closed_at"),
        ("expected_cash", "counted_cash", "variance"),
        "close_note",
        "reopened_count",
        "sale_list",
    )
    readonly_fields = _flat(fields)
    inlines = (CashMoveInline, ShiftRefundInline)

    @admin.display(description=_("store"), ordering="register__location__code")
    def store(self, obj):
        return obj.register.location.code

    @admin.display(description=_("float"), ordering="opening_float")
    def float_amount(self, obj):
        return money(obj.opening_float, obj.currency)

    @admin.display(description=_("expected"), ordering="expected_cash")
    def expected_amount(self, obj):
        return money(obj.expected_cash, obj.currency)

    @admin.display(description=_("counted"), ordering="counted_cash")
    def counted_amount(self, obj):
        return money(obj.counted_cash, obj.currency)

    @admin.display(description=_("variance"), ordering="variance")
    def variance_amount(self, obj):
        return money(obj.variance, obj.currency)

    @admin.display(description=_("sales"))
    def sale_list(self, obj):
        return admin_changelist_link(
            "till.tillsale", _("Sales on this shift →"), shift__id__exact=obj.pk
        )


@admin.register(CashMove)
class CashMoveAdmin(_OnAShift, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "store",
        "register",
        "shift",
        "associate",
        "amount_paid",
        "reason",
    )
    list_filter = (StoreOfShiftFilter, ("created_at", admin.DateFieldListFilter))
    list_select_related = ("shift__register__location", "associate")
    search_fields = ("reason", "=shift__register__code")
    ordering = ("-created_at", "-pk")

    @admin.display(description=_("amount"), ordering="amount")
    def amount_paid(self, obj):
        return money(obj.amount, obj.shift.currency)


@admin.register(TillSale)
class TillSaleAdmin(_OnAShift, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Rung up on the till (till.services.sale_complete); a sale kept for the manager is
    placed or resolved on the till's screens by the store's manager."""

    list_display = (
        "rung_up_at",
        "store",
        "register",
        "associate",
        "status",
        "order",
        "total_amount",
        "cash_amount",
        "change_amount",
        "offline",
    )
    list_filter = (
        "status",
        OrderPlacedFilter,
        "offline",
        StoreOfShiftFilter,
        ("rung_up_at", admin.DateFieldListFilter),
    )
    list_select_related = ("shift__register__location", "associate", "order")
    search_fields = ("=order__number", "=idempotency_key", "=shift__register__code")
    # One row per store sale: no date hierarchy (it reads every row's date) and no full
    # count; newest first along the primary key.
    ordering = ("-pk",)
    show_full_result_count = False
    fields = (
        ("shift", "associate"),
        ("status", "order"),
        ("rung_up_at", "offline", "created_at"),
        ("total", "cash_tendered", "change_due"),
        "basket",
        "note",
        "idempotency_key",
    )
    readonly_fields = _flat(fields)

    @admin.display(description=_("total"), ordering="total")
    def total_amount(self, obj):
        return money(obj.total, obj.shift.currency)

    @admin.display(description=_("cash tendered"), ordering="cash_tendered")
    def cash_amount(self, obj):
        return money(obj.cash_tendered, obj.shift.currency)

    @admin.display(description=_("change due"), ordering="change_due")
    def change_amount(self, obj):
        return money(obj.change_due, obj.shift.currency)


@admin.register(ParkedSale)
class ParkedSaleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Parked and taken back on the till; a basket, not money: looked at here."""

    list_display = ("created_at", "store", "register", "associate", "label", "customer")
    list_filter = (StoreOfRegisterFilter,)
    list_select_related = ("register__location", "associate", "customer")
    search_fields = ("label", "=register__code")
    readonly_fields = ("register", "associate", "customer", "label", "lines", "created_at")
    fields = readonly_fields

    @admin.display(description=_("store"), ordering="register__location__code")
    def store(self, obj):
        return obj.register.location.code
