"""Associate screens for transfers between stores (``/backoffice/transfers/``).

*Outgoing* at the source: what other stores asked this one to send, in the order it must
leave, with what it is for (the order and its pickup's ready-by date), a pick list,
"Ship" with the quantities actually sent, a printable packing slip whose QR code is the
transfer number, and cancel with a reason. *Incoming* at the destination: what is on its
way, with its ETA; "Receive" by scanning or typing the slip's code, or by opening the
row, with the units received and damaged per line (see ``inventory.services.
transfer_receive`` for what happens to the rest).

These screens live in orders, not inventory, because a transfer's purpose (the order it
serves, the pickup's ready-by date) is orders' data; every write is an
``inventory.services`` call, and orders hears about arrivals through
``inventory.signals.transfer_received``.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from inventory import selectors as inventory_selectors
from inventory import services as inventory
from inventory.models import Transfer
from omni.errors import DomainError
from omni.http import domain_error_message, safe_next
from orders import services as order_services
from orders.models import Fulfilment
from orders.services.numbers import order_code_data_uri
from stores.surface import backoffice_view

Status = Transfer.Status

# (tab key, label, outgoing?, statuses)
TRANSFER_TABS = (
    ("outgoing", gettext_lazy("To ship"), True, (Status.REQUESTED,)),
    ("incoming", gettext_lazy("Arriving"), False, (Status.REQUESTED, Status.SHIPPED)),
    ("shipped", gettext_lazy("Sent"), True, (Status.SHIPPED, Status.RECEIVED)),
    ("received", gettext_lazy("Received"), False, (Status.RECEIVED,)),
    ("cancelled", gettext_lazy("Cancelled"), None, (Status.CANCELLED,)),
)
_TABS = {key: (outgoing, statuses) for key, _label, outgoing, statuses in TRANSFER_TABS}
# History tabs show the newest few; a tablet does not need years of it.
DONE_TAB_LIMIT = 50


def transfer_purposes(transfers: list[Transfer]) -> dict[int, Fulfilment]:
    """{order id: its pickup} for the transfers made for an order — what the transfer is
    for and when the shopper was promised it. One query (none without such transfers)."""
    order_ids = {
        int(t.reference_id)
        for t in transfers
        if t.reference_type == "orders.order" and t.reference_id.isdigit()
    }
    if not order_ids:
        return {}
    pickups = Fulfilment.objects.filter(
        order_id__in=order_ids, kind=Fulfilment.Kind.PICKUP
    ).select_related("order")
    return {f.order_id: f for f in pickups.order_by("pk")}


def pickup_missing_lines(fulfilment: Fulfilment) -> list[dict]:
    """What a pickup still waits for, line by line ({"line", "missing"}), for its detail
    page; empty once every unit is in the store. Two queries, none when it is not
    waiting."""
    if fulfilment.kind != Fulfilment.Kind.PICKUP or fulfilment.status not in (
        Fulfilment.Status.PLACED,
        Fulfilment.Status.PICKING,
    ):
        return []
    missing = order_services.pickup_missing(fulfilment=fulfilment)
    rows = []
    for line in fulfilment.lines.all():
        short = min(missing.get(line.order_line.variant_id, 0), line.quantity)
        if short:
            rows.append({"line": line, "missing": short})
    return rows


def _rows(transfers: list[Transfer], location_id: int) -> list[dict]:
    purposes = transfer_purposes(transfers)
    now = timezone.now()
    rows = []
    for transfer in transfers:
        pickup = (
            purposes.get(int(transfer.reference_id))
            if transfer.reference_type == "orders.order" and transfer.reference_id.isdigit()
            else None
        )
        lines = list(transfer.lines.all())
        rows.append(
            {
                "transfer": transfer,
                "lines": lines,
                "pickup": pickup,
                "outgoing": transfer.source_id == location_id,
                "late": transfer.status in (Status.REQUESTED, Status.SHIPPED)
                and transfer.expected_at is not None
                and transfer.expected_at < now,
                "units": sum(line.quantity for line in lines),
                "in_transit": sum(line.in_transit for line in lines),
                "partly_received": transfer.status == Status.SHIPPED
                and any(line.quantity_received or line.quantity_damaged for line in lines),
            }
        )
    return rows


def _counts(location_id: int) -> dict[str, int]:
    """Badge counts for the open tabs, one query."""
    return Transfer.objects.filter(
        Q(source_id=location_id, status=Status.REQUESTED)
        | Q(destination_id=location_id, status__in=[Status.REQUESTED, Status.SHIPPED])
    ).aggregate(
        outgoing=Count("pk", filter=Q(source_id=location_id, status=Status.REQUESTED)),
        incoming=Count(
            "pk",
            filter=Q(destination_id=location_id, status__in=[Status.REQUESTED, Status.SHIPPED]),
        ),
    )


def _transfer_here(request: HttpRequest, pk: int) -> Transfer:
    """A transfer leaving or arriving at the associate's store; any other is not found."""
    here = request.location.pk
    found = (
        Transfer.objects.filter(Q(source_id=here) | Q(destination_id=here), pk=pk)
        .select_related("source", "destination", "requested_by")
        .first()
    )
    if found is None:
        raise Http404("No such transfer here")
    return found


@require_GET
@backoffice_view
def transfer_queue(request: HttpRequest) -> HttpResponse:
    """Outgoing and incoming transfers by tab; a scanned or typed slip code opens that
    transfer (to receive it, or to ship it)."""
    here = request.location.pk
    code = request.GET.get("code", "").strip()[:40]
    if code:
        transfer_id = inventory.transfer_number_parse(code)
        found = (
            Transfer.objects.filter(pk=transfer_id).select_related("source", "destination").first()
            if transfer_id
            else None
        )
        if found is not None and here in (found.source_id, found.destination_id):
            return redirect("backoffice:transfer-detail", pk=found.pk)
        if found is not None:
            messages.error(
                request,
                _(
                    "Transfer %(number)s goes from %(source)s to %(destination)s, "
                    "not through %(here)s."
                )
                % {
                    "number": found.number,
                    "source": found.source.name,
                    "destination": found.destination.name,
                    "here": request.location.name,
                },
            )
        else:
            messages.error(request, _("No transfer has the code “%(code)s”.") % {"code": code})
    tab = request.GET.get("tab", "outgoing")
    if tab not in _TABS:
        tab = "outgoing"
    outgoing, statuses = _TABS[tab]
    queue = inventory_selectors.transfer_queue(location=here, outgoing=outgoing, statuses=statuses)
    if tab in ("shipped", "received", "cancelled"):
        queue = queue.order_by("-updated_at", "-pk")[:DONE_TAB_LIMIT]
    rows = _rows(list(queue), here)
    counts = _counts(here)
    tabs = [
        {"key": key, "label": label, "count": counts.get(key)}
        for key, label, _outgoing, _statuses in TRANSFER_TABS
    ]
    context = {"tab": tab, "tabs": tabs, "rows": rows, "code": code}
    if request.htmx and not code:
        return render(request, "backoffice/transfers/_queue.html", context)
    return render(request, "backoffice/transfers/queue.html", context)


def _detail_context(request: HttpRequest, transfer: Transfer) -> dict:
    transfer = (
        inventory_selectors.transfer_queue(
            location=transfer.source_id, outgoing=True, statuses=Status.values
        )
        .filter(pk=transfer.pk)
        .get()
    )
    (row,) = _rows([transfer], request.location.pk)
    here = request.location.pk
    return {
        **row,
        "can_ship": transfer.status == Status.REQUESTED and transfer.source_id == here,
        "can_cancel": transfer.status == Status.REQUESTED,
        "can_receive": transfer.status == Status.SHIPPED and transfer.destination_id == here,
    }


@require_GET
@backoffice_view
def transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One transfer: the pick list and "Ship" at the source, "Receive" line by line at
    the destination, cancel with a reason while it has not left."""
    transfer = _transfer_here(request, pk)
    return render(request, "backoffice/transfers/detail.html", _detail_context(request, transfer))


@require_GET
@backoffice_view
def transfer_slip(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable packing slip: both addresses, the lines, and the QR code of the
    transfer number that the receiving store scans."""
    transfer = _transfer_here(request, pk)
    context = _detail_context(request, transfer)
    context["code_uri"] = order_code_data_uri(transfer.number, scale=4)
    return render(request, "backoffice/transfers/slip.html", context)


def _counted(request: HttpRequest, transfer: Transfer, prefix: str) -> dict[int, int]:
    """{variant_id: units} from the per-line boxes ``<prefix>-<variant id>``; a blank box
    is 0. A box that is not a whole number is refused with the SKU named."""
    counts = {}
    for line in transfer.lines.select_related("variant").order_by("pk"):
        raw = request.POST.get(f"{prefix}-{line.variant_id}", "").strip() or "0"
        try:
            counts[line.variant_id] = int(raw)
        except ValueError:
            raise inventory.InvalidQuantity(
                _("Enter a whole number of units for %(sku)s.") % {"sku": line.variant.sku}
            ) from None
    return counts


@require_POST
@backoffice_view
def transfer_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Ship (at the source), receive (at the destination) or cancel (with a reason). A
    form posted after a colleague already moved the transfer says so instead of acting
    twice; every refusal is a message and nothing is written."""
    transfer = _transfer_here(request, pk)
    here = request.location.pk
    action = request.POST.get("action", "")
    seen = request.POST.get("status", "")
    actor = f"backoffice:{request.associate.display_name}"[:120]
    back = reverse("backoffice:transfer-detail", args=[pk])
    if seen and seen != transfer.status:
        messages.error(
            request,
            _(
                "Transfer %(number)s has already moved on: it is now “%(status)s”. "
                "Nothing was changed."
            )
            % {"number": transfer.number, "status": transfer.get_status_display()},
        )
        return redirect(safe_next(request, back))
    try:
        if action == "ship":
            if transfer.source_id != here:
                raise inventory.InvalidTransition(_("Only the sending store can ship a transfer."))
            inventory.transfer_ship(
                transfer_id=transfer.pk,
                shipped=_counted(request, transfer, "ship"),
                associate=request.associate,
                actor=actor,
            )
            shipped = transfer.lines.all()
            sent = sum(line.quantity_shipped for line in shipped)
            asked = sum(line.quantity for line in shipped)
            if sent < asked:
                messages.warning(
                    request,
                    _("Transfer %(number)s shipped short: %(sent)s of %(asked)s units sent.")
                    % {"number": transfer.number, "sent": sent, "asked": asked},
                )
            else:
                messages.success(
                    request,
                    _("Transfer %(number)s shipped: %(sent)s units to %(destination)s.")
                    % {
                        "number": transfer.number,
                        "sent": sent,
                        "destination": transfer.destination.name,
                    },
                )
        elif action == "receive":
            if transfer.destination_id != here:
                raise inventory.InvalidTransition(
                    _("Only the receiving store can receive a transfer.")
                )
            received = inventory.transfer_receive(
                transfer_id=transfer.pk,
                received=_counted(request, transfer, "received"),
                damaged=_counted(request, transfer, "damaged"),
                associate=request.associate,
                actor=actor,
            )
            if received.status == Status.RECEIVED:
                messages.success(
                    request, _("Transfer %(number)s received.") % {"number": transfer.number}
                )
            else:
                missing = sum(line.in_transit for line in received.lines.all())
                messages.warning(
                    request,
                    ngettext(
                        "Transfer %(number)s partly received: %(missing)d unit still on its way.",
                        "Transfer %(number)s partly received: %(missing)d units still on "
                        "their way.",
                        missing,
                    )
                    % {"number": transfer.number, "missing": missing},
                )
        elif action == "cancel":
            reason = request.POST.get("reason", "").strip()
            if not reason:
                raise inventory.InvalidQuantity(_("Say why the transfer is cancelled."))
            inventory.transfer_cancel(
                transfer_id=transfer.pk, reason=reason, associate=request.associate
            )
            messages.success(
                request, _("Transfer %(number)s cancelled.") % {"number": transfer.number}
            )
        else:
            messages.error(request, _("Choose what to do with this transfer."))
    except DomainError as refusal:
        domain_error_message(request, refusal)
    return redirect(safe_next(request, back))
