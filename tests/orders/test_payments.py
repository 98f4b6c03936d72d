"""Payments: the test card provider's documented numbers, capture and void for pay in
store, and refunds that never give back more than was taken."""

from decimal import Decimal

import pytest

from customers.models import StoreCreditEntry
from customers.selectors import store_credit_balance
from orders import services
from orders.models import Payment, Refund
from orders.services.payments import (
    DECLINED,
    FAILED,
    SUCCEEDED,
    ProviderResult,
    TestCardProvider,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("number", "outcome", "code"),
    [
        ("4242 4242 4242 4242", SUCCEEDED, ""),
        ("4000 0000 0000 0002", DECLINED, "card_declined"),
        ("4000 0000 0000 9995", DECLINED, "insufficient_funds"),
        ("4000 0000 0000 0119", FAILED, "processing_error"),
        ("5555 5555 5555 4444", SUCCEEDED, ""),  # any other Luhn-valid number
    ],
)
def test_the_test_card_numbers(number, outcome, code):
    card = services.card_parse(number)
    result = TestCardProvider().authorise(amount=Decimal("10.00"), currency="USD", card=card)
    assert (result.outcome, result.failure_code) == (outcome, code)
    assert card.last4 == number[-4:]


@pytest.mark.parametrize(
    "number", ["4242 4242 4242 4241", "1234", "4242-4242-4242-424x", "", "0" * 20]
)
def test_numbers_that_cannot_be_cards_are_refused(number):
    with pytest.raises(services.InvalidCardNumber) as caught:
        services.card_parse(number)
    assert caught.value.code == "invalid_card_number"


def test_the_card_number_never_shows_in_a_repr():
    choice = services.PaymentChoice.card("4242424242424242")
    assert "4242424242424242" not in repr(choice)
    assert "4242424242424242" not in repr(services.card_parse("4242424242424242"))


# --- refunds (the returns engineer's contract) --------------------------------------------


@pytest.fixture
def card_payment(db):
    return f.PaymentFactory(
        order=f.OrderFactory(total=Decimal("100.00")),
        amount=Decimal("100.00"),
        provider_reference="test_auth_1",
    )


def test_partial_then_full_refund(card_payment):
    a_return = f.ReturnFactory(order=card_payment.order)

    first = services.payment_refund(
        payment=card_payment, amount=Decimal("30.00"), reason="Too small", reference=a_return
    )
    card_payment.refresh_from_db()
    assert card_payment.status == Payment.Status.PARTIALLY_REFUNDED
    assert (first.status, first.amount, first.reference_type, first.reference_id) == (
        Refund.Status.SUCCEEDED,
        Decimal("30.00"),
        "returns.return",
        str(a_return.pk),
    )
    assert first.provider_reference.startswith("test_refund_")

    services.payment_refund(payment=card_payment, amount=Decimal("70.00"), reason="Rest")
    card_payment.refresh_from_db()
    assert card_payment.status == Payment.Status.REFUNDED
    assert services.payment_refundable(payment=card_payment) == Decimal("0.00")


@pytest.mark.parametrize("amount", ["100.01", "0", "-5"])
def test_never_more_than_was_captured(card_payment, amount):
    with pytest.raises(services.RefundNotAllowed) as caught:
        services.payment_refund(payment=card_payment, amount=Decimal(amount), reason="x")
    assert caught.value.code == "refund_exceeds_payment"
    assert not Refund.objects.exists()


def test_what_was_refunded_already_counts(card_payment):
    services.payment_refund(payment=card_payment, amount=Decimal("60.00"), reason="x")
    with pytest.raises(services.RefundNotAllowed) as caught:
        services.payment_refund(payment=card_payment, amount=Decimal("40.01"), reason="y")
    assert "$40.00" in caught.value.message


def test_nothing_to_refund_on_a_pending_payment(db):
    pending = f.PaymentFactory(provider=Payment.Provider.PAY_IN_STORE, status="pending")
    with pytest.raises(services.RefundNotAllowed):
        services.payment_refund(payment=pending, amount=Decimal("1.00"), reason="x")


def test_store_credit_is_refunded_to_the_ledger(db):
    order = f.OrderFactory(total=Decimal("40.00"))
    payment = f.PaymentFactory(
        order=order, provider=Payment.Provider.STORE_CREDIT, amount=Decimal("40.00")
    )

    refund = services.payment_refund(payment=payment, amount=Decimal("15.00"), reason="Return")

    entry = StoreCreditEntry.objects.get(customer=order.customer)
    assert (entry.amount, entry.reason) == (Decimal("15.00"), StoreCreditEntry.Reason.ADJUSTMENT)
    assert refund.provider_reference == f"store-credit:{entry.pk}"
    assert store_credit_balance(customer=order.customer) == Decimal("15.00")


@pytest.mark.parametrize("provider", [Payment.Provider.PAY_IN_STORE, Payment.Provider.EXTERNAL])
def test_in_store_and_external_payments_are_paid_out_in_store(db, provider):
    payment = f.PaymentFactory(provider=provider, amount=Decimal("20.00"))
    refund = services.payment_refund(payment=payment, amount=Decimal("20.00"), reason="Return")
    assert (refund.status, refund.provider_reference) == (
        Refund.Status.SUCCEEDED,
        "paid-out-in-store",
    )


class RefusingProvider(TestCardProvider):
    def refund(self, *, reference, amount, currency):
        return ProviderResult(DECLINED, failure_code="refund_refused")


def test_a_provider_that_refuses_a_refund_writes_nothing(card_payment, settings):
    services.payment_provider_register("refusing", RefusingProvider())
    Payment.objects.filter(pk=card_payment.pk).update(provider="refusing")
    card_payment.refresh_from_db()

    with pytest.raises(services.PaymentFailed) as caught:
        services.payment_refund(payment=card_payment, amount=Decimal("5.00"), reason="x")

    assert caught.value.code == "refund_failed"
    assert not Refund.objects.exists()
    card_payment.refresh_from_db()
    assert card_payment.status == Payment.Status.CAPTURED


# --- pay in store -------------------------------------------------------------------------


def test_pay_in_store_is_captured_for_what_is_taken(db):
    payment = f.PaymentFactory(
        provider=Payment.Provider.PAY_IN_STORE, status="pending", amount=Decimal("80.00")
    )

    services.payment_capture(payment=payment, amount=Decimal("50.00"))

    payment.refresh_from_db()
    assert (payment.status, payment.amount) == (Payment.Status.CAPTURED, Decimal("50.00"))
    with pytest.raises(services.InvalidTransition):
        services.payment_capture(payment=payment)
    with pytest.raises(services.InvalidTransition):
        services.payment_void(payment=payment)


def test_an_uncollected_pay_in_store_is_voided(db):
    payment = f.PaymentFactory(provider=Payment.Provider.PAY_IN_STORE, status="pending")
    services.payment_void(payment=payment)
    services.payment_void(payment=payment)  # idempotent
    payment.refresh_from_db()
    assert payment.status == Payment.Status.VOIDED
