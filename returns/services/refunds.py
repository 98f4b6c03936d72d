"""Giving the value of a return back: to the order's payments, to store credit, or into
an exchange; and taking back the loyalty points the returned goods earned."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from customers.models import LoyaltyEntry, StoreCreditEntry
from customers.services import loyalty_add, store_credit_add
from omni.money import ZERO, format_money, to_money
from orders.models import Order, Payment
from returns.errors import RefundNotPossible
from returns.models import Return
from stores.models import Location

_REFUNDABLE = (Payment.Status.CAPTURED, Payment.Status.PARTIALLY_REFUNDED)


def refund_to_payments(*, return_request: Return, order: Order, amount: Decimal) -> list:
    """Refund ``amount`` across the order's captured payments, newest first (the card
    before the store credit it may have topped up), through ``orders.services``. Checks
    that they cover it before refunding anything, so a refusal leaves no partial refund.
    Raises RefundNotPossible; PaymentFailed from the provider (the caller's transaction
    then rolls back)."""
    from orders.services import payment_refund, payment_refundable

    amount = to_money(amount, order.currency)
    payments = [*Payment.objects.filter(order=order, status__in=_REFUNDABLE).order_by("-pk")]
    refundable = {payment.pk: payment_refundable(payment=payment) for payment in payments}
    if sum(refundable.values(), ZERO) < amount:
        raise RefundNotPossible(
            _(
                "The order's payments can take back at most %(amount)s; "
                "refund to store credit instead."
            )
            % {"amount": format_money(sum(refundable.values(), ZERO), order.currency)},
            requested=str(amount),
            refundable=str(sum(refundable.values(), ZERO)),
        )
    refunds, remaining = [], amount
    for payment in payments:
        take = min(remaining, refundable[payment.pk])
        if take <= ZERO:
            continue
        refunds.append(
            payment_refund(
                payment=payment,
                amount=take,
                reason=f"Return {return_request.number}",
                reference=return_request,
            )
        )
        remaining -= take
        if remaining <= ZERO:
            break
    return refunds


def refund_to_store_credit(
    *, return_request: Return, amount: Decimal, location: Location | None, note: str = ""
) -> StoreCreditEntry | None:
    """Credit ``amount`` to the customer's store-credit ledger (nothing for zero)."""
    if to_money(amount, return_request.currency) <= ZERO:
        return None
    return store_credit_add(
        customer=return_request.customer,
        amount=amount,
        reason=StoreCreditEntry.Reason.RETURN_REFUND,
        reference=return_request,
        location=location,
        note=note or f"Return {return_request.number}",
        currency=return_request.currency,
    )


def refund_to_new_gift_card(
    *,
    return_request: Return,
    amount: Decimal,
    location: Location | None,
    associate,
    reason: str,
    customer=None,
) -> int:
    """Put ``amount`` on a new gift card (issued as a refund, outside the sale bounds); its
    id. The plain code is known only now: it is set on ``return_request.exchange_code``
    (never stored) for the screen that hands the card over."""
    from giftcards.models import GiftCard
    from giftcards.services import gift_card_issue

    issued = gift_card_issue(
        amount=amount,
        source=GiftCard.Source.REFUND,
        currency=return_request.currency,
        reason=reason,
        issued_by=associate.user,
        customer=customer,
        reference=return_request,
        location=location,
        check_bounds=False,
    )
    return_request.exchange_code = issued.code
    return issued.card.pk


def loyalty_reverse(
    *, return_request: Return, order: Order, amount: Decimal, location: Location | None
) -> LoyaltyEntry | None:
    """Take back the points the returned goods earned: the order's purchase points in
    proportion to the returned value over the order's goods, never more than the order
    earned minus what its earlier returns took back. 3 queries."""
    earned = (
        LoyaltyEntry.objects.filter(
            reference_type="orders.order", reference_id=str(order.pk), points__gt=0
        ).aggregate(s=Sum("points"))["s"]
        or 0
    )
    if earned <= 0 or amount <= ZERO:
        return None
    other_returns = [
        str(pk)
        for pk in Return.objects.filter(order=order)
        .exclude(pk=return_request.pk)
        .values_list("pk", flat=True)
    ]
    reversed_before = -(
        LoyaltyEntry.objects.filter(
            reference_type="returns.return", reference_id__in=other_returns, points__lt=0
        ).aggregate(s=Sum("points"))["s"]
        or 0
    )
    goods = order.subtotal if order.subtotal > ZERO else amount
    share = (Decimal(earned) * amount / goods).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    points = min(int(share), earned - reversed_before)
    if points <= 0:
        return None
    return loyalty_add(
        customer=return_request.customer,
        points=-points,
        reason=LoyaltyEntry.Reason.RETURN,
        reference=return_request,
        location=location,
        note=f"Return {return_request.number}",
    )
