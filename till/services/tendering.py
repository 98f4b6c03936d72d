"""How a till sale is paid: one or more tenders, taken inside the sale's transaction after
the order is placed, all or nothing.

A tender kind is a small object registered by name (``tender_kind_register``): cash, a
card present, a bank-app QR code, gift card, store credit and loyalty points (the last
three through ``orders.services.tenders``); another plugs in without the till changing. Kinds that
are not cash are taken first, each for the amount it names (at most what is left); cash
then covers the rest, and what was handed over beyond it is the change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.utils.translation import gettext as _

from omni.money import ZERO, format_money, to_money
from orders.models import Order, Payment
from orders.services import payments
from orders.services import tenders as ledger_tenders
from till.errors import TenderInvalid

CASH = "cash"
CARD = "card"
GIFT_CARD = "gift_card"
STORE_CREDIT = "store_credit"
LOYALTY_POINTS = "loyalty_points"
QR = "qr"
# Above any sale: a typing slip (and beyond the money columns).
TENDER_MAX = Decimal("1000000000")


@dataclass(frozen=True)
class Tender:
    """One way the customer pays part of a sale: ``kind`` (cash, card, ...), ``amount``
    (for cash: what was handed over, change included; for the others: what it pays), and
    what the kind needs (``card_number``; ``reference`` for a gift card code later)."""

    kind: str
    amount: Decimal
    card_number: str = field(default="", repr=False)
    reference: str = field(default="", repr=False)
    # Pays what it can of what is due, up to ``amount`` (an exchange's card: its whole
    # value is offered, the sale takes what it costs and the rest stays on the card).
    up_to_due: bool = False


@dataclass(frozen=True)
class Tendered:
    """What the tenders came to: payments made, cash handed over and the change."""

    payments: tuple[Payment, ...]
    cash_tendered: Decimal
    change_due: Decimal


class TenderKind(Protocol):
    """Takes ``amount`` of ``order`` by this kind (a Payment) or raises a DomainError;
    ``undo`` gives back a payment already taken when a later tender fails."""

    provider: str

    def validate(self, tender: Tender) -> None: ...

    def take(self, *, order: Order, tender: Tender, amount: Decimal) -> Payment: ...

    def undo(self, *, payment: Payment) -> None: ...


class CashKind:
    provider = Payment.Provider.CASH

    def validate(self, tender: Tender) -> None:
        return None

    def take(self, *, order: Order, tender: Tender, amount: Decimal) -> Payment:
        return payments.payment_tender_record(order=order, provider=self.provider, amount=amount)

    def undo(self, *, payment: Payment) -> None:
        return None  # the drawer is not opened: nothing left the till


class CardPresentKind:
    """A card presented at the till, through the configured card provider (the test
    provider declines on the documented numbers: orders.services.payments)."""

    provider = "card"

    def validate(self, tender: Tender) -> None:
        payments.card_parse(tender.card_number)

    def take(self, *, order: Order, tender: Tender, amount: Decimal) -> Payment:
        card = payments.card_parse(tender.card_number)
        return payments.payment_card_take(order=order, card=card, amount=amount)

    def undo(self, *, payment: Payment) -> None:
        # The provider captured it; the database write is rolled back by the caller.
        payments.payment_provider_for(payment.provider).refund(
            reference=payment.provider_reference, amount=payment.amount, currency=payment.currency
        )


class QrKind:
    """A bank-app QR code for the amount, shown on the till's screen (PromptPay in
    Thailand, the EMVCo shape elsewhere: ``orders.services.qr_payments``), scanned by the
    customer and confirmed by the associate who sees the money arrive in the store's bank
    app: the payment is recorded captured with the code's ``reference``. The till does not
    wait for the bank's callback (the shopper is at the counter, and the callback finds
    only online orders' pending payments)."""

    @property
    def provider(self) -> str:
        return payments.qr_provider_name()

    def validate(self, tender: Tender) -> None:
        if not tender.reference.strip():
            raise TenderInvalid(_("Show the QR code to the customer first."), field="qr")

    def take(self, *, order: Order, tender: Tender, amount: Decimal) -> Payment:
        return payments.payment_tender_record(
            order=order, provider=self.provider, amount=amount, reference=tender.reference
        )

    def undo(self, *, payment: Payment) -> None:
        # The money is in the store's account and the confirmation stays with the sale in
        # progress, so a retry after a declined card counts it again; nothing to give back.
        return None


class LedgerKind:
    """A gift card (its code in ``reference``), the customer's store credit or loyalty
    points: taken through the one tender service (orders.services.tenders), which locks
    the card or the customer and writes the ledger row. A gift card short of ``amount``
    pays what it holds; the rest is left to the other tenders (cash comes last)."""

    def __init__(self, provider: str) -> None:
        self.provider = provider

    def validate(self, tender: Tender) -> None:
        if self.provider == Payment.Provider.GIFT_CARD and not tender.reference.strip():
            raise TenderInvalid(_("Give the gift card's code."), field="gift_card")

    def take(self, *, order: Order, tender: Tender, amount: Decimal) -> Payment:
        if self.provider == Payment.Provider.GIFT_CARD:
            wanted = ledger_tenders.Tender.gift_card(tender.reference.strip(), amount=amount)
        elif self.provider == Payment.Provider.LOYALTY_POINTS:
            wanted = ledger_tenders.Tender.loyalty_points(amount=amount)
        else:
            wanted = ledger_tenders.Tender.store_credit(amount=amount)
        result = ledger_tenders.tenders_apply(
            order=order, tenders=[wanted], location=order.location
        )
        return result.payments[0]

    def undo(self, *, payment: Payment) -> None:
        return None  # the ledger row rolls back with the sale's transaction


_KINDS: dict[str, TenderKind] = {
    CASH: CashKind(),
    CARD: CardPresentKind(),
    GIFT_CARD: LedgerKind(Payment.Provider.GIFT_CARD),
    STORE_CREDIT: LedgerKind(Payment.Provider.STORE_CREDIT),
    LOYALTY_POINTS: LedgerKind(Payment.Provider.LOYALTY_POINTS),
    QR: QrKind(),
}


def qr_tender_reference(sale_key: str) -> str:
    """What the till's QR code carries as its reference (and the payment keeps): made from
    the sale's idempotency key, so one sale shows one code however often it is shown."""
    return "T" + "".join(ch for ch in sale_key if ch.isalnum())[:12].upper()


def qr_tender_svg(*, amount: Decimal, currency: str, reference: str) -> str:
    """The QR code for ``amount`` of a sale at the till, as inline SVG markup."""
    from orders.services.qr_payments import qr_code_svg

    return qr_code_svg(
        provider_name=payments.qr_provider_name(),
        amount=to_money(amount, currency),
        currency=currency,
        reference=reference,
        scale=6,
    )


def tender_kind_register(name: str, kind: TenderKind) -> None:
    """Make another way to pay available at the till (gift card, store credit, points)."""
    _KINDS[name] = kind


def tender_kinds() -> tuple[str, ...]:
    return tuple(_KINDS)


def tender_kinds_offered() -> tuple[str, ...]:
    """The kinds this shop's till offers: all of them, but a QR code only where the
    market pays by bank-app QR (``Market.payment_methods``: Thailand, Vietnam, the
    Philippines, Iran; a US shop has no QR scheme to show)."""
    from omni.markets import current_market

    qr_here = payments.METHOD_QR in current_market().payment_methods
    return tuple(name for name in _KINDS if name != QR or qr_here)


def tenders_check(*, tenders: Sequence[Tender], due: Decimal, currency: str) -> None:
    """Refuse before anything is written: an unknown kind, an amount not above zero, more
    than is due on the non-cash tenders, everything together below what is due."""
    if not tenders:
        raise TenderInvalid(_("Choose how the customer pays."), field="tenders")
    non_cash = ZERO
    total = ZERO
    offered = tender_kinds_offered()
    for tender in tenders:
        kind = _KINDS.get(tender.kind)
        if kind is None or tender.kind not in offered:
            raise TenderInvalid(_("This way to pay is not available."), field="tenders")
        amount = to_money(tender.amount, currency)
        if amount <= ZERO:
            raise TenderInvalid(_("Each amount must be above zero."), field=tender.kind)
        if amount >= TENDER_MAX:
            raise TenderInvalid(_("Enter amounts as numbers."), field=tender.kind)
        kind.validate(tender)
        total += to_money(tender.amount, currency)
        if tender.up_to_due:
            # It pays what it can: at most the whole sale.
            non_cash += min(to_money(tender.amount, currency), due)
        elif tender.kind != CASH:
            non_cash += to_money(tender.amount, currency)
    if non_cash > due:
        raise TenderInvalid(
            _("The card and other tenders come to more than the %(due)s due.")
            % {"due": format_money(due, currency)},
            field="card",
        )
    if total < due:
        raise TenderInvalid(
            _("%(given)s is less than the %(due)s due.")
            % {
                "given": format_money(total, currency),
                "due": format_money(due, currency),
            },
            field="cash",
            code="tender_short",
        )


def tenders_take(*, order: Order, tenders: Sequence[Tender]) -> Tendered:
    """Pay ``order.total`` with ``tenders`` (checked by ``tenders_check``), inside the
    caller's transaction. A refusal (a declined card) raises after giving back what the
    earlier tenders took, so the caller's rollback leaves nothing taken anywhere."""
    due = to_money(order.total, order.currency)
    tenders_check(tenders=tenders, due=due, currency=order.currency)
    remaining = due
    taken: list[tuple[TenderKind, Payment]] = []
    cash_tendered = ZERO
    ordered = [t for t in tenders if t.kind != CASH] + [t for t in tenders if t.kind == CASH]
    try:
        for tender in ordered:
            kind = _KINDS[tender.kind]
            given = to_money(tender.amount, order.currency)
            if tender.kind == CASH:
                cash_tendered += given
            amount = min(given, remaining)
            if tender.kind == QR and amount < given:
                # The customer's bank app paid the amount the code showed: all of it
                # must count, or money taken would be on no receipt.
                raise TenderInvalid(
                    _("The QR code was for %(shown)s but only %(left)s is left to pay.")
                    % {
                        "shown": format_money(given, order.currency),
                        "left": format_money(max(remaining, ZERO), order.currency),
                    },
                    field="qr",
                )
            if amount <= ZERO:
                continue
            payment = kind.take(order=order, tender=tender, amount=amount)
            taken.append((kind, payment))
            # A gift card may hold less than asked: what it paid counts.
            remaining -= to_money(payment.amount, order.currency)
        if remaining > ZERO:
            raise TenderInvalid(
                _("%(remaining)s is still to pay.")
                % {"remaining": format_money(remaining, order.currency)},
                field="tenders",
                code="tender_short",
            )
    except Exception:
        for kind, payment in reversed(taken):
            kind.undo(payment=payment)
        raise
    cash_in = sum((p.amount for k, p in taken if k.provider == Payment.Provider.CASH), ZERO)
    return Tendered(
        payments=tuple(p for _k, p in taken),
        cash_tendered=cash_tendered,
        change_due=to_money(cash_tendered - cash_in, order.currency),
    )
