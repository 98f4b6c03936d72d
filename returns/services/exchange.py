"""Exchanges: the returned value pays for replacement sizes at the same counter, or
becomes a tender for a new sale rung up at the till (``exchange_credit_issue``).

The value is credited to the customer's store credit (noted as for the exchange), then
``orders.services.order_place`` makes a store order for the replacements at this store,
paid with that credit: taken home now when the store has the units, otherwise a pickup
here (sourcing brings them in). Replacements that cost more than the credit are refused
(ring up the difference as a separate sale); anything left over stays as store credit.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.translation import gettext as _

from catalog.models import Variant
from orders.models import Order
from returns.errors import InvalidReturnLine
from returns.models import Return
from returns.services.refunds import refund_to_new_gift_card, refund_to_store_credit
from stores.models import Associate, Location


def _all_on_hand_here(*, location: Location, wanted: dict[int, int]) -> bool:
    """Can the shopper take every replacement home now? (Units held for others are not
    theirs to take; the display shelf is.) 1 query."""
    from inventory.selectors import stock_list

    free = {
        variant_id: on_hand - reserved
        for variant_id, on_hand, reserved in stock_list(
            location_id=location.pk, variant_ids=wanted
        ).values_list("variant_id", "on_hand", "reserved")
    }
    return all(free.get(variant_id, 0) >= quantity for variant_id, quantity in wanted.items())


def exchange_place(
    *,
    return_request: Return,
    order: Order,
    amount: Decimal,
    location: Location,
    associate: Associate,
    replacements: Sequence[tuple[int, int]],
) -> dict:
    """Credit ``amount`` and place the exchange order for ``replacements`` ((variant id,
    quantity) pairs) at ``location``, paid from store credit. Returns what was done (for
    the timeline and ``Return.exchange_order``). Raises InvalidReturnLine (unknown or
    inactive replacement), and from orders: PaymentDeclined
    (``insufficient_store_credit``: the replacements cost more), InsufficientStock,
    VariantUnavailable, CheckoutInvalid."""
    from orders.services import CarryOut, OrderRequest, PaymentChoice, PickupAt, order_place

    wanted: dict[int, int] = {}
    for variant_id, quantity in replacements:
        wanted[variant_id] = wanted.get(variant_id, 0) + quantity
    sold = set(
        Variant.objects.filter(pk__in=wanted, is_active=True, product__is_active=True).values_list(
            "pk", flat=True
        )
    )
    if missing := sorted(set(wanted) - sold):
        raise InvalidReturnLine(
            _("That replacement is not sold any more."), field="exchange", variant_ids=missing
        )
    entry = refund_to_store_credit(
        return_request=return_request,
        amount=amount,
        location=location,
        note=f"Exchange for return {return_request.number}",
    )
    carry_out = _all_on_hand_here(location=location, wanted=wanted)
    exchange_order = order_place(
        OrderRequest.store_sale(
            location=location,
            associate=associate,
            lines=[*wanted.items()],
            fulfilment=CarryOut() if carry_out else PickupAt(store_id=location.pk),
            payment=PaymentChoice.store_credit(),
            customer=return_request.customer,
        )
    ).order
    return {
        "exchange_order_id": exchange_order.pk,
        "exchange_order_number": exchange_order.number,
        "exchange_fulfilment": "carry_out" if carry_out else "pickup",
        "store_credit_entry_id": entry.pk if entry else None,
    }


def exchange_credit_issue(
    *, return_request: Return, amount: Decimal, location: Location, associate: Associate
) -> dict:
    """The returned value as a tender for a new sale at the till: a new gift card worth
    ``amount`` (issued as a refund, on the return's customer), which the till takes first
    for what the customer buys instead; what the new sale does not use stays on the card
    the customer keeps. The plain code is set on ``return_request.exchange_code`` (see
    ``refund_to_new_gift_card``) for the screen that carries it to the till."""
    card_id = refund_to_new_gift_card(
        return_request=return_request,
        amount=amount,
        location=location,
        associate=associate,
        reason=f"Exchange at the till for return {return_request.number}",
        customer=return_request.customer,
    )
    return {"exchange_gift_card_id": card_id}
