"""Back-office clienteling: find a customer, and their record on one screen (the 360) with
what an associate adds to it (notes, sizes, outreach, a follow-up task, a new list)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Category, Variant
from customers import selectors, services
from customers.errors import CustomerNotFound
from customers.models import ContactChannel, Customer, CustomerNote, List
from inventory.selectors import stock_salable_at
from messaging.surface import message_card
from omni.calendars import format_date
from omni.errors import DomainError
from omni.http import domain_error_message
from orders import selectors as orders_selectors
from stores.models import Location
from stores.surface import (
    backoffice_done,
    backoffice_render,
    backoffice_view,
)

SEARCH_LIMIT = 20
TIMELINE_PAGE = 10

# --- forms: what the associate may type, validated before any service runs ------------


class NoteForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    pinned = forms.BooleanField(label=gettext_lazy("Pin to the top"), required=False)


class TaskForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Follow up about"), max_length=200)
    due_on = forms.DateField(
        label=pgettext_lazy("date", "Due"), widget=forms.DateInput(attrs={"type": "date"})
    )
    assign_to_me = forms.BooleanField(
        label=gettext_lazy("Assign to me"), required=False, initial=True
    )

    def clean_due_on(self) -> dt.date:
        due = self.cleaned_data["due_on"]
        if due < dt.date.today() - dt.timedelta(days=1):
            raise forms.ValidationError(_("The due date is in the past."))
        return due


class SizeForm(forms.Form):
    size_group = forms.ChoiceField(
        label=gettext_lazy("Size group"), choices=[c for c in Category.SizeGroup.choices if c[0]]
    )
    size = forms.CharField(label=gettext_lazy("Size"), max_length=20)


class OutreachForm(forms.Form):
    channel = forms.ChoiceField(label=gettext_lazy("How"), choices=ContactChannel.choices)
    note = forms.CharField(
        label=gettext_lazy("What about (optional)"), max_length=200, required=False
    )


class ListCreateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("List name"), max_length=120)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=List.Kind.choices,
        initial=List.Kind.WISHLIST,
    )


# --- finding a customer ------------------------------------------------------------------


def _customers_for_query(query: str) -> list[Customer]:
    """Name, email, phone and loyalty number (customers' own search), plus the customers
    whose orders match an order number or a scanned receipt code (orders'). 2–3
    queries."""
    found = selectors.customer_search(query=query, limit=SEARCH_LIMIT)
    known = {customer.pk for customer in found}
    extra = [
        pk for pk in orders_selectors.customer_ids_for_order_query(query=query) if pk not in known
    ]
    if extra:
        by_id = (
            Customer.objects.filter(pk__in=extra, is_active=True)
            .select_related("home_store", "primary_associate")
            .in_bulk()
        )
        # Order matches are exact: they come first, in the order the lookup gave them.
        found = [by_id[pk] for pk in extra if pk in by_id] + found
    return found[:SEARCH_LIMIT]


@require_GET
@backoffice_view
def customer_search(request: HttpRequest) -> HttpResponse:
    """One box over name, email, phone, loyalty number and order number; a scan field for
    receipt codes (a scan that finds one customer opens their record). HTMX live search
    returns the results list only; without JavaScript it is a plain GET form."""
    query = " ".join(request.GET.get("q", "").split())[:100]
    code = request.GET.get("code", "").strip()[:100]
    results = _customers_for_query(code or query) if (code or query) else []
    if code and len(results) == 1:
        url = reverse("backoffice:customer-detail", args=[results[0].pk])
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
    context = {"query": query, "code": code, "results": results, "searched": bool(code or query)}
    return backoffice_render(
        request,
        "backoffice/customers/search.html",
        context,
        fragment="backoffice/customers/_search_results.html",
    )


# --- the customer 360 --------------------------------------------------------------------


def _customer_or_404(customer_id: int, *, merged: bool = False) -> Customer:
    """An active customer. A duplicate merged into another is returned only with
    ``merged`` (the GET pages redirect to the surviving record); anything written to it
    would land on a dead record, so for every action it is 404."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None or not (
        customer.is_active or (merged and customer.merged_into_id is not None)
    ):
        raise Http404("No such customer.")
    return customer


def _detail_url(customer: Customer, anchor: str = "") -> str:
    url = reverse("backoffice:customer-detail", args=[customer.pk])
    return f"{url}#{anchor}" if anchor else url


def _customer_context(request: HttpRequest, customer: Customer, **forms_given) -> dict:
    """Everything the 360 shows. A fixed number of queries whatever the history: the 360
    selector, the first timeline page, notes, the here-now panel and orders' purchases
    and carts. Lists come from the 360."""
    record = selectors.customer_360(customer=customer, recent=0)
    timeline = selectors.customer_timeline(customer=customer, limit=TIMELINE_PAGE)
    context = {
        "record": record,
        "customer": record.customer,
        "timeline": timeline,
        "notes": selectors.customer_notes(customer=customer),
        "lists": record.lists,  # with ``item_count``
        "here_now": here_now(customer=customer, location=request.location),
        "note_form": forms_given.get("note_form") or NoteForm(),
        "task_form": forms_given.get("task_form")
        or TaskForm(initial={"due_on": dt.date.today() + dt.timedelta(days=1)}),
        "size_form": forms_given.get("size_form") or SizeForm(),
        "outreach_form": forms_given.get("outreach_form") or OutreachForm(),
        "list_form": forms_given.get("list_form") or ListCreateForm(),
        **orders_selectors.customer_record_orders(customer=record.customer),
        "today": selectors.store_today(location=request.location),
        "allowed_location_ids": [loc.pk for loc in request.allowed_locations],
        # The "Messages" card: the last messages, what consent allows, the form.
        **message_card(customer=record.customer),
    }
    return context


@dataclass(frozen=True)
class HereNowItem:
    """Something for this customer that this store can hand over now."""

    variant: Variant
    salable: int
    reason: str  # "On “Autumn wishlist”" or "On “Autumn wishlist”, in their size"


def here_now(*, customer: Customer, location: Location, limit: int = 12) -> list[HereNowItem]:
    """ "Here now" on the 360: the sizes on the customer's lists (customers' candidates)
    that this store can sell now (inventory's units, salable > 0 here). 4 queries,
    however many lists, items and sizes."""
    candidates = selectors.customer_here_now_candidates(customer=customer)
    if not candidates:
        return []
    salable = stock_salable_at(
        location_id=location.pk, variant_ids=[c.variant.pk for c in candidates]
    )
    found = [
        HereNowItem(c.variant, salable[c.variant.pk], c.reason)
        for c in candidates
        if salable.get(c.variant.pk, 0) > 0
    ]
    return found[:limit]


@require_GET
@backoffice_view
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The customer's record on one screen. A customer is one record across every store
    and channel, so any associate may open any active customer (the shopper walks into
    any store); every view is written to the access log: who, whom, where, when."""
    customer = _customer_or_404(customer_id, merged=True)
    if not customer.is_active:
        # An old link to a merged duplicate opens the surviving record.
        return redirect("backoffice:customer-detail", customer.merged_into_id)
    services.customer_access_record(
        customer=customer, user=request.user, location=request.location, action="view"
    )
    return backoffice_render(
        request, "backoffice/customers/detail.html", _customer_context(request, customer)
    )


@require_GET
@backoffice_view
def customer_timeline(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Older timeline entries (keyset paging). HTMX appends them under the last one; the
    same link without JavaScript opens the page of entries on its own."""
    customer = _customer_or_404(customer_id, merged=True)
    if not customer.is_active:
        url = reverse("backoffice:customer-timeline", args=[customer.merged_into_id])
        return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)
    try:
        page = selectors.customer_timeline(
            customer=customer, before=request.GET.get("before") or None, limit=TIMELINE_PAGE
        )
    except CustomerNotFound:
        raise Http404("That page of the timeline does not exist.") from None
    services.customer_access_record(
        customer=customer, user=request.user, location=request.location, action="timeline"
    )
    context = {"customer": customer, "timeline": page}
    return backoffice_render(
        request,
        "backoffice/customers/timeline.html",
        context,
        fragment="backoffice/customers/_timeline_entries.html",
    )


def _section_response(
    request: HttpRequest, customer: Customer, section: str, status: int = 200, **forms_given
) -> HttpResponse:
    """After an action on the 360: HTMX gets the section (and the timeline, which most
    actions add to) re-rendered; a plain form post is redirected back to the section, or
    — when the form had errors — the whole page is shown again with them (400)."""
    if request.htmx:
        context = _customer_context(request, customer, **forms_given)
        return backoffice_render(
            request,
            "backoffice/customers/detail.html",
            {**context, "refresh_timeline": True},
            fragment=f"backoffice/customers/_{section}.html",
        )
    if status != 200:
        context = _customer_context(request, customer, **forms_given)
        return backoffice_render(
            request, "backoffice/customers/detail.html", context, status=status
        )
    return backoffice_done(request, redirect_to=_detail_url(customer, section))


@require_POST
@backoffice_view
def customer_note_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _customer_or_404(customer_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _section_response(request, customer, "notes", status=400, note_form=form)
    try:
        services.note_add(
            customer=customer,
            associate=request.associate,
            body=form.cleaned_data["body"],
            location=request.location,
            pinned=form.cleaned_data["pinned"],
        )
    except DomainError as error:
        domain_error_message(request, error)
    else:
        messages.success(request, _("Note added."))
    return _section_response(request, customer, "notes")


@require_POST
@backoffice_view
def customer_note_pin(request: HttpRequest, customer_id: int, note_id: int) -> HttpResponse:
    customer = _customer_or_404(customer_id)
    note = CustomerNote.objects.filter(pk=note_id, customer=customer).first()
    if note is None:
        raise Http404("No such note on this record.")
    pinned = request.POST.get("pinned") == "1"
    services.note_pin(note=note, pinned=pinned)
    messages.success(request, _("Note pinned.") if pinned else _("Note unpinned."))
    return _section_response(request, customer, "notes")


@require_POST
@backoffice_view
def customer_language_set(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The language emails and receipts go to the customer in (the 360's Language card)."""
    customer = _customer_or_404(customer_id)
    try:
        services.customer_update_profile(
            customer=customer,
            language=request.POST.get("language", ""),
            associate=request.associate,
        )
    except DomainError as error:
        domain_error_message(request, error)
        return _section_response(request, customer, "language", status=400)
    messages.success(request, _("Language saved."))
    return _section_response(request, customer, "language")


@require_POST
@backoffice_view
def customer_size_set(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _customer_or_404(customer_id)
    form = SizeForm(request.POST)
    if not form.is_valid():
        return _section_response(request, customer, "sizes", status=400, size_form=form)
    try:
        pref = services.size_set(
            customer=customer,
            size_group=form.cleaned_data["size_group"],
            size=form.cleaned_data["size"],
        )
    except DomainError as error:
        domain_error_message(request, error)
    else:
        messages.success(
            request,
            _("%(size_group)s size set to %(size)s.")
            % {"size_group": pref.get_size_group_display(), "size": pref.size},
        )
    return _section_response(request, customer, "sizes")


@require_POST
@backoffice_view
def customer_outreach(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Record an email, text or call to the customer; refused without consent (the
    service checks, whatever the buttons showed)."""
    customer = _customer_or_404(customer_id)
    form = OutreachForm(request.POST)
    if not form.is_valid():
        return _section_response(request, customer, "consent", status=400, outreach_form=form)
    try:
        entry = services.outreach_record(
            customer=customer,
            channel=form.cleaned_data["channel"],
            associate=request.associate,
            location=request.location,
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        domain_error_message(request, error)
    else:
        messages.success(request, _("Recorded: %(summary)s.") % {"summary": entry.summary_text})
    return _section_response(request, customer, "consent")


@require_POST
@backoffice_view
def customer_task_create(request: HttpRequest, customer_id: int) -> HttpResponse:
    """A follow-up at the store the associate is working for (never another one)."""
    customer = _customer_or_404(customer_id)
    form = TaskForm(request.POST)
    if not form.is_valid():
        return _section_response(request, customer, "tasks", status=400, task_form=form)
    try:
        task = services.task_create(
            customer=customer,
            location=request.location,
            reason=form.cleaned_data["reason"],
            due_on=form.cleaned_data["due_on"],
            created_by=request.associate,
            assigned_to=request.associate if form.cleaned_data["assign_to_me"] else None,
        )
    except DomainError as error:
        domain_error_message(request, error)
    else:
        messages.success(
            request,
            _("Follow-up added for %(weekday)s, %(date)s.")
            % {
                "weekday": format_date(task.due_on, "l"),
                "date": format_date(task.due_on, "MONTH_DAY_FORMAT"),
            },
        )
    return _section_response(request, customer, "tasks")


@require_POST
@backoffice_view
def customer_list_create(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _customer_or_404(customer_id)
    form = ListCreateForm(request.POST)
    if not form.is_valid():
        return _section_response(request, customer, "lists", status=400, list_form=form)
    try:
        shopping_list = services.list_create(
            customer=customer,
            name=form.cleaned_data["name"],
            kind=form.cleaned_data["kind"],
            associate=request.associate,
        )
    except DomainError as error:
        domain_error_message(request, error)
        return _section_response(request, customer, "lists")
    messages.success(
        request, _("Created “%(list)s”. Add the first item.") % {"list": shopping_list.name}
    )
    url = reverse("backoffice:customer-list", args=[customer.pk, shopping_list.pk])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)
