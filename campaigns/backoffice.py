"""Back-office demand: the open back-in-stock requests for the associate's store, by
size — what shoppers are waiting for here (the assigned stores only, through
``request.location``)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from campaigns.selectors import demand_for_location
from stores.surface import backoffice_render, backoffice_view

PAGE_SIZE = 50


@require_GET
@backoffice_view
def demand(request: HttpRequest) -> HttpResponse:
    """Sizes shoppers asked to be told about at this store, most asked first."""
    page = Paginator(demand_for_location(location_id=request.location.pk), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return backoffice_render(request, "backoffice/campaigns/demand.html", {"page": page})
