"""Back-office stock lookup: scan or type a SKU, barcode or product name and see what this
store can sell of each size now, what the nearest stores and warehouses have (and how far
they are), and ask for a transfer to this store."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.timezone import localtime
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Product, Variant
from catalog.selectors import variant_for_code
from inventory.selectors import StockSource, stock_here_and_nearest
from inventory.services import transfer_request
from omni.calendars import format_date
from omni.errors import DomainError
from omni.http import domain_error_message
from omni.search_text import search_normalised
from stores.models import Location
from stores.surface import backoffice_done, backoffice_render, backoffice_view

PRODUCTS_SHOWN = 6
SOURCES_SHOWN = 5


@dataclass(frozen=True)
class VariantStock:
    variant: Variant
    here: int
    elsewhere: tuple[StockSource, ...]
    scanned: bool = False


@dataclass(frozen=True)
class ProductStock:
    product: Product
    variants: tuple[VariantStock, ...]


def _products_matching(query: str) -> tuple[list[Variant], int | None]:
    """The variants to show for a query and the one that was scanned (None when the query
    was a name): a SKU or barcode (``catalog.selectors.variant_for_code``) shows every
    size of its product, a name up to ``PRODUCTS_SHOWN`` products. 2 queries."""
    scanned = variant_for_code(code=query)
    if scanned is not None:
        products = Q(product_id=scanned.product_id)
    else:
        # The name in any language, spelt as search spells it (omni.search_text).
        ids = (
            Product.objects.filter(search_text__contains=search_normalised(query), is_active=True)
            .order_by("name")
            .values("pk")[:PRODUCTS_SHOWN]
        )
        products = Q(product_id__in=ids)
    variants = [
        *Variant.objects.filter(products, is_active=True)
        .select_related("product")
        .order_by("product__name", "product_id", "position", "pk")
    ]
    return variants, (scanned.pk if scanned else None)


def stock_lookup_results(*, query: str, location: Location) -> list[ProductStock]:
    """Per product and size: salable here, and the nearest other active locations with
    salable stock (``inventory.selectors.stock_here_and_nearest``). 4–5 queries, however
    many sizes, locations or stock rows."""
    query = query.strip()
    if not query:
        return []
    variants, scanned_id = _products_matching(query)
    if not variants:
        return []
    stock = stock_here_and_nearest(
        variant_ids=[v.pk for v in variants], location=location, limit=SOURCES_SHOWN
    )
    grouped: dict[int, list[VariantStock]] = {}
    products: dict[int, Product] = {}
    for variant in variants:
        found = stock[variant.pk]
        products[variant.product_id] = variant.product
        grouped.setdefault(variant.product_id, []).append(
            VariantStock(variant, found.here, found.elsewhere, scanned=variant.pk == scanned_id)
        )
    return [ProductStock(products[pid], tuple(rows)) for pid, rows in grouped.items()]


class TransferForm(forms.Form):
    variant = forms.IntegerField(widget=forms.HiddenInput)
    source = forms.IntegerField(widget=forms.HiddenInput)
    quantity = forms.IntegerField(
        label=gettext_lazy("Units"),
        min_value=1,
        max_value=99,
        error_messages={
            "required": gettext_lazy("Say how many units to bring here."),
            "invalid": gettext_lazy("The quantity must be a whole number."),
            "min_value": gettext_lazy("Ask for at least 1 unit."),
            "max_value": gettext_lazy("Ask for at most 99 units at a time."),
        },
    )
    note = forms.CharField(label=gettext_lazy("Note (optional)"), max_length=200, required=False)


def _lookup_url(query: str) -> str:
    base = reverse("backoffice:stock-lookup")
    return f"{base}?{urlencode({'q': query})}" if query else base


@require_GET
@backoffice_view
def stock_lookup(request: HttpRequest) -> HttpResponse:
    """Scan or search, then see stock here and nearby. HTMX live search swaps the results
    only; without JavaScript it is a plain GET form."""
    query = request.GET.get("q", "").strip()[:100]
    context = {
        "query": query,
        "results": stock_lookup_results(query=query, location=request.location),
    }
    return backoffice_render(
        request,
        "backoffice/stock/lookup.html",
        context,
        fragment="backoffice/stock/_results.html",
    )


@require_POST
@backoffice_view
def stock_transfer_request(request: HttpRequest) -> HttpResponse:
    """Ask another location to send units of one size to the store the associate works
    for (never to another store). Bad quantities and short stock come back as messages."""
    query = request.POST.get("q", "").strip()[:100]
    form = TransferForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    elif form.cleaned_data["source"] == request.location.pk:
        messages.error(request, gettext("That is this store: pick another location to send it."))
    else:
        try:
            transfer = transfer_request(
                source_id=form.cleaned_data["source"],
                destination_id=request.location.pk,
                lines=[(form.cleaned_data["variant"], form.cleaned_data["quantity"])],
                requested_by=request.associate,
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            domain_error_message(request, error)
        else:
            units = form.cleaned_data["quantity"]
            expected = localtime(transfer.expected_at)
            messages.success(
                request,
                ngettext(
                    "Transfer #%(number)s requested: %(units)s unit to %(store)s, "
                    "expected %(weekday)s, %(date)s.",
                    "Transfer #%(number)s requested: %(units)s units to %(store)s, "
                    "expected %(weekday)s, %(date)s.",
                    units,
                )
                % {
                    "number": transfer.pk,
                    "units": units,
                    "store": request.location.name,
                    "weekday": format_date(expected, "l"),
                    "date": format_date(expected, "MONTH_DAY_FORMAT"),
                },
            )
    return backoffice_done(
        request,
        redirect_to=_lookup_url(query),
        fragment="backoffice/stock/_results.html",
        context={
            "query": query,
            "results": stock_lookup_results(query=query, location=request.location),
        },
    )
