"""Forty shoppers racing for a code with one use left, on real PostgreSQL connections:
exactly one order gets it; every other checkout is refused with the reason and leaves
nothing behind (no order, the stock free, the cart open with its code)."""

import threading

import pytest
from django.db import close_old_connections

from orders import services
from orders.models import Cart, Order, OrderLineDiscount
from promotions.errors import PromotionError
from promotions.models import Redemption, Voucher
from stores.services import location_distances_rebuild
from tests import factories as f
from tests.orders.helpers import ADDRESS, GOOD_CARD, at_town, make_variant, receive
from tests.promotions.helpers import code_for, promotion

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SHOPPERS = 40


def test_forty_shoppers_racing_for_the_last_use_of_a_code():
    warehouse = at_town(f.WarehouseFactory, "indianapolis", code="IND")
    location_distances_rebuild()
    variant = make_variant("25.00")
    receive(variant, warehouse, SHOPPERS)
    offer = promotion(name="10% next visit", trigger="code", benefit="percent_off", value=10)
    voucher = code_for(offer, "LASTONE", usage_limit=5)
    Voucher.objects.filter(pk=voucher.pk).update(used_count=4)  # one use left
    carts = []
    for i in range(SHOPPERS):
        cart = services.cart_get_or_create(session_key=f"device-{i}")
        services.cart_add(cart=cart, variant_id=variant.pk, quantity=1)
        services.cart_code_apply(cart=cart, code="lastone")
        carts.append(cart)

    barrier = threading.Barrier(SHOPPERS)
    won, lost, errors = [], [], []

    def checkout(index, cart):
        try:
            barrier.wait()
            order = services.order_place(
                services.OrderRequest(
                    cart=cart,
                    contact=services.Contact(email=f"shopper{index}@example.com", first_name="S"),
                    fulfilment=services.ShipTo(ADDRESS),
                    payment=services.PaymentChoice.card(GOOD_CARD),
                )
            ).order
            won.append(order.pk)
        except PromotionError as exc:
            lost.append((cart.pk, exc))
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=checkout, args=(i, c)) for i, c in enumerate(carts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)

    assert errors == []
    assert len(won) == 1
    assert len(lost) == SHOPPERS - 1
    assert Order.objects.count() == 1
    assert Voucher.objects.get(pk=voucher.pk).used_count == 5
    assert Redemption.objects.filter(voucher=voucher).count() == 1
    assert OrderLineDiscount.objects.filter(voucher=voucher).count() == 1
    for cart_pk, error in lost:
        assert error.code in {"voucher_exhausted", "code_not_applicable"}
        assert "LASTONE" in error.message
        cart = Cart.objects.get(pk=cart_pk)
        assert (cart.status, cart.voucher_code) == (Cart.Status.OPEN, "LASTONE")
