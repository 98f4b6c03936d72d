"""Orders admin: carts, orders with their lines, fulfilments and payments, fulfilment lines
and refunds. Order lines are the receipt as sold and are shown, not edited."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omni.admin import (
    TIMESTAMPS,
    FlatQueriesInlineMixin,
    ReadOnlyAdminMixin,
    admin_changelist_link,
    count_of,
    money,
)
from orders import selectors
from orders.models import (
    Cart,
    CartLine,
    CartRecoveryStep,
    Fulfilment,
    FulfilmentLine,
    Order,
    OrderLine,
    OrderLineDiscount,
    Payment,
    Refund,
    TaxInvoice,
    TaxInvoiceCounter,
)

# --- carts -------------------------------------------------------------------------------------


class CartLineInline(FlatQueriesInlineMixin, admin.TabularInline):
    model = CartLine
    fields = ("variant", "quantity", "added_at")
    raw_id_fields = ("variant",)
    extra = 0


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "customer",
        "email",
        "status",
        "channel",
        "line_count",
        "last_activity_at",
        "recovery_stage",
    )
    list_filter = ("status", "channel")
    list_select_related = ("customer",)
    search_fields = ("=token", "email", "customer__email")
    autocomplete_fields = ("customer", "user")
    readonly_fields = ("token", *TIMESTAMPS)
    date_hierarchy = "last_activity_at"
    inlines = (CartLineInline,)
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(lines_total=count_of(CartLine, "cart"))

    @admin.display(description=_("Lines"), ordering="lines_total")
    def line_count(self, obj):
        return obj.lines_total


@admin.register(CartLine)
class CartLineAdmin(admin.ModelAdmin):
    list_display = ("cart", "variant", "quantity", "added_at")
    list_select_related = ("cart", "variant")
    search_fields = ("=cart__token", "=variant__sku")
    autocomplete_fields = ("cart", "variant")
    show_full_result_count = False


# --- orders ------------------------------------------------------------------------------------


class OrderLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The receipt as sold (name, SKU and price copied at checkout): shown, never edited."""

    model = OrderLine
    fields = (
        "variant",
        "product_name",
        "sku",
        "size",
        "colour",
        "quantity",
        "unit_price",
        "line_total",
        "is_final_sale",
    )
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("variant")


class FulfilmentInline(FlatQueriesInlineMixin, admin.TabularInline):
    model = Fulfilment
    fields = ("kind", "status", "location", "expected_ready_at", "hold_until", "tracking_number")
    extra = 0
    show_change_link = True  # its lines are on the fulfilment's own page


class PaymentInline(admin.TabularInline):
    model = Payment
    fields = ("provider", "status", "amount", "currency", "provider_reference", "card_last4")
    extra = 0
    show_change_link = True  # its refunds are on the payment's own page


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "customer",
        "channel",
        "location",
        "associate",
        "status",
        "total_display",
        "placed_at",
    )
    list_filter = ("channel", "status", "location")
    list_select_related = ("customer", "location", "associate")
    search_fields = ("=number", "email", "phone", "=external_reference")
    autocomplete_fields = ("customer", "cart")
    date_hierarchy = "placed_at"
    readonly_fields = (
        "subtotal",
        "shipping_total",
        "discount_total",
        "tax_total",
        "total",
        "returns",
        *TIMESTAMPS,
    )
    fieldsets = (
        (None, {"fields": ("number", "status", "channel", "placed_at", "external_reference")}),
        (_("Customer"), {"fields": ("customer", "email", "phone", "shipping_address")}),
        (_("Where and who"), {"fields": ("location", "associate", "cart")}),
        (
            _("Totals"),
            {
                # Computed at checkout from the lines; editing one would break the receipt.
                "fields": (
                    "currency",
                    ("subtotal", "shipping_total", "discount_total", "tax_total"),
                    "total",
                )
            },
        ),
        (pgettext_lazy("noun", "Returns"), {"fields": ("returns",)}),
        (_("Timestamps"), {"fields": TIMESTAMPS, "classes": ("collapse",)}),
    )
    inlines = (OrderLineInline, FulfilmentInline, PaymentInline)
    # 200k orders: skip the second, unfiltered count on every page.
    show_full_result_count = False

    @admin.display(description=_("Total"), ordering="total")
    def total_display(self, obj):
        return money(obj.total, obj.currency)

    @admin.display(description=pgettext_lazy("noun", "Returns"))
    def returns(self, obj):
        if obj.pk is None:
            return "—"
        return admin_changelist_link(
            "returns.return", _("Returns of this order →"), order__id__exact=obj.pk
        )


@admin.register(OrderLine)
class OrderLineAdmin(admin.ModelAdmin):
    list_display = ("order", "sku", "product_name", "quantity", "unit_price", "line_total")
    list_select_related = ("order",)
    search_fields = ("=order__number", "=sku")
    autocomplete_fields = ("order", "variant")
    show_full_result_count = False


@admin.register(OrderLineDiscount)
class OrderLineDiscountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each offer's share of an order's lines, as the order stored it (not edited)."""

    list_display = ("order", "line", "label", "code", "amount", "promotion")
    list_select_related = ("order", "line", "promotion")
    list_filter = ("promotion",)
    search_fields = ("=order__number", "=code")
    show_full_result_count = False


# --- fulfilments -------------------------------------------------------------------------------


class FulfilmentLineInline(FlatQueriesInlineMixin, admin.TabularInline):
    model = FulfilmentLine
    fields = ("order_line", "quantity", "quantity_collected")
    raw_id_fields = ("order_line",)
    extra = 0


@admin.register(Fulfilment)
class FulfilmentAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "order",
        "kind",
        "status",
        "location",
        "expected_ready_at",
        "hold_until",
        "tracking_number",
    )
    list_filter = ("kind", "status", "location")
    list_select_related = ("order", "location")
    search_fields = ("=order__number", "=tracking_number")
    readonly_fields = TIMESTAMPS
    autocomplete_fields = ("order",)
    date_hierarchy = "created_at"
    inlines = (FulfilmentLineInline,)
    show_full_result_count = False


@admin.register(FulfilmentLine)
class FulfilmentLineAdmin(admin.ModelAdmin):
    list_display = ("fulfilment", "order_line", "quantity", "quantity_collected")
    list_select_related = ("fulfilment", "order_line")
    search_fields = ("=fulfilment__order__number", "=order_line__sku")
    autocomplete_fields = ("fulfilment", "order_line")
    show_full_result_count = False


# --- payments ----------------------------------------------------------------------------------


class RefundInline(admin.TabularInline):
    model = Refund
    fields = ("amount", "status", "provider_reference", "reason", "created_at")
    readonly_fields = ("created_at",)
    extra = 0


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "order",
        "provider",
        "status",
        "amount_display",
        "card_last4",
        "created_at",
    )
    list_filter = ("provider", "status")
    list_select_related = ("order",)
    search_fields = ("=order__number", "=provider_reference")
    readonly_fields = TIMESTAMPS
    autocomplete_fields = ("order",)
    date_hierarchy = "created_at"
    inlines = (RefundInline,)
    show_full_result_count = False

    @admin.display(description=_("Amount"), ordering="amount")
    def amount_display(self, obj):
        return money(obj.amount, obj.currency)


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ("created_at", "payment", "order", "amount_display", "status", "reference_label")
    list_filter = ("status",)
    list_select_related = ("payment__order",)
    search_fields = ("=payment__order__number", "=provider_reference")
    autocomplete_fields = ("payment",)
    readonly_fields = ("reference_label", "created_at")
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description=pgettext_lazy("noun", "Order"), ordering="payment__order__number")
    def order(self, obj):
        return obj.payment.order

    @admin.display(description=_("Amount"), ordering="amount")
    def amount_display(self, obj):
        return money(obj.amount, obj.payment.currency)


# --- tax invoices ---------------------------------------------------------------------------


@admin.register(TaxInvoice)
class TaxInvoiceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Issued invoices, read only: a number once given is never changed or reused (the
    desk and checkout issue them through ``orders.services.tax_invoice_issue``)."""

    list_display = ("display_number", "order", "buyer_name", "buyer_tax_id", "issued_at")
    list_select_related = ("order",)
    search_fields = ("=number", "=order__number", "buyer_name", "=buyer_tax_id")
    date_hierarchy = "issued_at"


@admin.register(TaxInvoiceCounter)
class TaxInvoiceCounterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The last tax-invoice number given (read only: the sequence must not be reset)."""

    list_display = ("name", "last_number")


# --- abandoned-cart recovery ---------------------------------------------------------------------


@admin.register(CartRecoveryStep)
class CartRecoveryStepAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every recovery stage done (email sent, store task created), with the metrics per
    stage above the list: sent, clicked, orders recovered and their value
    (``orders.selectors.cart_recovery_metrics``, one query)."""

    change_list_template = "admin/orders/cartrecoverystep/change_list.html"
    list_display = (
        "cart",
        "stage",
        "emailed",
        "task",
        "subtotal_display",
        "clicks",
        "first_clicked_at",
        "created_at",
    )
    list_filter = ("stage", "emailed")
    list_select_related = ("cart", "task")
    raw_id_fields = ("cart", "task", "restored_into")
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description=_("subtotal"), ordering="subtotal")
    def subtotal_display(self, obj):
        return money(obj.subtotal, obj.currency)

    def changelist_view(self, request, extra_context=None):
        metrics = selectors.cart_recovery_metrics()
        return super().changelist_view(
            request, {**(extra_context or {}), "recovery_metrics": metrics}
        )
