"""Possible duplicates: customers that share a phone number (after the numbers were
re-normalised to E.164, the same person typed at a till and on the web shows up here),
each pair with a button that merges the newer record into the older. Nothing is merged
unless an associate presses it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from customers import selectors, services
from customers.backoffice.record import _customer_or_404
from omni.errors import DomainError
from omni.http import domain_error_message
from stores.surface import backoffice_view


@require_GET
@backoffice_view
def customer_duplicates(request: HttpRequest) -> HttpResponse:
    context = {
        "groups": selectors.customers_sharing_a_phone(),
        "unreadable": selectors.customers_with_unreadable_phone(limit=50),
        "current": "customers",
    }
    return render(request, "backoffice/customers/duplicates.html", context)


@require_POST
@backoffice_view(manager_only=True)
def customer_duplicate_merge(request: HttpRequest) -> HttpResponse:
    """Merge ``source`` into ``target`` (customers.services.customer_merge). A merge
    cannot be undone: a store manager decides it."""
    try:
        source = _customer_or_404(int(request.POST.get("source", 0)))
        target = _customer_or_404(int(request.POST.get("target", 0)))
    except ValueError:
        messages.error(request, _("Choose the two records to merge."))
        return redirect("backoffice:customer-duplicates")
    try:
        services.customer_merge(source=source, target=target, associate=request.associate)
    except DomainError as error:
        domain_error_message(request, error)
        return redirect("backoffice:customer-duplicates")
    messages.success(
        request,
        _("Merged #%(source)s into #%(target)s.") % {"source": source.pk, "target": target.pk},
    )
    return redirect("backoffice:customer-detail", target.pk)
