"""Returns started by the shopper (web, app, API) before the parcel or the visit, and
calling one off."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from customers.models import Channel, Customer, Interaction
from customers.services import interaction_record
from omni import stored_text
from omni.money import money_param, money_text
from orders.models import Order
from returns.errors import (
    InvalidReturnLine,
    InvalidTransition,
    LocationDoesNotAcceptReturns,
    ReturnNotFound,
)
from returns.models import Return
from returns.services.policy import return_policy_check
from returns.services.records import (
    customer_owns_order,
    lines_read,
    order_locked,
    return_create,
    return_email_record,
    return_lines_create,
)
from stores.models import Associate, Location

# Timeline entries of this module, read in the reader's language (omni.stored_text).
TIMELINE = stored_text.register(
    {
        "return.requested": stored_text.Template(
            ngettext_lazy(
                "Return %(number)s started for order %(order)s: %(count)s item (%(amount)s), "
                "%(method)s",
                "Return %(number)s started for order %(order)s: %(count)s items (%(amount)s), "
                "%(method)s",
                "count",
            ),
            method=stored_text.choice(Return.Method, lower=True),
            amount=money_text,
        ),
        "return.requested_to_store": stored_text.Template(
            ngettext_lazy(
                "Return %(number)s started for order %(order)s: %(count)s item (%(amount)s), "
                "to bring to %(location)s",
                "Return %(number)s started for order %(order)s: %(count)s items (%(amount)s), "
                "to bring to %(location)s",
                "count",
            ),
            amount=money_text,
        ),
        "return.cancelled": gettext_lazy("Return %(number)s cancelled"),
        "return.cancelled_because": gettext_lazy("Return %(number)s cancelled: %(reason)s"),
    }
)


@transaction.atomic
def return_request(
    *,
    order: Order,
    lines: Sequence[tuple[int, int, str, str]],
    method: str,
    location: Location | None = None,
    channel: str = Channel.WEB,
    customer: Customer | None = None,
) -> Return:
    """Start a return online: ``lines`` are (order line id, quantity, reason, note);
    ``method`` is in_store (bring it to ``location``, or any store that accepts returns)
    or by_post. Checks the policy (no override online), creates the return (status
    requested, its code in ``number``) and its lines with the refund each will give, puts
    it on the customer's timeline and emails the code.

    Locks the order row (returns of one order are decided one at a time). Raises
    ReturnNotFound (``customer`` given and not the order's), InvalidReturnLine,
    LocationDoesNotAcceptReturns, ReturnNotAllowed subclasses (``return_window_expired``,
    ``final_sale``, ``quantity_exceeds_purchase``, ``not_yet_received``)."""
    customer_owns_order(customer=customer, order=order)
    if method not in Return.Method.values:
        raise InvalidReturnLine(
            _("Unknown return method “%(method)s”.") % {"method": method}, field="method"
        )
    if channel not in Channel.values:
        raise InvalidReturnLine(
            _("Unknown channel “%(channel)s”.") % {"channel": channel}, field="channel"
        )
    if (
        location is not None
        and method == Return.Method.IN_STORE
        and not (location.accepts_returns and location.is_active)
    ):
        raise LocationDoesNotAcceptReturns(
            _("%(location)s does not take returns; choose another store.")
            % {"location": location.name},
            location_id=location.pk,
        )
    parsed = lines_read(lines, received=False)
    order = order_locked(order)
    decision = return_policy_check(
        order=order, lines=[(line.order_line_id, line.quantity) for line in parsed]
    )
    decision.ensure_allowed()
    new_return = return_create(
        order=order,
        customer=order.customer,
        channel=channel,
        method=method,
        location=location,
        status=Return.Status.REQUESTED,
        refund_method=Return.RefundMethod.ORIGINAL,
        requested_at=timezone.now(),
    )
    created = return_lines_create(
        return_request=new_return,
        lines=parsed,
        order_lines={d.order_line.pk: d.order_line for d in decision.lines},
        already_returned={d.order_line.pk: d.facts.already_returned for d in decision.lines},
    )
    units = sum(line.quantity for line in created)
    expected = sum(line.refund_amount for line in created)
    started = {
        "number": new_return.number,
        "order": order.number,
        "count": units,
        "amount": money_param(expected, order.currency),
    }
    if location is not None and method == Return.Method.IN_STORE:
        summary = stored_text.text("return.requested_to_store", **started, location=location.name)
    else:
        summary = stored_text.text("return.requested", **started, method=method)
    interaction_record(
        customer=order.customer,
        kind=Interaction.Kind.RETURN,
        channel=channel,
        summary=summary,
        subject=new_return,
        location=location,
        detail={"order_id": order.pk, "status": Return.Status.REQUESTED},
    )
    return_email_record(return_request=new_return, topic="email.return_requested")
    return new_return


@transaction.atomic
def return_cancel(
    *,
    return_request: Return,
    customer: Customer | None = None,
    associate: Associate | None = None,
    reason: str = "",
) -> Return:
    """Call off a return that was requested but not yet received (the shopper changed
    their mind, or an associate closes it). Its units become returnable again.
    Cancelling a cancelled return changes nothing.

    Locks the return. Raises ReturnNotFound (``customer`` given and not the return's),
    InvalidTransition (already received or refunded)."""
    locked = (
        Return.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=return_request.pk)
    )
    if customer is not None and customer.pk != locked.customer_id:
        raise ReturnNotFound(_("No such return among yours."), return_id=locked.pk)
    if locked.status == Return.Status.CANCELLED:
        return locked
    if locked.status != Return.Status.REQUESTED:
        raise InvalidTransition(
            _("Return %(number)s is %(status)s; it can no longer be cancelled.")
            % {"number": locked.number, "status": locked.get_status_display().lower()},
            status=locked.status,
        )
    locked.status = Return.Status.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    interaction_record(
        customer=locked.customer,
        kind=Interaction.Kind.RETURN,
        channel=Channel.STORE if associate is not None else Channel.WEB,
        summary=stored_text.text("return.cancelled_because", number=locked.number, reason=reason)
        if reason
        else stored_text.text("return.cancelled", number=locked.number),
        subject=locked,
        location=associate.home_location if associate is not None else None,
        associate=associate,
        detail={"status": Return.Status.CANCELLED},
    )
    return_request.status = locked.status
    return locked
