"""Categories, products, variants (the sellable SKU) and the one price book."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Upper
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.slugs import UnicodeSlugField
from omni import money
from omni.models import TimeStampedModel
from omni.search_text import search_normalised


class Category(TimeStampedModel):
    class TaxClass(models.TextChoices):
        # The market maps each class to its rate (omni.markets: Vietnam's reduced 5%);
        # a market without the class charges its standard rate.
        STANDARD = "standard", pgettext_lazy("tax class", "Standard rate")
        REDUCED = "reduced", pgettext_lazy("tax class", "Reduced rate")
        ZERO = "zero", pgettext_lazy("tax class", "Zero rate")

    class SizeGroup(models.TextChoices):
        # Preferred sizes are learned per group: an M in tops says nothing about shoes.
        NONE = "", _("No sizes")
        TOPS = "tops", _("Tops")
        BOTTOMS = "bottoms", _("Bottoms")
        DRESSES = "dresses", _("Dresses")
        SHOES = "shoes", _("Shoes")
        ACCESSORIES = "accessories", _("Accessories")

    name = models.CharField(max_length=120, verbose_name=_("name"))
    # Unicode slugs: a Thai or Persian name gets a readable one (/th/c/เสื้อ/).
    slug = UnicodeSlugField(max_length=140, unique=True, verbose_name=_("slug"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    description = models.TextField(blank=True, verbose_name=_("description"))
    position = models.PositiveIntegerField(default=0, verbose_name=_("position"))
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    size_group = models.CharField(
        max_length=20, choices=SizeGroup.choices, blank=True, verbose_name=_("size group")
    )
    return_window_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Overrides the shop's return window for this category"),
        verbose_name=_("return window days"),
    )
    tax_class = models.CharField(
        max_length=10,
        choices=TaxClass.choices,
        default=TaxClass.STANDARD,
        help_text=_("The VAT or sales-tax rate its products are sold at"),
        verbose_name=_("tax class"),
    )

    class Meta:
        verbose_name = _("category")
        ordering = ["position", "name"]
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        _save_in_default_language(self, super().save, args, kwargs)


def _save_in_default_language(row, save, args, kwargs, *, extra=frozenset()) -> None:
    """Save ``row`` with its plain ``name`` and ``description`` columns holding the English
    text whatever language is active (modeltranslation would write the active one's): the
    search indexes and other models' lookups (``product__name``) read those columns.
    ``update_fields`` naming a translated field saves every language of it."""
    update_fields = kwargs.get("update_fields")
    if update_fields is not None:
        fields = {*update_fields, *extra}
        for name in TRANSLATED_FIELDS & fields:
            fields.update(f"{name}_{code}" for code, _name in settings.LANGUAGES)
        kwargs["update_fields"] = fields
    with translation.override(settings.LANGUAGE_CODE):
        save(*args, **kwargs)


# The fields with a value per language (catalog/translation.py), on categories and products.
TRANSLATED_FIELDS = frozenset({"name", "description"})


# The text search configuration of the product search index; the query must use the same.
SEARCH_CONFIG = "english"


def product_search_vector() -> SearchVector:
    """Name (A), brand (B) and description (C) as one weighted document. The GIN index
    ``product_search_idx`` is on exactly this expression, so a search that filters on it
    is served by the index (PostgreSQL only; any change here needs a new migration)."""
    return (
        SearchVector("name", weight="A", config=SEARCH_CONFIG)
        + SearchVector("brand", weight="B", config=SEARCH_CONFIG)
        + SearchVector("description", weight="C", config=SEARCH_CONFIG)
    )


class Product(TimeStampedModel):
    name = models.CharField(max_length=200, verbose_name=_("name"))
    slug = UnicodeSlugField(max_length=220, unique=True, verbose_name=_("slug"))
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("category")
    )
    brand = models.CharField(max_length=100, blank=True, verbose_name=_("brand"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    is_active = models.BooleanField(default=True, db_index=True, verbose_name=_("is active"))
    is_final_sale = models.BooleanField(
        default=False, help_text=_("Cannot be returned"), verbose_name=_("is final sale")
    )
    # Products that go with this one (post-purchase emails, "complete the look").
    related_products = models.ManyToManyField(
        "self", blank=True, symmetrical=True, verbose_name=_("related products")
    )
    # Name and description in every language, and the brand, in the one spelling search
    # compares (omni.search_text); kept by save(). Substring search in any language (Thai
    # has no spaces) is served by its trigram index.
    search_text = models.TextField(
        blank=True, default="", editable=False, verbose_name=_("search text")
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["category", "is_active"], name="product_category_active_idx"),
            models.Index(fields=["-created_at"], name="product_newest_idx"),
            # PostgreSQL only (the migration skips them elsewhere): full-text search, and
            # trigrams for the substring fallback (``name__icontains`` is UPPER(name) LIKE).
            GinIndex(product_search_vector(), name="product_search_idx"),
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="product_name_trgm_idx"),
            GinIndex(
                OpClass("search_text", name="gin_trgm_ops"), name="product_search_text_trgm_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def search_text_of(self) -> str:
        """What search finds this product by: every language's name and description
        (``catalog/translation.py``) and the brand, normalised."""
        texts = [self.brand]
        for field in sorted(TRANSLATED_FIELDS, reverse=True):
            for code, _name in settings.LANGUAGES:
                texts.append(getattr(self, f"{field}_{code}", None) or "")
        return search_normalised(" ".join(dict.fromkeys(t for t in texts if t)))

    def save(self, *args, **kwargs):
        self.search_text = self.search_text_of()
        _save_in_default_language(self, super().save, args, kwargs, extra={"search_text"})


class ProductImage(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="images", verbose_name=_("product")
    )
    # JPEG, PNG or WebP, checked on upload (catalog.images.image_validate); its WebP
    # thumbnails are made beside it when saved through catalog.services.
    image = models.ImageField(upload_to="products/", max_length=255, verbose_name=_("image"))
    # Read by the service on upload (not ImageField's width_field, which would open the
    # file on every load of a row that has none yet). Null: thumbnails unknown.
    width = models.PositiveIntegerField(
        null=True, blank=True, editable=False, verbose_name=_("width")
    )
    height = models.PositiveIntegerField(
        null=True, blank=True, editable=False, verbose_name=_("height")
    )
    alt_text = models.CharField(max_length=200, blank=True, verbose_name=_("alt text"))
    colour = models.CharField(
        max_length=40, blank=True, help_text=_("Shown for this colour"), verbose_name=_("colour")
    )
    position = models.PositiveIntegerField(default=0, verbose_name=_("position"))

    class Meta:
        verbose_name = _("product image")
        verbose_name_plural = _("product images")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.alt_text or self.image.name


class Variant(TimeStampedModel):
    """The sellable SKU: one size and colour of a product, with its barcode."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="variants", verbose_name=_("product")
    )
    sku = models.CharField(max_length=40, unique=True, verbose_name=_("SKU"))
    barcode = models.CharField(
        max_length=32, unique=True, null=True, blank=True, verbose_name=_("barcode")
    )
    size = models.CharField(max_length=20, blank=True, verbose_name=_("size"))
    colour = models.CharField(max_length=40, blank=True, verbose_name=_("colour"))
    colour_hex = models.CharField(
        max_length=7, blank=True, help_text=_("#RRGGBB swatch"), verbose_name=_("colour hex")
    )
    position = models.PositiveIntegerField(
        default=0, help_text=_("Sort order (size order)"), verbose_name=_("position")
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["product_id", "position", "id"]
        indexes = [
            models.Index(fields=["product", "position"], name="variant_product_pos_idx"),
            # SKU prefix search (``sku__istartswith`` is UPPER(sku) LIKE 'X%'); PostgreSQL
            # only, the migration skips it elsewhere.
            models.Index(
                OpClass(Upper("sku"), name="text_pattern_ops"), name="variant_sku_upper_idx"
            ),
        ]

    def __str__(self) -> str:
        bits = " / ".join(b for b in (self.colour, self.size) if b)
        return f"{self.sku} {bits}".strip()


class PriceQuerySet(models.QuerySet):
    def current(self, at=None):
        """Rows whose validity window covers ``at`` (now by default); a variant may have
        several when a promotion overlaps the base price."""
        at = at or timezone.now()
        return self.filter(Q(valid_until__isnull=True) | Q(valid_until__gt=at), valid_from__lte=at)

    def in_force(self, at=None):
        """The price rows a shopper pays at ``at``: when a promotion overlaps the base
        price, the newest row in force wins, so a variant has at most one. The one rule
        every surface (storefront, cart, checkout, admin, API) prices by."""
        current = Price.objects.current(at)
        newer = current.filter(variant=OuterRef("variant"), valid_from__gt=OuterRef("valid_from"))
        return self.current(at).filter(~Exists(newer))


def price_in_force(field: str = "amount", *, ref: str = "pk", at=None) -> Subquery:
    """``field`` of the price in force (see ``PriceQuerySet.in_force``) of the variant the
    outer query's ``ref`` points at, as a subquery: ``"pk"`` for variants,
    ``"variant_id"`` for rows that point at one. None when the variant has no price."""
    return Subquery(Price.objects.in_force(at).filter(variant_id=OuterRef(ref)).values(field)[:1])


class Price(models.Model):
    """One price book: a variant's price is the same in every channel. A row with
    ``compare_at_amount`` is a promotion (shown as "was")."""

    variant = models.ForeignKey(
        Variant, on_delete=models.CASCADE, related_name="prices", verbose_name=_("variant")
    )
    amount = models.DecimalField(
        max_digits=money.MONEY_DIGITS, decimal_places=2, verbose_name=_("amount")
    )
    compare_at_amount = models.DecimalField(
        max_digits=money.MONEY_DIGITS,
        decimal_places=2,
        null=True,
        blank=True,
        verbose_name=_("compare at amount"),
    )
    currency = models.CharField(max_length=3, default=money.currency, verbose_name=_("currency"))
    valid_from = models.DateTimeField(default=timezone.now, verbose_name=_("valid from"))
    valid_until = models.DateTimeField(null=True, blank=True, verbose_name=_("valid until"))

    objects = PriceQuerySet.as_manager()

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        ordering = ["variant_id", "-valid_from"]
        indexes = [models.Index(fields=["variant", "-valid_from"], name="price_variant_from_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="price_amount_non_negative"),
            models.CheckConstraint(
                condition=Q(compare_at_amount__isnull=True)
                | Q(compare_at_amount__gt=models.F("amount")),
                name="price_compare_at_above_amount",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                name="price_window_ordered",
            ),
            models.UniqueConstraint(
                fields=["variant", "valid_from"], name="price_variant_from_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}: {self.amount} {self.currency}"

    @property
    def is_promotion(self) -> bool:
        return self.compare_at_amount is not None
