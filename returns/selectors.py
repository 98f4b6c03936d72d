"""Reads about returns shared by the storefront (account), the back-office and the API."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.selectors import product_image_columns
from customers.models import Customer
from orders.models import Order, OrderLine
from returns.errors import ReturnNotFound
from returns.models import Return, ReturnLine
from returns.services.policy import OVERRIDABLE, line_refusals, order_line_facts
from returns.services.records import NUMBER_DIGITS

_RETURN_NUMBER = re.compile(rf"^R\d{{{NUMBER_DIGITS}}}$")


def return_number_normalise(text: str) -> str:
    """A return code as typed, said or scanned, as stored: " r1234 5678 " → "R12345678"."""
    return "".join((text or "").split()).upper()


def looks_like_return_number(text: str) -> bool:
    """Whether this is a return code (once normalised) rather than an order or a shopper."""
    return bool(_RETURN_NUMBER.match(return_number_normalise(text)))


def _lines_prefetch() -> Prefetch:
    # Each line with the image of the product in the colour bought, for its thumbnail.
    lines = ReturnLine.objects.select_related("order_line").annotate(
        **product_image_columns(
            product_ref="order_line__variant__product", colour_ref="order_line__colour"
        )
    )
    return Prefetch("lines", queryset=lines.order_by("pk"))


def returns_for_customer(*, customer: Customer) -> QuerySet[Return]:
    """The customer's returns, newest first, with order, location and lines (and their
    order lines) joined: 2 queries however many returns."""
    return (
        Return.objects.filter(customer=customer)
        .select_related("order", "location")
        .prefetch_related(_lines_prefetch())
        .order_by("-requested_at", "-pk")
    )


def returns_expected_at(*, location, limit: int) -> list[Return]:
    """The online returns shoppers said they would bring to ``location``, oldest first,
    with order, customer and lines (with their thumbnails' columns): 2 queries."""
    return list(
        Return.objects.filter(location=location, status=Return.Status.REQUESTED)
        .select_related("order", "customer")
        .prefetch_related(_lines_prefetch())
        .order_by("requested_at", "pk")[:limit]
    )


def return_detail(*, number: str) -> Return:
    """One return by its code (any case, spaces ignored), with everything a receipt or
    a case screen shows joined. 2 queries. Raises ReturnNotFound."""
    found = (
        Return.objects.filter(number=return_number_normalise(number))
        .select_related(
            "order",
            "customer",
            "location",
            "associate",
            "exchange_order",
            "policy_override_by",
        )
        .prefetch_related(_lines_prefetch())
        .first()
    )
    if found is None:
        raise ReturnNotFound(_("No return with that code."), number=number)
    return found


@dataclass(frozen=True)
class ReturnableLine:
    """One order line as the return screens show it."""

    order_line: OrderLine
    bought: int
    already_returned: int
    returnable: int  # units that can be returned now, without an override
    window_ends_on: dt.date | None
    refusal_code: str = ""  # why not (the policy's code), "" when returnable
    reason: str = ""  # the same, for people
    overridable: bool = False  # a manager could still take it back

    @property
    def remaining(self) -> int:
        return self.bought - self.already_returned


def returnable_lines(
    *, order: Order, at: dt.datetime | None = None, exclude_return_id: int | None = None
) -> list[ReturnableLine]:
    """Per order line: bought, already returned (not counting cancelled returns),
    returnable now, and the policy's reason when not — the same rules
    ``return_policy_check`` applies. 3 queries, however many lines and returns.
    ``exclude_return_id``: a return requested online and now being received at the desk;
    its own lines do not count against it (else nothing of it could be taken)."""
    at = at or timezone.now()
    rows = []
    facts_by_line = order_line_facts(order=order, exclude_return_id=exclude_return_id)
    for facts in facts_by_line.values():
        refusals = line_refusals(facts, max(facts.remaining, 1), at)
        first = refusals[0] if refusals else None
        rows.append(
            ReturnableLine(
                order_line=facts.order_line,
                bought=facts.bought,
                already_returned=facts.already_returned,
                returnable=0 if refusals else facts.remaining,
                window_ends_on=facts.window_ends_on,
                refusal_code=first.code if first else "",
                reason=" ".join(r.message for r in refusals),
                overridable=bool(refusals) and all(r.code in OVERRIDABLE for r in refusals),
            )
        )
    return rows
