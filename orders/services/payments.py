"""Payments: a small provider interface, the built-in test card provider, pay in store,
store credit, and refunds.

Test cards
==========

The built-in ``test`` provider (the default, ``OMNI_CARD_PAYMENT_PROVIDER = "test"``)
takes no real money. Spaces and dashes in the number are ignored. When the shopper gives
them (the storefront's checkout always does; the API and the till may not), the name must
not be blank, the expiry is ``MM/YY`` (or ``MM/YYYY``) and the CVC 3 or 4 digits — else
``invalid_card_details`` before anything is written — and the provider declines a card
whose expiry month has passed (``expired_card``) and the CVC ``000`` (``incorrect_cvc``).

===================== ============ =====================================================
Card number           Result       Error code (``PaymentError.code``)
===================== ============ =====================================================
4242 4242 4242 4242   succeeds     —
4000 0000 0000 0002   declined     ``card_declined``
4000 0000 0000 9995   declined     ``insufficient_funds``
4000 0000 0000 0119   fails        ``processing_error`` (the provider had a problem)
any other number that succeeds     —
passes the Luhn check
a number that fails   refused      ``invalid_card_number``, before anything is written
the Luhn check
===================== ============ =====================================================

A declined or failed payment raises ``PaymentDeclined`` / ``PaymentFailed`` inside the
checkout transaction, so the order, its lines and its stock holds are all rolled back and
the cart stays open. Only the last four digits of a card are ever stored.

Other ways to pay
=================

- **Pay in store** (``pay_in_store``): a pending payment for a pickup, captured by
  ``payment_capture`` when the shopper collects (for the units they take); voided when the
  pickup expires or is cancelled. A carry-out sale paid at the till is captured at once.
- **Store credit** (``store_credit``): spends the customer's credit through the
  store-credit ledger (``customers.services.store_credit_add`` with a negative amount);
  refused when the balance does not cover the order.
- **External** (``external``): paid on a POS or a marketplace; recorded as captured.
- **QR / bank app** (``qr``): the order is placed with a pending payment (stock held as
  for any order) and the shopper is shown a QR code for the amount — PromptPay in
  Thailand, the same EMVCo shape elsewhere (``orders.services.qr_payload``). It is
  captured when the provider's signed confirmation arrives or an associate confirms the
  money came in (``orders.services.qr_payments``), and the order is cancelled, its stock
  released, when neither happens within ``OMNI_QR_EXPIRY_MINUTES``. The confirmation email
  waits for the payment. The built-in provider is ``qr_test`` (``OMNI_QR_PAYMENT_PROVIDER``).
- **Cash on delivery** (``cod``): for a delivery; a pending payment captured when the
  parcel is delivered (``fulfilment_deliver``), voided when the order is cancelled.

A real card provider implements ``PaymentProvider`` and is registered with
``payment_provider_register(name, provider)``; set ``OMNI_CARD_PAYMENT_PROVIDER`` to its
name. Refunds of pay-in-store and external payments are recorded as paid out in store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import Model, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers import selectors as customer_selectors
from customers import services as customer_services
from customers.models import Customer, LoyaltyEntry, StoreCreditEntry
from giftcards import services as gift_card_services
from giftcards.models import GiftCard
from omni.markets import current_market
from omni.money import ZERO, format_money, minor_units, to_money
from omni.outbox import outbox_record
from orders.errors import (
    CheckoutInvalid,
    InvalidCardDetails,
    InvalidCardNumber,
    InvalidTransition,
    PaymentDeclined,
    PaymentFailed,
    QrCallbackInvalid,
    RefundNotAllowed,
)
from orders.models import Order, Payment, Refund
from orders.services.qr_payload import qr_payment_payload
from stores.models import Location

logger = logging.getLogger(__name__)

# --- what the shopper chose ---------------------------------------------------------------

METHOD_CARD = "card"
METHOD_PAY_IN_STORE = "pay_in_store"
METHOD_STORE_CREDIT = "store_credit"
METHOD_EXTERNAL = "external"
METHOD_QR = "qr"
METHOD_COD = "cod"
# Nothing left to pay by another method: the order's tenders (orders.services.tenders)
# cover its total; placing it is refused (``amount_remaining``) when they do not.
METHOD_TENDERS_ONLY = "tenders_only"
# The caller takes the money itself, tender by tender, in checkout's transaction (the
# till: cash, a card present, later gift card and points); checkout writes no payment.
METHOD_TENDERED = "tendered"
METHODS = frozenset(
    {
        METHOD_CARD,
        METHOD_PAY_IN_STORE,
        METHOD_STORE_CREDIT,
        METHOD_EXTERNAL,
        METHOD_QR,
        METHOD_COD,
        METHOD_TENDERS_ONLY,
        METHOD_TENDERED,
    }
)


@dataclass(frozen=True)
class PaymentChoice:
    """How the shopper pays: build one with ``PaymentChoice.card("4242 4242 4242 4242")``,
    ``.pay_in_store()``, ``.store_credit()``, ``.external(reference="POS-1234")``,
    ``.qr()`` or ``.cash_on_delivery()``."""

    method: str
    card_number: str = field(default="", repr=False)  # never logged, never stored
    reference: str = ""
    # Given by the storefront's checkout; None where a caller has only the number.
    card_name: str | None = field(default=None, repr=False)
    card_expiry: str | None = field(default=None, repr=False)
    card_cvc: str | None = field(default=None, repr=False)

    @classmethod
    def card(
        cls,
        number: str,
        *,
        name: str | None = None,
        expiry: str | None = None,
        cvc: str | None = None,
    ) -> PaymentChoice:
        return cls(
            METHOD_CARD, card_number=number, card_name=name, card_expiry=expiry, card_cvc=cvc
        )

    @classmethod
    def pay_in_store(cls) -> PaymentChoice:
        return cls(METHOD_PAY_IN_STORE)

    @classmethod
    def store_credit(cls) -> PaymentChoice:
        return cls(METHOD_STORE_CREDIT)

    @classmethod
    def external(cls, *, reference: str = "") -> PaymentChoice:
        return cls(METHOD_EXTERNAL, reference=reference)

    @classmethod
    def qr(cls) -> PaymentChoice:
        return cls(METHOD_QR)

    @classmethod
    def cash_on_delivery(cls) -> PaymentChoice:
        return cls(METHOD_COD)

    @classmethod
    def tenders_only(cls) -> PaymentChoice:
        """The order's tenders pay it all (a gift card that covers the total)."""
        return cls(METHOD_TENDERS_ONLY)

    @classmethod
    def tendered(cls) -> PaymentChoice:
        """Paid at the till by tenders the caller takes after ``order_place`` in the same
        transaction (``payment_card_take``, ``payment_tender_record``)."""
        return cls(METHOD_TENDERED)


@dataclass(frozen=True)
class Card:
    """A card number that passed the Luhn check, with the expiry (year, month) and CVC when
    given. Lives in memory only."""

    number: str = field(repr=False)
    expiry: tuple[int, int] | None = field(default=None, repr=False)
    cvc: str | None = field(default=None, repr=False)

    @property
    def last4(self) -> str:
        return self.number[-4:]


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_parse(number: str) -> Card:
    """A card from what the shopper typed (spaces and dashes ignored). Raises
    InvalidCardNumber when it cannot be a card number (length or Luhn check)."""
    digits = "".join(ch for ch in (number or "") if ch not in " -")
    if not digits.isdigit() or not 12 <= len(digits) <= 19 or not _luhn_valid(digits):
        raise InvalidCardNumber(_("That card number is not valid; please check it."), field="card")
    return Card(digits)


_EXPIRY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*$")


def card_details_parse(
    card: Card, *, name: str | None, expiry: str | None, cvc: str | None
) -> Card:
    """The card with its expiry and CVC checked for shape (the provider checks the rest).
    ``None`` for a detail means the caller does not collect it. Raises
    InvalidCardDetails with the ``field`` it is about."""
    if name is not None and not name.strip():
        raise InvalidCardDetails(_("Enter the name on the card."), field="card_name")
    parsed_expiry = None
    if expiry is not None:
        found = _EXPIRY.match(expiry)
        month = int(found.group(1)) if found else 0
        if not found or not 1 <= month <= 12:
            raise InvalidCardDetails(_("Enter the expiry date as MM/YY."), field="card_expiry")
        year = int(found.group(2))
        parsed_expiry = (2000 + year if year < 100 else year, month)
    if cvc is not None and not (cvc.strip().isdigit() and len(cvc.strip()) in (3, 4)):
        raise InvalidCardDetails(_("Enter the 3 or 4 digit security code (CVC)."), field="card_cvc")
    return Card(card.number, expiry=parsed_expiry, cvc=cvc.strip() if cvc is not None else None)


def payment_choice_validate(choice: PaymentChoice) -> Card | None:
    """Check the choice before anything is written; the parsed card for card payments.
    Raises CheckoutInvalid (unknown method), InvalidCardNumber, InvalidCardDetails."""
    if choice.method not in METHODS:
        raise CheckoutInvalid(_("Choose how to pay."), field="payment", method=choice.method)
    if choice.method == METHOD_CARD:
        return card_details_parse(
            card_parse(choice.card_number),
            name=choice.card_name,
            expiry=choice.card_expiry,
            cvc=choice.card_cvc,
        )
    return None


# --- providers --------------------------------------------------------------------------

SUCCEEDED = "succeeded"
PENDING = "pending"
DECLINED = "declined"
FAILED = "failed"


@dataclass(frozen=True)
class ProviderResult:
    """What a provider answered. ``outcome`` is succeeded, pending, declined or failed."""

    outcome: str
    reference: str = ""
    failure_code: str = ""
    failure_message: str | Promise = ""

    @property
    def ok(self) -> bool:
        return self.outcome in (SUCCEEDED, PENDING)


class PaymentProvider(Protocol):
    """What a payment provider does for us. Calls must not touch the database: the
    payment services record the outcome."""

    def authorise(self, *, amount: Decimal, currency: str, card: Card | None) -> ProviderResult:
        """Reserve ``amount`` on the card (or accept a pending in-store payment)."""

    def capture(self, *, reference: str, amount: Decimal, currency: str) -> ProviderResult:
        """Take ``amount`` (at most what was authorised) of an authorisation."""

    def refund(self, *, reference: str, amount: Decimal, currency: str) -> ProviderResult:
        """Give back ``amount`` of a captured payment."""

    def void(self, *, reference: str) -> ProviderResult:
        """Let go of an authorisation that will not be captured."""


def _token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"


class TestCardProvider:
    """The built-in provider for development, demos and tests (see the module docstring
    for its card numbers)."""

    __test__ = False  # a provider, not a pytest test class

    # Lazy: read in the shopper's language when the refusal is shown.
    OUTCOMES: dict[str, tuple[str, str, str | Promise]] = {
        "4000000000000002": (DECLINED, "card_declined", gettext_lazy("Your card was declined.")),
        "4000000000009995": (
            DECLINED,
            "insufficient_funds",
            gettext_lazy("Your card has insufficient funds. Try another card."),
        ),
        "4000000000000119": (
            FAILED,
            "processing_error",
            gettext_lazy("We could not process your card just now. Please try again in a moment."),
        ),
    }

    def authorise(self, *, amount: Decimal, currency: str, card: Card | None) -> ProviderResult:
        if card is None:
            return ProviderResult(FAILED, failure_code="processing_error", failure_message="")
        if card.number in self.OUTCOMES:
            outcome, code, message = self.OUTCOMES[card.number]
            return ProviderResult(outcome, failure_code=code, failure_message=message)
        today = timezone.localdate()
        if card.expiry is not None and card.expiry < (today.year, today.month):
            return ProviderResult(
                DECLINED, failure_code="expired_card", failure_message=_("Your card has expired.")
            )
        if card.cvc == "000":
            return ProviderResult(
                DECLINED,
                failure_code="incorrect_cvc",
                failure_message=_("The security code (CVC) is not right for this card."),
            )
        return ProviderResult(SUCCEEDED, reference=_token("test_auth"))

    def capture(self, *, reference: str, amount: Decimal, currency: str) -> ProviderResult:
        return ProviderResult(SUCCEEDED, reference=reference)

    def refund(self, *, reference: str, amount: Decimal, currency: str) -> ProviderResult:
        return ProviderResult(SUCCEEDED, reference=_token("test_refund"))

    def void(self, *, reference: str) -> ProviderResult:
        return ProviderResult(SUCCEEDED, reference=reference)


class InStoreProvider:
    """Money that changes hands at a till (pay in store) or elsewhere (a POS, a
    marketplace): nothing to call, the outcome is recorded as it is."""

    def authorise(self, *, amount: Decimal, currency: str, card: Card | None) -> ProviderResult:
        return ProviderResult(PENDING)

    def capture(self, *, reference: str, amount: Decimal, currency: str) -> ProviderResult:
        return ProviderResult(SUCCEEDED, reference=reference)

    def refund(self, *, reference: str, amount: Decimal, currency: str) -> ProviderResult:
        return ProviderResult(SUCCEEDED, reference="paid-out-in-store")

    def void(self, *, reference: str) -> ProviderResult:
        return ProviderResult(SUCCEEDED, reference=reference)


@dataclass(frozen=True)
class QrConfirmation:
    """What a QR provider's signed callback says was paid."""

    reference: str
    amount: Decimal
    currency: str
    transaction_id: str = ""


class QrPaymentProvider(PaymentProvider, Protocol):
    """A bank-app QR provider: ``authorise`` answers PENDING with the reference the
    payment is found by; the code shown is ``qr_payload``; the bank's confirmation
    arrives as a callback the provider checks and reads (``callback_parse``)."""

    def qr_payload(self, *, amount: Decimal, currency: str, reference: str) -> str:
        """The text the QR code the shopper scans encodes."""

    def callback_parse(self, *, body: bytes, signature: str) -> QrConfirmation:
        """The confirmation in a callback's raw ``body``. Raises QrCallbackInvalid
        (``bad_signature``, ``malformed_callback``)."""


class TestQrProvider(InStoreProvider):
    """The built-in QR provider (``qr_test``): no bank behind it. Its code is a real
    PromptPay / EMVCo payload for the amount (a banking app reads it), to the merchant
    account of ``OMNI_QR_MERCHANT_ID``; the "bank" confirms with a JSON body
    ``{"reference", "amount", "currency", "transaction_id"}`` signed with HMAC-SHA256
    and ``OMNI_QR_CALLBACK_SECRET``, hex, in the ``X-Omni-Signature`` header
    (``sha256=<hex>`` or the bare hex)."""

    __test__ = False

    def authorise(self, *, amount: Decimal, currency: str, card: Card | None) -> ProviderResult:
        return ProviderResult(PENDING, reference=_token("qr"))

    def refund(self, *, reference: str, amount: Decimal, currency: str) -> ProviderResult:
        return ProviderResult(SUCCEEDED, reference=_token("qr_refund"))

    def qr_payload(self, *, amount: Decimal, currency: str, reference: str) -> str:
        market = current_market()
        return qr_payment_payload(
            amount=amount,
            currency=currency,
            decimals=minor_units(currency),
            country=market.country,
            merchant_id=qr_merchant_setting("OMNI_QR_MERCHANT_ID", "qr_merchant_id"),
            merchant_name=qr_merchant_setting("OMNI_QR_MERCHANT_NAME", "qr_merchant_name"),
            merchant_city=qr_merchant_setting("OMNI_QR_MERCHANT_CITY", "qr_merchant_city")
            or market.time_zone.rsplit("/", 1)[-1].replace("_", " "),
            reference=reference,
            scheme_id=qr_merchant_setting("OMNI_QR_SCHEME_ID", "qr_scheme_id"),
            merchant_tag=qr_merchant_setting("OMNI_QR_MERCHANT_TAG", "qr_merchant_tag"),
        )

    def callback_parse(self, *, body: bytes, signature: str) -> QrConfirmation:
        secret = getattr(settings, "OMNI_QR_CALLBACK_SECRET", "")
        given = (signature or "").strip().removeprefix("sha256=")
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest() if secret else ""
        if not secret or not hmac.compare_digest(given.lower(), expected):
            raise QrCallbackInvalid(
                _("The callback's signature is missing or not valid."), code="bad_signature"
            )
        try:
            data = json.loads(body)
            confirmation = QrConfirmation(
                reference=str(data["reference"]),
                amount=Decimal(str(data["amount"])),
                currency=str(data.get("currency", "")).upper(),
                transaction_id=str(data.get("transaction_id", ""))[:60],
            )
        except (ValueError, TypeError, KeyError, ArithmeticError):
            raise QrCallbackInvalid(
                _('The callback body must be JSON with "reference" and "amount".'),
                code="malformed_callback",
            ) from None
        # Finite and of a size money has (1e100000 is a number no till ever charged).
        if not confirmation.amount.is_finite() or abs(confirmation.amount) >= Decimal("1e18"):
            raise QrCallbackInvalid(_("The amount is not a number."), code="malformed_callback")
        return confirmation


def qr_merchant_setting(name: str, market_key: str) -> str:
    """A QR merchant detail: the setting, else the market's ``extra``, else blank."""
    value = getattr(settings, name, "") or current_market().extra.get(market_key, "")
    return str(value or "")


_PROVIDERS: dict[str, PaymentProvider] = {
    Payment.Provider.TEST: TestCardProvider(),
    Payment.Provider.PAY_IN_STORE: InStoreProvider(),
    Payment.Provider.EXTERNAL: InStoreProvider(),
    Payment.Provider.QR_TEST: TestQrProvider(),
    Payment.Provider.COD: InStoreProvider(),
}


def payment_provider_register(name: str, provider: PaymentProvider) -> None:
    """Make ``provider`` available under ``name`` (call from an AppConfig.ready())."""
    _PROVIDERS[name] = provider


def payment_provider_for(name: str) -> PaymentProvider:
    try:
        return _PROVIDERS[name]
    except KeyError:
        raise PaymentFailed(
            _("This payment method is not available."), code="provider_unavailable", provider=name
        ) from None


def card_provider_name() -> str:
    return getattr(settings, "OMNI_CARD_PAYMENT_PROVIDER", Payment.Provider.TEST)


def qr_provider_name() -> str:
    return getattr(settings, "OMNI_QR_PAYMENT_PROVIDER", Payment.Provider.QR_TEST)


def qr_provider_names() -> frozenset[str]:
    """Every provider name a QR payment may carry (the configured one and the test one)."""
    return Payment.qr_providers()


def qr_expiry() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "OMNI_QR_EXPIRY_MINUTES", 30)))


def _raise_for(result: ProviderResult) -> None:
    if result.outcome == DECLINED:
        raise PaymentDeclined(
            result.failure_message or _("Your card was declined."),
            code=result.failure_code or "card_declined",
        )
    raise PaymentFailed(
        result.failure_message or _("We could not process the payment. Please try again."),
        code=result.failure_code or "processing_error",
    )


# --- services ---------------------------------------------------------------------------


def payment_take(
    *,
    order: Order,
    choice: PaymentChoice,
    card: Card | None,
    capture_now: bool = False,
    location: Location | None = None,
    amount: Decimal | None = None,
) -> Payment | None:
    """Take the order's total (or ``amount`` of it: what its tenders left) as the
    shopper chose (called by checkout, inside its
    transaction, as its last write). A card is authorised and captured; pay in store is a
    pending payment (captured at once when ``capture_now``: a sale at the till); store
    credit spends the customer's ledger; external is recorded as captured; QR and cash on
    delivery are pending payments (QR with its provider's reference and expiry).

    Locks the customer row for store credit. Raises PaymentDeclined (``card_declined``,
    ``insufficient_funds``, ``insufficient_store_credit``), PaymentFailed
    (``processing_error``), PaymentDeclined (``amount_remaining``: tenders only, and
    something is left): the caller's transaction then rolls everything back. None for
    tenders only (nothing left to take)."""
    amount = to_money(order.total if amount is None else amount, order.currency)
    common = {"order": order, "amount": amount, "currency": order.currency}
    if choice.method == METHOD_TENDERS_ONLY:
        if amount > ZERO:
            raise PaymentDeclined(
                _("%(amount)s is still to pay; choose how to pay it.")
                % {"amount": format_money(amount, order.currency)},
                code="amount_remaining",
                field="payment",
                remaining=str(amount),
            )
        return None
    if choice.method == METHOD_TENDERED:
        return None
    if choice.method == METHOD_CARD:
        return payment_card_take(order=order, card=card, amount=amount)
    if choice.method == METHOD_PAY_IN_STORE:
        return Payment.objects.create(
            **common,
            provider=Payment.Provider.PAY_IN_STORE,
            status=Payment.Status.CAPTURED if capture_now else Payment.Status.PENDING,
        )
    if choice.method == METHOD_QR:
        provider_name = qr_provider_name()
        pending = payment_provider_for(provider_name).authorise(
            amount=amount, currency=order.currency, card=None
        )
        if not pending.ok:
            _raise_for(pending)
        return Payment.objects.create(
            **common,
            provider=provider_name,
            status=Payment.Status.PENDING,
            provider_reference=pending.reference[:80],
            expires_at=timezone.now() + qr_expiry(),
        )
    if choice.method == METHOD_COD:
        return Payment.objects.create(
            **common, provider=Payment.Provider.COD, status=Payment.Status.PENDING
        )
    if choice.method == METHOD_STORE_CREDIT:
        customer = Customer.objects.select_for_update().get(pk=order.customer_id)
        balance = customer_selectors.store_credit_balance(
            customer=customer, currency=order.currency
        )
        if balance < amount:
            raise PaymentDeclined(
                _("Your store credit (%(balance)s) does not cover this order (%(amount)s).")
                % {
                    "balance": format_money(balance, order.currency),
                    "amount": format_money(amount, order.currency),
                },
                code="insufficient_store_credit",
                balance=str(balance),
            )
        if amount:
            customer_services.store_credit_add(
                customer=customer,
                amount=-amount,
                reason=StoreCreditEntry.Reason.SPEND,
                reference=order,
                location=location,
                note=f"Order {order.number}",
                currency=order.currency,
            )
        return Payment.objects.create(
            **common, provider=Payment.Provider.STORE_CREDIT, status=Payment.Status.CAPTURED
        )
    return Payment.objects.create(
        **common,
        provider=Payment.Provider.EXTERNAL,
        status=Payment.Status.CAPTURED,
        provider_reference=(choice.reference or order.external_reference)[:80],
    )


def payment_card_take(*, order: Order, card: Card | None, amount: Decimal) -> Payment:
    """Authorise and capture ``amount`` of the order on the card (the whole order at
    checkout, one tender of a split at the till). Raises PaymentDeclined / PaymentFailed
    with nothing recorded; a capture refused voids its authorisation."""
    amount = to_money(amount)
    provider_name = card_provider_name()
    provider = payment_provider_for(provider_name)
    authorised = provider.authorise(amount=amount, currency=order.currency, card=card)
    if not authorised.ok:
        _raise_for(authorised)
    captured = provider.capture(
        reference=authorised.reference, amount=amount, currency=order.currency
    )
    if not captured.ok:
        provider.void(reference=authorised.reference)
        _raise_for(captured)
    return Payment.objects.create(
        order=order,
        amount=amount,
        currency=order.currency,
        provider=provider_name,
        status=Payment.Status.CAPTURED,
        provider_reference=captured.reference or authorised.reference,
        card_last4=card.last4 if card else "",
    )


def payment_tender_record(
    *, order: Order, provider: str, amount: Decimal, reference: str = ""
) -> Payment:
    """A captured payment of ``amount`` for money handed over at a till (``cash``: what
    went into the drawer, change already given back)."""
    return Payment.objects.create(
        order=order,
        amount=to_money(amount),
        currency=order.currency,
        provider=provider,
        status=Payment.Status.CAPTURED,
        provider_reference=reference[:80],
    )


def _locked_payment(payment: Payment) -> Payment:
    return (
        Payment.objects.select_for_update(of=("self",)).select_related("order").get(pk=payment.pk)
    )


@transaction.atomic
def payment_capture(*, payment: Payment, amount: Decimal | None = None) -> Payment:
    """Take a pending payment (pay in store, when the shopper collects): all of it, or
    ``amount`` when they take fewer units than they ordered (the rest is never charged).

    Locks the payment. Raises InvalidTransition (not pending), CheckoutInvalid (an
    amount above the payment's)."""
    payment = _locked_payment(payment)
    if payment.status not in (Payment.Status.PENDING, Payment.Status.AUTHORISED):
        raise InvalidTransition(
            _("This payment is %(status)s; only a pending payment can be captured.")
            % {"status": payment.get_status_display().lower()},
            payment_id=payment.pk,
        )
    amount = payment.amount if amount is None else to_money(amount)
    if not ZERO <= amount <= payment.amount:
        raise CheckoutInvalid(
            _("At most %(amount)s can be taken.")
            % {"amount": format_money(payment.amount, payment.currency)},
            field="amount",
        )
    result = payment_provider_for(payment.provider).capture(
        reference=payment.provider_reference, amount=amount, currency=payment.currency
    )
    if not result.ok:
        _raise_for(result)
    payment.amount = amount
    payment.status = Payment.Status.CAPTURED
    payment.provider_reference = (result.reference or payment.provider_reference)[:80]
    payment.save(update_fields=["amount", "status", "provider_reference", "updated_at"])
    return payment


def order_qr_payment_required(*, order: Order) -> None:
    """The goods do not leave before a QR payment's money arrives: raises
    InvalidTransition (``qr_payment_pending``) while the order has a pending QR payment.
    Called by shipping and collecting; reads the payments without locking them."""
    if order.payments.filter(
        provider__in=qr_provider_names(), status=Payment.Status.PENDING
    ).exists():
        raise InvalidTransition(
            _(
                "The QR payment for order %(number)s has not arrived yet; confirm it "
                "before the items leave."
            )
            % {"number": order.number},
            code="qr_payment_pending",
            order_id=order.pk,
        )


@transaction.atomic
def payments_collect_on_delivery(*, order: Order) -> list[Payment]:
    """The carrier (or the associate) handed the parcel over and took the cash: every
    pending cash-on-delivery payment of the order is captured, in full (a split order's
    cash is collected with its first parcel). Called by ``fulfilment_deliver`` after it
    locked the fulfilment; locks the payments. Returns those captured."""
    pending = order.payments.filter(
        provider=Payment.Provider.COD, status=Payment.Status.PENDING
    ).order_by("pk")
    return [payment_capture(payment=payment) for payment in pending]


@transaction.atomic
def payment_void(*, payment: Payment) -> Payment:
    """Let go of a payment that will not be taken (a pay-in-store pickup that expired or
    was cancelled). Idempotent on a voided payment.

    Locks the payment. Raises InvalidTransition (already captured: refund it instead)."""
    payment = _locked_payment(payment)
    if payment.status == Payment.Status.VOIDED:
        return payment
    if payment.status not in (Payment.Status.PENDING, Payment.Status.AUTHORISED):
        raise InvalidTransition(
            _("This payment was already taken; refund it instead."), payment_id=payment.pk
        )
    payment_provider_for(payment.provider).void(reference=payment.provider_reference)
    payment.status = Payment.Status.VOIDED
    payment.save(update_fields=["status", "updated_at"])
    return payment


_REFUNDABLE = (
    Payment.Status.CAPTURED,
    Payment.Status.PARTIALLY_REFUNDED,
    Payment.Status.REFUNDED,
)


def payment_refundable(*, payment: Payment) -> Decimal:
    """What can still be refunded on a payment: captured minus what was refunded."""
    if payment.status not in _REFUNDABLE:
        return ZERO
    refunded = payment.refunds.exclude(status=Refund.Status.FAILED).aggregate(s=Sum("amount"))["s"]
    return to_money(payment.amount - (refunded or ZERO))


@transaction.atomic
def payment_refund(
    *,
    payment: Payment,
    amount: Decimal,
    reason: str,
    reference: Model | None = None,
) -> Refund:
    """Give ``amount`` back through the payment's provider: the card provider refunds
    the card; store credit goes back to the customer's store-credit ledger; pay-in-store
    and external payments are recorded as paid out in store. The payment becomes
    ``refunded`` or ``partially_refunded``. ``reference`` (a return, a fulfilment) is
    stored on the refund.

    Locks the payment row. Raises RefundNotAllowed (``refund_exceeds_payment``: more
    than captured minus already refunded, nothing captured yet, or not a positive
    amount), PaymentFailed (``refund_failed``: the provider refused; nothing written)."""
    payment = _locked_payment(payment)
    amount = to_money(amount)
    refundable = payment_refundable(payment=payment)
    if amount <= ZERO or amount > refundable:
        raise RefundNotAllowed(
            _("At most %(amount)s of this payment can be refunded.")
            % {"amount": format_money(refundable, payment.currency)}
            if refundable
            else _("Nothing of this payment can be refunded."),
            code="refund_exceeds_payment",
            payment_id=payment.pk,
            requested=str(amount),
            refundable=str(refundable),
        )
    refund = Refund(payment=payment, amount=amount, reason=reason[:255])
    if reference is not None:
        refund.set_reference(reference)
    if payment.provider == Payment.Provider.STORE_CREDIT:
        entry = customer_services.store_credit_add(
            customer=payment.order.customer,
            amount=amount,
            reason=StoreCreditEntry.Reason.RETURN_REFUND
            if reference is not None
            else StoreCreditEntry.Reason.ADJUSTMENT,
            reference=reference if reference is not None else payment.order,
            note=f"Refund on order {payment.order.number}: {reason}"[:255],
            currency=payment.currency,
        )
        refund.provider_reference = f"store-credit:{entry.pk}"
    elif payment.provider == Payment.Provider.GIFT_CARD:
        refund.provider_reference = _gift_card_refund(payment, amount, reason, reference)
    elif payment.provider == Payment.Provider.LOYALTY_POINTS:
        refund.provider_reference = _points_refund(payment, amount, refundable, reference)
    else:
        result = payment_provider_for(payment.provider).refund(
            reference=payment.provider_reference, amount=amount, currency=payment.currency
        )
        if not result.ok:
            logger.warning("refund of payment %s refused: %s", payment.pk, result.failure_code)
            raise PaymentFailed(
                result.failure_message or _("The refund could not be made; try again later."),
                code="refund_failed",
                payment_id=payment.pk,
            )
        refund.provider_reference = result.reference[:80]
    refund.status = Refund.Status.SUCCEEDED
    refund.save()
    payment.status = (
        Payment.Status.REFUNDED if amount == refundable else Payment.Status.PARTIALLY_REFUNDED
    )
    payment.save(update_fields=["status", "updated_at"])
    if refund.reference_type != "returns.return":
        # A return's own email tells about its refund; any other refund gets a receipt.
        outbox_record(
            topic="email.refund_issued",
            payload={"refund_id": refund.pk},
            dedupe_key=f"email.refund_issued:orders.refund:{refund.pk}",
        )
    return refund


def tender_reference_parse(reference: str) -> tuple[str, int, int]:
    """("gift-card" | "points", id, n) from a tender payment's ``provider_reference``:
    ``gift-card:<card id>:<ledger entry id>``, ``points:<points spent>:<entry id>``."""
    kind, _sep, rest = (reference or "").partition(":")
    first, _sep, second = rest.partition(":")
    try:
        return kind, int(first), int(second or 0)
    except ValueError:
        return kind, 0, 0


def _gift_card_refund(payment: Payment, amount: Decimal, reason: str, reference) -> str:
    """Back onto the card that paid; onto a new card (its code emailed to the customer)
    when that one can no longer be spent (disabled or expired)."""
    _kind, card_id, _entry = tender_reference_parse(payment.provider_reference)
    card = GiftCard.objects.filter(pk=card_id).first()
    note = f"Refund on order {payment.order.number}: {reason}"[:255]
    if card is not None and card.status == GiftCard.Status.ACTIVE and not card.is_expired():
        entry = gift_card_services.gift_card_credit(
            card=card, amount=amount, reference=reference or payment.order, note=note
        )
        return f"gift-card:{card.pk}:{entry.pk}"
    issued = gift_card_services.gift_card_issue(
        amount=amount,
        currency=payment.currency,
        source=GiftCard.Source.REFUND,
        reason=note,
        customer=payment.order.customer,
        delivery=GiftCard.Delivery.EMAIL,
        recipient_email=payment.order.email or payment.order.customer.email or "",
        reference=reference or payment.order,
        check_bounds=False,
    )
    gift_card_services.gift_card_code_send(card=issued.card, code=issued.code)
    return f"gift-card:{issued.card.pk}:0"


def _points_refund(payment: Payment, amount: Decimal, refundable: Decimal, reference) -> str:
    """The points that paid ``amount`` back to the customer, at the rate they were spent
    (a full refund gives back exactly what was spent, a part its share)."""
    _kind, spent, _entry = tender_reference_parse(payment.provider_reference)
    already_back = sum(
        tender_reference_parse(r.provider_reference)[1]
        for r in payment.refunds.exclude(status=Refund.Status.FAILED)
    )
    left = max(spent - already_back, 0)
    points = (
        left
        if amount >= refundable
        else min(left, int((Decimal(spent) * amount / payment.amount).to_integral_value()))
    )
    if points <= 0:
        return "points:0:0"
    entry = customer_services.loyalty_add(
        customer=payment.order.customer,
        points=points,
        reason=LoyaltyEntry.Reason.RETURN
        if reference is not None
        else LoyaltyEntry.Reason.ADJUSTMENT,
        # Not the order: its positive entries are what it earned (returns take those back).
        reference=reference,
        note=f"Points paid back, order {payment.order.number}",
    )
    return f"points:{points}:{entry.pk}"


def order_refund_value(
    *, order: Order, amount: Decimal, reason: str, reference: Model | None = None
) -> Decimal:
    """Give back up to ``amount`` of what the order paid, newest payment first; pending
    payments are left to the caller (capture less or void). Returns what was refunded.
    Runs in the caller's transaction; locks each payment it refunds."""
    remaining = to_money(amount)
    refunded = ZERO
    for payment in order.payments.filter(status__in=_REFUNDABLE).order_by("-pk"):
        if remaining <= ZERO:
            break
        take = min(remaining, payment_refundable(payment=payment))
        if take > ZERO:
            payment_refund(payment=payment, amount=take, reason=reason, reference=reference)
            remaining -= take
            refunded += take
    return refunded
