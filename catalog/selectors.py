"""Reads of the catalog used by the storefront (home, listings, search, product page) and
anything else that shows products to shoppers. Each is a fixed number of queries, whatever
the number of products, variants, images or prices."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils import translation

from catalog.models import (
    SEARCH_CONFIG,
    Category,
    Price,
    Product,
    ProductImage,
    Variant,
    price_in_force,
    product_search_vector,
)
from omni.search_text import search_normalised

SORTS = {
    "new": ("-created_at", "-pk"),
    "price_asc": ("min_price", "name", "pk"),
    "price_desc": ("-min_price", "name", "pk"),
    "name": ("name", "pk"),
}
DEFAULT_SORT = "new"


def name_in_language():
    """A product's name as the active language shows it, to sort by: its own, else the
    English one (a bare ``"name"`` would sort by the language's column alone and put every
    product not yet translated last)."""
    code = translation.get_language() or settings.LANGUAGE_CODE
    if code == settings.LANGUAGE_CODE or code not in dict(settings.LANGUAGES):
        return F("name")  # the plain column holds the English text
    return Coalesce(NullIf(F(f"name_{code}"), Value("")), F("name"))


def _ordering(*keys: str) -> list:
    return [name_in_language() if key == "name" else key for key in keys]


def _cheapest(field: str) -> Subquery:
    """``field`` of the cheapest price in force among the product's active variants."""
    return Subquery(
        Price.objects.in_force()
        .filter(variant__product=OuterRef("pk"), variant__is_active=True)
        .order_by("amount", "pk")
        .values(field)[:1]
    )


def products_for_cards(qs: QuerySet[Product] | None = None) -> QuerySet[Product]:
    """Active products ready for a product card: category joined; ``min_price`` and
    ``compare_at`` (the cheapest active variant's price in force and its "was" price),
    ``image`` and ``image_width`` (the first image's file name and width, for its
    thumbnails; None without one) annotated. One query for any number of cards."""
    qs = Product.objects.all() if qs is None else qs
    return (
        qs.filter(is_active=True, category__is_active=True)
        .select_related("category")
        .annotate(
            min_price=_cheapest("amount"),
            compare_at=_cheapest("compare_at_amount"),
            **product_image_columns(product_ref="pk"),
        )
    )


def product_image_columns(
    *, product_ref: str, colour_ref: str | None = None, prefix: str = "image"
) -> dict[str, Subquery]:
    """Annotations naming a product's first image — ``<prefix>`` (the stored name) and
    ``<prefix>_width`` — for the outer query's ``product_ref``; with ``colour_ref``, an
    image of that colour first (a cart line in navy shows the navy shirt). For the
    ``{% product_image %}`` tag: a thumbnail per row at no extra query."""
    images = ProductImage.objects.filter(product=OuterRef(product_ref)).order_by("position", "pk")
    if colour_ref is None:
        return {
            prefix: Subquery(images.values("image")[:1]),
            f"{prefix}_width": Subquery(images.values("width")[:1]),
        }
    # Outer columns only in WHERE (SQLite cannot read them in a subquery's ORDER BY).
    same = images.filter(colour=OuterRef(colour_ref))
    return {
        name: Case(
            When(Exists(same), then=Subquery(same.values(field)[:1])),
            default=Subquery(images.values(field)[:1]),
        )
        for name, field in ((prefix, "image"), (f"{prefix}_width", "width"))
    }


def products_by_ids(*, ids: Sequence[int]) -> list[Product]:
    """Product cards for ``ids`` in that order (unknown or inactive ones left out). One
    query."""
    if not ids:
        return []
    found = {p.pk: p for p in products_for_cards(Product.objects.filter(pk__in=list(ids)))}
    return [found[pk] for pk in ids if pk in found]


def categories_by_ids(*, ids: Sequence[int]) -> list[Category]:
    """Active categories for ``ids`` in that order. One query."""
    if not ids:
        return []
    found = {c.pk: c for c in Category.objects.filter(pk__in=list(ids), is_active=True)}
    return [found[pk] for pk in ids if pk in found]


def products_new_in(*, limit: int = 8) -> list[Product]:
    """The newest active products that have a price. One query."""
    return list(
        products_for_cards().filter(min_price__isnull=False).order_by("-created_at", "-pk")[:limit]
    )


def categories_top() -> list[Category]:
    """Active top-level categories for navigation. One query."""
    return list(Category.objects.filter(is_active=True, parent__isnull=True))


def category_for_slug(*, slug: str) -> Category | None:
    """An active category with its parent and its active children (for the breadcrumb and
    the sub-navigation). Two queries."""
    return (
        Category.objects.filter(slug=slug, is_active=True)
        .select_related("parent")
        .prefetch_related(
            Prefetch("children", queryset=Category.objects.filter(is_active=True), to_attr="subs")
        )
        .first()
    )


@dataclass(frozen=True)
class ListingFilters:
    """What a shopper narrowed a listing to (all optional)."""

    sizes: tuple[str, ...] = ()
    colours: tuple[str, ...] = ()
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    # Product ids stocked at the shopper's store (a subquery from inventory), or None.
    in_stock_ids: QuerySet | None = None
    sort: str = DEFAULT_SORT


def products_listing(*, category_ids: Iterable[int], filters: ListingFilters) -> QuerySet:
    """The product cards of a category (and the categories given, e.g. its children),
    narrowed and sorted as asked. Products without a price are never listed. Lazy: one
    query when paged (plus one for the count)."""
    qs = products_for_cards(Product.objects.filter(category_id__in=list(category_ids)))
    qs = qs.filter(min_price__isnull=False)
    variant_match = Q()
    if filters.sizes:
        variant_match &= Q(size__in=filters.sizes)
    if filters.colours:
        variant_match &= Q(colour__in=filters.colours)
    if variant_match:
        # One variant must have both the size and the colour asked for.
        qs = qs.filter(
            Exists(Variant.objects.filter(variant_match, product=OuterRef("pk"), is_active=True))
        )
    if filters.price_min is not None:
        qs = qs.filter(min_price__gte=filters.price_min)
    if filters.price_max is not None:
        qs = qs.filter(min_price__lte=filters.price_max)
    if filters.in_stock_ids is not None:
        qs = qs.filter(pk__in=filters.in_stock_ids)
    return qs.order_by(*_ordering(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT])))


# Letter sizes smallest first; "2XL" and "XXL" are the same place.
_LETTER_SIZES = {
    size: rank
    for rank, names in enumerate(
        (
            ("XXXS", "3XS"),
            ("XXS", "2XS"),
            ("XS",),
            ("S",),
            ("M",),
            ("L",),
            ("XL",),
            ("XXL", "2XL"),
            ("XXXL", "3XL"),
            ("4XL",),
            ("5XL",),
        )
    )
    for size in names
}


def size_sort_key(size: str) -> tuple:
    """Where a size goes in a size filter: letter sizes in garment order (XS, S, M, L,
    XL …), then numbers in numeric order (24, 26, 28 … 10.5), then anything else ("One
    size") alphabetically."""
    text = (size or "").strip().upper()
    if text in _LETTER_SIZES:
        return (0, _LETTER_SIZES[text], 0.0, text)
    try:
        return (1, 0, float(text.replace(",", ".")), text)
    except ValueError:
        return (2, 0, 0.0, text)


def listing_facets(*, category_ids: Iterable[int]) -> tuple[list[str], list[str]]:
    """The sizes (in size order: :func:`size_sort_key`) and colours the active variants of
    these categories come in, for the filter form. Two queries."""
    variants = Variant.objects.filter(
        product__category_id__in=list(category_ids), product__is_active=True, is_active=True
    ).order_by()
    sizes = set(variants.exclude(size="").values_list("size", flat=True).distinct())
    colours = sorted(set(variants.exclude(colour="").values_list("colour", flat=True)))
    return sorted(sizes, key=size_sort_key), colours


# --- search -----------------------------------------------------------------------------


def _variants_on_sale(*, sellable: bool) -> QuerySet[Variant]:
    """Active variants of active products, product joined; with ``sellable`` also only
    those with a current price, annotated ``price_amount``, ``price_compare_at`` and
    ``price_currency`` (the one price book, as orders' ``price_annotations``)."""
    variants = Variant.objects.filter(is_active=True, product__is_active=True).select_related(
        "product"
    )
    if not sellable:
        return variants
    return variants.annotate(
        price_amount=price_in_force("amount"),
        price_compare_at=price_in_force("compare_at_amount"),
        price_currency=price_in_force("currency"),
    ).filter(price_amount__isnull=False)


def variant_for_code(*, code: str, sellable: bool = False) -> Variant | None:
    """The active variant whose SKU or barcode is exactly ``code`` (typed or scanned),
    product joined; with ``sellable`` only one that can be sold now (priced, price
    annotated). The one lookup by code for the shop and the back-office. One query."""
    code = (code or "").strip()
    if not code or len(code) > 40:
        return None
    on_sale = _variants_on_sale(sellable=sellable)
    return on_sale.filter(Q(sku__iexact=code) | Q(barcode=code)).first()


def variants_find(*, query: str, limit: int = 20, sellable: bool = True) -> list[Variant]:
    """Variants matching what an associate typed or scanned: an exact SKU or barcode, else
    every word in the product name (or a colour). Product joined; with ``sellable`` (the
    default) only priced ones, price annotated. Product then size order. One query."""
    text = " ".join((query or "").split())[:100]
    if not text:
        return []
    word_list = text.split(" ")[:5]
    # A name word is matched in the product's search text (every language, one spelling:
    # omni.search_text); a colour is compared as typed.
    words = Q()
    for word in word_list:
        words &= Q(product__search_text__contains=search_normalised(word)) | Q(colour__iexact=word)
    # Bounded like the storefront search: every branch is an id subquery an index can
    # serve (the UPPER(sku) index, barcode's unique index, the trigram index on the
    # search text; a colour is compared on the variants alone), and the price in force
    # is looked up only for the page of matches, not for every variant in the catalogue.
    in_names = Q()
    for word in word_list:
        in_names |= Q(search_text__contains=search_normalised(word))
    as_colour = Q()
    for word in word_list:
        as_colour |= Q(colour__iexact=word)
    candidates = (
        Variant.objects.filter(Q(sku__iexact=text) | Q(barcode=text))
        .values("pk")
        .union(
            Variant.objects.filter(
                product_id__in=Product.objects.filter(in_names).values("pk")
            ).values("pk"),
            Variant.objects.filter(as_colour).values("pk"),
        )
    )
    matches = Variant.objects.filter(
        Q(sku__iexact=text) | Q(barcode=text) | words,
        pk__in=candidates,
        is_active=True,
        product__is_active=True,
    )
    if sellable:
        matches = matches.filter(Exists(Price.objects.in_force().filter(variant_id=OuterRef("pk"))))
    page = matches.order_by("product__name", "product_id", "position", "pk").values("pk")[:limit]
    return [
        *_variants_on_sale(sellable=sellable)
        .filter(pk__in=page)
        .order_by("product__name", "product_id", "position", "pk")
    ]


def products_search(*, query: str) -> QuerySet[Product]:
    """Product cards matching ``query`` in name, brand, description — in any language:
    every word a substring of the product's search text (``Product.search_text``, spelt
    as ``omni.search_text`` spells the query, so Thai without spaces, Vietnamese without
    tone marks and Persian with Arabic letter forms match), plus English full-text with
    stemming and ranking on PostgreSQL — or a SKU or barcode starting with it. Best match
    first. Lazy: one query when paged."""
    text = (query or "").strip()[:100]
    if not text:
        return Product.objects.none()
    # Each branch is its own id subquery so PostgreSQL can serve it from an index: the
    # GIN index on the search document, the trigram index on UPPER(name), the
    # UPPER(sku) pattern index and barcode's own pattern index. One OR over the joined
    # rows (an Exists on variants, a rank > 0) would compute the document per product.
    code_ids = Variant.objects.filter(
        Q(sku__istartswith=text) | Q(barcode__startswith=text)
    ).values("product_id")
    qs = products_for_cards().filter(min_price__isnull=False)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank

        # Websearch syntax never raises on stray quotes, dashes or "or".
        search = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
        # Substrings for every language and for what stemming misses ("wool" in
        # "Lambswool"): every word in the search text, as on SQLite.
        text_ids = (
            Product.objects.alias(document=product_search_vector())
            .filter(Q(document=search) | _in_search_text(text))
            .values("pk")
        )
        return (
            qs.filter(pk__in=text_ids.union(code_ids))
            .annotate(rank=SearchRank(product_search_vector(), search))
            .order_by(*_ordering("-rank", "name", "pk"))
        )
    return qs.filter(_in_search_text(text) | Q(pk__in=code_ids)).order_by(*_ordering("name", "pk"))


def _in_search_text(text: str) -> Q:
    """Every word of ``text`` (up to five; quotes, a phrase for full-text search, are word
    separators here) in the product's search text. Served on PostgreSQL by the trigram
    index on ``search_text`` (a case-sensitive LIKE: both sides are lower case)."""
    words = search_normalised(text.replace('"', " ")).split()[:5]
    if not words:
        return Q(pk__in=[])
    match = Q()
    for word in words:
        match &= Q(search_text__contains=word)
    return match


# --- product page ---------------------------------------------------------------------


RELATED_LIMIT = 4


def products_related(*, product: Product, limit: int = RELATED_LIMIT) -> list[Product]:
    """The merchandiser's related products of ``product`` that can be sold now, as product
    cards, by name. One query."""
    return list(
        products_for_cards(Product.objects.filter(related_products=product))
        .filter(min_price__isnull=False)
        .exclude(pk=product.pk)
        .order_by(*_ordering("name", "pk"))[:limit]
    )


def product_for_page(*, slug: str) -> Product | None:
    """An active product with its category (and parent) joined; its images and active
    variants (each with ``price_amount`` / ``price_compare_at`` in force, size order)
    prefetched as ``image_list`` and ``variant_list``. Three queries."""
    variants = (
        Variant.objects.filter(is_active=True)
        .annotate(
            price_amount=price_in_force("amount"),
            price_compare_at=price_in_force("compare_at_amount"),
        )
        .order_by("position", "pk")
    )
    return (
        Product.objects.filter(slug=slug, is_active=True, category__is_active=True)
        .select_related("category__parent")
        .prefetch_related(
            Prefetch(
                "images",
                queryset=ProductImage.objects.order_by("position", "pk"),
                to_attr="image_list",
            ),
            Prefetch("variants", queryset=variants, to_attr="variant_list"),
        )
        .first()
    )


# The separator of a category's path ("Men › Outerwear").
CATEGORY_PATH_SEPARATOR = " › "


def category_paths() -> dict[int, str]:
    """Every category's full path from its top-level ancestor ("Men › Outerwear"), by id:
    how a picker tells two "Outerwear" apart. One query (categories are few)."""
    rows = {
        pk: (name, parent)
        for pk, name, parent in Category.objects.values_list("pk", "name", "parent_id")
    }
    paths: dict[int, str] = {}

    def path_of(pk: int, seen: frozenset[int] = frozenset()) -> str:
        if pk not in paths:
            name, parent = rows[pk]
            # A parent loop cannot be saved through the admin, but a path must still end.
            if parent is None or parent not in rows or parent in seen:
                paths[pk] = name
            else:
                paths[pk] = path_of(parent, seen | {pk}) + CATEGORY_PATH_SEPARATOR + name
        return paths[pk]

    for pk in rows:
        path_of(pk)
    return paths
