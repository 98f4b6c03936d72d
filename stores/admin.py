"""Stores admin: locations (with the associates who may act for them and a link to their
stock, which is far too big to render inline), distances and associates."""

from django.contrib import admin

from omni.admin import TIMESTAMPS, FlatQueriesInlineMixin, admin_changelist_link
from stores.models import Associate, Location, LocationDistance
from stores.services import location_distances_update


class LocationAssociateInline(FlatQueriesInlineMixin, admin.TabularInline):
    model = Associate.locations.through
    fields = ("associate",)
    extra = 0
    verbose_name = "associate who may act here"
    verbose_name_plural = "associates who may act here"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("associate")


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "kind",
        "city",
        "region",
        "ships_online_orders",
        "offers_pickup",
        "accepts_returns",
        "safety_stock",
        "is_active",
    )
    list_filter = ("kind", "is_active", "ships_online_orders", "offers_pickup", "accepts_returns")
    search_fields = ("code", "name", "city", "postcode")
    readonly_fields = ("stock", *TIMESTAMPS)
    fieldsets = (
        ("Identity", {"fields": ("code", "name", "kind", "is_active", "phone", "email")}),
        (
            "Address and coordinates",
            {
                "fields": (
                    "address_line1",
                    "address_line2",
                    ("city", "region"),
                    ("postcode", "country"),
                    ("latitude", "longitude"),
                    "timezone",
                )
            },
        ),
        (
            "Opening hours",
            {
                "fields": ("opening_hours",),
                "description": 'Open intervals per weekday, e.g. {"mon": [["09:00", "19:00"]], '
                '"sun": []}.',
            },
        ),
        ("Services", {"fields": ("ships_online_orders", "offers_pickup", "accepts_returns")}),
        (
            "Safety stock",
            {
                "fields": ("safety_stock", "stock"),
                "description": "Units per SKU kept back from online sale; a stock row may "
                "override it.",
            },
        ),
        ("Timestamps", {"fields": TIMESTAMPS, "classes": ("collapse",)}),
    )
    inlines = (LocationAssociateInline,)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Sourcing and nearest availability join on the distance table: keep it true.
        if not change or {"latitude", "longitude"} & set(form.changed_data):
            location_distances_update(location_id=obj.pk)

    @admin.display(description="Stock")
    def stock(self, obj):
        # A store holds thousands of stock rows: link to them rather than render them here.
        if obj.pk is None:
            return "—"
        return admin_changelist_link(
            "inventory.stock", "Stock at this location →", location__id__exact=obj.pk
        )


@admin.register(LocationDistance)
class LocationDistanceAdmin(admin.ModelAdmin):
    list_display = ("origin", "destination", "distance_km")
    list_filter = ("origin",)
    list_select_related = ("origin", "destination")
    search_fields = ("origin__code", "destination__code")
    ordering = ("origin__name", "distance_km")


@admin.register(Associate)
class AssociateAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user", "home_location", "role", "employee_code", "is_active")
    list_filter = ("role", "is_active", "home_location")
    list_select_related = ("user", "home_location")
    search_fields = ("display_name", "=employee_code", "user__email", "user__username")
    readonly_fields = TIMESTAMPS
    autocomplete_fields = ("user",)
    filter_horizontal = ("locations",)
    fields = (
        "user",
        "display_name",
        "employee_code",
        "role",
        "home_location",
        "locations",
        "is_active",
        TIMESTAMPS,
    )
