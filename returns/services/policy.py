"""The one return policy, shared by the storefront, the back-office and the API.

A unit can be returned when:
- it has reached the shopper (delivered, collected, or carried out of a store), and
- the return window, counted in days from that date, has not ended: the product's
  category's ``return_window_days`` (or its parent category's), else
  ``settings.OMNI_RETURN_WINDOW_DAYS``; the last day counts whole (shop time), and
- the line was not a final sale, and
- it has not been returned already: at most what was bought minus what is on other
  returns that were not cancelled.

A manager may override the window, final sale and not-yet-received with a reason; nobody
overrides the quantity (a unit cannot come back twice).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from customers.models import Channel
from omni.calendars import format_date
from orders.models import Fulfilment, FulfilmentLine, Order, OrderLine
from returns.errors import (
    REFUSAL_ERRORS,
    FinalSale,
    InvalidReturnLine,
    NotYetReceived,
    OverrideNotAllowed,
    OverrideReasonRequired,
    QuantityExceedsPurchase,
    ReturnWindowExpired,
)
from returns.models import Return, ReturnLine
from stores.models import Associate

# What a manager may override (with a reason); the quantity rule is never overridden.
OVERRIDABLE = frozenset({ReturnWindowExpired.code, FinalSale.code, NotYetReceived.code})

_RECEIVED_STATUSES = frozenset(
    {
        Fulfilment.Status.DELIVERED,
        Fulfilment.Status.COLLECTED,
        Fulfilment.Status.PARTIALLY_COLLECTED,
    }
)


@dataclass(frozen=True)
class LineFacts:
    """What the policy needs to know about one order line."""

    order_line: OrderLine
    bought: int
    already_returned: int
    received_at: dt.datetime | None  # when it reached the shopper; None: not yet
    window_days: int

    @property
    def remaining(self) -> int:
        return max(self.bought - self.already_returned, 0)

    @property
    def window_ends_on(self) -> dt.date | None:
        if self.received_at is None:
            return None
        return timezone.localdate(self.received_at) + dt.timedelta(days=self.window_days)


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    overridden: bool = False


@dataclass(frozen=True)
class LineDecision:
    facts: LineFacts
    quantity: int
    refusals: tuple[Refusal, ...] = ()

    @property
    def order_line(self) -> OrderLine:
        return self.facts.order_line

    @property
    def allowed(self) -> bool:
        return all(refusal.overridden for refusal in self.refusals)

    @property
    def refund_amount(self) -> Decimal:
        """What returning these units gives back, the tax they were charged included."""
        from returns.services.records import line_refund

        return line_refund(
            order=self.order_line.order,
            order_line=self.order_line,
            quantity=self.quantity,
            already_returned=self.facts.already_returned,
        ).amount


@dataclass(frozen=True)
class PolicyDecision:
    """The verdict on a whole return, line by line. ``ensure_allowed()`` raises the
    first refusal that was not overridden as its ``ReturnNotAllowed`` subclass."""

    lines: tuple[LineDecision, ...]
    override_by: Associate | None = None
    override_reason: str = ""

    @property
    def allowed(self) -> bool:
        return all(line.allowed for line in self.lines)

    @property
    def overridden(self) -> bool:
        """True when a manager's override is what lets it through."""
        return any(r.overridden for line in self.lines for r in line.refusals)

    @property
    def refusals(self) -> list[tuple[LineDecision, Refusal]]:
        return [(line, r) for line in self.lines for r in line.refusals if not r.overridden]

    def ensure_allowed(self) -> None:
        refusals = self.refusals
        if not refusals:
            return
        order = list(REFUSAL_ERRORS)
        first_line, first = min(refusals, key=lambda pair: order.index(pair[1].code))
        raise REFUSAL_ERRORS[first.code](
            " ".join(refusal.message for _, refusal in refusals),
            order_line_id=first_line.order_line.pk,
            refusals=[
                {"order_line_id": line.order_line.pk, "code": r.code, "message": r.message}
                for line, r in refusals
            ],
        )


def _received_at(fulfilment: Fulfilment, order: Order) -> dt.datetime | None:
    """When a fulfilment's units reached the shopper, None if they have not."""
    if fulfilment.status == Fulfilment.Status.CANCELLED:
        return None
    if fulfilment.delivered_at or fulfilment.collected_at:
        return fulfilment.delivered_at or fulfilment.collected_at
    if fulfilment.kind == Fulfilment.Kind.CARRY_OUT:
        return order.placed_at
    if fulfilment.status in _RECEIVED_STATUSES:
        return fulfilment.updated_at
    return None


def order_line_facts(*, order: Order, exclude_return_id: int | None = None) -> dict[int, LineFacts]:
    """{order line id: facts} for every line of the order. 3 queries, however many lines,
    fulfilments and earlier returns. ``exclude_return_id``: a return whose own lines do
    not count as already returned (one requested online, now being received)."""
    default_days = settings.OMNI_RETURN_WINDOW_DAYS
    lines = [
        *OrderLine.objects.filter(order=order)
        .select_related("variant__product")
        .annotate(
            category_window=Coalesce(
                F("variant__product__category__return_window_days"),
                F("variant__product__category__parent__return_window_days"),
            )
        )
        .order_by("pk")
    ]
    received: dict[int, dt.datetime] = {}
    fulfilled: set[int] = set()
    for fline in FulfilmentLine.objects.filter(order_line__order=order).select_related(
        "fulfilment"
    ):
        fulfilled.add(fline.order_line_id)
        at = _received_at(fline.fulfilment, order)
        # Split across parcels: the unit that arrived last is the one the window favours.
        if at is not None and at > received.get(fline.order_line_id, at - dt.timedelta(1)):
            received[fline.order_line_id] = at
    returned_qs = ReturnLine.objects.filter(order_line__order=order).exclude(
        return_request__status=Return.Status.CANCELLED
    )
    if exclude_return_id is not None:
        returned_qs = returned_qs.exclude(return_request_id=exclude_return_id)
    returned = dict(
        returned_qs.values("order_line_id")
        .annotate(total=Sum("quantity"))
        .values_list("order_line_id", "total")
    )
    # A sale at the till with no fulfilment recorded (a POS order) left with the shopper.
    for line in lines:
        if line.pk not in fulfilled and order.channel == Channel.STORE:
            received[line.pk] = order.placed_at
    if order.status == Order.Status.CANCELLED:
        received = {}  # nothing of a cancelled order reached anyone
    return {
        line.pk: LineFacts(
            order_line=line,
            bought=line.quantity,
            already_returned=returned.get(line.pk, 0),
            received_at=received.get(line.pk),
            window_days=line.category_window if line.category_window is not None else default_days,
        )
        for line in lines
    }


def line_refusals(facts: LineFacts, quantity: int, at: dt.datetime) -> list[Refusal]:
    """Why ``quantity`` units of this line cannot be returned at ``at`` (none: they can),
    in the order a shopper should hear them."""
    line = facts.order_line
    name = (
        _("%(product)s (%(size)s)") % {"product": line.product_name, "size": line.size}
        if line.size
        else line.product_name
    )
    refusals = []
    if quantity > facts.remaining:
        message = (
            _("%(item)s has already been returned.") % {"item": name}
            if facts.remaining == 0
            else ngettext(
                "Only %(count)d of %(item)s can still be returned "
                "(%(bought)d bought, %(returned)d already returned).",
                "Only %(count)d of %(item)s can still be returned "
                "(%(bought)d bought, %(returned)d already returned).",
                facts.remaining,
            )
            % {
                "count": facts.remaining,
                "item": name,
                "bought": facts.bought,
                "returned": facts.already_returned,
            }
        )
        refusals.append(Refusal(QuantityExceedsPurchase.code, message))
    if line.is_final_sale:
        refusals.append(Refusal(FinalSale.code, _("%(item)s was a final sale.") % {"item": name}))
    if facts.received_at is None:
        refusals.append(
            Refusal(
                NotYetReceived.code,
                _("%(item)s has not been delivered or collected yet.") % {"item": name},
            )
        )
    elif timezone.localdate(at) > facts.window_ends_on:
        refusals.append(
            Refusal(
                ReturnWindowExpired.code,
                ngettext(
                    "The %(days)d-day return window for %(item)s ended on %(date)s.",
                    "The %(days)d-day return window for %(item)s ended on %(date)s.",
                    facts.window_days,
                )
                % {
                    "days": facts.window_days,
                    "item": name,
                    # The locale's own date format and month names, not "%d %b %Y".
                    "date": format_date(facts.window_ends_on, "DATE_FORMAT"),
                },
            )
        )
    return refusals


def _requested(lines: Iterable[Sequence], facts: dict[int, LineFacts]) -> dict[int, int]:
    requested: dict[int, int] = defaultdict(int)
    for raw in lines:
        order_line_id, quantity = raw[0], raw[1]
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise InvalidReturnLine(
                _("Return at least one unit per line."), order_line_id=order_line_id
            )
        if order_line_id not in facts:
            raise InvalidReturnLine(
                _("That item is not on this order."), order_line_id=order_line_id
            )
        requested[order_line_id] += quantity
    if not requested:
        raise InvalidReturnLine(_("Choose at least one item to return."))
    return requested


def return_policy_check(
    *,
    order: Order,
    lines: Sequence[tuple[int, int]],
    at: dt.datetime | None = None,
    override_by: Associate | None = None,
    override_reason: str = "",
    exclude_return: Return | None = None,
) -> PolicyDecision:
    """May these (order line id, quantity) pairs of ``order`` be returned at ``at`` (now)?
    Returns the decision line by line, refusals with their codes (``return_window_expired``,
    ``final_sale``, ``quantity_exceeds_purchase``, ``not_yet_received``); call
    ``ensure_allowed()`` to raise. ``override_by`` (a manager, with ``override_reason``)
    lets the window, final sale and not-yet-received through; never the quantity.
    ``exclude_return``: a requested return being received, whose lines are not counted as
    already returned.

    Reads only (3 queries); the services that act on it lock the order first. Raises
    InvalidReturnLine (a line not on the order, a quantity below 1), OverrideNotAllowed
    (an override needed and ``override_by`` is not a manager), OverrideReasonRequired."""
    at = at or timezone.now()
    facts = order_line_facts(
        order=order, exclude_return_id=exclude_return.pk if exclude_return else None
    )
    requested = _requested(lines, facts)
    decisions = [
        (line_id, quantity, line_refusals(facts[line_id], quantity, at))
        for line_id, quantity in requested.items()
    ]
    needs_override = any(r.code in OVERRIDABLE for _, _, refusals in decisions for r in refusals)
    override_reason = (override_reason or "").strip()
    if override_by is not None and needs_override:
        if not override_by.is_manager:
            raise OverrideNotAllowed(
                _("Only a manager can override the return policy."), associate_id=override_by.pk
            )
        if not override_reason:
            raise OverrideReasonRequired(_("Say why the policy is overridden."))
    else:
        override_by, override_reason = None, ""
    return PolicyDecision(
        lines=tuple(
            LineDecision(
                facts=facts[line_id],
                quantity=quantity,
                refusals=tuple(
                    Refusal(r.code, r.message, overridden=True)
                    if override_by is not None and r.code in OVERRIDABLE
                    else r
                    for r in refusals
                ),
            )
            for line_id, quantity, refusals in decisions
        ),
        override_by=override_by,
        override_reason=override_reason,
    )
