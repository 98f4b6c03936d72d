"""BORIS and friends: a return received at any location that accepts returns, for an
order from any channel or store — checked against the one policy, the goods put where
the associate says, the money given back, all in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from customers.models import Channel, Interaction
from customers.services import interaction_record
from inventory.errors import InsufficientStock
from omni import stored_text
from omni.api.webhooks import webhook_return_received_record
from omni.money import ZERO, money_param, money_text, to_money
from orders.models import Order
from returns.errors import (
    InvalidReturnLine,
    InvalidTransition,
    LocationDoesNotAcceptReturns,
    NoWarehouse,
)
from returns.models import Return, ReturnLine
from returns.services.exchange import exchange_credit_issue, exchange_place
from returns.services.policy import return_policy_check
from returns.services.records import (
    RequestedLine,
    lines_read,
    order_locked,
    return_create,
    return_email_record,
    return_lines_create,
)
from returns.services.refunds import (
    loyalty_reverse,
    refund_to_new_gift_card,
    refund_to_payments,
    refund_to_store_credit,
)
from returns.signals import return_changed
from stores.models import Associate, Location

logger = logging.getLogger(__name__)

Disposition = ReturnLine.Disposition
RefundMethod = Return.RefundMethod

# Timeline entries of this module, read in the reader's language (omni.stored_text).
TIMELINE = stored_text.register(
    {
        "return.received_original": stored_text.Template(
            ngettext_lazy(
                "Returned %(count)s item of order %(order)s at %(location)s (%(number)s): "
                "%(amount)s to the original payment",
                "Returned %(count)s items of order %(order)s at %(location)s (%(number)s): "
                "%(amount)s to the original payment",
                "count",
            ),
            amount=money_text,
        ),
        "return.received_store_credit": stored_text.Template(
            ngettext_lazy(
                "Returned %(count)s item of order %(order)s at %(location)s (%(number)s): "
                "%(amount)s as store credit",
                "Returned %(count)s items of order %(order)s at %(location)s (%(number)s): "
                "%(amount)s as store credit",
                "count",
            ),
            amount=money_text,
        ),
        "return.received_exchange": stored_text.Template(
            ngettext_lazy(
                "Returned %(count)s item of order %(order)s at %(location)s (%(number)s): "
                "%(amount)s into an exchange",
                "Returned %(count)s items of order %(order)s at %(location)s (%(number)s): "
                "%(amount)s into an exchange",
                "count",
            ),
            amount=money_text,
        ),
        "return.received_till_exchange": stored_text.Template(
            ngettext_lazy(
                "Returned %(count)s item of order %(order)s at %(location)s (%(number)s): "
                "%(amount)s towards a new sale at the till",
                "Returned %(count)s items of order %(order)s at %(location)s (%(number)s): "
                "%(amount)s towards a new sale at the till",
                "count",
            ),
            amount=money_text,
        ),
        "return.received_gift_card": stored_text.Template(
            ngettext_lazy(
                "Returned %(count)s item of order %(order)s at %(location)s (%(number)s): "
                "%(amount)s onto a new gift card",
                "Returned %(count)s items of order %(order)s at %(location)s (%(number)s): "
                "%(amount)s onto a new gift card",
                "count",
            ),
            amount=money_text,
        ),
        "return.inspected": stored_text.Template(
            gettext_lazy("Inspected %(product)s from %(number)s: %(disposition)s"),
            disposition=stored_text.choice(Disposition, lower=True),
        ),
    }
)


def _nearest_warehouse(location: Location) -> Location:
    from stores.selectors import location_distances_from

    warehouses = [
        *Location.objects.filter(kind=Location.Kind.WAREHOUSE, is_active=True).exclude(
            pk=location.pk
        )
    ]
    if not warehouses:
        raise NoWarehouse(_("There is no warehouse to send it to; restock it here instead."))
    distances = location_distances_from(location_id=location.pk)
    return min(warehouses, key=lambda wh: (distances.get(wh.pk, Decimal("1e9")), wh.pk))


def _dispose(
    *,
    return_request: Return,
    lines: Sequence[ReturnLine],
    variant_of: dict[int, int],
    location: Location,
    associate: Associate | None,
) -> dict:
    """Put each returned unit where its disposition says; what happened, for the timeline.

    - restock: back on sale here (a ``return_restock`` movement referencing the return);
    - to_warehouse: restocked here, then a transfer to the nearest warehouse is requested
      (at a warehouse it simply restocks);
    - inspect: no stock change yet; ``return_line_inspect`` decides later;
    - write_off: no stock change: the unit never re-enters on-hand, so the ledger has
      nothing to write off and the return line is the record of it."""
    from inventory.services import stock_restock_return, transfer_request

    note = f"Return {return_request.number}"
    outcome: dict = {"restocked": 0, "transfer_id": None, "held_for_inspection": 0}
    to_warehouse: dict[int, int] = {}
    for line in lines:
        if line.disposition in (Disposition.RESTOCK, Disposition.TO_WAREHOUSE):
            stock_restock_return(
                variant_id=variant_of[line.order_line_id],
                location_id=location.pk,
                quantity=line.quantity,
                reference=return_request,
                associate=associate,
                note=note,
            )
            outcome["restocked"] += line.quantity
            if line.disposition == Disposition.TO_WAREHOUSE and location.is_store:
                variant_id = variant_of[line.order_line_id]
                to_warehouse[variant_id] = to_warehouse.get(variant_id, 0) + line.quantity
        elif line.disposition == Disposition.INSPECT:
            outcome["held_for_inspection"] += line.quantity
    if to_warehouse:
        warehouse = _nearest_warehouse(location)
        try:
            # No reference on purpose: a transfer with one is "for an order" and inventory
            # would hold the units at the warehouse when they arrive. The note says why.
            transfer = transfer_request(
                source_id=location.pk,
                destination_id=warehouse.pk,
                lines=[*to_warehouse.items()],
                requested_by=associate,
                note=note,
            )
            outcome["transfer_id"] = transfer.pk
        except InsufficientStock:
            # The store keeps its safety stock back from any hold, transfers included:
            # the units stay here (already restocked) and the timeline says so, rather
            # than refusing the shopper's return at the counter.
            logger.warning("return %s: transfer to warehouse not requested", return_request.pk)
            outcome["transfer_deferred"] = True
    return outcome


def _refund(
    *,
    return_request: Return,
    order: Order,
    refund_method: str,
    amount: Decimal,
    location: Location,
    associate: Associate,
    lines: Sequence[ReturnLine],
    exchange_variants: Sequence[tuple[int, int]],
) -> dict:
    if refund_method == RefundMethod.ORIGINAL:
        refunds = refund_to_payments(return_request=return_request, order=order, amount=amount)
        return {"refund_ids": [refund.pk for refund in refunds]}
    if refund_method == RefundMethod.STORE_CREDIT:
        entry = refund_to_store_credit(
            return_request=return_request, amount=amount, location=location
        )
        return {"store_credit_entry_id": entry.pk if entry else None}
    if refund_method == RefundMethod.GIFT_CARD:
        card_id = refund_to_new_gift_card(
            return_request=return_request,
            amount=amount,
            location=location,
            associate=associate,
            reason=f"Refund of return {return_request.number}",
        )
        return {"gift_card_id": card_id}
    if refund_method == RefundMethod.TILL_EXCHANGE:
        return exchange_credit_issue(
            return_request=return_request, amount=amount, location=location, associate=associate
        )
    returned = {line.order_line_id: line.quantity for line in lines}
    return exchange_place(
        return_request=return_request,
        order=order,
        amount=amount,
        location=location,
        associate=associate,
        replacements=[
            (variant_id, returned[order_line_id]) for order_line_id, variant_id in exchange_variants
        ],
    )


def _check_exchange(
    *, refund_method: str, exchange_variants: Sequence[tuple[int, int]], returned: set[int]
) -> None:
    if refund_method not in RefundMethod.values:
        raise InvalidReturnLine(
            _("Unknown refund method “%(method)s”.") % {"method": refund_method},
            field="refund_method",
        )
    if refund_method == RefundMethod.EXCHANGE and not exchange_variants:
        raise InvalidReturnLine(_("Choose what the shopper takes in exchange."), field="exchange")
    if refund_method != RefundMethod.EXCHANGE and exchange_variants:
        raise InvalidReturnLine(
            _("Replacement items are only for an exchange."), field="refund_method"
        )
    for order_line_id, _variant in exchange_variants:
        if order_line_id not in returned:
            raise InvalidReturnLine(
                _("A replacement must be for an item being returned."), order_line_id=order_line_id
            )


def _locked_requested(existing_return: Return, order: Order) -> Return:
    locked = Return.objects.select_for_update(of=("self",)).get(pk=existing_return.pk)
    if locked.order_id != order.pk:
        raise InvalidReturnLine(
            _("Return %(number)s is for another order.") % {"number": locked.number},
            return_id=locked.pk,
        )
    if locked.status != Return.Status.REQUESTED:
        raise InvalidTransition(
            _("Return %(number)s is %(status)s; only a requested return can be received.")
            % {"number": locked.number, "status": locked.get_status_display().lower()},
            status=locked.status,
        )
    return locked


@transaction.atomic
def return_receive(
    *,
    order: Order,
    location: Location,
    associate: Associate,
    lines: Sequence[tuple[int, int, str, str, str]],
    refund_method: str,
    exchange_variants: Sequence[tuple[int, int]] = (),
    override_reason: str = "",
    existing_return: Return | None = None,
) -> Return:
    """Take a return at the counter (or the warehouse's returns desk), for an order from
    any channel or store. ``lines``: (order line id, quantity, reason, condition A/B/C,
    disposition restock|to_warehouse|inspect|write_off). ``refund_method``: original
    (across the order's captured payments), store_credit, or exchange (a new order at
    this store for ``exchange_variants`` — (order line id, replacement variant id) —
    paid with the returned value). ``override_reason`` (a manager only) lets the window,
    a final sale or a not-yet-received item through. ``existing_return``: a return
    requested online, completed instead of making another.

    Refund = unit price × quantity per line; the loyalty points of the returned value are
    taken back; the return ends refunded with its received and refunded times, on the
    customer's timeline, and the shopper gets one email. All or nothing: any error leaves
    nothing written (the card refund is the last step, so a refusal before it takes no
    money back).

    Locks the order row, then the requested return, then (through inventory and orders
    services) stock rows and payments. Raises LocationDoesNotAcceptReturns,
    InvalidReturnLine, InvalidTransition (``existing_return`` not requested),
    ReturnNotAllowed subclasses, OverrideNotAllowed, OverrideReasonRequired, NoWarehouse,
    RefundNotPossible, and the orders/inventory errors of the refund or exchange."""
    if not (location.accepts_returns and location.is_active):
        raise LocationDoesNotAcceptReturns(
            _("%(location)s does not take returns.") % {"location": location.name},
            location_id=location.pk,
        )
    parsed: list[RequestedLine] = lines_read(lines, received=True)
    _check_exchange(
        refund_method=refund_method,
        exchange_variants=exchange_variants,
        returned={line.order_line_id for line in parsed},
    )
    order = order_locked(order)
    requested = _locked_requested(existing_return, order) if existing_return else None
    override_reason = (override_reason or "").strip()
    decision = return_policy_check(
        order=order,
        lines=[(line.order_line_id, line.quantity) for line in parsed],
        override_by=associate if override_reason else None,
        override_reason=override_reason,
        exclude_return=requested,
    )
    decision.ensure_allowed()

    now = timezone.now()
    fields = {
        "location": location,
        "associate": associate,
        "status": Return.Status.RECEIVED,
        "refund_method": refund_method,
        "received_at": now,
        "policy_override_by": decision.override_by,
        "policy_override_reason": decision.override_reason,
    }
    if requested is None:
        return_request = return_create(
            order=order,
            customer=order.customer,
            channel=Channel.STORE,
            method=Return.Method.IN_STORE,
            requested_at=now,
            **fields,
        )
    else:
        # What came back is what counts: the lines asked for online are replaced.
        return_request = requested
        for name, value in fields.items():
            setattr(return_request, name, value)
        return_request.save(update_fields=[*fields, "updated_at"])
        return_request.lines.all().delete()
    decided = {d.order_line.pk: d.order_line for d in decision.lines}
    created = return_lines_create(
        return_request=return_request,
        lines=parsed,
        order_lines=decided,
        already_returned={d.order_line.pk: d.facts.already_returned for d in decision.lines},
    )
    outcome = _dispose(
        return_request=return_request,
        lines=created,
        variant_of={pk: line.variant_id for pk, line in decided.items()},
        location=location,
        associate=associate,
    )
    amount = to_money(sum((line.refund_amount for line in created), ZERO))
    refund_tax = to_money(sum((line.refund_tax for line in created), ZERO))
    # Points were earned on the goods, not on a sales tax added on top.
    goods = amount if order.prices_include_tax else amount - refund_tax
    loyalty = loyalty_reverse(
        return_request=return_request, order=order, amount=goods, location=location
    )
    outcome |= _refund(
        return_request=return_request,
        order=order,
        refund_method=refund_method,
        amount=amount,
        location=location,
        associate=associate,
        lines=created,
        exchange_variants=exchange_variants,
    )
    return_request.status = Return.Status.REFUNDED
    return_request.refund_total = amount
    return_request.refund_tax = refund_tax
    return_request.refunded_at = timezone.now()
    return_request.exchange_order_id = outcome.get("exchange_order_id")
    return_request.save(
        update_fields=[
            "status",
            "refund_total",
            "refund_tax",
            "refunded_at",
            "exchange_order",
            "updated_at",
        ]
    )
    units = sum(line.quantity for line in created)
    interaction_record(
        customer=order.customer,
        kind=Interaction.Kind.RETURN,
        channel=Channel.STORE,
        summary=stored_text.text(
            f"return.received_{refund_method}",
            count=units,
            order=order.number,
            location=location.name,
            number=return_request.number,
            amount=money_param(amount, return_request.currency),
        ),
        subject=return_request,
        location=location,
        associate=associate,
        detail={
            "order_id": order.pk,
            "status": return_request.status,
            "refund_method": refund_method,
            "refund_total": str(amount),
            "loyalty_points": loyalty.points if loyalty else 0,
            "override_reason": decision.override_reason,
            **outcome,
        },
    )
    return_email_record(return_request=return_request, topic="email.return_received")
    webhook_return_received_record(return_request=return_request)
    return_changed.send(sender=Return, return_id=return_request.pk)
    return return_request


@transaction.atomic
def return_line_inspect(
    *,
    return_line: ReturnLine,
    disposition: str,
    associate: Associate,
    condition: str = "",
) -> ReturnLine:
    """Decide what becomes of a unit held for inspection: restock it where the return
    was received, send it to the nearest warehouse, or write it off (see ``_dispose``).

    Locks the line. Raises InvalidTransition (the line was not held for inspection, or
    its return was not received), InvalidReturnLine (unknown disposition or condition),
    NoWarehouse."""
    locked = (
        ReturnLine.objects.select_for_update(of=("self",))
        .select_related("return_request__location", "order_line")
        .get(pk=return_line.pk)
    )
    return_request = locked.return_request
    if locked.disposition != Disposition.INSPECT or return_request.status not in (
        Return.Status.RECEIVED,
        Return.Status.REFUNDED,
    ):
        raise InvalidTransition(_("This item is not waiting for inspection."), line_id=locked.pk)
    if disposition not in (Disposition.RESTOCK, Disposition.TO_WAREHOUSE, Disposition.WRITE_OFF):
        raise InvalidReturnLine(
            _("Unknown disposition “%(disposition)s”.") % {"disposition": disposition},
            field="disposition",
        )
    if condition and condition not in ("A", "B", "C"):
        raise InvalidReturnLine(
            _("Unknown condition “%(condition)s”.") % {"condition": condition}, field="condition"
        )
    locked.disposition = disposition
    locked.condition = condition or locked.condition
    locked.save(update_fields=["disposition", "condition"])
    outcome = _dispose(
        return_request=return_request,
        lines=[locked],
        variant_of={locked.order_line_id: locked.order_line.variant_id},
        location=return_request.location,
        associate=associate,
    )
    interaction_record(
        customer=return_request.customer,
        kind=Interaction.Kind.RETURN,
        channel=Channel.STORE,
        summary=stored_text.text(
            "return.inspected",
            product=locked.order_line.product_name,
            number=return_request.number,
            disposition=disposition,
        ),
        subject=return_request,
        location=return_request.location,
        associate=associate,
        detail={"return_line_id": locked.pk, **outcome},
    )
    return_changed.send(sender=Return, return_id=return_request.pk)
    return locked
