"""Catalog admin: categories, products with their variants and images, variants with their
prices. Counts and price ranges are annotated in SQL so a changelist costs the same queries
for 2 rows as for 100."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Max, Min, OuterRef, Subquery
from django.forms.models import ModelChoiceIterator
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin

from catalog import services as catalog_services
from catalog.images import image_validate, thumbnail_name, thumbnail_widths
from catalog.models import Category, Price, Product, ProductImage, Variant, price_in_force
from catalog.selectors import category_paths
from omni.admin import (
    EXPORT_CHUNK_SIZE,
    TIMESTAMPS,
    ReadOnlyAdminMixin,
    admin_changelist_link,
    count_of,
    money,
    streamed_csv,
)
from omni.money import MONEY_DIGITS, money_inputs, to_money


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
    # The model's plural name either way, as the admin always said ("1 products activated").
    if is_active:
        message = ngettext(
            "%(count)d %(items)s activated.", "%(count)d %(items)s activated.", count
        )
    else:
        message = ngettext(
            "%(count)d %(items)s deactivated.", "%(count)d %(items)s deactivated.", count
        )
    items = modeladmin.opts.verbose_name_plural
    modeladmin.message_user(request, message % {"count": count, "items": items})


@admin.action(description=_("Activate selected %(verbose_name_plural)s"), permissions=["change"])
def activate(modeladmin, request, queryset):
    _set_active(modeladmin, request, queryset, True)


@admin.action(description=_("Deactivate selected %(verbose_name_plural)s"), permissions=["change"])
def deactivate(modeladmin, request, queryset):
    _set_active(modeladmin, request, queryset, False)


# A CSV is read by spreadsheets and imports: the price is a plain number in its currency's
# minor units (``1234500`` VND, ``39.00`` USD) beside its currency code, not shop text.
PRODUCT_EXPORT_HEADER = (
    "product",
    "sku",
    "barcode",
    "size",
    "colour",
    "current_price",
    "currency",
    "active",
)


@admin.action(
    description=_("Export selected products as CSV (one row per variant)"), permissions=["view"]
)
def export_products_csv(modeladmin, request, queryset):
    rows = (
        Variant.objects.filter(product__in=queryset.values("pk"))
        .annotate(
            current_price=current_price_subquery(),
            price_currency=price_in_force("currency", ref="pk"),
        )
        .order_by("product__name", "product_id", "position", "id")
        .values_list(
            "product__name",
            "sku",
            "barcode",
            "size",
            "colour",
            "current_price",
            "price_currency",
            "is_active",
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
                "" if price is None else str(to_money(price, code)),
                code or "",
                "yes" if active else "no",
            )
            for name, sku, barcode, size, colour, price, code, active in rows
        ),
    )


# --- categories ------------------------------------------------------------------------------


class _PathOrderedChoices(ModelChoiceIterator):
    """Choices sorted by their full path, so "Men › Outerwear" sits under "Men"."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        paths = self.field.paths
        for category in sorted(self.queryset, key=lambda c: paths.get(c.pk, c.name).casefold()):
            yield self.choice(category)


class CategoryPathChoiceField(forms.ModelChoiceField):
    """A category picker that names each category by its full path ("Men › Outerwear"),
    not by a name two branches may share. The paths are read once per form."""

    iterator = _PathOrderedChoices

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.paths = category_paths()

    def label_from_instance(self, obj):
        return self.paths.get(obj.pk, obj.name)


class CategoryPathListFilter(admin.RelatedFieldListFilter):
    """The changelist's category filter, by full path."""

    def field_choices(self, field, request, model_admin):
        return sorted(category_paths().items(), key=lambda item: item[1].casefold())


class CategoryPathFormMixin:
    """Category foreign keys in this admin are picked by full path."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Category:
            kwargs["form_class"] = CategoryPathChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _in_every_language(*fields: str) -> tuple[str, ...]:
    """The per-language columns of translated ``fields`` (``name_en``, ``name_th``, ...):
    the admin's search finds a row by its name in any language."""
    return tuple(f"{field}_{code}" for field in fields for code, _name in settings.LANGUAGES)


# Categories and products are edited in every language (catalog/translation.py) with
# modeltranslation's plain TranslationAdmin: one field per language, English first and
# required. Not its tabbed variants, which load jQuery UI from a CDN; nothing in the admin
# is fetched from another host.
@admin.register(Category)
class CategoryAdmin(CategoryPathFormMixin, TranslationAdmin):
    list_display = (
        "name",
        "parent",
        "size_group",
        "tax_class",
        "position",
        "is_active",
        "return_window_days",
    )
    list_filter = ("is_active", "size_group", "tax_class")
    list_editable = ("position",)
    list_select_related = ("parent",)
    search_fields = (*_in_every_language("name"), "slug")
    readonly_fields = TIMESTAMPS
    prepopulated_fields = {"slug": ("name",)}


# --- products --------------------------------------------------------------------------------


def _copy_into(target, source) -> None:
    """Make the admin's in-memory row the one the service saved, so the admin's redirect,
    change message and many-to-many save use it."""
    for field in type(source)._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding = False


# What the variant rows and the variant page may change, beside the price.
VARIANT_FORM_FIELDS = (*sorted(catalog_services.VARIANT_FIELDS), "is_active")
PRODUCT_FORM_FIELDS = (*sorted(catalog_services.PRODUCT_FIELDS), "is_active")


class VariantRowForm(forms.ModelForm):
    """A variant row with its current price editable: a changed price becomes a new base
    price in the one price book (``catalog.services.price_set``)."""

    price = forms.DecimalField(
        label=_("Price"),
        max_digits=MONEY_DIGITS,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "class": "vPriceField"}),
    )

    class Meta:
        model = Variant
        fields = ("sku", "barcode", "size", "colour", "colour_hex", "position", "is_active")
        widgets = {
            "sku": forms.TextInput(attrs={"size": 14}),
            "barcode": forms.TextInput(attrs={"size": 13}),
            "size": forms.TextInput(attrs={"size": 5}),
            "colour": forms.TextInput(attrs={"size": 9}),
            "colour_hex": forms.TextInput(attrs={"size": 7}),
            "position": forms.NumberInput(attrs={"class": "vSmallField"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price"].label = _("Price (%(currency)s)") % {
            "currency": settings.OMNI_CURRENCY
        }
        money_inputs(self, "price")
        current = getattr(self.instance, "current_price", None)
        if current is not None:
            self.initial.setdefault("price", current)

    def clean_price(self):
        price = self.cleaned_data.get("price")
        if price is None and self.initial.get("price") is not None:
            # A price ends when a new one starts; a blank box is not a way to un-price.
            raise forms.ValidationError(_("Give the new price; a variant keeps its price."))
        return price


def variant_save_from_form(*, form: forms.ModelForm, product: Product | None = None) -> Variant:
    """Save a variant form (an inline row or the variant page) through the catalog
    services: a new row is ``variant_create``, a changed one ``variant_update`` with only
    the fields that changed, so switching it on or off refreshes its availability."""
    data = form.cleaned_data
    price = data.get("price") if "price" in form.changed_data else None
    if form.instance.pk is None:
        fields = {name: data[name] for name in VARIANT_FORM_FIELDS if name in data}
        variant = catalog_services.variant_create(
            product=product or data["product"], price=price, **fields
        )
    else:
        fields = {name: data[name] for name in form.changed_data if name in VARIANT_FORM_FIELDS}
        variant = catalog_services.variant_update(variant=form.instance, price=price, **fields)
    _copy_into(form.instance, variant)
    return variant


class VariantInline(admin.TabularInline):
    model = Variant
    form = VariantRowForm
    fields = ("sku", "barcode", "size", "colour", "colour_hex", "position", "is_active", "price")
    extra = 0
    # A SKU with sales or stock is switched off, not deleted (its ledger points at it).
    can_delete = False
    show_change_link = True
    classes = ("variant-rows",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(current_price=current_price_subquery())


class ProductImageForm(forms.ModelForm):
    """An image row: a new upload is checked (JPEG, PNG or WebP, size) before anything is
    saved; the catalog service stores it and makes its thumbnails."""

    class Meta:
        model = ProductImage
        fields = ("product", "image", "alt_text", "colour", "position")
        widgets = {
            "alt_text": forms.TextInput(attrs={"size": 22}),
            "colour": forms.TextInput(attrs={"size": 9}),
            "position": forms.NumberInput(attrs={"class": "vSmallField"}),
        }

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if isinstance(upload, UploadedFile):
            image_validate(upload)
        return upload


def product_image_save_from_form(*, form: forms.ModelForm, product: Product) -> ProductImage:
    data = form.cleaned_data
    upload = data["image"] if "image" in form.changed_data else None
    if form.instance.pk is None:
        image = catalog_services.product_image_create(
            product=product,
            upload=upload,
            alt_text=data.get("alt_text", ""),
            colour=data.get("colour", ""),
            position=data.get("position") or 0,
        )
    else:
        fields = {name: data[name] for name in form.changed_data if name in IMAGE_FORM_FIELDS}
        image = catalog_services.product_image_update(
            image=ProductImage.objects.get(pk=form.instance.pk), upload=upload, **fields
        )
    _copy_into(form.instance, image)
    return image


IMAGE_FORM_FIELDS = tuple(sorted(catalog_services.IMAGE_FIELDS))


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    fields = ("preview", "image", "alt_text", "colour", "position")
    readonly_fields = ("preview",)
    extra = 0
    classes = ("image-rows",)

    @admin.display(description=_("Preview"))
    def preview(self, obj):
        return image_preview(obj)


def image_preview(obj) -> str:
    if not obj or not obj.pk or not obj.image:
        return "—"
    widths = thumbnail_widths(obj.width)
    name = thumbnail_name(obj.image.name, widths[0]) if widths else obj.image.name
    return format_html(
        '<img src="{}" alt="" width="48" height="60" style="object-fit: cover">',
        obj.image.storage.url(name),
    )


@admin.register(Product)
class ProductAdmin(CategoryPathFormMixin, TranslationAdmin):
    list_display = (
        "name",
        "category",
        "brand",
        "is_active",
        "is_final_sale",
        "variants_count",
        "price_range",
    )
    list_filter = ("is_active", "is_final_sale", ("category", CategoryPathListFilter))
    list_select_related = ("category",)
    search_fields = (*_in_every_language("name"), "slug", "brand", "=variants__sku")
    readonly_fields = TIMESTAMPS
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("related_products",)
    fieldsets = (
        (None, {"fields": ("name", "slug", "category", "brand", "description")}),
        (_("Selling"), {"fields": ("is_active", "is_final_sale", "related_products")}),
        (_("Timestamps"), {"fields": TIMESTAMPS, "classes": ("collapse",)}),
    )
    inlines = (VariantInline, ProductImageInline)
    actions = (activate, deactivate, export_products_csv)

    class Media:
        css = {"all": ("css/admin.css",)}

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

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "slug" in form.base_fields:
            # The browser's slug preview drops Thai vowel and tone marks; left empty, the
            # service makes the slug from the name in its own script (catalog/slugs.py).
            form.base_fields["slug"].required = False
            form.base_fields["slug"].help_text = _(
                "Empty: made from the English name, in its own script."
            )
        return form

    def save_model(self, request, obj, form, change):
        # Through the catalog services: switching a product on or off here refreshes its
        # nearest-store availability exactly as the changelist actions and the API do.
        data = _with_default_language_text(form.cleaned_data)
        changed = {_untranslated(name) for name in form.changed_data}
        translations = _translations_from_form(form, only_changed=change)
        if change:
            fields = {name: data[name] for name in changed if name in PRODUCT_FORM_FIELDS}
            if not fields.get("slug", True):
                del fields["slug"]  # emptied: the product keeps its slug
            product = catalog_services.product_update(
                product=obj, translations=translations, **fields
            )
        else:
            fields = {name: data[name] for name in PRODUCT_FORM_FIELDS if name in data}
            product = catalog_services.product_create(translations=translations, **fields)
        _copy_into(obj, product)

    def save_formset(self, request, form, formset, change):
        savers = {Variant: variant_save_from_form, ProductImage: product_image_save_from_form}
        if formset.model not in savers:
            return super().save_formset(request, form, formset, change)
        # Builds the change message's lists without writing; the services write.
        formset.save(commit=False)
        for deleted in formset.deleted_objects:
            deleted.delete()  # only images can be deleted here: no ledger points at one
        for row in formset.forms:
            if row.has_changed() and row not in formset.deleted_forms:
                savers[formset.model](form=row, product=form.instance)
        return None

    @admin.display(description=_("Variants"), ordering="variant_count")
    def variants_count(self, obj):
        return obj.variant_count

    @admin.display(description=_("Price"), ordering="min_price")
    def price_range(self, obj):
        if obj.min_price is None or obj.min_price == obj.max_price:
            return money(obj.min_price)
        return f"{money(obj.min_price)} – {money(obj.max_price)}"


def _untranslated(name: str) -> str:
    """``name_en`` → ``name`` (the default language's column is the service's ``name``)."""
    suffix = f"_{settings.LANGUAGE_CODE}"
    base = name.removesuffix(suffix)
    return base if base in catalog_services.TRANSLATED_FIELDS else name


def _with_default_language_text(data: dict) -> dict:
    data = dict(data)
    for field in catalog_services.TRANSLATED_FIELDS:
        column = f"{field}_{settings.LANGUAGE_CODE}"
        if column in data:
            data[field] = data[column] or ""
    return data


def _translations_from_form(form, *, only_changed: bool) -> dict[str, dict[str, str]]:
    """The other languages' names and descriptions the form holds (changed ones only when
    editing), as ``catalog.services`` takes them."""
    translations: dict[str, dict[str, str]] = {}
    for code in catalog_services.translation_languages():
        for field in catalog_services.TRANSLATED_FIELDS:
            column = f"{field}_{code}"
            if column not in form.cleaned_data:
                continue
            if only_changed and column not in form.changed_data:
                continue
            translations.setdefault(code, {})[field] = form.cleaned_data[column] or ""
    return translations


@admin.register(ProductImage)
class ProductImageAdmin(admin.ModelAdmin):
    form = ProductImageForm
    list_display = ("preview", "__str__", "product", "colour", "position")
    list_select_related = ("product",)
    search_fields = ("product__name", "alt_text")
    autocomplete_fields = ("product",)
    readonly_fields = ("preview", "width", "height")

    @admin.display(description=_("Preview"))
    def preview(self, obj):
        return image_preview(obj)

    def save_model(self, request, obj, form, change):
        product_image_save_from_form(form=form, product=form.cleaned_data["product"])


# --- variants and prices ---------------------------------------------------------------------


class PriceInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The variant's price history. A price is never edited in place (orders point at
    what was charged): a new one is set on the variant form, through ``price_set``."""

    model = Price
    fields = ("amount", "compare_at_amount", "currency", "valid_from", "valid_until")
    extra = 0


class VariantForm(forms.ModelForm):
    """The variant page: its details, and a new price (with an optional "was" price and
    window, a promotion) set through ``catalog.services``."""

    price = forms.DecimalField(
        label=_("New price"),
        max_digits=MONEY_DIGITS,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        help_text=_("Leave empty to keep the price in force."),
    )
    compare_at_amount = forms.DecimalField(
        label=_("Was (promotion)"), max_digits=MONEY_DIGITS, decimal_places=2, required=False
    )
    valid_from = forms.SplitDateTimeField(
        label=_("From"), required=False, widget=AdminSplitDateTime, help_text=_("Empty: now.")
    )
    valid_until = forms.SplitDateTimeField(
        label=_("Until"),
        required=False,
        widget=AdminSplitDateTime,
        help_text=_("Empty: until the next price."),
    )

    class Meta:
        model = Variant
        fields = ("product", *VARIANT_FORM_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        money_inputs(self, "price", "compare_at_amount")

    def clean(self):
        data = super().clean()
        extras = ("compare_at_amount", "valid_from", "valid_until")
        if data.get("price") is None and any(data.get(name) for name in extras):
            self.add_error("price", _("Give the price these apply to."))
        return data

    def price_arguments(self) -> dict | None:
        data = self.cleaned_data
        if data.get("price") is None:
            return None
        return {
            "amount": data["price"],
            "compare_at_amount": data.get("compare_at_amount"),
            "valid_from": data.get("valid_from"),
            "valid_until": data.get("valid_until"),
        }


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    form = VariantForm
    list_display = ("sku", "product", "size", "colour", "barcode", "price", "is_active")
    list_filter = ("is_active", ("product__category", CategoryPathListFilter))
    list_select_related = ("product",)
    search_fields = ("sku", "=barcode", "product__name")
    autocomplete_fields = ("product",)
    readonly_fields = ("stock", *TIMESTAMPS)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "product",
                    "sku",
                    "barcode",
                    ("size", "colour", "colour_hex"),
                    "position",
                    "is_active",
                    "stock",
                    TIMESTAMPS,
                )
            },
        ),
        (_("Price"), {"fields": ("price", "compare_at_amount", ("valid_from", "valid_until"))}),
    )
    inlines = (PriceInline,)
    actions = (activate, deactivate)
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(current_price=current_price_subquery())

    def save_model(self, request, obj, form, change):
        # Through the catalog services, like the product page's variant rows.
        data = form.cleaned_data
        price = form.price_arguments()
        if change:
            fields = {name: data[name] for name in form.changed_data if name in VARIANT_FORM_FIELDS}
            variant = catalog_services.variant_update(variant=obj, price=price, **fields)
        else:
            fields = {name: data[name] for name in VARIANT_FORM_FIELDS if name in data}
            variant = catalog_services.variant_create(
                product=data["product"], price=price, **fields
            )
        _copy_into(obj, variant)

    @admin.display(description=_("Current price"), ordering="current_price")
    def price(self, obj):
        return money(obj.current_price)

    @admin.display(description=_("Stock"))
    def stock(self, obj):
        if obj.pk is None:
            return "—"
        # Named by URL, not imported: catalog sits below inventory.
        receive = reverse("admin:inventory_stock_receive") + "?" + urlencode({"sku": obj.sku})
        return format_html(
            '{} · <a href="{}">{}</a>',
            admin_changelist_link(
                "inventory.stock", _("Stock at every location →"), variant__id__exact=obj.pk
            ),
            receive,
            _("Receive stock"),
        )


class PriceForm(forms.ModelForm):
    """A new price row: amounts in the market's currency (whole dong, whole rial)."""

    class Meta:
        model = Price
        fields = ("variant", "amount", "compare_at_amount", "valid_from", "valid_until")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        money_inputs(
            self, *(name for name in ("amount", "compare_at_amount") if name in self.fields)
        )


@admin.register(Price)
class PriceAdmin(admin.ModelAdmin):
    form = PriceForm
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
    # The currency is the market's, set by the service.
    fields = ("variant", "amount", "compare_at_amount", "valid_from", "valid_until")

    # A price row is history (orders point at what was charged): new prices are added
    # through ``price_set``, which ends the base price they replace; none is edited.
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # The form has checked the amounts, the window and the unique start already
        # (the model's constraints), so the service's own checks agree with it.
        data = form.cleaned_data
        price = catalog_services.price_set(
            variant=data["variant"],
            amount=data["amount"],
            compare_at_amount=data.get("compare_at_amount"),
            valid_from=data.get("valid_from"),
            valid_until=data.get("valid_until"),
        )
        _copy_into(obj, price)

    @admin.display(description=_("Amount"), ordering="amount")
    def amount_display(self, obj):
        return money(obj.amount, obj.currency)

    @admin.display(description=_("Was"), ordering="compare_at_amount")
    def compare_at(self, obj):
        return money(obj.compare_at_amount, obj.currency) if obj.compare_at_amount else "—"
