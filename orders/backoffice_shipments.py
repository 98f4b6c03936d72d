"""Ship from store (``/backoffice/shipments/``): the store's delivery fulfilments, placed
→ picking → packed → shipped, with a pick list, a printable packing slip, the carrier and
tracking number typed or scanned, a partial shipment of lines, and "can't find it",
which sends a line back to sourcing (the next nearest location) instead of cancelling.

Every step is one ``orders.services`` call; a refusal is a message and writes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from omni.errors import DomainError
from omni.http import domain_error_message, safe_next
from orders import selectors
from orders import services as order_services
from orders.models import Fulfilment
from orders.services.numbers import order_code_data_uri
from orders.surface import qr_payment_due
from stores.surface import backoffice_view

Status = Fulfilment.Status

SHIPMENT_TABS = (
    ("placed", gettext_lazy("To pick"), (Status.PLACED,)),
    ("picking", gettext_lazy("Picking"), (Status.PICKING,)),
    ("packed", gettext_lazy("Packed"), (Status.PACKED,)),
    ("shipped", gettext_lazy("Shipped"), (Status.SHIPPED, Status.DELIVERED)),
)
_TABS = {key: statuses for key, _label, statuses in SHIPMENT_TABS}
DONE_TAB_LIMIT = 50


def _carriers() -> list[tuple[str, str]]:
    return [(key, value.get("name", key)) for key, value in settings.OMNI_CARRIERS.items()]


def _shipment_here(request: HttpRequest, pk: int) -> Fulfilment:
    return get_object_or_404(
        selectors.shipment_queue(location=request.location, statuses=Status.values), pk=pk
    )


def _row(fulfilment: Fulfilment) -> dict:
    lines = list(fulfilment.lines.all())
    return {
        "shipment": fulfilment,
        "lines": lines,
        "units": sum(line.quantity for line in lines),
        "carriers": _carriers(),
    }


@require_GET
@backoffice_view
def shipment_queue(request: HttpRequest) -> HttpResponse:
    """The store's parcels to pick, pack and ship, by tab."""
    tab = request.GET.get("tab", "placed")
    if tab not in _TABS:
        tab = "placed"
    queue = selectors.shipment_queue(location=request.location, statuses=_TABS[tab])
    if tab == "shipped":
        queue = queue.order_by("-shipped_at", "-pk")[:DONE_TAB_LIMIT]
    counts = selectors.shipment_counts(location=request.location)
    tabs = [
        {"key": key, "label": label, "count": sum(counts[s] for s in statuses)}
        for key, label, statuses in SHIPMENT_TABS
    ]
    context = {"tab": tab, "tabs": tabs, "rows": [_row(f) for f in queue]}
    if request.htmx:
        return render(request, "backoffice/shipments/_queue.html", context)
    return render(request, "backoffice/shipments/queue.html", context)


@require_GET
@backoffice_view
def shipment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One parcel: the pick list with "can't find it" per line, and ship (all, or the
    units entered) with carrier and tracking number."""
    shipment = _shipment_here(request, pk)
    return render(
        request,
        "backoffice/shipments/detail.html",
        {**_row(shipment), **qr_payment_due(shipment.order.payments.all())},
    )


@require_GET
@backoffice_view
def shipment_slip(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable packing slip that goes in the parcel, with the order's code."""
    context = _row(_shipment_here(request, pk))
    context["code_uri"] = order_code_data_uri(context["shipment"].order.number, scale=4)
    return render(request, "backoffice/shipments/slip.html", context)


def _quantities(request: HttpRequest, fulfilment: Fulfilment) -> dict[int, int]:
    sent = {}
    for line in fulfilment.lines.all():
        raw = request.POST.get(f"qty-{line.order_line_id}", "").strip() or "0"
        try:
            sent[line.order_line_id] = int(raw)
        except ValueError:
            raise order_services.InvalidQuantity(
                _("Enter how many of %(name)s go in the parcel.")
                % {"name": line.order_line.product_name}
            ) from None
    return sent


@require_POST
@backoffice_view
def shipment_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Start picking, packed, ship (carrier + tracking; with ``partial`` only the units
    entered) or "can't find it" for one line. A form posted after a colleague moved the
    parcel says so instead of acting twice."""
    fulfilment = _shipment_here(request, pk)
    action = request.POST.get("action", "")
    seen = request.POST.get("status", "")
    number = fulfilment.order.number
    back = safe_next(request, reverse("backoffice:shipment-detail", args=[pk]))
    if seen and seen != fulfilment.status:
        messages.error(
            request,
            _("This parcel has already moved on: it is now “%(status)s”. Nothing was changed.")
            % {"status": fulfilment.get_status_display()},
        )
        return redirect(back)
    try:
        if action == "start_picking":
            order_services.fulfilment_start_picking(
                fulfilment=fulfilment, associate=request.associate
            )
            messages.success(request, _("Picking order %(number)s.") % {"number": number})
        elif action == "pack":
            order_services.fulfilment_pack(fulfilment=fulfilment, associate=request.associate)
            messages.success(request, _("Order %(number)s packed.") % {"number": number})
        elif action == "ship":
            tracking = request.POST.get("tracking_number", "").strip()
            if not tracking:
                raise order_services.InvalidQuantity(
                    _("Enter or scan the tracking number on the label.")
                )
            order_services.fulfilment_ship(
                fulfilment=fulfilment,
                carrier=request.POST.get("carrier", ""),
                tracking_number=tracking,
                quantities=_quantities(request, fulfilment)
                if request.POST.get("partial")
                else None,
                associate=request.associate,
            )
            messages.success(
                request,
                _("Order %(number)s shipped; the shopper has the tracking link by email.")
                % {"number": number},
            )
        elif action == "not_found":
            try:
                line_id = int(request.POST.get("order_line", ""))
            except ValueError:
                line_id = 0
            moved = order_services.fulfilment_line_unavailable(
                fulfilment=fulfilment, order_line_id=line_id, associate=request.associate
            )
            messages.success(
                request,
                _("The item will be sent from %(place)s instead.")
                % {"place": moved.location.name if moved else _("another location")},
            )
            if not Fulfilment.objects.filter(
                pk=pk, status__in=[Status.PLACED, Status.PICKING, Status.PACKED]
            ).exists():
                back = reverse("backoffice:shipment-queue")
        else:
            messages.error(request, _("Choose what to do with this parcel."))
    except DomainError as refusal:
        domain_error_message(request, refusal)
    return redirect(back)
