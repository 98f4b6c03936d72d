"""Returns in the shopper's account: start one online (at a store or by post), see its
return code, call it off. The same policy as the store's desk decides what can come back
(``returns.selectors.returnable_lines`` / ``returns.services.return_request``), and a
refusal is shown next to the line it is about."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from customers.models import Channel
from customers.surface import account_customer, my_store
from omni.errors import DomainError
from omni.http import domain_error_message
from orders.errors import OrderNotFound
from orders.selectors import order_detail
from orders.services.numbers import order_code_data_uri
from returns.errors import (
    InvalidReturnLine,
    LocationDoesNotAcceptReturns,
    ReturnNotAllowed,
    ReturnNotFound,
)
from returns.models import Return, ReturnLine
from returns.selectors import ReturnableLine, returnable_lines, returns_for_customer
from returns.services import return_cancel, return_request
from stores.models import Location
from stores.selectors import locations_active

RETURNS_PER_PAGE = 20
REASONS = ReturnLine.Reason.choices


@dataclass
class LineForm:
    """One order line on the start-a-return page, with what the shopper chose and the
    policy's (or the form's) objection to it."""

    row: ReturnableLine
    quantity: int = 0
    reason: str = ""
    note: str = ""
    errors: list[str] = field(default_factory=list)
    # The order line as order_detail loaded it, with its thumbnail's columns.
    pictured: object = None

    @property
    def line(self):
        return self.row.order_line

    @property
    def quantities(self) -> range:
        return range(0, self.row.returnable + 1)


def _return_stores():
    return locations_active(kind=Location.Kind.STORE, accepts_returns=True).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def return_start(request: HttpRequest, number: str) -> HttpResponse:
    """Choose lines (only returnable ones are offered), quantities and reasons; return
    at a store that accepts returns, or by post. Creates the return and shows its code."""
    customer = account_customer(request)
    try:
        order = order_detail(number=number, customer=customer)
    except OrderNotFound:
        raise Http404("No such order among yours.") from None
    rows = returnable_lines(order=order)
    # What can come back is offered in full: a one-item order is one reason away from done.
    pictured = {line.pk: line for line in order.lines.all()}
    lines = [
        LineForm(row=row, quantity=row.returnable, pictured=pictured.get(row.order_line.pk))
        for row in rows
    ]
    stores = [*_return_stores()]
    method = request.POST.get("method", Return.Method.IN_STORE)
    # "My store" (chosen in this session, else the home store) is the likely place to
    # bring it back; offered only when it takes returns (the list below).
    mine = my_store(request)
    preselect = str(mine.id) if mine and any(s.pk == mine.id for s in stores) else ""
    location_id = request.POST.get("location", preselect if request.method == "GET" else "")
    errors: dict[str, str] = {}
    if request.method == "POST":
        chosen = _read_lines(request, lines)
        location = None
        if method not in Return.Method.values:
            errors["method"] = _("Choose how you will send it back.")
        elif method == Return.Method.IN_STORE:
            location = next((s for s in stores if str(s.pk) == location_id), None)
            if location is None:
                errors["location"] = _("Choose the store you will bring it to.")
        if not chosen and not any(line.errors for line in lines):
            errors["lines"] = _("Choose at least one item to return.")
        if not errors and not any(line.errors for line in lines):
            try:
                created = return_request(
                    order=order,
                    lines=chosen,
                    method=method,
                    location=location,
                    channel=Channel.WEB,
                    customer=customer,
                )
            except ReturnNotFound:
                raise Http404("No such order among yours.") from None
            except ReturnNotAllowed as exc:
                _refusals_to_lines(exc, lines, errors)
            except LocationDoesNotAcceptReturns as exc:
                errors["location"] = exc.message
            except InvalidReturnLine as exc:
                _refusals_to_lines(exc, lines, errors)
            except DomainError as exc:
                errors["form"] = exc.message
            else:
                messages.success(
                    request,
                    _("Return %(number)s started. Show this code when you return.")
                    % {"number": created.number},
                )
                return redirect("returns:detail", pk=created.pk)
    return render(
        request,
        "storefront/returns/start.html",
        {
            "customer": customer,
            "order": order,
            "lines": lines,
            "returnable": [line for line in lines if line.row.returnable],
            "refused": [line for line in lines if not line.row.returnable],
            "stores": stores,
            "method": method,
            "location_id": location_id,
            "reasons": REASONS,
            "errors": errors,
            "section": "orders",
        },
        status=400 if errors or any(line.errors for line in lines) else 200,
    )


def _read_lines(request: HttpRequest, lines: list[LineForm]) -> list[tuple[int, int, str, str]]:
    """The (order line id, quantity, reason, note) the shopper chose. Any line of the
    order may be posted — the policy, not the form, decides what may come back."""
    chosen = []
    reasons = {value for value, _ in REASONS}
    for line in lines:
        pk = line.line.pk
        raw = request.POST.get(f"qty_{pk}", "0").strip() or "0"
        line.reason = request.POST.get(f"reason_{pk}", "")
        line.note = request.POST.get(f"note_{pk}", "").strip()[:255]
        try:
            line.quantity = int(raw)
        except ValueError:
            line.errors.append(_("Choose how many to return."))
            continue
        if line.quantity < 0:
            line.errors.append(_("Choose how many to return."))
        elif line.quantity and line.reason not in reasons:
            line.errors.append(_("Tell us why you are returning it."))
        elif line.quantity:
            chosen.append((pk, line.quantity, line.reason, line.note))
    return chosen


def _refusals_to_lines(exc: DomainError, lines: list[LineForm], errors: dict[str, str]) -> None:
    by_id = {line.line.pk: line for line in lines}
    refusals = exc.details.get("refusals") or [
        {"order_line_id": exc.details.get("order_line_id"), "message": exc.message}
    ]
    for refusal in refusals:
        line = by_id.get(refusal.get("order_line_id"))
        if line is not None:
            line.errors.append(refusal["message"])
        else:
            errors["form"] = refusal["message"]


def _own_return(request: HttpRequest, pk: int) -> Return:
    customer = account_customer(request)
    found = returns_for_customer(customer=customer).filter(pk=pk).first()
    if found is None:
        raise Http404("No such return among yours.")
    return found


@login_required
def return_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A return with its code (QR) to show at the store or put in the parcel."""
    found = _own_return(request, pk)
    return render(
        request,
        "storefront/returns/detail.html",
        {
            "return": found,
            "return_code": order_code_data_uri(found.number),
            "units": sum(line.quantity for line in found.lines.all()),
            "expected": sum(line.refund_amount for line in found.lines.all()),
            "section": "returns",
        },
    )


@login_required
@require_POST
def return_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    found = _own_return(request, pk)
    try:
        return_cancel(return_request=found, customer=account_customer(request))
    except DomainError as exc:
        domain_error_message(request, exc)
    else:
        messages.success(request, _("Return %(number)s cancelled.") % {"number": found.number})
    return redirect("returns:detail", pk=pk)


@login_required
def return_list(request: HttpRequest) -> HttpResponse:
    """The shopper's returns, from every channel, newest first."""
    customer = account_customer(request)
    page = Paginator(returns_for_customer(customer=customer), RETURNS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "storefront/returns/list.html",
        {"customer": customer, "page": page, "section": "returns"},
    )
