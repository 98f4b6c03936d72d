"""Paying one order with several tenders: gift cards, store credit, loyalty points, cards
— and the rest by the order's own payment method.

Gift cards, store credit and points are tenders (payments toward the order's total),
never discounts: the order's lines, tax and total are the same however it is paid, and a
refund goes back the way the money came (``payment_refund``: to the same gift card, to
points, to store credit).

Use
===
Build ``Tender`` values and either

- pass them to ``order_place`` in ``OrderRequest(tenders=...)``: the checkout, the
  back-office endless aisle and the API do; the tenders pay first and the request's
  ``payment`` pays what they leave (``PaymentChoice.tenders_only()`` when they cover it
  all); or
- call ``tenders_apply`` yourself inside your own transaction on an order already
  written (the till: it takes cash for what the result's ``remaining`` says)::

      result = tenders_apply(
          order=order,
          tenders=[Tender.gift_card("ABCD-EFGH-JKMN-PQRS"), Tender.loyalty_points()],
          location=register.location,
      )
      result.remaining  # Decimal: still to pay (cash)

``tenders_quote`` answers the same without writing anything (the checkout's "Gift card
applied: 20.00 used, 15.00 left to pay").

Rules
=====
- Tenders pay in the order given, each at most its ``amount`` (None: as much as it can)
  and never more than is left: nothing is ever overpaid.
- A gift card with less balance than asked pays what it has; the result says what
  remains. A card with nothing left, an unknown code, no points, no store credit: refused
  (``GiftCardNotFound``, ``GiftCardInsufficient``, ``PaymentDeclined`` with
  ``insufficient_points`` / ``insufficient_store_credit``) with ``field`` naming the
  tender.
- All or nothing: ledger tenders (gift card, points, store credit) are rows in the
  caller's transaction, so a later decline rolls them back; a card tender captured before
  a later decline is refunded at the provider before the error is raised. A decline
  leaves nothing taken.
- Locks: each gift card row (``gift_card_debit``), the customer row (points, store
  credit), in the order the tenders come.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from customers import selectors as customer_selectors
from customers import services as customer_services
from customers.models import Customer, StoreCreditEntry
from giftcards import services as gift_cards
from giftcards.errors import GiftCardInsufficient, GiftCardNotFound
from giftcards.models import GiftCard
from omni.money import ZERO, format_money, to_money
from orders.errors import CheckoutInvalid, PaymentDeclined
from orders.models import Order, Payment
from orders.services.payments import (
    METHOD_CARD,
    METHOD_TENDERS_ONLY,
    Card,
    PaymentChoice,
    _raise_for,
    card_provider_name,
    payment_choice_validate,
    payment_provider_for,
    payment_take,
)
from stores.models import Location

logger = logging.getLogger(__name__)

GIFT_CARD = "gift_card"
STORE_CREDIT = "store_credit"
LOYALTY_POINTS = "loyalty_points"
CARD = "card"
KINDS = (GIFT_CARD, STORE_CREDIT, LOYALTY_POINTS, CARD)


@dataclass(frozen=True)
class Tender:
    """One way of paying part of an order.

    ``kind``: ``gift_card`` (with ``gift_card_code``), ``store_credit`` and
    ``loyalty_points`` (the order's customer's), ``card`` (with ``card``, a
    ``PaymentChoice.card(...)``). ``amount``: the most this tender pays; None pays as
    much as it can of what is left. Build with the class methods."""

    kind: str
    amount: Decimal | None = None
    gift_card_code: str = field(default="", repr=False)
    card: PaymentChoice | None = field(default=None, repr=False)
    # A card already found by its code on an earlier step (the checkout keeps the card,
    # not the code, between its pages). Never built from an integrator's input.
    found_gift_card: GiftCard | None = field(default=None, repr=False)

    @classmethod
    def gift_card(cls, code: str, *, amount: Decimal | None = None) -> Tender:
        return cls(GIFT_CARD, amount=amount, gift_card_code=code)

    @classmethod
    def gift_card_found(cls, card: GiftCard, *, amount: Decimal | None = None) -> Tender:
        return cls(GIFT_CARD, amount=amount, found_gift_card=card)

    def gift_card_lookup(self) -> GiftCard:
        """The card this tender names (found by its code). Raises GiftCardNotFound."""
        if self.found_gift_card is not None:
            card = self.found_gift_card
            if card.status != GiftCard.Status.ACTIVE or card.is_expired():
                raise GiftCardNotFound(field="gift_card_code")
            return card
        return gift_cards.gift_card_find(code=self.gift_card_code)

    @classmethod
    def store_credit(cls, *, amount: Decimal | None = None) -> Tender:
        return cls(STORE_CREDIT, amount=amount)

    @classmethod
    def loyalty_points(cls, *, amount: Decimal | None = None) -> Tender:
        return cls(LOYALTY_POINTS, amount=amount)

    @classmethod
    def card_payment(cls, choice: PaymentChoice, *, amount: Decimal | None = None) -> Tender:
        return cls(CARD, amount=amount, card=choice)


@dataclass(frozen=True)
class TenderLine:
    """What one tender paid (or, in a quote, would pay): ``amount``; the ``payment``
    written (None in a quote); a label for people (``•••• ABCD``, points spent)."""

    tender: Tender
    amount: Decimal
    payment: Payment | None = None
    gift_card: GiftCard | None = None
    points: int = 0
    balance_before: Decimal | None = None


@dataclass(frozen=True)
class TenderResult:
    """The tenders' lines, what they paid in all and what is left to pay (by the order's
    own payment method, or cash at the till)."""

    lines: tuple[TenderLine, ...]
    paid: Decimal
    remaining: Decimal
    currency: str
    payments: tuple[Payment, ...] = ()


def tenders_validate(tenders: Sequence[Tender]) -> dict[int, Card]:
    """Checks needing no query, before anything is written: known kinds, positive
    amounts, a card's number. The parsed cards by the tender's index. Raises
    CheckoutInvalid (``field`` ``tenders``), InvalidCardNumber, InvalidCardDetails."""
    cards: dict[int, Card] = {}
    for index, tender in enumerate(tenders):
        if tender.kind not in KINDS:
            raise CheckoutInvalid(
                _("Unknown way to pay: %(kind)s.") % {"kind": tender.kind}, field="tenders"
            )
        if tender.amount is not None and to_money(tender.amount) <= ZERO:
            raise CheckoutInvalid(_("Each amount must be more than zero."), field="tenders")
        if (
            tender.kind == GIFT_CARD
            and tender.found_gift_card is None
            and not gift_cards.code_normalise(tender.gift_card_code)
        ):
            raise CheckoutInvalid(_("Enter the gift card's code."), field="gift_card_code")
        if tender.kind == CARD:
            if tender.card is None or tender.card.method != METHOD_CARD:
                raise CheckoutInvalid(_("A card tender needs the card."), field="tenders")
            card = payment_choice_validate(tender.card)
            if card is not None:
                cards[index] = card
    return cards


def _cap(tender: Tender, left: Decimal, currency: str) -> Decimal:
    if tender.amount is None:
        return left
    return min(left, to_money(tender.amount, currency))


def _needs_customer(customer: Customer | None, kind: str) -> Customer:
    if customer is None:
        message = (
            _("Sign in to pay with your points.")
            if kind == LOYALTY_POINTS
            else _("Sign in to pay with your store credit.")
        )
        raise CheckoutInvalid(message, field=kind)
    return customer


def tenders_quote(
    *,
    total: Decimal,
    currency: str,
    tenders: Sequence[Tender],
    customer: Customer | None = None,
) -> TenderResult:
    """What the tenders would pay of ``total`` and what would be left, reading balances
    without locking or writing (a page's preview; ``tenders_apply`` decides for real).
    Raises as ``tenders_apply`` does for an unknown code, no balance, no points."""
    left = to_money(total, currency)
    lines = []
    for tender in tenders:
        if left <= ZERO:
            break
        want = _cap(tender, left, currency)
        if tender.kind == GIFT_CARD:
            card = tender.gift_card_lookup()
            _same_currency(card, currency)
            balance = gift_cards.gift_card_balance(card=card)
            _gift_card_has_balance(card, balance)
            take = min(want, balance)
            lines.append(TenderLine(tender, take, gift_card=card, balance_before=balance))
        elif tender.kind == LOYALTY_POINTS:
            owner = _needs_customer(customer, tender.kind)
            balance = customer_selectors.loyalty_balance(customer=owner)
            worth = customer_services.loyalty_worth(points=balance, currency=currency)
            take = min(want, worth)
            if take <= ZERO:
                raise _no_points()
            points = min(balance, customer_services.loyalty_points_for(amount=take))
            lines.append(TenderLine(tender, take, points=points, balance_before=worth))
        elif tender.kind == STORE_CREDIT:
            owner = _needs_customer(customer, tender.kind)
            balance = customer_selectors.store_credit_balance(customer=owner, currency=currency)
            take = min(want, balance)
            if take <= ZERO:
                raise _no_credit(balance, currency)
            lines.append(TenderLine(tender, take, balance_before=balance))
        else:
            take = want
            lines.append(TenderLine(tender, take))
        left -= take
    paid = sum((line.amount for line in lines), ZERO)
    return TenderResult(
        lines=tuple(lines),
        paid=to_money(paid, currency),
        remaining=to_money(left, currency),
        currency=currency,
    )


def _same_currency(card: GiftCard, currency: str) -> None:
    if card.currency != currency:
        raise CheckoutInvalid(
            _("This gift card is in %(card)s and cannot pay in %(order)s.")
            % {"card": card.currency, "order": currency},
            field="gift_card_code",
        )


def _gift_card_has_balance(card: GiftCard, balance: Decimal) -> None:
    if balance <= ZERO:
        raise GiftCardInsufficient(
            _("This gift card has %(balance)s left.")
            % {"balance": format_money(balance, card.currency)},
            field="gift_card_code",
            balance=str(balance),
        )


def _no_points() -> PaymentDeclined:
    return PaymentDeclined(
        _("You have no points to spend yet."), code="insufficient_points", field=LOYALTY_POINTS
    )


def _no_credit(balance: Decimal, currency: str) -> PaymentDeclined:
    return PaymentDeclined(
        _("Your store credit (%(balance)s) cannot pay this order.")
        % {"balance": format_money(balance, currency)},
        code="insufficient_store_credit",
        field=STORE_CREDIT,
        balance=str(balance),
    )


@transaction.atomic
def tenders_apply(
    *,
    order: Order,
    tenders: Sequence[Tender],
    rest: PaymentChoice | None = None,
    rest_card: Card | None = None,
    capture_now: bool = False,
    location: Location | None = None,
) -> TenderResult:
    """Pay ``order`` with ``tenders`` (in the order given), then ``rest`` for what they
    leave (``payment_take`` with the remaining amount; nothing when nothing is left;
    ``PaymentChoice.tenders_only()`` refuses a remainder). Without ``rest`` the result's
    ``remaining`` is the caller's to take (the till's cash).

    One savepoint: a refusal anywhere rolls back every ledger row written here, and card
    tenders captured before it are refunded at the provider, so nothing is taken. Locks
    each gift card row, the customer row for points and store credit. Raises
    GiftCardNotFound, GiftCardInsufficient, CheckoutInvalid, PaymentDeclined
    (``card_declined``, ``insufficient_points``, ``insufficient_store_credit``,
    ``amount_remaining``), PaymentFailed."""
    cards = tenders_validate(tenders)
    currency = order.currency
    left = to_money(order.total, currency)
    lines: list[TenderLine] = []
    captured: list[tuple[str, str, Decimal, str]] = []  # (provider, reference, amount, currency)
    try:
        for index, tender in enumerate(tenders):
            if left <= ZERO:
                break
            want = _cap(tender, left, currency)
            line = _tender_take(order, tender, want, cards.get(index), location, captured)
            lines.append(line)
            left -= line.amount
        payments = [line.payment for line in lines if line.payment is not None]
        if rest is not None and (left > ZERO or rest.method == METHOD_TENDERS_ONLY):
            taken = payment_take(
                order=order,
                choice=rest,
                card=rest_card,
                capture_now=capture_now,
                location=location,
                amount=left,
            )
            if taken is not None:
                payments.append(taken)
                left = ZERO
    except Exception:
        _captured_reverse(captured)
        raise
    paid = sum((line.amount for line in lines), ZERO)
    return TenderResult(
        lines=tuple(lines),
        paid=to_money(paid, currency),
        remaining=to_money(left, currency),
        currency=currency,
        payments=tuple(payments),
    )


def _tender_take(
    order: Order,
    tender: Tender,
    want: Decimal,
    card: Card | None,
    location: Location | None,
    captured: list,
) -> TenderLine:
    currency = order.currency
    common = {"order": order, "currency": currency, "status": Payment.Status.CAPTURED}
    note = f"Order {order.number}"
    if tender.kind == GIFT_CARD:
        gift_card = tender.gift_card_lookup()
        _same_currency(gift_card, currency)
        entry = gift_cards.gift_card_debit(
            card=gift_card, amount=want, reference=order, location=location, note=note, partial=True
        )
        take = -entry.amount
        payment = Payment.objects.create(
            **common,
            amount=take,
            provider=Payment.Provider.GIFT_CARD,
            provider_reference=f"gift-card:{gift_card.pk}:{entry.pk}",
            card_last4=gift_card.last4,
        )
        return TenderLine(tender, take, payment=payment, gift_card=gift_card)
    if tender.kind == LOYALTY_POINTS:
        customer = _needs_customer(order.customer, tender.kind)
        entry, take = customer_services.loyalty_redeem(
            customer=customer,
            amount=want,
            currency=currency,
            reference=order,
            location=location,
            note=note,
        )
        if entry is None:
            raise _no_points()
        payment = Payment.objects.create(
            **common,
            amount=take,
            provider=Payment.Provider.LOYALTY_POINTS,
            provider_reference=f"points:{-entry.points}:{entry.pk}",
        )
        return TenderLine(tender, take, payment=payment, points=-entry.points)
    if tender.kind == STORE_CREDIT:
        customer = Customer.objects.select_for_update().get(
            pk=_needs_customer(order.customer, tender.kind).pk
        )
        balance = customer_selectors.store_credit_balance(customer=customer, currency=currency)
        take = min(want, balance)
        if take <= ZERO:
            raise _no_credit(balance, currency)
        entry = customer_services.store_credit_add(
            customer=customer,
            amount=-take,
            reason=StoreCreditEntry.Reason.SPEND,
            reference=order,
            location=location,
            note=note,
            currency=currency,
        )
        payment = Payment.objects.create(
            **common,
            amount=take,
            provider=Payment.Provider.STORE_CREDIT,
            provider_reference=f"store-credit:{entry.pk}",
        )
        return TenderLine(tender, take, payment=payment, balance_before=balance)
    # A card for part of the total: authorise and capture that much now.
    provider_name = card_provider_name()
    provider = payment_provider_for(provider_name)
    authorised = provider.authorise(amount=want, currency=currency, card=card)
    if not authorised.ok:
        _raise_for(authorised)
    done = provider.capture(reference=authorised.reference, amount=want, currency=currency)
    if not done.ok:
        provider.void(reference=authorised.reference)
        _raise_for(done)
    reference = done.reference or authorised.reference
    captured.append((provider_name, reference, want, currency))
    payment = Payment.objects.create(
        **common,
        amount=want,
        provider=provider_name,
        provider_reference=reference[:80],
        card_last4=card.last4 if card else "",
    )
    return TenderLine(tender, want, payment=payment)


def _captured_reverse(captured: list[tuple[str, str, Decimal, str]]) -> None:
    """Give back card money taken by this attempt (the rows roll back with it)."""
    for provider_name, reference, amount, currency in captured:
        try:
            payment_provider_for(provider_name).refund(
                reference=reference, amount=amount, currency=currency
            )
        except Exception:
            logger.exception("could not give back card tender %s", reference)
