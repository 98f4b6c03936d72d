"""Gift cards: codes shown once and stored hashed, the ledger, debits that never go below
zero, credits back, bounds and expiry from the settings."""

from decimal import Decimal

import pytest
from django.test import override_settings

from giftcards import services
from giftcards.errors import GiftCardInsufficient, GiftCardInvalid, GiftCardNotFound
from giftcards.models import GiftCard, GiftCardEntry
from tests import factories as f

pytestmark = pytest.mark.django_db


def _issue(amount="50.00", **kwargs):
    kwargs.setdefault("source", GiftCard.Source.ISSUED)
    kwargs.setdefault("reason", "Goodwill: late parcel")
    return services.gift_card_issue(amount=Decimal(amount), **kwargs)


def test_the_code_is_shown_once_and_only_its_hash_is_stored():
    issued = _issue()
    card = GiftCard.objects.get(pk=issued.card.pk)
    plain = services.code_normalise(issued.code)
    assert len(plain) == 16 and issued.code.count("-") == 3
    assert plain not in card.code_hash and card.last4 == plain[-4:]
    assert card.code_hash == services.code_hash(issued.code)
    assert "code" not in repr(issued) or plain not in repr(issued)
    # Found however it is typed: lower case, spaces, no dashes.
    typed = " ".join(plain.lower()[i : i + 4] for i in range(0, 16, 4))
    assert services.gift_card_find(code=typed) == card


def test_the_balance_is_the_sum_of_the_ledger():
    card = _issue("50.00").card
    order = f.OrderFactory()
    services.gift_card_debit(card=card, amount=Decimal("20.00"), reference=order)
    services.gift_card_credit(card=card, amount=Decimal("5.00"), reference=order)
    assert services.gift_card_balance(card=card) == Decimal("35.00")
    reasons = list(card.entries.order_by("pk").values_list("reason", "amount"))
    assert reasons == [
        ("issue", Decimal("50.00")),
        ("spend", Decimal("-20.00")),
        ("refund", Decimal("5.00")),
    ]
    entry = card.entries.first()
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_a_debit_above_the_balance_is_refused_or_takes_what_is_left():
    card = _issue("30.00").card
    with pytest.raises(GiftCardInsufficient) as caught:
        services.gift_card_debit(card=card, amount=Decimal("30.01"))
    assert caught.value.details["balance"] == "30.00"
    entry = services.gift_card_debit(card=card, amount=Decimal("45.00"), partial=True)
    assert entry.amount == Decimal("-30.00")
    assert services.gift_card_balance(card=card) == Decimal("0.00")
    with pytest.raises(GiftCardInsufficient):
        services.gift_card_debit(card=card, amount=Decimal("1.00"), partial=True)


@pytest.mark.parametrize("code", ["", "nope", "AAAA-AAAA-AAAA-AAAA", "x" * 500])
def test_unknown_codes_are_not_found(code):
    _issue()
    with pytest.raises(GiftCardNotFound):
        services.gift_card_find(code=code)


def test_a_disabled_card_is_not_found_and_cannot_be_spent():
    issued = _issue()
    GiftCard.objects.filter(pk=issued.card.pk).update(status=GiftCard.Status.DISABLED)
    with pytest.raises(GiftCardNotFound):
        services.gift_card_find(code=issued.code)
    with pytest.raises(GiftCardNotFound):
        services.gift_card_debit(card=issued.card, amount=Decimal("1.00"))


def test_amounts_out_of_bounds_and_staff_issues_without_a_reason_are_refused():
    with pytest.raises(GiftCardInvalid) as caught:
        _issue("4.99")
    assert caught.value.details["field"] == "amount"
    with pytest.raises(GiftCardInvalid):
        _issue("500.01")
    with pytest.raises(GiftCardInvalid) as caught:
        _issue("50", reason="  ")
    assert caught.value.details["field"] == "reason"
    with override_settings(OMNI_GIFT_CARD_MIN="1", OMNI_GIFT_CARD_MAX="2000"):
        assert _issue("1500").card.initial_amount == Decimal("1500.00")


def test_cards_never_expire_unless_the_market_setting_says_so():
    assert _issue().card.expires_at is None
    with override_settings(OMNI_GIFT_CARD_EXPIRY_MONTHS=24):
        card = _issue().card
    assert card.expires_at is not None
    assert (card.expires_at - card.created_at).days in range(729, 733)


def test_zero_decimal_currency_bounds(settings):
    from omni.markets import build_market

    settings.OMNI_MARKET_CONFIG = build_market("VN")
    settings.OMNI_CURRENCY = "VND"
    low, high = services.amount_bounds("VND")
    assert (low, high) == (Decimal("100000"), Decimal("10000000"))
    card = _issue("250000", currency="VND").card
    assert card.currency == "VND" and card.initial_amount == Decimal("250000")


def test_balance_checks_are_limited_per_client(settings):
    from django.core.cache import cache

    from giftcards.errors import TooManyAttempts

    cache.clear()
    settings.OMNI_GIFT_CARD_CHECKS_PER_WINDOW = 3
    for _ in range(3):
        services.balance_check_allow(client="203.0.113.9")
    with pytest.raises(TooManyAttempts):
        services.balance_check_allow(client="203.0.113.9")
    services.balance_check_allow(client="198.51.100.1")  # another client is not held back


def test_entries_are_ledger_rows():
    issued = _issue()
    assert GiftCardEntry.objects.filter(card=issued.card).count() == 1
