"""Returns admin: returns from any channel with their lines (reason, condition,
disposition, refund), and the lines on their own."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omni.admin import TIMESTAMPS, FlatQueriesInlineMixin, money
from returns.models import Return, ReturnLine


class ReturnLineInline(FlatQueriesInlineMixin, admin.TabularInline):
    model = ReturnLine
    fields = (
        "order_line",
        "quantity",
        "reason",
        "reason_note",
        "condition",
        "disposition",
        "refund_amount",
    )
    raw_id_fields = ("order_line",)
    extra = 0


@admin.register(Return)
class ReturnAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "order",
        "customer",
        "channel",
        "method",
        "location",
        "status",
        "refund_method",
        "refund_display",
        "requested_at",
    )
    list_filter = ("status", "method", "refund_method", "channel", "location")
    list_select_related = ("order", "customer", "location")
    search_fields = ("=number", "=order__number", "customer__email")
    # The order's currency, copied when the return is made.
    readonly_fields = ("currency", *TIMESTAMPS)
    autocomplete_fields = ("order", "customer", "exchange_order")
    date_hierarchy = "requested_at"
    fieldsets = (
        (None, {"fields": ("number", "status", "order", "customer", "channel", "method")}),
        (_("Received"), {"fields": ("location", "associate", "requested_at", "received_at")}),
        (
            pgettext_lazy("noun", "Refund"),
            {
                "fields": (
                    "refund_method",
                    "refund_total",
                    "currency",
                    "refunded_at",
                    "exchange_order",
                )
            },
        ),
        (_("Policy override"), {"fields": ("policy_override_by", "policy_override_reason")}),
        (_("Timestamps"), {"fields": TIMESTAMPS, "classes": ("collapse",)}),
    )
    inlines = (ReturnLineInline,)
    show_full_result_count = False

    @admin.display(description=pgettext_lazy("noun", "Refund"), ordering="refund_total")
    def refund_display(self, obj):
        return money(obj.refund_total, obj.currency)


@admin.register(ReturnLine)
class ReturnLineAdmin(admin.ModelAdmin):
    list_display = (
        "return_request",
        "order_line",
        "quantity",
        "reason",
        "condition",
        "disposition",
        "refund_display",
    )
    list_filter = ("reason", "condition", "disposition")
    list_select_related = ("return_request", "order_line")
    search_fields = ("=return_request__number", "=order_line__sku")
    autocomplete_fields = ("return_request", "order_line")
    show_full_result_count = False

    @admin.display(description=pgettext_lazy("noun", "Refund"), ordering="refund_amount")
    def refund_display(self, obj):
        return money(obj.refund_amount, obj.return_request.currency)
