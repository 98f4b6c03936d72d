"""Associate screens of the returns domain — the returns desk (BORIS) — and the
back-office's front page, "today at this store", which lives here because returns is the
top of the dependency chain and the only app that may read all the others.

Views stay thin: reads through the selectors, writes through ``returns.services``
(``return_receive``: the one policy, the stock, the refund, the timeline and the email in
one transaction); a refusal becomes a message next to the form, never a 500.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from catalog.models import Variant
from customers.models import List
from customers.selectors import tasks_due
from inventory.selectors import transfer_counts
from omni.errors import DomainError
from omni.money import format_money
from orders.errors import OrderNotFound
from orders.selectors import cart_recovery_metrics, order_detail, order_find, pickup_counts
from orders.services.fulfilments import pickup_reminder_before
from orders.services.numbers import order_number_normalise
from returns.errors import ReturnNotFound
from returns.models import Return, ReturnLine
from returns.selectors import (
    looks_like_return_number,
    return_detail,
    return_number_normalise,
    returnable_lines,
    returns_expected_at,
)
from returns.services import return_receive
from stores.surface import backoffice_view
from till import services as till_services
from till import surface as till_surface

SEARCH_LIMIT = 25
EXPECTED_LIMIT = 20
LINE_FIELDS = ("qty", "reason", "condition", "disposition", "exchange")
# Form-level fields that show their own error (anything else is said above the form).
FORM_FIELDS = frozenset({"lines", "refund_method", "exchange", "override_reason"})


# --- today ----------------------------------------------------------------------------


def _store_day_start(request: HttpRequest) -> dt.datetime:
    """Midnight today where the store is (an associate's "today" is the store's)."""
    zone = ZoneInfo(request.location.timezone)
    local = timezone.localtime(timezone.now(), zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


# The window of the "carts won back" panel on the today page.
RECOVERY_DAYS = 30


@backoffice_view
def today(request: HttpRequest) -> HttpResponse:
    """What needs doing at this store now: pickups to prepare and to hand over, holds
    about to lapse, lists shoppers sent here, the associate's follow-ups due, and the
    returns taken today. Counts only: a fixed number of queries on any store."""
    location = request.location
    counts = pickup_counts(location=location, soon=timezone.now() + pickup_reminder_before())
    transfers = transfer_counts(
        location=location, day_start=_store_day_start(request), now=timezone.now()
    )
    context = {
        "transfers_to_ship": transfers["to_ship"],
        "transfers_arriving_today": transfers["arriving_today"],
        "transfers_late": transfers["late"],
        "to_prepare": counts["placed"] + counts["picking"],
        "ready": counts["ready"],
        "expiring_soon": counts["expiring_soon"],
        "lists_new": List.objects.filter(
            sent_to_location=location, store_status=List.StoreStatus.NEW
        ).count(),
        "my_tasks": tasks_due(location=location, associate=request.associate).count(),
        "returns_today": Return.objects.filter(
            location=location, received_at__gte=_store_day_start(request)
        ).count(),
        "returns_expected": Return.objects.filter(
            location=location, status=Return.Status.REQUESTED
        ).count(),
        # Abandoned carts of this store's shoppers: what the emails brought back lately.
        "recovery": cart_recovery_metrics(
            since=timezone.now() - dt.timedelta(days=RECOVERY_DAYS), store=location
        ),
        "recovery_days": RECOVERY_DAYS,
    }
    return render(request, "backoffice/today.html", context)


# --- returns desk ---------------------------------------------------------------------


@backoffice_view
def returns_desk(request: HttpRequest) -> HttpResponse:
    """Find the order being returned, whatever channel or store sold it: by order
    number or scanned order code, email or phone; a return code (started online) opens
    that return. Also lists the online returns the shoppers said they would bring here."""
    query = request.GET.get("q", "").strip()
    orders: list = []
    if looks_like_return_number(query):
        compact = return_number_normalise(query)
        try:
            found = return_detail(number=compact)
        except ReturnNotFound:
            messages.error(request, _("No return has the code %(code)s.") % {"code": compact})
        else:
            if found.status == Return.Status.REQUESTED:
                url = reverse("backoffice:return-form", args=[found.order.number])
                return redirect(f"{url}?{urlencode({'return': found.number})}")
            return redirect("backoffice:return-receipt", number=found.number)
    elif query:
        orders = list(order_find(query=query)[:SEARCH_LIMIT])
        if len(orders) == 1 and order_number_normalise(query) == orders[0].number:
            return redirect("backoffice:return-form", number=orders[0].number)
    expected = returns_expected_at(location=request.location, limit=EXPECTED_LIMIT)
    context = {"query": query, "orders": orders, "expected": expected, "searched": bool(query)}
    if request.htmx:
        return render(request, "backoffice/returns/_results.html", context)
    return render(request, "backoffice/returns/desk.html", context)


def _exchange_options(rows) -> dict[int, list[Variant]]:
    """{order line id: the other active sizes and colours of the same product}. 1 query."""
    products = {row.order_line.variant.product_id for row in rows}
    by_product: dict[int, list[Variant]] = {}
    for variant in Variant.objects.filter(
        product_id__in=products, is_active=True, product__is_active=True
    ).order_by("position", "pk"):
        by_product.setdefault(variant.product_id, []).append(variant)
    return {
        row.order_line.pk: [
            v
            for v in by_product.get(row.order_line.variant.product_id, [])
            if v.pk != row.order_line.variant_id
        ]
        for row in rows
    }


class _FormError(Exception):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message, self.field = message, field


def _till_exchange_check(request: HttpRequest, register, open_registers) -> None:
    """An exchange at the till needs the till it continues on, free of another exchange
    (one at a time: each card's code is shown once, with its own sale)."""
    if register is None:
        raise _FormError(
            _("Choose the till that rings up the exchange.")
            if open_registers
            else _("Open a shift on a till first."),
            "refund_method",
        )
    if waiting := till_surface.exchange_waiting(request, register):
        raise _FormError(
            _("Finish the exchange for return %(number)s on %(till)s first.")
            % {"number": waiting, "till": register.name},
            "refund_method",
        )


def _read_lines(
    request: HttpRequest, rows, options: dict[int, list[Variant]]
) -> tuple[list[tuple], list[tuple[int, int]]]:
    """The associate's choices per line: (id, qty, reason, condition, disposition) for the
    lines with a quantity, and (id, replacement variant) for an exchange — another size
    or colour of the same product only (the desk swaps like for like; a different
    product is a new sale)."""
    lines, exchange = [], []
    for row in rows:
        pk = row.order_line.pk
        raw = request.POST.get(f"qty-{pk}", "").strip() or "0"
        try:
            quantity = int(raw)
        except ValueError:
            raise _FormError(_("Enter a whole number."), f"qty-{pk}") from None
        if quantity < 0:
            raise _FormError(_("Enter 0 or more."), f"qty-{pk}")
        if quantity == 0:
            continue
        reason = request.POST.get(f"reason-{pk}", "")
        condition = request.POST.get(f"condition-{pk}", "")
        disposition = request.POST.get(f"disposition-{pk}", "")
        if not reason:
            raise _FormError(_("Choose why it comes back."), f"reason-{pk}")
        if not condition:
            raise _FormError(_("Grade its condition."), f"condition-{pk}")
        if not disposition:
            raise _FormError(_("Say where it goes."), f"disposition-{pk}")
        lines.append((pk, quantity, reason, condition, disposition))
        replacement = request.POST.get(f"exchange-{pk}", "").strip()
        if replacement:
            allowed = {str(v.pk): v.pk for v in options[pk]}
            if replacement not in allowed:
                raise _FormError(
                    _("Exchange for another size or colour of the same product."), f"exchange-{pk}"
                )
            exchange.append((pk, allowed[replacement]))
    if not lines:
        raise _FormError(_("Enter how many of at least one item come back."), "lines")
    return lines, exchange


def _unplaced_error(errors: dict[str, str], items: list[dict]) -> str:
    """The error (if any) with no field on the page to stand beside: said above the form."""
    shown = set(FORM_FIELDS)
    said = set()
    for item in items:
        pk = item["line"].pk
        said.add(item["row"].reason)  # the line's refusal, already written on it
        if item["row"].remaining:
            shown.update(f"{name}-{pk}" for name in ("qty", "reason", "condition", "disposition"))
            if item["exchange_options"]:
                shown.add(f"exchange-{pk}")
    return next(
        (message for key, message in errors.items() if key not in shown and message not in said),
        "",
    )


@require_http_methods(["GET", "POST"])
@backoffice_view
def return_form(request: HttpRequest, number: str) -> HttpResponse:
    """Take a return of one order at this store: per line the quantity, reason,
    condition grade and disposition; how the money goes back (original payment, store
    credit or an exchange for another size or colour); a manager may override the
    policy with a reason. ``?return=<code>`` completes a return started online."""
    try:
        order = order_detail(number=number)
    except OrderNotFound:
        raise Http404("No such order") from None
    existing = None
    code = (request.POST.get("return") or request.GET.get("return") or "").strip()
    if code:
        try:
            existing = return_detail(number=code)
        except ReturnNotFound:
            raise Http404("No such return") from None
        if existing.order_id != order.pk:
            raise Http404("That return is for another order")
        if existing.status != Return.Status.REQUESTED and request.method == "GET":
            # Already taken (here or elsewhere): its receipt, not a form to take it again.
            messages.info(
                request,
                _("Return %(number)s has already been received.") % {"number": existing.number},
            )
            return redirect("backoffice:return-receipt", number=existing.number)
    # The return being completed does not count against itself: its requested units are
    # still to be taken (and are pre-filled below). Once received it counts like any other.
    completing = existing if existing and existing.status == Return.Status.REQUESTED else None
    rows = returnable_lines(order=order, exclude_return_id=completing.pk if completing else None)
    options = _exchange_options(rows)
    errors: dict[str, str] = {}
    error = ""
    open_registers = till_surface.registers_open(location=request.location)
    till_register = till_surface.register_in_use(
        request, open_here=open_registers, chosen=request.POST.get("register", "")
    )
    refund_method = request.POST.get("refund_method", "")
    if request.method == "POST":
        try:
            if refund_method == Return.RefundMethod.TILL_EXCHANGE:
                _till_exchange_check(request, till_register, open_registers)
            lines, exchange = _read_lines(request, rows, options)
            with transaction.atomic():
                if till_register is not None:
                    # The drawer's shift first (as a sale takes it), so a close waits for
                    # this refund and its Z report and expected cash agree.
                    till_services.shift_current_locked(register=till_register)
                done = return_receive(
                    order=order,
                    location=request.location,
                    associate=request.associate,
                    lines=lines,
                    refund_method=refund_method,
                    exchange_variants=exchange,
                    override_reason=request.POST.get("override_reason", ""),
                    existing_return=existing,
                )
                till_surface.return_refunds_paid_at(till_register, return_request=done)
        except _FormError as bad:
            errors[bad.field] = bad.message
        except DomainError as refusal:
            # Said once, next to what it is about (no queued message: this page answers).
            field = refusal.details.get("field")
            line_id = refusal.details.get("order_line_id")
            if field and line_id:
                errors[f"{field}-{line_id}"] = refusal.message
            elif line_id:
                errors[f"qty-{line_id}"] = refusal.message
            elif field in FORM_FIELDS:
                errors[field] = refusal.message
            else:
                error = refusal.message
        else:
            if refund_method == Return.RefundMethod.TILL_EXCHANGE:
                # The new sale: the returned value waits on the till as its first tender.
                till_surface.exchange_begin(
                    request,
                    register=till_register,
                    return_number=done.number,
                    code=done.exchange_code,
                    amount=done.refund_total,
                    customer_id=done.customer_id,
                )
                messages.success(
                    request,
                    _(
                        "Return %(number)s taken: %(amount)s pays first on this sale. "
                        "Scan what the customer takes instead."
                    )
                    % {
                        "number": done.number,
                        "amount": format_money(done.refund_total, done.currency),
                    },
                )
                return redirect("backoffice:till-sell", register_id=till_register.pk)
            if refund_method == Return.RefundMethod.GIFT_CARD:
                # Shown (and printed) once on the receipt: the code is not stored.
                request.session[f"returns:new_card:{done.number}"] = {
                    "code": done.exchange_code,
                    "amount": str(done.refund_total),
                    "currency": done.currency,
                }
            messages.success(
                request,
                _("Return %(number)s taken; the receipt has been emailed.")
                % {"number": done.number},
            )
            return redirect("backoffice:return-receipt", number=done.number)
    prefill = {line.order_line_id: line for line in completing.lines.all()} if completing else {}
    may_override = request.associate.is_manager
    # The order's lines as order_detail loaded them, with their thumbnails' columns.
    pictured = {line.pk: line for line in order.lines.all()}
    items = [
        {
            "row": row,
            "pictured": pictured.get(row.order_line.pk),
            # A line the policy refuses (and this associate may not override) is shown
            # with its reason and no inputs to fill in.
            "locked": bool(row.reason) and not (row.overridable and may_override),
            "line": row.order_line,
            "exchange_options": options[row.order_line.pk],
            "requested": prefill.get(row.order_line.pk),
            "posted": {
                name: request.POST.get(f"{name}-{row.order_line.pk}", "") for name in LINE_FIELDS
            },
            "errors": {
                name: errors[f"{name}-{row.order_line.pk}"]
                for name in LINE_FIELDS
                if f"{name}-{row.order_line.pk}" in errors
            },
        }
        for row in rows
    ]
    if errors and not error:
        error = _unplaced_error(errors, items)
    context = {
        "order": order,
        "existing": existing,
        "items": items,
        "errors": errors,
        "error": error,
        "reasons": ReturnLine.Reason.choices,
        "conditions": [c for c in ReturnLine.Condition.choices if c[0]],
        "dispositions": [d for d in ReturnLine.Disposition.choices if d[0]],
        # An exchange at the till needs a till with an open shift to ring it up on.
        "refund_methods": [
            choice
            for choice in Return.RefundMethod.choices
            if choice[0] != Return.RefundMethod.TILL_EXCHANGE or open_registers
        ],
        "refund_method": request.POST.get("refund_method", Return.RefundMethod.ORIGINAL),
        # Several tills open and none in use by this associate: which drawer pays out.
        "registers_to_choose": open_registers if till_register is None else [],
        "override_reason": request.POST.get("override_reason", ""),
        "needs_override": any(item["row"].overridable for item in items),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "backoffice/returns/form.html", context, status=status)


@backoffice_view
def return_receipt(request: HttpRequest, number: str) -> HttpResponse:
    """The printable return receipt, for returns taken at one of the associate's
    stores (another store's receipt is not found)."""
    try:
        found = return_detail(number=number)
    except ReturnNotFound:
        raise Http404("No such return") from None
    if found.location_id not in {loc.pk for loc in request.allowed_locations}:
        raise Http404("No such return")
    return render(
        request,
        "backoffice/returns/receipt.html",
        {"ret": found, "new_card": request.session.pop(f"returns:new_card:{found.number}", None)},
    )
