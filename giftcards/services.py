"""Gift cards: issue, find by code, debit, credit back, balance.

Codes
=====
A code is 16 characters from an alphabet without look-alikes (no 0/O, 1/I/L), drawn with
``secrets`` (80 bits), shown grouped ``ABCD-EFGH-JKMN-PQRS``. Only its HMAC-SHA256 keyed
with ``SECRET_KEY`` is stored (``GiftCard.code_hash``) with the last four characters for
display; typing it is forgiving (case, spaces and dashes ignored). The plain code exists
only in the ``IssuedGiftCard`` an issue returns (to show once or email).

Balance
=======
The balance is the sum of the card's ledger (``GiftCardEntry``). ``gift_card_debit``
locks the card row (``SELECT ... FOR UPDATE``) before it sums, so two spends of the same
card run one after the other and the balance never goes below zero: of two racing spends
of the whole balance, one wins and the other is told how much is left.

Settings
========
- ``OMNI_GIFT_CARD_EXPIRY_MONTHS``: None (the default) means cards never expire — what
  most markets' consumer law expects; a number of months sets ``expires_at`` on issue.
- ``OMNI_GIFT_CARD_MIN`` / ``OMNI_GIFT_CARD_MAX``: the amounts a card may be sold or
  issued for, in the market's currency; unset, the market's (``omni.markets``
  ``gift_card_min`` / ``gift_card_max``: local price points).
- ``OMNI_GIFT_CARD_CHECKS_PER_WINDOW`` / ``OMNI_GIFT_CARD_CHECK_WINDOW_SECONDS``: balance
  checks allowed per client per window (guessing codes); best-effort (a cache outage lets
  checks through rather than failing the page).
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.services.base import reference_of
from giftcards.errors import (
    GiftCardInsufficient,
    GiftCardInvalid,
    GiftCardNotFound,
    TooManyAttempts,
)
from giftcards.models import GiftCard, GiftCardEntry
from omni.markets import current_market
from omni.money import ZERO, format_money, to_money
from omni.money import currency as install_currency
from omni.outbox import outbox_record
from stores.models import Location

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16


@dataclass(frozen=True)
class IssuedGiftCard:
    """A card just issued and its plain ``code`` — the only time the code is known."""

    card: GiftCard
    code: str = field(repr=False)


def code_normalise(code: str) -> str:
    """What the shopper typed, as stored codes are hashed: upper case, no spaces/dashes."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def code_format(code: str) -> str:
    plain = code_normalise(code)
    return "-".join(plain[i : i + 4] for i in range(0, len(plain), 4))


def code_hash(code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, code_normalise(code).encode(), hashlib.sha256).hexdigest()


def _code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def amount_bounds(currency: str | None = None) -> tuple[Decimal, Decimal]:
    """The least and most a card may be worth in ``currency`` (the install's)."""
    code = currency or install_currency()
    market = current_market()
    # The market's local price points in its own currency; any other currency: no bound
    # but a positive amount (a refund's new card may be in an order's currency).
    low = market.gift_card_min if market.currency == code else Decimal("0.01")
    high = market.gift_card_max if market.currency == code else Decimal("1e15")
    low = getattr(settings, "OMNI_GIFT_CARD_MIN", None) or low
    high = getattr(settings, "OMNI_GIFT_CARD_MAX", None) or high
    return to_money(str(low), code), to_money(str(high), code)


def amount_check(amount: Decimal, currency: str) -> Decimal:
    """``amount`` as money when it is within the bounds; GiftCardInvalid (field
    ``amount``) otherwise."""
    low, high = amount_bounds(currency)
    try:
        value = to_money(amount, currency)
    except (ArithmeticError, TypeError, ValueError):
        value = None
    if value is None or value <= ZERO or not low <= value <= high:
        raise GiftCardInvalid(
            _("A gift card can be worth from %(low)s to %(high)s.")
            % {"low": format_money(low, currency), "high": format_money(high, currency)},
            field="amount",
        )
    return value


def expiry_for(now: dt.datetime) -> dt.datetime | None:
    months = getattr(settings, "OMNI_GIFT_CARD_EXPIRY_MONTHS", None)
    if not months:
        return None
    month_index = now.month - 1 + int(months)
    year, month = now.year + month_index // 12, month_index % 12 + 1
    day = min(now.day, calendar.monthrange(year, month)[1])
    return now.replace(year=year, month=month, day=day)


@transaction.atomic
def gift_card_issue(
    *,
    amount: Decimal,
    source: str,
    currency: str | None = None,
    reason: str = "",
    issued_by=None,
    customer: Customer | None = None,
    delivery: str = GiftCard.Delivery.PHYSICAL,
    recipient_name: str = "",
    recipient_email: str = "",
    message: str = "",
    reference: Model | None = None,
    location: Location | None = None,
    check_bounds: bool = True,
) -> IssuedGiftCard:
    """A new card worth ``amount`` with its ISSUE ledger entry; the plain code is in the
    result only. Staff issues (``source=issued``) need a ``reason``; a refund to a new
    card (``source=refund``) skips the sale bounds (``check_bounds=False``).

    Raises GiftCardInvalid (``field`` amount or reason)."""
    code = currency or install_currency()
    if check_bounds:
        value = amount_check(amount, code)
    else:
        value = to_money(amount, code)
        if value <= ZERO:
            raise GiftCardInvalid(_("The amount must be more than zero."), field="amount")
    if source == GiftCard.Source.ISSUED and not reason.strip():
        raise GiftCardInvalid(_("Say why the card is issued."), field="reason")
    now = timezone.now()
    plain = _code_new()
    reference_type, reference_id = reference_of(reference)
    card = GiftCard.objects.create(
        code_hash=code_hash(plain),
        last4=plain[-4:],
        currency=code,
        initial_amount=value,
        source=source,
        delivery=delivery,
        reason=reason.strip()[:255],
        issued_by=issued_by if getattr(issued_by, "is_authenticated", False) else None,
        customer=customer,
        recipient_name=recipient_name[:120],
        recipient_email=recipient_email,
        message=message[:500],
        expires_at=expiry_for(now),
        reference_type=reference_type,
        reference_id=reference_id,
    )
    GiftCardEntry.objects.create(
        card=card,
        amount=value,
        reason=GiftCardEntry.Reason.ISSUE,
        note=reason.strip()[:255],
        location=location,
        reference_type=reference_type,
        reference_id=reference_id,
    )
    return IssuedGiftCard(card=card, code=code_format(plain))


def gift_card_balance(*, card: GiftCard) -> Decimal:
    """The card's balance: the sum of its ledger, in its currency."""
    total = GiftCardEntry.objects.filter(card_id=card.pk).aggregate(s=Sum("amount"))["s"]
    return to_money(total or ZERO, card.currency)


def gift_card_find(*, code: str, usable: bool = True) -> GiftCard:
    """The card with this code. With ``usable``, a disabled or expired card is not found
    either (one answer for all, so a guesser learns nothing). Raises GiftCardNotFound."""
    plain = code_normalise(code)
    card = (
        GiftCard.objects.filter(code_hash=code_hash(plain)).first()
        if len(plain) == CODE_LENGTH
        else None
    )
    if card is None or (usable and (card.status != GiftCard.Status.ACTIVE or card.is_expired())):
        raise GiftCardNotFound(field="gift_card_code")
    return card


@transaction.atomic
def gift_card_debit(
    *,
    card: GiftCard,
    amount: Decimal,
    reference: Model | None = None,
    location: Location | None = None,
    note: str = "",
    partial: bool = False,
) -> GiftCardEntry:
    """Take ``amount`` off the card (a negative SPEND entry). With ``partial``, take what
    the balance allows (at most ``amount``) instead of refusing.

    Locks the card row, then sums its ledger: concurrent debits of one card queue, and the
    balance never goes negative. Raises GiftCardNotFound (disabled or expired since it was
    found), GiftCardInsufficient (``balance`` in the details; nothing left with
    ``partial``), GiftCardInvalid (not a positive amount)."""
    locked = GiftCard.objects.select_for_update().get(pk=card.pk)
    if locked.status != GiftCard.Status.ACTIVE or locked.is_expired():
        raise GiftCardNotFound(field="gift_card_code")
    wanted = to_money(amount, locked.currency)
    if wanted <= ZERO:
        raise GiftCardInvalid(_("The amount must be more than zero."), field="amount")
    balance = gift_card_balance(card=locked)
    take = min(wanted, balance) if partial else wanted
    if take <= ZERO or take > balance:
        raise GiftCardInsufficient(
            _("This gift card has %(balance)s left.")
            % {"balance": format_money(balance, locked.currency)},
            field="gift_card_code",
            balance=str(balance),
        )
    reference_type, reference_id = reference_of(reference)
    return GiftCardEntry.objects.create(
        card=locked,
        amount=-take,
        reason=GiftCardEntry.Reason.SPEND,
        reference_type=reference_type,
        reference_id=reference_id,
        location=location,
        note=note[:255],
    )


@transaction.atomic
def gift_card_credit(
    *,
    card: GiftCard,
    amount: Decimal,
    reason: str = GiftCardEntry.Reason.REFUND,
    reference: Model | None = None,
    location: Location | None = None,
    note: str = "",
) -> GiftCardEntry:
    """Put ``amount`` back on the card (a refund of what it paid, an adjustment). Works
    on an expired or disabled card too: the money is the holder's. Locks the card row.
    Raises GiftCardInvalid (not a positive amount)."""
    locked = GiftCard.objects.select_for_update().get(pk=card.pk)
    value = to_money(amount, locked.currency)
    if value <= ZERO:
        raise GiftCardInvalid(_("The amount must be more than zero."), field="amount")
    reference_type, reference_id = reference_of(reference)
    return GiftCardEntry.objects.create(
        card=locked,
        amount=value,
        reason=reason,
        reference_type=reference_type,
        reference_id=reference_id,
        location=location,
        note=note[:255],
    )


GIFT_CARD_EMAIL_TOPIC = "email.gift_card"


def gift_card_code_send(*, card: GiftCard, code: str) -> None:
    """Email the card's code to its recipient after commit (the outbox). The code rides
    in the outbox payload until the email is sent, then the handler removes it
    (``giftcards.emails``): it is never stored with the card."""
    if not card.recipient_email:
        return
    outbox_record(
        topic=GIFT_CARD_EMAIL_TOPIC,
        payload={"card_id": card.pk, "code": code},
        dedupe_key=f"{GIFT_CARD_EMAIL_TOPIC}:giftcards.giftcard:{card.pk}",
    )


def balance_check_allow(*, client: str) -> None:
    """Count one balance check by ``client`` (an IP, a key); raise TooManyAttempts past
    ``OMNI_GIFT_CARD_CHECKS_PER_WINDOW`` in ``OMNI_GIFT_CARD_CHECK_WINDOW_SECONDS``.
    Best-effort: without a cache the check is allowed (the 80-bit code is the real
    guard)."""
    limit = int(getattr(settings, "OMNI_GIFT_CARD_CHECKS_PER_WINDOW", 10))
    window = int(getattr(settings, "OMNI_GIFT_CARD_CHECK_WINDOW_SECONDS", 600))
    key = "giftcards:checks:" + hashlib.sha256(client.encode()).hexdigest()[:32]
    try:
        cache.add(key, 0, timeout=window)
        count = cache.incr(key)
    except ValueError:
        return
    except Exception:
        return
    if count > limit:
        raise TooManyAttempts()
