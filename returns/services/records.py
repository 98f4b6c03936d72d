"""Pieces the request and receive services share: the return code, locking the order,
reading the lines a caller gives, and what every return writes (its lines, its timeline
entry, its email)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from omni.money import ZERO, to_money
from omni.outbox import outbox_record
from orders.models import Order, OrderLine
from returns.errors import InvalidReturnLine, ReturnNotFound
from returns.models import Return, ReturnLine

NUMBER_DIGITS = 8


def return_number_new() -> str:
    """A readable return code: "R" and 8 digits (printed on the label, said at the till)."""
    return "R" + "".join(secrets.choice("0123456789") for _ in range(NUMBER_DIGITS))


def return_create(**fields) -> Return:
    """Insert a return under a fresh code; a code already taken is drawn again. The return
    is in its order's currency (refunds go back in the money that was paid)."""
    fields.setdefault("currency", fields["order"].currency)
    for attempt in range(5):
        number = return_number_new()
        if Return.objects.filter(number=number).exists():
            continue
        try:
            with transaction.atomic():
                return Return.objects.create(number=number, **fields)
        except IntegrityError:
            if attempt == 4 or not Return.objects.filter(number=number).exists():
                raise
    raise RuntimeError("Could not draw a free return code.")  # 10^8 codes: not in practice


def order_locked(order: Order) -> Order:
    """The order row, locked: returns of one order are decided one at a time, so two
    desks (or a desk and the web) cannot both take back the same unit."""
    return Order.objects.select_for_update(of=("self",)).select_related("customer").get(pk=order.pk)


def customer_owns_order(*, customer, order: Order) -> None:
    """A shopper only sees their own orders: anything else is "not found"."""
    if customer is not None and customer.pk != order.customer_id:
        raise ReturnNotFound(_("No such order among yours."), order_id=order.pk)


@dataclass(frozen=True)
class RequestedLine:
    order_line_id: int
    quantity: int
    reason: str
    note: str = ""
    condition: str = ""
    disposition: str = ""


def _choice(value: str, choices: Sequence[str], what: str, order_line_id: int) -> str:
    if value not in choices:
        messages = {
            "reason": _("Unknown reason “%(value)s”."),
            "condition": _("Unknown condition “%(value)s”."),
            "disposition": _("Unknown disposition “%(value)s”."),
        }
        message = messages.get(what) or _("Unknown value “%(value)s”.")
        raise InvalidReturnLine(message % {"value": value}, order_line_id=order_line_id, field=what)
    return value


def lines_read(lines: Sequence[Sequence], *, received: bool) -> list[RequestedLine]:
    """Validate the caller's tuples: (id, quantity, reason, note) for a request, (id,
    quantity, reason, condition, disposition) for a receipt. Each order line once."""
    parsed: list[RequestedLine] = []
    seen: set[int] = set()
    for raw in lines:
        order_line_id, quantity, reason, *rest = raw
        if order_line_id in seen:
            raise InvalidReturnLine(
                _("The same item is listed twice; give its total quantity once."),
                order_line_id=order_line_id,
            )
        seen.add(order_line_id)
        _choice(reason, ReturnLine.Reason.values, "reason", order_line_id)
        if received:
            condition, disposition = rest
            parsed.append(
                RequestedLine(
                    order_line_id,
                    quantity,
                    reason,
                    condition=_choice(condition, ("A", "B", "C"), "condition", order_line_id),
                    disposition=_choice(
                        disposition,
                        [d for d in ReturnLine.Disposition.values if d],
                        "disposition",
                        order_line_id,
                    ),
                )
            )
        else:
            note = rest[0] if rest else ""
            parsed.append(RequestedLine(order_line_id, quantity, reason, note=(note or "")[:255]))
    if not parsed:
        raise InvalidReturnLine(_("Choose at least one item to return."))
    return parsed


@dataclass(frozen=True)
class LineRefund:
    """What returning some units of an order line gives back: ``amount`` (the tax
    included) and the ``tax`` inside it."""

    amount: Decimal
    tax: Decimal


def line_refund(
    *, order: Order, order_line: OrderLine, quantity: int, already_returned: int = 0
) -> LineRefund:
    """The refund of ``quantity`` units of ``order_line``: their share of what the line was
    paid (after its discounts: a bought-2-get-1 refunds the real price per unit), its tax
    included — the gross in a VAT market (its VAT part shown), the price plus
    the line's sales tax in the US. Shares are cumulative (units already returned are
    counted first), so returning every unit, in any number of returns, gives back exactly
    what was paid, never a cent more."""
    code = order.currency
    bought = order_line.quantity or 1
    # What the line really cost: its discounts (a promotion, a code, a POS discount) off.
    charged = order_line.line_total - order_line.discount_total
    paid = charged + (ZERO if order.prices_include_tax else order_line.tax_amount)

    def share(amount: Decimal, units: int) -> Decimal:
        return to_money(amount * min(units, bought) / bought, code)

    before, after = already_returned, already_returned + quantity
    return LineRefund(
        amount=share(paid, after) - share(paid, before),
        tax=share(order_line.tax_amount, after) - share(order_line.tax_amount, before),
    )


def return_lines_create(
    *,
    return_request: Return,
    lines: list[RequestedLine],
    order_lines: dict[int, OrderLine],
    already_returned: dict[int, int] | None = None,
) -> list[ReturnLine]:
    """The return's lines, each with its refund and the tax in it (``line_refund``)."""
    order = return_request.order
    already_returned = already_returned or {}
    rows = []
    for line in lines:
        refund = line_refund(
            order=order,
            order_line=order_lines[line.order_line_id],
            quantity=line.quantity,
            already_returned=already_returned.get(line.order_line_id, 0),
        )
        rows.append(
            ReturnLine(
                return_request=return_request,
                order_line_id=line.order_line_id,
                quantity=line.quantity,
                reason=line.reason,
                reason_note=line.note,
                condition=line.condition,
                disposition=line.disposition,
                refund_amount=refund.amount,
                refund_tax=refund.tax,
            )
        )
    return ReturnLine.objects.bulk_create(rows)


def return_email_record(*, return_request: Return, topic: str) -> None:
    """The return's email, sent once after commit (``topic``: email.return_requested or
    email.return_received)."""
    outbox_record(
        topic=topic,
        payload={"return_id": return_request.pk},
        dedupe_key=f"{topic}:returns.return:{return_request.pk}",
    )
