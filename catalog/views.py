"""Storefront browsing: home, category listings, search and the product page.

Thin: each view reads through the catalog selectors and the selectors of the apps that
know the rest — the shopper's store, size and recent views (``customers.surface``), stock
(``inventory.selectors``) — and renders; the only write is telling customers what the
shopper looked at."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from catalog import selectors
from catalog.models import Variant
from customers.surface import (
    ChosenStore,
    my_store,
    recent_view_remember,
    recently_viewed_by,
    shopper_size,
)
from inventory.selectors import (
    ProductAvailability,
    VariantAvailability,
    availability_for_product,
    products_in_stock_at,
    stock_online_salable,
)
from omni.geo import format_distance
from promotions.selectors import offer_book, pricing_context

PAGE_SIZE = 24
RECENT_LIMIT = 8
RESULTS = "storefront/catalog/_results.html"  # the fragment HTMX swaps on listings and search


def home(request: HttpRequest) -> HttpResponse:
    """New in, the top categories, and "continue where you left off"."""
    product_ids, category_ids = recently_viewed_by(request, limit=RECENT_LIMIT)
    context = {
        "new_in": _with_offers(request, list(selectors.products_new_in(limit=8))),
        "categories": selectors.categories_top(),
        "recent_products": _with_offers(request, list(selectors.products_by_ids(ids=product_ids))),
        "recent_categories": selectors.categories_by_ids(ids=category_ids),
    }
    return render(request, "storefront/home.html", context)


# --- listings ---------------------------------------------------------------------------


# The bounds a price column can hold: anything else (``1E+999999999`` is finite, but no
# numeric(12, 2) compares with it on PostgreSQL) is ignored rather than sent to the database.
_PRICE_BOUND = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)


def _price_bound(value: str | None) -> Decimal | None:
    """A price filter from the query string, or None when absent or not a usable price."""
    try:
        return _PRICE_BOUND.clean((value or "").strip())
    except forms.ValidationError:
        return None


def _paged(request: HttpRequest, qs) -> object:
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _with_offers(request, list(page.object_list))
    return page


def _offers(request: HttpRequest):
    """The promotions and the web's pricing context, loaded once per request (two
    queries however many products a page shows)."""
    cached = getattr(request, "_offers", None)
    if cached is None:
        cached = (offer_book(), pricing_context(channel="web"))
        request._offers = cached
    return cached


def _with_offers(request: HttpRequest, products: list) -> list:
    """Each product card's offer (``p.offer``: a promotions Badge or None) from the same
    engine the cart prices with, on its cheapest price."""
    if not products:
        return products
    book, context = _offers(request)
    for p in products:
        p.offer = book.badge(
            product_id=p.pk,
            category_id=p.category_id,
            unit_price=getattr(p, "min_price", None),
            context=context,
        )
    return products


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# The listing's sort menu.
SORT_LABELS = (
    ("new", gettext_lazy("Newest")),
    ("price_asc", gettext_lazy("Price: low to high")),
    ("price_desc", gettext_lazy("Price: high to low")),
    ("name", gettext_lazy("Name")),
)


def category(request: HttpRequest, slug: str) -> HttpResponse:
    """A category's products (with its subcategories'), filtered by size, colour, price
    and "in stock at my store", sorted, paginated. HTMX gets the results fragment."""
    found = selectors.category_for_slug(slug=slug)
    if found is None:
        raise Http404(_("No such category"))
    category_ids = [found.pk, *(c.pk for c in found.subs)]
    sizes, colours = selectors.listing_facets(category_ids=category_ids)
    store = my_store(request)
    # Inventory's subquery of the products with units at the store (no query of its own).
    in_stock_ids = (
        products_in_stock_at(store_id=store.id)
        if request.GET.get("instock") and store is not None
        else None
    )
    chosen_sizes = tuple(s for s in request.GET.getlist("size") if s in sizes)
    chosen_colours = tuple(c for c in request.GET.getlist("colour") if c in colours)
    price_min = _price_bound(request.GET.get("min"))
    price_max = _price_bound(request.GET.get("max"))
    in_stock = in_stock_ids is not None
    sort = request.GET.get("sort") if request.GET.get("sort") in selectors.SORTS else "new"
    filters = selectors.ListingFilters(
        sizes=chosen_sizes,
        colours=chosen_colours,
        price_min=price_min,
        price_max=price_max,
        in_stock_ids=in_stock_ids,
        sort=sort,
    )
    page = _paged(request, selectors.products_listing(category_ids=category_ids, filters=filters))
    recent_view_remember(request, category=found)
    context = {
        "category": found,
        "page": page,
        "sizes": sizes,
        "colours": colours,
        "chosen_sizes": chosen_sizes,
        "chosen_colours": chosen_colours,
        "price_min": price_min,
        "price_max": price_max,
        "in_stock": in_stock,
        "sort": sort,
        "sorts": SORT_LABELS,
        "query_string": _query_without_page(request),
        "active_filters": len(chosen_sizes)
        + len(chosen_colours)
        + (price_min is not None)
        + (price_max is not None)
        + in_stock,
    }
    return render(request, RESULTS if request.htmx else "storefront/catalog/category.html", context)


def search(request: HttpRequest) -> HttpResponse:
    """Search by words, SKU or barcode; an exact SKU or barcode (typed or scanned) goes
    straight to its product page."""
    query = (request.GET.get("q") or "").strip()
    variant = selectors.variant_for_code(code=query)
    if variant is not None:
        target = reverse("catalog:product", kwargs={"slug": variant.product.slug})
        return redirect(f"{target}?variant={variant.pk}")
    page = _paged(request, selectors.products_search(query=query)) if query else None
    context = {"query": query, "page": page, "query_string": _query_without_page(request)}
    return render(request, RESULTS if request.htmx else "storefront/catalog/search.html", context)


# --- product page ---------------------------------------------------------------------


@dataclass(frozen=True)
class SizeOption:
    """A variant as the size picker shows it, with what the shopper can do about it."""

    variant: Variant
    availability: VariantAvailability | None
    ships: bool
    headline: str  # "3 at Brooklyn — pick up today"
    note: str  # "Only 2 left", "Ships in 3 days", ""
    buyable: bool


def ship_days() -> int:
    return int(getattr(settings, "OMNI_SHIP_DAYS", 3))


def _size_option(
    variant: Variant,
    availability: ProductAvailability | None,
    store: ChosenStore | None,
    online: dict[int, int],
) -> SizeOption:
    ships = online.get(variant.pk, 0) > 0
    days = ship_days()
    ship_note = (
        ngettext("Ships in %(days)d day", "Ships in %(days)d days", days) % {"days": days}
        if ships
        else ""
    )
    if variant.price_amount is None:
        return SizeOption(variant, None, False, _("Not for sale"), "", False)
    if availability is None or store is None:
        headline = ship_note or _("Out of stock online")
        return SizeOption(variant, None, ships, headline, "", ships)
    here = availability.for_variant(variant.pk)
    if here.in_stock_here:
        note = (
            ngettext("Only %(count)d left", "Only %(count)d left", here.here) % {"count": here.here}
            if here.low_stock
            else ship_note
        )
        headline = ngettext(
            "%(count)d at %(store)s — pick up today",
            "%(count)d at %(store)s — pick up today",
            here.here,
        ) % {"count": here.here, "store": store.name}
        return SizeOption(variant, here, ships, headline, note, True)
    nearest = here.nearest_elsewhere
    if nearest is not None:
        headline = ngettext(
            "Not at %(store)s — %(count)d at %(nearest)s (%(distance)s)",
            "Not at %(store)s — %(count)d at %(nearest)s (%(distance)s)",
            nearest.quantity,
        ) % {
            "store": store.name,
            "count": nearest.quantity,
            "nearest": nearest.location.name,
            "distance": format_distance(nearest.distance_km),
        }
        return SizeOption(variant, here, ships, headline, ship_note, True)
    return SizeOption(variant, here, ships, ship_note or _("Out of stock"), "", ships)


def _product_offer(request: HttpRequest, found, shown: Variant | None):
    """The product page's offer on the variant shown ("was/now" or a label)."""
    if shown is None or shown.price_amount is None:
        return None
    book, context = _offers(request)
    return book.badge(
        product_id=found.pk,
        category_id=found.category_id,
        variant_id=shown.pk,
        unit_price=shown.price_amount,
        context=context,
    )


def product(request: HttpRequest, slug: str) -> HttpResponse:
    """Images, price, the colour and size picker (size preselected from the shopper's
    size profile), availability at the shopper's store and nearby, add to cart / list."""
    found = selectors.product_for_page(slug=slug)
    if found is None:
        raise Http404(_("No such product"))
    variants = [v for v in found.variant_list if v.price_amount is not None] or found.variant_list
    colours = list(dict.fromkeys(v.colour for v in variants))
    store = my_store(request)
    # What can ship online (one query) and, with a store, each variant there and at the
    # nearest stores (one indexed query).
    online = stock_online_salable(variant_ids=[v.pk for v in variants]) if variants else {}
    availability = (
        availability_for_product(product_id=found.pk, store_id=store.id) if store else None
    )
    preferred_size = shopper_size(request, size_group=found.category.size_group)
    # The variant asked for (a scanned barcode, a colour link) else the shopper's colour.
    asked = request.GET.get("variant", "")
    asked_variant = next((v for v in variants if str(v.pk) == asked), None)
    colour = request.GET.get("colour")
    if asked_variant is not None:
        colour = asked_variant.colour
    elif colour not in colours:
        in_size = next((v for v in variants if preferred_size and v.size == preferred_size), None)
        colour = in_size.colour if in_size else (colours[0] if colours else "")
    in_colour = [v for v in variants if v.colour == colour]
    options = [_size_option(v, availability, store, online) for v in in_colour]
    # Sizes a shopper may ask to be told about (campaigns' back-in-stock form): not on
    # the shelf of their store, or not shipping. From what was read above: no query.
    alert_options = [
        o
        for o in options
        if o.variant.price_amount is not None
        and (
            not o.ships
            or (store is not None and not (o.availability and o.availability.in_stock_here))
        )
    ]
    selected = asked_variant
    if selected is None and preferred_size:
        selected = next((v for v in in_colour if v.size == preferred_size), None)
    if selected is None and len(in_colour) == 1:
        selected = in_colour[0]
    images = [i for i in found.image_list if not i.colour or i.colour == colour] or found.image_list
    prices = [v.price_amount for v in variants if v.price_amount is not None]
    shown = selected or (min(in_colour, key=lambda v: v.price_amount or 0) if in_colour else None)
    recent_view_remember(request, product=found)
    context = {
        "product": found,
        "images": images,
        "colours": [
            (c, next((v.colour_hex for v in variants if v.colour == c), "")) for c in colours if c
        ],
        "colour": colour,
        "options": options,
        "alert_options": alert_options,
        "selected": selected,
        "preferred_size": preferred_size,
        "price": shown.price_amount if shown else None,
        "compare_at": shown.price_compare_at if shown else None,
        "price_varies": len(set(prices)) > 1,
        "store": store,
        "low_stock_threshold": settings.OMNI_LOW_STOCK_THRESHOLD,
        "related": _with_offers(request, list(selectors.products_related(product=found))),
        "offer": _product_offer(request, found, shown),
    }
    return render(request, "storefront/catalog/product.html", context)
