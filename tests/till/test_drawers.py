"""Two tills open at one store: a refund the returns desk pays out comes out of one
drawer only (the till the associate rings up on, or the one chosen at the desk), and
the variance an associate may close with is the market's local price point."""

from decimal import Decimal

import pytest
from django.urls import reverse

from omni.markets import build_market
from orders.models import Order
from tests import factories as f
from tests.till.conftest import desk_return
from till import services


@pytest.fixture
def second(store):
    register = services.register_create(location=store, code="T2", name="Till 2")
    other = f.AssociateFactory(home_location=store, display_name="Bo")
    services.shift_open(register=register, associate=other, opening_float="50.00")
    return register


def _return_in_cash(client, order, **extra):
    return desk_return(client, order, "original", **extra)


def _report(register):
    return services.shift_report(shift=services.shift_current(register=register))


def test_a_cash_refund_leaves_the_drawer_of_the_till_in_use_only(
    client, associate, register, shift, second, shirt
):
    client.force_login(associate.user)
    client.post(
        reverse("backoffice:till-basket", args=[register.pk]),
        {"action": "scan", "code": shirt.barcode},
    )
    client.post(reverse("backoffice:till-pay", args=[register.pk]), {"cash": "21.25"})
    order = Order.objects.get()
    assert _return_in_cash(client, order).status_code == 302
    here, there = _report(register), _report(second)
    assert here.cash_refunds == Decimal("21.25") and here.expected_cash == Decimal("100.00")
    assert there.refunds_total == Decimal("0") and there.expected_cash == Decimal("50.00")


def test_an_associate_new_to_the_tills_chooses_the_drawer(
    client, associate, register, shift, second, shirt, store
):
    from tests.till.conftest import cash

    sale = services.sale_complete(
        shift=shift,
        associate=associate,
        lines={shirt.pk: 1},
        tenders=[cash("21.25")],
        idempotency_key="k1",
    )
    desk = f.AssociateFactory(home_location=store, display_name="Cy")
    client.force_login(desk.user)
    form = client.get(reverse("backoffice:return-form", args=[sale.order.number]))
    assert "Paid out at the till" in form.content.decode()
    assert _return_in_cash(client, sale.order, register=str(second.pk)).status_code == 302
    assert _report(second).cash_refunds == Decimal("21.25")
    assert _report(register).cash_refunds == Decimal("0")


def test_the_variance_limit_is_the_markets_price_point(settings):
    assert services.variance_limit() == Decimal("5.00")
    settings.OMNI_MARKET_CONFIG = build_market("VN")
    settings.OMNI_CURRENCY = "VND"
    assert services.variance_limit() == Decimal("100000")
    settings.OMNI_TILL_VARIANCE_LIMIT = "20000"
    assert services.variance_limit() == Decimal("20000")
