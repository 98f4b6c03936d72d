"""Gift cards in the admin: read-only, with their ledger; the code is never shown (only
its last four characters), and cards are issued on the desk or through the API."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from giftcards import services
from giftcards.models import GiftCard, GiftCardEntry, GiftCardProduct
from omni.money import format_money


class GiftCardEntryInline(admin.TabularInline):
    model = GiftCardEntry
    extra = 0
    can_delete = False
    fields = [
        "created_at",
        "reason",
        "amount",
        "reference_type",
        "reference_id",
        "location",
        "note",
    ]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(GiftCard)
class GiftCardAdmin(admin.ModelAdmin):
    list_display = ["__str__", "currency", "initial_amount", "status", "source", "created_at"]
    list_filter = ["status", "source", "delivery", "currency"]
    search_fields = ["last4", "recipient_email"]
    readonly_fields = [
        "last4",
        "currency",
        "initial_amount",
        "balance",
        "status",
        "source",
        "delivery",
        "reason",
        "issued_by",
        "customer",
        "recipient_name",
        "recipient_email",
        "message",
        "expires_at",
        "reference_type",
        "reference_id",
        "created_at",
    ]
    exclude = ["code_hash"]
    inlines = [GiftCardEntryInline]
    list_select_related = True

    @admin.display(description=_("balance"))
    def balance(self, obj):
        return format_money(services.gift_card_balance(card=obj), obj.currency)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(GiftCardProduct)
class GiftCardProductAdmin(admin.ModelAdmin):
    """Which catalog variant the storefront sells as an e-gift card (/gift-cards/buy/)."""

    list_display = ["variant", "delivery"]
    raw_id_fields = ["variant"]
    list_select_related = ["variant__product"]
