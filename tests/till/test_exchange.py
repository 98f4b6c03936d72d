"""An exchange at the till: the receipt scanned at the till opens the returns desk, the
return taken there becomes the first tender of a new sale on the till (carried on a new
gift card), the customer pays any difference, and what the new items do not use stays
on the card they keep. Driven through the screens only."""

from decimal import Decimal

import pytest
from django.urls import reverse

from giftcards.models import GiftCard
from orders.models import Order
from returns.models import Return
from tests.till.conftest import desk_return
from till import services


@pytest.fixture
def desk(client, associate):
    client.force_login(associate.user)
    return client


def _scan(client, register, code, follow=False):
    return client.post(
        reverse("backoffice:till-basket", args=[register.pk]),
        {"action": "scan", "code": code},
        follow=follow,
    )


def _pay(client, register, **data):
    return client.post(reverse("backoffice:till-pay", args=[register.pk]), data)


def _sold(client, register, *variants) -> Order:
    for variant in variants:
        _scan(client, register, variant.barcode)
    paid = _pay(client, register, cash="1000")
    assert paid.status_code == 302
    return Order.objects.order_by("-pk").first()


def _return_at_the_desk(client, register, order):
    """Scan the receipt at the till, follow it to the desk, return the first line there
    as an exchange at the till."""
    opened = _scan(client, register, order.number)
    assert opened.status_code == 302 and reverse("backoffice:returns-desk") in opened["Location"]
    form = reverse("backoffice:return-form", args=[order.number])
    assert "Exchange at the till" in client.get(form).content.decode()
    return desk_return(client, order, "till_exchange")


def test_an_exchange_for_something_dearer_pays_the_difference_in_cash(
    desk, register, shift, shirt, socks
):
    first = _sold(desk, register, socks)  # 4.00 + 6.25% = 4.25
    taken = _return_at_the_desk(desk, register, first)
    assert taken.status_code == 302
    assert taken["Location"] == reverse("backoffice:till-sell", args=[register.pk])
    ret = Return.objects.get()
    assert (ret.refund_method, ret.refund_total) == ("till_exchange", Decimal("4.25"))
    card = GiftCard.objects.get()
    assert card.source == GiftCard.Source.REFUND and card.initial_amount == Decimal("4.25")
    page = desk.get(taken["Location"]).content.decode()
    assert f"Exchange for return {ret.number}" in page
    _scan(desk, register, shirt.barcode)  # 21.25
    short = _pay(desk, register, cash="10")
    assert short.status_code == 400 and "less than" in short.content.decode()
    paid = _pay(desk, register, cash="20")
    assert paid.status_code == 302
    new = Order.objects.order_by("-pk").first()
    assert new.total == Decimal("21.25")
    assert sorted((p.provider, p.amount) for p in new.payments.all()) == [
        ("cash", Decimal("17.00")),
        ("gift_card", Decimal("4.25")),
    ]
    assert new.till_sale.change_due == Decimal("3.00")
    receipt = desk.get(paid["Location"]).content.decode()
    assert "Exchange credit left" not in receipt
    # The exchange is done: the next sale has no exchange tender.
    assert "Exchange for return" not in desk.get(taken["Location"]).content.decode()


def test_an_exchange_for_something_cheaper_leaves_the_rest_on_the_card(
    desk, register, shift, shirt, socks
):
    first = _sold(desk, register, shirt)  # 21.25
    _return_at_the_desk(desk, register, first)
    _scan(desk, register, socks.barcode)  # 4.25
    paid = _pay(desk, register)  # nothing more to pay
    assert paid.status_code == 302
    new = Order.objects.order_by("-pk").first()
    assert [(p.provider, p.amount) for p in new.payments.all()] == [("gift_card", Decimal("4.25"))]
    receipt = desk.get(paid["Location"]).content.decode()
    assert "Exchange credit left: $17.00" in receipt and "till-card-code" in receipt
    # Shown once: the code is not kept.
    assert "till-card-code" not in desk.get(paid["Location"]).content.decode()


def test_the_customer_may_take_nothing_and_keep_the_card(desk, register, shift, shirt):
    first = _sold(desk, register, shirt)
    _return_at_the_desk(desk, register, first)
    ended = desk.post(
        reverse("backoffice:till-basket", args=[register.pk]),
        {"action": "exchange_end"},
        follow=True,
    )
    assert "The customer keeps $21.25" in ended.content.decode()
    assert "Exchange for return" not in ended.content.decode()


def test_no_open_shift_no_exchange_at_the_till(desk, register, shift, shirt, associate):
    first = _sold(desk, register, shirt)
    services.shift_close(shift=shift, associate=associate, counted=Decimal("121.25"))
    form = reverse("backoffice:return-form", args=[first.number])
    assert "Exchange at the till" not in desk.get(form).content.decode()
    refused = desk_return(desk, first, "till_exchange")
    assert refused.status_code == 400 and "Open a shift on a till first" in refused.content.decode()
    assert not Return.objects.exists()


def test_a_qr_code_during_an_exchange_is_for_what_the_card_leaves(
    desk, register, shift, shirt, socks, settings
):
    from omni.markets import build_market

    first = _sold(desk, register, socks)  # 4.25
    settings.OMNI_MARKET_CONFIG = build_market("TH", {"default_language": "en"})
    _return_at_the_desk(desk, register, first)
    _scan(desk, register, shirt.barcode)
    shown = _pay(desk, register, action="qr", qr_amount="")
    assert shown.status_code == 200 and "Left to pay" in shown.content.decode()
    qr = Decimal(desk.session[f"till:{register.pk}"]["qr"]["amount"])
    assert _pay(desk, register, qr_received="1").status_code == 302
    new = Order.objects.order_by("-pk").first()
    paid = {p.provider: p.amount for p in new.payments.all()}
    assert paid == {"gift_card": Decimal("4.25"), "qr_test": new.total - Decimal("4.25")}
    assert qr == new.total - Decimal("4.25")


def test_an_exchange_is_not_parked_and_clear_hands_the_card_over(
    desk, register, shift, shirt, socks
):
    first = _sold(desk, register, shirt)
    _return_at_the_desk(desk, register, first)
    _scan(desk, register, socks.barcode)
    basket = reverse("backoffice:till-basket", args=[register.pk])
    parked = desk.post(basket, {"action": "park"}, follow=True).content.decode()
    assert "Finish the exchange first" in parked and not register.parked.exists()
    cleared = desk.post(basket, {"action": "clear"}, follow=True).content.decode()
    assert "The customer keeps $21.25" in cleared and "Exchange for return" not in cleared
    # The next customer's sale is not paid by that card.
    _scan(desk, register, socks.barcode)
    assert _pay(desk, register).status_code == 400


def test_one_exchange_at_a_time_on_a_till(desk, register, shift, shirt, socks):
    first = _sold(desk, register, shirt)
    second = _sold(desk, register, socks)
    _return_at_the_desk(desk, register, first)
    refused = _return_at_the_desk(desk, register, second)
    assert refused.status_code == 400
    assert "Finish the exchange for return" in refused.content.decode()
    assert Return.objects.count() == 1 and GiftCard.objects.count() == 1


def test_a_gift_receipt_return_onto_a_new_gift_card(desk, register, shift, shirt):
    """A gift's recipient is not the buyer: the value goes onto a new card for them,
    its code printed once on the return receipt."""
    first = _sold(desk, register, shirt)
    form = reverse("backoffice:return-form", args=[first.number])
    assert "New gift card" in desk.get(form).content.decode()
    taken = desk_return(desk, first, "gift_card")
    assert taken.status_code == 302, taken.content.decode()[:2000]
    card = GiftCard.objects.get()
    assert (card.initial_amount, card.customer_id) == (Decimal("21.25"), None)
    receipt = desk.get(taken["Location"]).content.decode()
    assert "New gift card: $21.25" in receipt and "card-code" in receipt
    assert "card-code" not in desk.get(taken["Location"]).content.decode()
    # No money left a drawer: nothing on the shift's refunds.
    assert services.shift_report(shift=shift).refunds_total == Decimal("0")
