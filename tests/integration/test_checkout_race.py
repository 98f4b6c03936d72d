"""Shoppers racing for the last units, on real PostgreSQL connections: exactly as many
orders as units, stock never oversold, and every loser told why with their cart intact."""

import threading

import pytest
from django.db import close_old_connections

from inventory import services as inventory
from inventory.models import Reservation, Stock
from orders import services
from orders.models import Cart, Order
from stores.services import location_distances_rebuild
from tests import factories as f
from tests.orders.helpers import ADDRESS, GOOD_CARD, at_town, make_variant, receive

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SHOPPERS = 8


def _race(carts, fulfilment):
    """Every shopper presses "Place order" at the same moment."""
    barrier = threading.Barrier(len(carts))
    won, lost, errors = [], [], []

    def checkout(index, cart):
        try:
            barrier.wait()
            order = services.order_place(
                services.OrderRequest(
                    cart=cart,
                    contact=services.Contact(email=f"shopper{index}@example.com", first_name="S"),
                    fulfilment=fulfilment,
                    payment=services.PaymentChoice.card(GOOD_CARD),
                )
            ).order
            won.append(order.pk)
        except services.InsufficientStock as exc:
            lost.append((cart.pk, exc))
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=checkout, args=(i, cart)) for i, cart in enumerate(carts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return won, lost


def _carts(variant, count):
    carts = []
    for i in range(count):
        cart = services.cart_get_or_create(session_key=f"device-{i}")
        services.cart_add(cart=cart, variant_id=variant.pk, quantity=1)
        carts.append(cart)
    return carts


def _assert_never_oversold(variant):
    for stock in Stock.objects.filter(variant=variant):
        assert 0 <= stock.reserved <= stock.on_hand, stock
        held = sum(
            r.quantity
            for r in Reservation.objects.filter(stock=stock, status=Reservation.Status.ACTIVE)
        )
        assert held == stock.reserved


@pytest.mark.parametrize("units", [1, 3])
def test_shipping_checkouts_racing_for_the_last_units(units):
    warehouse = at_town(f.WarehouseFactory, "indianapolis", code="IND")
    location_distances_rebuild()
    variant = make_variant("25.00")
    # Every shopper filled their cart while there was stock; most of it has gone since.
    receive(variant, warehouse, SHOPPERS)
    carts = _carts(variant, SHOPPERS)
    inventory.stock_adjust(
        variant_id=variant.pk, location_id=warehouse.pk, delta=units - SHOPPERS, reason="damage"
    )

    won, lost = _race(carts, services.ShipTo(ADDRESS))

    assert len(won) == units
    assert Order.objects.count() == units
    assert len(lost) == SHOPPERS - units
    for cart_pk, error in lost:
        assert error.code == "insufficient_stock"
        assert variant.product.name in error.message
        cart = Cart.objects.get(pk=cart_pk)
        assert cart.status == Cart.Status.OPEN
        assert cart.lines.get().quantity == 1
    stock = Stock.objects.get(variant=variant, location=warehouse)
    assert (stock.on_hand, stock.reserved) == (units, units)
    _assert_never_oversold(variant)


def test_pickups_racing_for_the_last_unit_in_a_store():
    store = at_town(f.LocationFactory, "springfield", code="SPR")
    location_distances_rebuild()
    variant = make_variant("25.00")
    receive(variant, store, SHOPPERS)
    carts = _carts(variant, SHOPPERS)
    inventory.stock_adjust(
        variant_id=variant.pk, location_id=store.pk, delta=-(SHOPPERS - 1), reason="theft"
    )

    won, lost = _race(carts, services.PickupAt(store.pk))

    assert len(won) == 1
    assert len(lost) == SHOPPERS - 1
    assert all("out of stock" in error.message for _, error in lost)
    stock = Stock.objects.get(variant=variant, location=store)
    assert (stock.on_hand, stock.reserved) == (1, 1)
    _assert_never_oversold(variant)
