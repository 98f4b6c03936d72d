"""QR / bank-app payments after checkout: the code the shopper scans, the confirmation
that completes the payment (the provider's signed callback, or an associate who saw the
money arrive), and the sweep (beat) that gives up on codes nobody paid.

A QR order is placed like any other — lines, fulfilments, stock held — with a pending
payment (``payment_take``) that carries the provider's reference and ``expires_at``.
Confirming captures the payment and sends the confirmation email checkout held back;
expiry cancels the order through ``order_cancel`` (stock released, payment voided).

Lock order (as in ``orders.services.fulfilments``): fulfilments, then reservations and
stock rows, then payments, then the order. Confirming locks only the payment; the sweep
locks the order's fulfilments before its payment.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers import services as customer_services
from customers.models import Channel, Interaction
from omni import stored_text
from omni.errors import DomainError
from omni.money import format_money, to_money
from omni.outbox import outbox_record
from orders.errors import InvalidTransition, QrCallbackInvalid
from orders.models import Fulfilment, Order, Payment
from orders.services.fulfilments import order_cancel
from orders.services.payments import (
    payment_capture,
    payment_provider_for,
    qr_provider_name,
    qr_provider_names,
)
from stores.models import Associate

logger = logging.getLogger(__name__)

# Timeline entries of this module, read in the reader's language (omni.stored_text).
TIMELINE = stored_text.register(
    {
        "payment.qr_received": gettext_lazy(
            "QR payment of %(amount)s for order %(number)s received"
        ),
        "payment.qr_confirmed": gettext_lazy(
            "QR payment of %(amount)s for order %(number)s confirmed as received by %(associate)s"
        ),
    }
)

EXPIRED_REASON = "QR payment not received in time"


@dataclass(frozen=True)
class QrConfirmResult:
    """The payment after a confirmation, and whether this call captured it (False: it
    was captured already — a replayed callback, a second click)."""

    payment: Payment
    captured: bool


def qr_payment_of(order: Order) -> Payment | None:
    """The order's QR payment (pending, captured or given up), newest first."""
    return order.payments.filter(provider__in=qr_provider_names()).order_by("-pk").first()


def qr_payment_svg(payment: Payment, *, scale: int = 5) -> str:
    """The QR code of a payment as inline SVG markup (for the page, not an image file)."""
    return qr_code_svg(
        provider_name=payment.provider,
        amount=payment.amount,
        currency=payment.currency,
        reference=payment.order.number,
        scale=scale,
    )


def qr_code_svg(
    *, provider_name: str, amount: Decimal, currency: str, reference: str, scale: int = 5
) -> str:
    """The QR code a bank app scans to pay ``amount`` with ``reference`` through the QR
    provider ``provider_name``, as inline SVG markup (an order's page, a till's screen)."""
    import segno

    payload = payment_provider_for(provider_name).qr_payload(
        amount=amount, currency=currency, reference=reference
    )
    return segno.make(payload, error="m", micro=False).svg_inline(
        scale=scale, border=2, dark="#1d1d1f"
    )


@transaction.atomic
def qr_payment_confirm(
    *,
    payment: Payment,
    amount: Decimal | None = None,
    currency: str = "",
    associate: Associate | None = None,
    transaction_id: str = "",
) -> QrConfirmResult:
    """The money of a pending QR payment arrived: it is captured, the confirmation email
    goes out (it waited for this), and the order's timeline says who confirmed it (the
    bank's callback, or ``associate``). Idempotent: a captured payment is returned with
    ``captured=False`` and nothing written. ``amount`` / ``currency`` (from a callback)
    must be the payment's.

    Locks the payment. Raises QrCallbackInvalid (``amount_mismatch``),
    InvalidTransition (not a QR payment; expired or voided: the order was cancelled)."""
    locked = (
        Payment.objects.select_for_update(of=("self",)).select_related("order").get(pk=payment.pk)
    )
    order = locked.order
    if locked.provider not in qr_provider_names():
        raise InvalidTransition(_("This is not a QR payment."), payment_id=locked.pk)
    if amount is not None and (
        to_money(amount, locked.currency) != locked.amount
        or (currency and currency.upper() != locked.currency)
    ):
        raise QrCallbackInvalid(
            _("The amount paid (%(paid)s) is not the amount of order %(number)s (%(due)s).")
            % {
                "paid": f"{amount} {currency or locked.currency}",
                "number": order.number,
                "due": format_money(locked.amount, locked.currency),
            },
            code="amount_mismatch",
            payment_id=locked.pk,
        )
    if locked.status == Payment.Status.CAPTURED:
        return QrConfirmResult(payment=locked, captured=False)
    if locked.status != Payment.Status.PENDING:
        raise InvalidTransition(
            _("The QR code of order %(number)s expired and the order was cancelled.")
            % {"number": order.number},
            code="payment_expired",
            payment_id=locked.pk,
            status=locked.status,
        )
    # The reference stays the one the code carries, so a replayed callback finds the
    # payment and is answered "already captured"; the bank's transaction id is kept in
    # the timeline entry's detail below.
    captured = payment_capture(payment=locked)
    params = {"amount": format_money(captured.amount, captured.currency), "number": order.number}
    customer_services.interaction_record(
        customer=order.customer,
        kind=Interaction.Kind.ORDER,
        channel=Channel.STORE if associate else Channel.SYSTEM,
        summary=stored_text.text("payment.qr_confirmed", associate=associate.display_name, **params)
        if associate
        else stored_text.text("payment.qr_received", **params),
        subject=order,
        location=associate.home_location if associate else None,
        associate=associate,
        detail={"payment_id": captured.pk, "transaction_id": transaction_id},
    )
    logger.info(
        "QR payment %s of order %s captured (%s)",
        captured.pk,
        order.number,
        f"confirmed by associate {associate.pk}" if associate else "provider callback",
    )
    if order.email:
        outbox_record(
            topic="email.order_confirmation",
            payload={"order_id": order.pk},
            dedupe_key=f"email.order_confirmation:orders.order:{order.pk}",
        )
    return QrConfirmResult(payment=captured, captured=True)


def qr_callback_confirm(*, body: bytes, signature: str) -> QrConfirmResult:
    """A provider's callback (its raw ``body`` and signature header): checked by the
    configured QR provider, matched to the pending payment by its reference, confirmed.
    Raises QrCallbackInvalid (``bad_signature``, ``malformed_callback``,
    ``unknown_reference``, ``amount_mismatch``), InvalidTransition
    (``payment_expired``)."""
    provider = payment_provider_for(qr_provider_name())
    confirmation = provider.callback_parse(body=body, signature=signature)
    payment = (
        Payment.objects.filter(
            provider__in=qr_provider_names(), provider_reference=confirmation.reference
        )
        .order_by("pk")
        .first()
    )
    if payment is None:
        raise QrCallbackInvalid(
            _("No QR payment has the reference “%(reference)s”.")
            % {"reference": confirmation.reference[:80]},
            code="unknown_reference",
        )
    return qr_payment_confirm(
        payment=payment,
        amount=confirmation.amount,
        currency=confirmation.currency,
        transaction_id=confirmation.transaction_id,
    )


def qr_payments_expire(*, now: dt.datetime | None = None, batch_size: int = 100) -> int:
    """Give up on pending QR payments past ``expires_at``: each order is cancelled
    (``order_cancel``: held stock back on sale, the payment voided, the timeline told),
    one transaction per order; one that fails is logged and left for the next run.
    Returns how many orders were cancelled. Safe to run twice at once: each order's
    fulfilments are locked first (SKIP LOCKED on PostgreSQL) and the payment re-read."""
    now = now or timezone.now()
    due = list(
        Payment.objects.filter(
            provider__in=qr_provider_names(),
            status=Payment.Status.PENDING,
            expires_at__lte=now,
        )
        .order_by("expires_at", "pk")
        .values_list("pk", "order_id")[:batch_size]
    )
    cancelled = 0
    for payment_id, order_id in due:
        try:
            with transaction.atomic():
                if _qr_order_expire(payment_id, order_id, now):
                    cancelled += 1
        except DomainError:
            logger.exception("qr_payments_expire: order %s could not be cancelled", order_id)
    return cancelled


def _qr_order_expire(payment_id: int, order_id: int, now: dt.datetime) -> bool:
    fulfilments = Fulfilment.objects.filter(order_id=order_id).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        fulfilments = fulfilments.select_for_update(skip_locked=True)
    list(fulfilments)
    payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
    if payment is None or payment.status != Payment.Status.PENDING or payment.expires_at > now:
        return False  # paid (or handled) meanwhile
    order_cancel(order=Order.objects.get(pk=order_id), reason=EXPIRED_REASON)
    return True
