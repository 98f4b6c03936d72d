"""The shopper's account home on the storefront: balances, then panels."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from customers import selectors
from customers.models import (
    Customer,
    List,
)
from customers.signals import AccountPanel, account_sections
from customers.surface import account_customer
from omni.errors import DomainError
from stores.models import Location
from stores.selectors import associate_for_user

RECENT_ON_HOME = 3


# --- one place for domain errors on forms ----------------------------------------------


def form_error_from(form: forms.Form, exc: DomainError) -> None:
    """Put a service's refusal next to the field it names (``details["field"]``), or at
    the top of the form when it names none the form has."""
    name = exc.details.get("field")
    form.add_error(name if name in form.fields else None, exc.message)


# --- account home ------------------------------------------------------------------------


@login_required
def account_home(request: HttpRequest) -> HttpResponse:
    """Account home: balances, then panels — the latest orders (with pickup progress),
    lists, returns. Orders and returns sit above customers, so they add their panels by
    answering ``customers.signals.account_sections`` rather than being imported here."""
    customer = account_customer(request)
    lists = [
        *List.objects.filter(customer=customer)
        .select_related("sent_to_location")
        .annotate(item_count=Count("items"))
        .order_by("-updated_at", "-pk")[:RECENT_ON_HOME]
    ]
    panels = [AccountPanel(20, "storefront/account/_home_lists.html", {"lists": lists})]
    for _, panel in account_sections.send(
        sender=Customer, request=request, customer=customer, limit=RECENT_ON_HOME
    ):
        if panel is not None:
            panels.append(panel)
    panels.sort(key=lambda panel: panel.position)
    return render(
        request,
        "storefront/account/home.html",
        {
            "customer": customer,
            "loyalty_points": selectors.loyalty_balance(customer=customer),
            "store_credit": selectors.store_credit_balance(customer=customer),
            "panels": panels,
            "associate": associate_for_user(user=request.user),
            "section": "home",
        },
    )


# --- lists -----------------------------------------------------------------------------


def _store_label(location: Location) -> str:
    return f"{location.name} · {location.city}" if location.city != location.name else location.name
