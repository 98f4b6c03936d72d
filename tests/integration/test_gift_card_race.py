"""Two tills spend the whole balance of one gift card at the same moment, on real
PostgreSQL connections: one wins, the other is told what is left, the balance is never
below zero."""

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections

from giftcards import services
from giftcards.errors import GiftCardInsufficient
from giftcards.models import GiftCard
from tests import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SPENDERS = 6


def test_racing_spends_of_the_whole_balance_one_wins():
    issued = services.gift_card_issue(
        amount=Decimal("80.00"), source=GiftCard.Source.ISSUED, reason="Race"
    )
    orders = [f.OrderFactory() for _ in range(SPENDERS)]
    barrier = threading.Barrier(SPENDERS)
    won, lost, errors = [], [], []

    def spend(order):
        try:
            barrier.wait()
            services.gift_card_debit(card=issued.card, amount=Decimal("80.00"), reference=order)
            won.append(order.pk)
        except GiftCardInsufficient as exc:
            lost.append(exc.details["balance"])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=spend, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(won) == 1
    assert lost == ["0.00"] * (SPENDERS - 1)
    assert services.gift_card_balance(card=issued.card) == Decimal("0.00")


def test_racing_partial_spends_never_take_more_than_the_balance():
    issued = services.gift_card_issue(
        amount=Decimal("50.00"), source=GiftCard.Source.ISSUED, reason="Race"
    )
    barrier = threading.Barrier(SPENDERS)
    taken, errors = [], []

    def spend():
        try:
            barrier.wait()
            entry = services.gift_card_debit(
                card=issued.card, amount=Decimal("20.00"), partial=True
            )
            taken.append(-entry.amount)
        except GiftCardInsufficient:
            pass
        except Exception as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=spend) for _ in range(SPENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(taken) == [Decimal("10.00"), Decimal("20.00"), Decimal("20.00")]
    assert services.gift_card_balance(card=issued.card) == Decimal("0.00")
