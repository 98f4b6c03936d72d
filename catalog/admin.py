"""Catalog admin: categories, products with their variants and images, variants with their
prices. Counts and price ranges are annotated in SQL so a changelist costs the same queries
for 2 rows as for 100."""

from django.contrib import admin
from django.db.models import Max, Min, OuterRef, Subquery
from django.utils import timezone

from catalog import services as catalog_services
from catalog.models import Category, Price, Product, ProductImage, Variant, price_in_force
from omni.admin import (
    EXPORT_CHUNK_SIZE,
    TIMESTAMPS,
    admin_changelist_link,
    count_of,
    money,
    streamed_csv,
)


def current_price_subquery(at=None) -> Subquery:
    """The current price of the variant in the outer query."""
    return price_in_force("amount", ref="pk", at=at)


def _product_price_bound(aggregate, at) -> Subquery:
    return Subquery(
        Price.objects.in_force(at)
        .filter(variant__product=OuterRef("pk"))
        .order_by()
        .values("variant__product")
        .annotate(bound=aggregate("amount"))
        .values("bound")
    )


# --- actions shared by products and variants -----------------------------------------------


def _set_active(modeladmin, request, queryset, is_active: bool) -> None:
    # Through the catalog service: what goes on or off sale has its nearest-store
    # availability refreshed after commit.
    ids = list(queryset.values_list("pk", flat=True))
    if queryset.model is Product:
        count = catalog_services.products_set_active(product_ids=ids, is_active=is_active)
    else:
        count = catalog_services.variants_set_active(variant_ids=ids, is_active=is_active)
    state = "activated" if is_active else "deactivated"
    modeladmin.message_user(request, f"{count} {modeladmin.opts.verbose_name_plural} {state}.")


@admin.action(description="Activate selected %(verbose_name_plural)s", permissions=["change"])
def activate(modeladmin, request, queryset):
    _set_active(modeladmin, request, queryset, True)


@admin.action(description="Deactivate selected %(verbose_name_plural)s", permissions=["change"])
def deactivate(modeladmin, request, queryset):
    _set_active(modeladmin, request, queryset, False)


PRODUCT_EXPORT_HEADER = ("product", "sku", "barcode", "size", "colour", "current_price", "active")


@admin.action(
    description="Export selected products as CSV (one row per variant)", permissions=["view"]
)
def export_products_csv(modeladmin, request, queryset):
    rows = (
        Variant.objects.filter(product__in=queryset.values("pk"))
        .annotate(current_price=current_price_subquery())
        .order_by("product__name", "product_id", "position", "id")
        .values_list(
            "product__name", "sku", "barcode", "size", "colour", "current_price", "is_active"
        )
        .iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )
    return streamed_csv(
        "products.csv",
        PRODUCT_EXPORT_HEADER,
        (
            (
                name,
                sku,
                barcode or "",
                size,
                colour,
                "" if price is None else f"{price:.2f}",
                "yes" if active else "no",
            )
            for name, sku, barcode, size, colour, price, active in rows
        ),
    )


# --- categories ------------------------------------------------------------------------------


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "size_group", "position", "is_active", "return_window_days")
    list_filter = ("is_active", "size_group")
    list_editable = ("position",)
    list_select_related = ("parent",)
    search_fields = ("name", "slug")
    readonly_fields = TIMESTAMPS
    prepopulated_fields = {"slug": ("name",)}


# --- products --------------------------------------------------------------------------------


class VariantInline(admin.TabularInline):
    model = Variant
    fields = ("sku", "barcode", "size", "colour", "colour_hex", "position", "is_active", "price")
    readonly_fields = ("price",)
    extra = 0
    show_change_link = True  # prices are edited on the variant's own page

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(current_price=current_price_subquery())

    @admin.display(description="Current price")
    def price(self, obj):
        return money(getattr(obj, "current_price", None))


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    fields = ("image", "alt_text", "colour", "position")
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "category",
        "brand",
        "is_active",
        "is_final_sale",
        "variants_count",
        "price_range",
    )
    list_filter = ("is_active", "is_final_sale", "category")
    list_select_related = ("category",)
    search_fields = ("name", "slug", "brand", "=variants__sku")
    readonly_fields = TIMESTAMPS
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("related_products",)
    fieldsets = (
        (None, {"fields": ("name", "slug", "category", "brand", "description")}),
        ("Selling", {"fields": ("is_active", "is_final_sale", "related_products")}),
        ("Timestamps", {"fields": TIMESTAMPS, "classes": ("collapse",)}),
    )
    inlines = (VariantInline, ProductImageInline)
    actions = (activate, deactivate, export_products_csv)

    def get_queryset(self, request):
        now = timezone.now()
        return (
            super()
            .get_queryset(request)
            .annotate(
                variant_count=count_of(Variant, "product"),
                min_price=_product_price_bound(Min, now),
                max_price=_product_price_bound(Max, now),
            )
        )

    @admin.display(description="Variants", ordering="variant_count")
    def variants_count(self, obj):
        return obj.variant_count

    @admin.display(description="Price", ordering="min_price")
    def price_range(self, obj):
        if obj.min_price is None or obj.min_price == obj.max_price:
            return money(obj.min_price)
        return f"{money(obj.min_price)} – {money(obj.max_price)}"


@admin.register(ProductImage)
class ProductImageAdmin(admin.ModelAdmin):
    list_display = ("__str__", "product", "colour", "position")
    list_select_related = ("product",)
    search_fields = ("product__name", "alt_text")
    autocomplete_fields = ("product",)


# --- variants and prices ---------------------------------------------------------------------


class PriceInline(admin.TabularInline):
    model = Price
    fields = ("amount", "compare_at_amount", "currency", "valid_from", "valid_until")
    extra = 0


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ("sku", "product", "size", "colour", "barcode", "price", "is_active")
    list_filter = ("is_active", "product__category")
    list_select_related = ("product",)
    search_fields = ("sku", "=barcode", "product__name")
    autocomplete_fields = ("product",)
    readonly_fields = ("stock", *TIMESTAMPS)
    fields = (
        "product",
        "sku",
        "barcode",
        ("size", "colour", "colour_hex"),
        "position",
        "is_active",
        "stock",
        TIMESTAMPS,
    )
    inlines = (PriceInline,)
    actions = (activate, deactivate)
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(current_price=current_price_subquery())

    @admin.display(description="Current price", ordering="current_price")
    def price(self, obj):
        return money(obj.current_price)

    @admin.display(description="Stock")
    def stock(self, obj):
        if obj.pk is None:
            return "—"
        return admin_changelist_link(
            "inventory.stock", "Stock at every location →", variant__id__exact=obj.pk
        )


@admin.register(Price)
class PriceAdmin(admin.ModelAdmin):
    list_display = (
        "variant",
        "amount_display",
        "compare_at",
        "currency",
        "valid_from",
        "valid_until",
    )
    list_select_related = ("variant",)
    search_fields = ("=variant__sku", "variant__product__name")
    autocomplete_fields = ("variant",)
    date_hierarchy = "valid_from"
    show_full_result_count = False

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, obj):
        return money(obj.amount, obj.currency)

    @admin.display(description="Was", ordering="compare_at_amount")
    def compare_at(self, obj):
        return money(obj.compare_at_amount, obj.currency) if obj.compare_at_amount else "—"
