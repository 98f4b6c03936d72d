"""Back-office lists: a customer's list, shared with the shopper, and the store's queue of
lists sent by shoppers (prepare, hold for the visit)."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Variant
from catalog.selectors import variant_for_code, variants_find
from customers import selectors, services
from customers.backoffice.record import _customer_or_404
from customers.models import Customer, List
from inventory.selectors import stock_salable_at
from omni.errors import DomainError
from omni.http import domain_error_message, safe_next
from orders import services as order_services
from stores.models import Location
from stores.surface import (
    backoffice_render,
    backoffice_view,
)


class ListAddForm(forms.Form):
    sku = forms.CharField(
        label=gettext_lazy("SKU or barcode"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    quantity = forms.IntegerField(
        label=gettext_lazy("Quantity"), min_value=1, max_value=20, initial=1
    )
    note = forms.CharField(
        label=gettext_lazy("Note for the shopper (optional)"), max_length=255, required=False
    )

    def clean_sku(self) -> Variant:
        code = self.cleaned_data["sku"].strip()
        # Only what the shopper can buy: on sale and priced (the one lookup by code).
        variant = variant_for_code(code=code, sellable=True)
        if variant is None:
            raise forms.ValidationError(
                _("No item on sale has the SKU or barcode “%(code)s”.") % {"code": code}
            )
        return variant


def _hold_bounds() -> str:
    return _("Hold for between 1 and %(max)s hours.") % {"max": services.HOLD_HOURS_MAX}


# Read in the language of the request, not the one active at import.
HOLD_BOUNDS = lazy(_hold_bounds, str)()


class HoldForm(forms.Form):
    hours = forms.IntegerField(
        label=gettext_lazy("Hold for (hours)"),
        min_value=1,
        max_value=services.HOLD_HOURS_MAX,
        initial=48,
        error_messages=dict.fromkeys(
            ("required", "invalid", "min_value", "max_value"), HOLD_BOUNDS
        ),
    )


# --- a customer's list, shared with the shopper ------------------------------------------


def _list_of_customer_or_404(customer: Customer, list_id: int) -> List:
    found = selectors.lists_for_customer(customer=customer).filter(pk=list_id).first()
    if found is None:
        raise Http404("No such list for this customer.")
    return found


def _list_context(request: HttpRequest, customer: Customer, shopping_list: List, form=None) -> dict:
    finder = request.GET.get("find", "").strip()[:100]
    return {
        "customer": customer,
        "list": shopping_list,
        "form": form or ListAddForm(),
        "find": finder,
        # The associate finds the item to add by name when there is nothing to scan.
        "matches": variants_find(query=finder, limit=12),
    }


@require_GET
@backoffice_view
def customer_list(request: HttpRequest, customer_id: int, list_id: int) -> HttpResponse:
    """One of the customer's lists as the shopper sees it, with a form to add an item on
    their behalf (scan or type the SKU; or find it by name)."""
    customer = _customer_or_404(customer_id, merged=True)
    if not customer.is_active:
        return redirect("backoffice:customer-list", customer.merged_into_id, list_id)
    shopping_list = _list_of_customer_or_404(customer, list_id)
    services.customer_access_record(
        customer=customer, user=request.user, location=request.location, action="view_list"
    )
    return backoffice_render(
        request,
        "backoffice/lists/customer_list.html",
        _list_context(request, customer, shopping_list),
        fragment="backoffice/lists/_finder.html",
    )


@require_POST
@backoffice_view
def customer_list_add(request: HttpRequest, customer_id: int, list_id: int) -> HttpResponse:
    """Add an item to the customer's list as this associate: the shopper sees "added by
    <name>" and the note online."""
    customer = _customer_or_404(customer_id)
    shopping_list = _list_of_customer_or_404(customer, list_id)
    form = ListAddForm(request.POST)
    url = reverse("backoffice:customer-list", args=[customer.pk, shopping_list.pk])
    if form.is_valid():
        variant = form.cleaned_data["sku"]
        try:
            services.list_add_item(
                shopping_list=shopping_list,
                product=variant.product,
                variant=variant,
                quantity=form.cleaned_data["quantity"],
                note=form.cleaned_data["note"],
                associate=request.associate,
            )
        except DomainError as error:
            domain_error_message(request, error)
        else:
            label = " ".join(b for b in (variant.product.name, variant.size) if b)
            messages.success(
                request,
                _("Added %(item)s to “%(list)s”.") % {"item": label, "list": shopping_list.name},
            )
            form = None
        if form is None and not request.htmx:
            return redirect(url)
    status = 200 if form is None or request.htmx else 400
    shopping_list = _list_of_customer_or_404(customer, list_id)
    return backoffice_render(
        request,
        "backoffice/lists/customer_list.html",
        _list_context(request, customer, shopping_list, form=form),
        fragment="backoffice/lists/_customer_list_body.html",
        status=status,
    )


# --- the store's queue of lists sent by shoppers --------------------------------------------


def queue_for_store(
    *,
    location: Location,
    statuses: Iterable[str] | None = selectors.DEFAULT_QUEUE_STATUSES,
    list_id: int | None = None,
) -> list[List]:
    """The store's queue (``customers.selectors.lists_sent_to_store``), each item with
    ``salable_here``: the units of that size the store can still sell (inventory's; 0 when
    it has none, or no size was chosen). 3 queries, however many lists, items and stores."""
    lists = selectors.lists_sent_to_store(location=location, statuses=statuses, list_id=list_id)
    variant_ids = {item.variant_id for sl in lists for item in sl.items.all() if item.variant_id}
    salable = (
        stock_salable_at(location_id=location.pk, variant_ids=variant_ids) if variant_ids else {}
    )
    for shopping_list in lists:
        for item in shopping_list.items.all():
            item.salable_here = salable.get(item.variant_id, 0)
    return lists


def _queue_list_or_404(request: HttpRequest, list_id: int) -> List:
    """A list sent to the store the associate is working for; another store's is 404."""
    found = queue_for_store(location=request.location, statuses=None, list_id=list_id)
    if not found:
        raise Http404("No such list in this store's queue.")
    return found[0]


def _queue_card(request: HttpRequest, list_id: int) -> HttpResponse:
    shopping_list = _queue_list_or_404(request, list_id)
    return backoffice_render(
        request,
        "backoffice/lists/queue.html",
        {"lists": [shopping_list], "list": shopping_list},
        fragment="backoffice/lists/_queue_card.html",
    )


@require_GET
@backoffice_view
def lists_queue(request: HttpRequest) -> HttpResponse:
    """Lists shoppers sent to this store: items, what this store can sell of each now,
    status, and a one-tap hold for the visit."""
    show_all = request.GET.get("show") == "all"
    statuses = None if show_all else selectors.DEFAULT_QUEUE_STATUSES
    lists = queue_for_store(location=request.location, statuses=statuses)
    context = {"lists": lists, "show_all": show_all}
    return backoffice_render(request, "backoffice/lists/queue.html", context)


@require_POST
@backoffice_view
def list_status(request: HttpRequest, list_id: int) -> HttpResponse:
    shopping_list = _queue_list_or_404(request, list_id)
    status = request.POST.get("status", "")
    try:
        services.list_set_store_status(
            shopping_list=shopping_list, status=status, associate=request.associate
        )
    except DomainError as error:
        domain_error_message(request, error)
    else:
        messages.success(
            request,
            _("“%(list)s” is %(status)s.")
            % {"list": shopping_list.name, "status": str(List.StoreStatus(status).label).lower()},
        )
    if request.htmx:
        return _queue_card(request, list_id)
    return redirect(safe_next(request, reverse("backoffice:lists-queue")))


@require_POST
@backoffice_view
def list_hold(request: HttpRequest, list_id: int) -> HttpResponse:
    """Reserve every item of the list here for the shopper's visit, all or nothing; a
    clear message names what is short."""
    shopping_list = _queue_list_or_404(request, list_id)
    form = HoldForm({"hours": request.POST.get("hours", HoldForm.base_fields["hours"].initial)})
    if not form.is_valid():
        # The hours come from the queue card's button; the message names the bounds.
        messages.error(request, " ".join(form.errors["hours"]))
        if request.htmx:
            return _queue_card(request, list_id)
        return redirect(safe_next(request, reverse("backoffice:lists-queue")))
    hours = form.cleaned_data["hours"]
    try:
        holds = order_services.list_hold_for_visit(
            shopping_list=shopping_list,
            location=request.location,
            associate=request.associate,
            hours=hours,
        )
    except DomainError as error:
        domain_error_message(request, error)
    else:
        units = sum(hold.quantity for hold in holds)
        messages.success(
            request,
            ngettext(
                "Held %(units)s unit for %(customer)s for %(duration)s.",
                "Held %(units)s units for %(customer)s for %(duration)s.",
                units,
            )
            % {
                "units": units,
                "customer": shopping_list.customer,
                "duration": ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours},
            },
        )
    if request.htmx:
        return _queue_card(request, list_id)
    return redirect(safe_next(request, reverse("backoffice:lists-queue")))
