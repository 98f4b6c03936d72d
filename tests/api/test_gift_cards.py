"""Gift cards through the API: issue (scope gift_cards:issue, code in the answer only),
balance by POSTed code (gift_cards:read), and orders paid with tenders (tenders:redeem),
idempotent by external_reference and Idempotency-Key."""

from decimal import Decimal

import pytest

from giftcards import services as gift_cards
from giftcards.models import GiftCard
from omni.models import ApiScope
from orders.models import Order, Payment
from tests.api.conftest import error_of

pytestmark = pytest.mark.django_db

CARDS = "/api/v1/gift-cards/"
BALANCE = "/api/v1/gift-cards/balance/"
ORDERS = "/api/v1/orders/"


def _issue(amount="40.00"):
    return gift_cards.gift_card_issue(
        amount=Decimal(amount), source=GiftCard.Source.ISSUED, reason="Test"
    )


@pytest.mark.parametrize(
    ("scopes", "issue", "balance"),
    [
        ([ApiScope.GIFT_CARDS_ISSUE], 201, 403),
        ([ApiScope.GIFT_CARDS_READ], 403, 200),
        ([ApiScope.ORDERS_WRITE, ApiScope.TENDERS_REDEEM], 403, 403),
        ([ApiScope.GIFT_CARDS_ISSUE, ApiScope.GIFT_CARDS_READ], 201, 200),
    ],
)
def test_the_permission_matrix(client_for, scopes, issue, balance):
    caller = client_for(scopes=scopes)
    issued = _issue()
    assert caller.post(CARDS, {"amount": "25.00", "reason": "Goodwill"}).status_code == issue
    assert caller.post(BALANCE, {"code": issued.code}).status_code == balance


def test_anonymous_and_shopper_sessions_are_refused(anonymous, shopper_session):
    assert anonymous.post(BALANCE, {"code": "X"}).status_code == 401
    assert shopper_session.post(BALANCE, {"code": "X"}).status_code == 403


def test_issue_shows_the_code_once_and_the_balance_reads_it(api):
    response = api.post(CARDS, {"amount": "25.00", "reason": "Goodwill"})
    assert response.status_code == 201
    body = response.json()
    assert len(body["code"]) == 19 and body["balance"] == "25.00" and body["last4"]
    card = GiftCard.objects.get(pk=body["id"])
    assert body["code"].replace("-", "") not in card.code_hash
    balance = api.post(BALANCE, {"code": body["code"].lower()})
    assert balance.status_code == 200
    assert balance.json()["balance"] == "25.00" and "code" not in balance.json()


def test_issue_refusals_are_field_errors(api):
    too_much = error_of(api.post(CARDS, {"amount": "100000", "reason": "x"}))
    assert [e["field"] for e in too_much["errors"]] == ["amount"]
    missing = error_of(api.post(CARDS, {"amount": "20"}))
    assert [e["field"] for e in missing["errors"]] == ["reason"]
    emailed = error_of(api.post(CARDS, {"amount": "20", "reason": "x", "delivery": "email"}))
    assert [e["field"] for e in emailed["errors"]] == ["recipient_email"]
    negative = error_of(api.post(CARDS, {"amount": "-5", "reason": "x"}))
    assert negative["errors"][0]["field"] == "amount"


def test_an_unknown_code_is_not_found(api):
    response = api.post(BALANCE, {"code": "NOPE-NOPE-NOPE-NOPE"})
    assert response.status_code == 404
    assert error_of(response)["code"] == "gift_card_not_found"
    assert error_of(api.post(BALANCE, {}))["errors"][0]["field"] == "code"


def test_issue_is_idempotent_with_a_key(api):
    first = api.post(CARDS, {"amount": "25.00", "reason": "Goodwill"}, key="issue-1")
    again = api.post(CARDS, {"amount": "25.00", "reason": "Goodwill"}, key="issue-1")
    assert first.json() == again.json() and GiftCard.objects.count() == 1


def _sale(code, **overrides):
    return {
        "channel": "store",
        "location": "SPR",
        "customer": {"email": "ana@example.com"},
        "lines": [{"sku": "SHIRT-NAVY-M", "quantity": 1}],
        "external_reference": "POS-9",
        "tenders": [{"kind": "gift_card", "gift_card_code": code}],
    } | overrides


def test_an_order_paid_by_a_gift_card_and_the_rest_on_the_till(api, world):
    issued = _issue("30.00")
    response = api.post(ORDERS, _sale(issued.code, payment={"method": "external"}))
    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    paid = {p.provider: p.amount for p in order.payments.all()}
    assert paid == {"gift_card": Decimal("30.00"), "external": order.total - Decimal("30.00")}
    providers = {p["provider"] for p in response.json()["payments"]}
    assert providers == {"gift_card", "external"}
    # A retry (same external reference) takes nothing more from the card.
    again = api.post(ORDERS, _sale(issued.code, payment={"method": "external"}))
    assert again.status_code == 200
    assert Payment.objects.count() == 2
    assert gift_cards.gift_card_balance(card=issued.card) == Decimal("0.00")


def test_a_gift_card_alone_that_does_not_cover_says_what_remains(api, world):
    issued = _issue("10.00")
    response = api.post(ORDERS, _sale(issued.code))
    assert response.status_code == 402
    body = error_of(response)
    assert body["code"] == "amount_remaining" and Decimal(body["details"]["remaining"]) > 0
    assert not Order.objects.exists()
    assert gift_cards.gift_card_balance(card=issued.card) == Decimal("10.00")


def test_tenders_need_the_redeem_scope(client_for, world):
    issued = _issue("30.00")
    caller = client_for(scopes=[ApiScope.ORDERS_WRITE, ApiScope.ORDERS_READ])
    response = caller.post(ORDERS, _sale(issued.code, payment={"method": "external"}))
    assert response.status_code == 403
    assert error_of(response)["code"] == "insufficient_scope"
    assert gift_cards.gift_card_balance(card=issued.card) == Decimal("30.00")


def test_a_wrong_tender_is_a_field_error(api, world):
    body = error_of(api.post(ORDERS, _sale("")))
    assert body["errors"][0]["field"] == "tenders[0].gift_card_code"
    unknown = api.post(ORDERS, _sale("ZZZZ-ZZZZ-ZZZZ-ZZZZ", payment={"method": "external"}))
    assert unknown.status_code == 404
    assert error_of(unknown)["errors"][0]["field"] == "gift_card_code"


def test_the_same_order_with_tenders_twice_under_one_key(api, world):
    issued = _issue("30.00")
    sale = _sale(issued.code, payment={"method": "external"})
    first = api.post(ORDERS, sale, key="t-1")
    again = api.post(ORDERS, sale, key="t-1")
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    assert issued.card.entries.count() == 2
