"""One order paid by several tenders: gift cards, points, store credit and a card, all or
nothing; refunds go back the way each part came."""

from decimal import Decimal

import pytest

from customers.models import LoyaltyEntry
from customers.selectors import loyalty_balance, store_credit_balance
from giftcards import services as gift_cards
from giftcards.errors import GiftCardInsufficient, GiftCardNotFound
from giftcards.models import GiftCard
from orders import services
from orders.models import Order, Payment
from orders.services.tenders import Tender
from tests import factories as f
from tests.orders.helpers import GOOD_CARD, make_variant, place, receive

pytestmark = pytest.mark.django_db

DECLINED_CARD = "4000 0000 0000 0002"


@pytest.fixture
def stocked(places):
    variant = make_variant("60.00")
    receive(variant, places["warehouse"], 10)
    return variant


def _card(amount="50.00"):
    return gift_cards.gift_card_issue(
        amount=Decimal(amount), source=GiftCard.Source.ISSUED, reason="Test"
    )


def _payments(order):
    return sorted((p.provider, p.amount, p.status) for p in Payment.objects.filter(order=order))


def test_a_gift_card_pays_part_and_the_card_the_rest(stocked):
    issued = _card("50.00")
    order = place([(stocked.pk, 1)], tenders=[Tender.gift_card(issued.code)])
    # 60.00 + 5.95 delivery (US sales tax of IL on the goods is added too).
    assert order.total > Decimal("50.00")
    assert _payments(order) == sorted(
        [
            ("gift_card", Decimal("50.00"), "captured"),
            ("test", order.total - Decimal("50.00"), "captured"),
        ]
    )
    assert gift_cards.gift_card_balance(card=issued.card) == Decimal("0.00")
    gift_payment = order.payments.get(provider="gift_card")
    assert gift_payment.card_last4 == issued.card.last4


def test_a_gift_card_that_covers_everything_needs_no_other_payment(stocked):
    issued = _card("200.00")
    order = place(
        [(stocked.pk, 1)],
        tenders=[Tender.gift_card(issued.code)],
        payment=services.PaymentChoice.tenders_only(),
    )
    assert _payments(order) == [("gift_card", order.total, "captured")]
    assert gift_cards.gift_card_balance(card=issued.card) == Decimal("200.00") - order.total


def test_tenders_only_with_something_left_says_what_remains_and_writes_nothing(stocked):
    issued = _card("20.00")
    with pytest.raises(services.PaymentDeclined) as caught:
        place(
            [(stocked.pk, 1)],
            tenders=[Tender.gift_card(issued.code)],
            payment=services.PaymentChoice.tenders_only(),
        )
    assert caught.value.code == "amount_remaining"
    assert Decimal(caught.value.details["remaining"]) > Decimal("40.00")
    assert not Order.objects.exists()
    assert gift_cards.gift_card_balance(card=issued.card) == Decimal("20.00")


def test_a_declined_card_leaves_the_gift_card_untouched(stocked):
    issued = _card("25.00")
    with pytest.raises(services.PaymentDeclined):
        place(
            [(stocked.pk, 1)],
            tenders=[Tender.gift_card(issued.code)],
            payment=services.PaymentChoice.card(DECLINED_CARD),
        )
    assert not Order.objects.exists()
    assert gift_cards.gift_card_balance(card=issued.card) == Decimal("25.00")
    assert issued.card.entries.count() == 1


def test_a_card_tender_captured_before_a_decline_is_given_back(stocked, monkeypatch):
    from orders.services.payments import TestCardProvider

    given_back = []
    original = TestCardProvider.refund

    def spy(self, *, reference, amount, currency):
        given_back.append((reference, amount, currency))
        return original(self, reference=reference, amount=amount, currency=currency)

    monkeypatch.setattr(TestCardProvider, "refund", spy)
    with pytest.raises(services.PaymentDeclined):
        place(
            [(stocked.pk, 1)],
            tenders=[Tender.card_payment(services.PaymentChoice.card(GOOD_CARD), amount="10")],
            payment=services.PaymentChoice.card(DECLINED_CARD),
        )
    assert [(amount, currency) for _ref, amount, currency in given_back] == [
        (Decimal("10.00"), "USD")
    ]
    assert not Payment.objects.exists()


def test_an_unknown_gift_card_is_refused_before_anything_is_written(stocked):
    with pytest.raises(GiftCardNotFound) as caught:
        place([(stocked.pk, 1)], tenders=[Tender.gift_card("ZZZZ-ZZZZ-ZZZZ-ZZZZ")])
    assert caught.value.details["field"] == "gift_card_code"
    assert not Order.objects.exists()


def test_an_empty_gift_card_is_refused(stocked):
    issued = _card("10.00")
    gift_cards.gift_card_debit(card=issued.card, amount=Decimal("10.00"))
    with pytest.raises(GiftCardInsufficient):
        place([(stocked.pk, 1)], tenders=[Tender.gift_card(issued.code)])


def test_the_quote_says_what_a_short_card_pays_and_what_remains():
    issued = _card("20.00")
    quote = services.tenders_quote(
        total=Decimal("65.95"), currency="USD", tenders=[Tender.gift_card(issued.code)]
    )
    assert (quote.paid, quote.remaining) == (Decimal("20.00"), Decimal("45.95"))
    assert quote.lines[0].balance_before == Decimal("20.00")
    assert gift_cards.gift_card_balance(card=issued.card) == Decimal("20.00")


def test_points_pay_at_the_set_rate_and_write_a_redemption(stocked, settings):
    settings.OMNI_LOYALTY_POINT_VALUE = {"points": 100, "value": "5"}
    customer = f.CustomerFactory(email="ana@example.com")
    f.LoyaltyEntryFactory(customer=customer, points=400)  # worth 20.00
    order = place([(stocked.pk, 1)], customer=customer, tenders=[Tender.loyalty_points()])
    points_payment = order.payments.get(provider="loyalty_points")
    assert points_payment.amount == Decimal("20.00")
    redemption = LoyaltyEntry.objects.get(customer=customer, reason="redemption")
    assert redemption.points == -400
    assert redemption.reference_type == "orders.order"
    # The rest by card; the order still earns its purchase points.
    assert order.payments.get(provider="test").amount == order.total - Decimal("20.00")
    assert loyalty_balance(customer=customer) == int(order.subtotal)


def test_points_spend_only_what_the_order_needs(stocked, settings):
    settings.OMNI_LOYALTY_POINT_VALUE = {"points": 100, "value": "5"}
    customer = f.CustomerFactory(email="ana@example.com")
    f.LoyaltyEntryFactory(customer=customer, points=100_000)
    order = place(
        [(stocked.pk, 1)],
        customer=customer,
        tenders=[Tender.loyalty_points()],
        payment=services.PaymentChoice.tenders_only(),
    )
    spent = -LoyaltyEntry.objects.get(customer=customer, reason="redemption").points
    assert order.payments.get().amount == order.total
    # ceil(total / 0.05) points: never more than a point's worth over.
    assert Decimal(spent) * Decimal("0.05") - order.total < Decimal("0.05")


def test_no_points_is_refused(stocked):
    customer = f.CustomerFactory(email="ana@example.com")
    with pytest.raises(services.PaymentDeclined) as caught:
        place([(stocked.pk, 1)], customer=customer, tenders=[Tender.loyalty_points()])
    assert caught.value.code == "insufficient_points"


def test_store_credit_pays_what_it_has_and_the_card_the_rest(stocked):
    customer = f.CustomerFactory(email="ana@example.com")
    f.StoreCreditEntryFactory(customer=customer, amount=Decimal("15.00"))
    order = place([(stocked.pk, 1)], customer=customer, tenders=[Tender.store_credit()])
    assert order.payments.get(provider="store_credit").amount == Decimal("15.00")
    assert store_credit_balance(customer=customer) == Decimal("0.00")


def test_refunds_go_back_to_the_gift_card_and_the_points(stocked, settings):
    settings.OMNI_LOYALTY_POINT_VALUE = {"points": 100, "value": "5"}
    customer = f.CustomerFactory(email="ana@example.com")
    f.LoyaltyEntryFactory(customer=customer, points=200)  # 10.00
    issued = _card("30.00")
    order = place(
        [(stocked.pk, 1)],
        customer=customer,
        tenders=[Tender.gift_card(issued.code), Tender.loyalty_points()],
    )
    points_before = loyalty_balance(customer=customer)
    gift = order.payments.get(provider="gift_card")
    points = order.payments.get(provider="loyalty_points")
    services.payment_refund(payment=gift, amount=Decimal("12.50"), reason="Goodwill")
    assert gift_cards.gift_card_balance(card=issued.card) == Decimal("12.50")
    services.payment_refund(payment=points, amount=Decimal("5.00"), reason="Goodwill")
    assert loyalty_balance(customer=customer) == points_before + 100
    services.payment_refund(payment=points, amount=Decimal("5.00"), reason="Goodwill")
    assert loyalty_balance(customer=customer) == points_before + 200
    with pytest.raises(services.RefundNotAllowed):
        services.payment_refund(payment=points, amount=Decimal("0.01"), reason="Again")


def test_a_refund_to_a_disabled_card_goes_on_a_new_card_emailed_to_the_customer(stocked):
    from omni.models import OutboxMessage

    issued = _card("30.00")
    order = place([(stocked.pk, 1)], tenders=[Tender.gift_card(issued.code)])
    GiftCard.objects.filter(pk=issued.card.pk).update(status=GiftCard.Status.DISABLED)
    refund = services.payment_refund(
        payment=order.payments.get(provider="gift_card"), amount=Decimal("30.00"), reason="R"
    )
    new_card = GiftCard.objects.exclude(pk=issued.card.pk).get()
    assert new_card.source == GiftCard.Source.REFUND
    assert gift_cards.gift_card_balance(card=new_card) == Decimal("30.00")
    assert refund.provider_reference.startswith(f"gift-card:{new_card.pk}:")
    message = OutboxMessage.objects.get(topic="email.gift_card")
    assert message.payload["card_id"] == new_card.pk


def test_a_gift_card_in_another_currency_cannot_pay(stocked):
    issued = gift_cards.gift_card_issue(
        amount=Decimal("500"), currency="THB", source=GiftCard.Source.ISSUED, reason="x"
    )
    with pytest.raises(services.CheckoutInvalid):
        place([(stocked.pk, 1)], tenders=[Tender.gift_card(issued.code)])
