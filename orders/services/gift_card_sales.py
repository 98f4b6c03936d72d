"""Selling an emailed gift card on the storefront: an order of one line (the shop's gift
card product, at the amount the shopper chose), paid at once, and — on payment — the card
issued and its code emailed to the recipient.

Why not through the cart: a gift card has no stock, no delivery and no fixed price, so it
would need an exception at every step of ``order_place`` (sourcing, holds, fulfilments,
the one price per variant). It is sold on its own page instead, in one transaction here:

1. the amount checked against the market's bounds, the recipient's email;
2. the order (channel web, status fulfilled: nothing left to send but the email) and its
   line, zero-rated (a gift card is money, taxed when it is spent) and final sale (it is
   never returned; its balance stays on the card);
3. the payment, by card (or by tenders: another gift card, points): a decline rolls
   everything back;
4. the card issued with the order line as its reference, the code to the recipient by
   the outbox (``email.gift_card``), the buyer's receipt (``email.order_confirmation``).

Returns: a gift card line is final sale (``is_final_sale``). No loyalty points are earned
on a gift card (they are earned when it is spent).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import services as customer_services
from customers.models import Channel, Customer
from giftcards import services as gift_cards
from giftcards.models import GiftCard, GiftCardProduct
from omni.money import ZERO, currency, to_money
from omni.outbox import outbox_record
from orders.errors import CheckoutInvalid
from orders.models import Order, OrderLine
from orders.services.events import order_events_record
from orders.services.numbers import order_number_for, order_number_placeholder
from orders.services.payments import PaymentChoice, payment_choice_validate
from orders.services.tenders import Tender, tenders_apply


@dataclass(frozen=True)
class GiftCardPurchase:
    """What the shopper asked for: ``amount`` on a card for ``recipient_email`` (and a
    name and message), bought by ``buyer_email`` (or the signed-in ``customer``)."""

    amount: Decimal
    recipient_email: str
    buyer_email: str = ""
    buyer_first_name: str = ""
    recipient_name: str = ""
    message: str = ""
    language: str = ""


@dataclass(frozen=True)
class GiftCardSale:
    order: Order
    card: GiftCard


def gift_card_sell(
    *,
    product: GiftCardProduct,
    purchase: GiftCardPurchase,
    payment: PaymentChoice,
    customer: Customer | None = None,
    user=None,
    tenders: Sequence[Tender] = (),
) -> GiftCardSale:
    """Sell one emailed gift card (see the module docstring). Raises GiftCardInvalid
    (``amount`` out of bounds), CheckoutInvalid (``recipient_email``, ``email``),
    InvalidCardNumber / InvalidCardDetails, PaymentDeclined, PaymentFailed — with
    nothing written."""
    code = currency()
    amount = gift_cards.amount_check(purchase.amount, code)
    if not purchase.recipient_email.strip():
        raise CheckoutInvalid(_("Enter the recipient's email."), field="recipient_email")
    recipient_email = customer_services.normalise_email(purchase.recipient_email)
    if customer is None and not purchase.buyer_email.strip():
        raise CheckoutInvalid(_("Enter your email for the receipt."), field="email")
    card_details = payment_choice_validate(payment)
    with transaction.atomic():
        if customer is None:
            customer = customer_services.customer_resolve(
                email=purchase.buyer_email,
                first_name=purchase.buyer_first_name,
                source=Channel.WEB,
                user=user if getattr(user, "is_authenticated", False) else None,
                language=purchase.language,
            )
        now = timezone.now()
        variant = product.variant
        order = Order.objects.create(
            number=order_number_placeholder(),
            customer=customer,
            email=customer_services.normalise_email(purchase.buyer_email)
            if purchase.buyer_email
            else customer.email,
            channel=Channel.WEB,
            status=Order.Status.FULFILLED,
            currency=code,
            subtotal=amount,
            shipping_total=ZERO,
            discount_total=ZERO,
            tax_total=ZERO,
            total=amount,
            placed_at=now,
        )
        order.number = order_number_for(channel=Channel.WEB, pk=order.pk)
        order.save(update_fields=["number"])
        line = OrderLine.objects.create(
            order=order,
            variant=variant,
            product_name=variant.product.name,
            sku=variant.sku,
            quantity=1,
            unit_price=amount,
            line_total=amount,
            tax_rate=Decimal("0"),
            tax_amount=ZERO,
            is_final_sale=True,
        )
        tenders_apply(
            order=order,
            tenders=tenders,
            rest=payment,
            rest_card=card_details,
            capture_now=True,
        )
        issued = gift_cards.gift_card_issue(
            amount=to_money(amount, code),
            currency=code,
            source=GiftCard.Source.SOLD,
            customer=customer,
            delivery=GiftCard.Delivery.EMAIL,
            recipient_name=purchase.recipient_name,
            recipient_email=recipient_email,
            message=purchase.message,
            reference=line,
        )
        gift_cards.gift_card_code_send(card=issued.card, code=issued.code)
        if order.email:
            outbox_record(
                topic="email.order_confirmation",
                payload={"order_id": order.pk},
                dedupe_key=f"email.order_confirmation:orders.order:{order.pk}",
            )
        order_events_record(order=order, event="created")
    return GiftCardSale(order=order, card=issued.card)
