"""Concurrency on PostgreSQL, for real: many threads, each with its own connection and
transaction, race for the same stock. Skipped on SQLite (it serialises all writes)."""

import datetime as dt
import threading
import time
from collections import Counter

import pytest
from django.db import OperationalError, connections
from django.utils import timezone

from inventory import services
from inventory.models import NearestAvailability, Reservation, Stock
from inventory.services import reservations as reservations_module
from tests import factories as f
from tests.inventory.checks import assert_ledger_true, expected_nearest_rows, nearest_rows

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(n, work):
    """Run ``work(i)`` in ``n`` threads released at the same instant; each result or the
    exception it raised, in thread order."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return results


def outcome(results):
    return Counter(type(r).__name__ for r in results)


def test_forty_buyers_for_the_last_seven_units():
    store = f.LocationFactory(safety_stock=1)
    stock = f.StockFactory(location=store, on_hand=8)  # 8 on hand, 1 on the display shelf

    results = race(
        40,
        lambda i: services.reservation_create(
            variant_id=stock.variant_id,
            location_id=store.pk,
            quantity=1,
            kind=Reservation.Kind.CART,
            reference=("orders.cart", i),
        ),
    )

    assert outcome(results) == {"Reservation": 7, "InsufficientStock": 33}
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved) == (8, 7)
    assert Stock.objects.with_salable().get(pk=stock.pk).salable == 0
    assert Reservation.objects.filter(status="active").count() == 7
    assert_ledger_true()


def test_racing_buyers_and_floor_sales_never_oversell():
    store = f.LocationFactory()
    stock = f.StockFactory(location=store, on_hand=10)

    def work(i):
        if i % 2:
            return services.stock_sell(location_id=store.pk, lines=[(stock.variant_id, 1)])
        return services.reservation_create(
            variant_id=stock.variant_id,
            location_id=store.pk,
            quantity=1,
            kind=Reservation.Kind.CART,
        )

    results = race(30, work)
    assert sum(not isinstance(r, Exception) for r in results) == 10
    assert all(
        isinstance(r, services.InsufficientStock) for r in results if isinstance(r, Exception)
    )
    stock.refresh_from_db()
    assert stock.reserved <= stock.on_hand
    assert stock.on_hand - stock.reserved == 0
    assert_ledger_true()


def test_multi_line_carts_racing_in_opposite_orders_never_deadlock(monkeypatch):
    store = f.LocationFactory()
    a = f.StockFactory(location=store, on_hand=12)
    b = f.StockFactory(location=store, on_hand=12)
    real_hold = reservations_module.stock_reserve_many

    def slow_hold(*args, **kwargs):
        # Keep the rows locked a moment, so every cart meets the others mid-flight.
        time.sleep(0.02)
        return real_hold(*args, **kwargs)

    monkeypatch.setattr(reservations_module, "stock_reserve_many", slow_hold)

    def cart(i):
        lines = [(a.variant_id, store.pk, 1), (b.variant_id, store.pk, 1)]
        return services.reservations_create(
            lines=lines if i % 2 else lines[::-1], kind=Reservation.Kind.CART
        )

    results = race(24, cart)

    assert not [r for r in results if isinstance(r, OperationalError)]
    assert outcome(results) == {"list": 12, "InsufficientStock": 12}
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.reserved, b.reserved) == (12, 12)
    assert_ledger_true()


def test_two_expiry_sweeps_at_once_release_each_hold_once():
    store = f.LocationFactory()
    stocks = [f.StockFactory(location=store, on_hand=30) for _ in range(3)]
    past = timezone.now() - dt.timedelta(minutes=1)
    for stock in stocks:
        for _ in range(30):
            services.reservation_create(
                variant_id=stock.variant_id,
                location_id=store.pk,
                quantity=1,
                kind=Reservation.Kind.CART,
                expires_at=past,
            )

    results = race(4, lambda i: services.reservations_expire(batch_size=7))

    assert sum(results) == 90
    assert Reservation.objects.filter(status="expired").count() == 90
    assert set(Stock.objects.values_list("reserved", flat=True)) == {0}
    assert_ledger_true()


def test_releasing_and_committing_one_hold_at_once_moves_stock_once():
    store = f.LocationFactory()
    stock = f.StockFactory(location=store, on_hand=5)
    held = services.reservation_create(
        variant_id=stock.variant_id, location_id=store.pk, quantity=2, kind=Reservation.Kind.ORDER
    )

    def work(i):
        if i % 2:
            return services.reservation_release(reservation_id=held.pk)
        return services.stock_ship(reservation_ids=[held.pk])

    race(10, work)
    stock.refresh_from_db()
    held.refresh_from_db()
    assert stock.reserved == 0
    assert stock.on_hand == (3 if held.status == "committed" else 5)
    assert_ledger_true()


def test_receiving_a_transfer_twice_at_once_counts_it_once():
    warehouse, store = f.WarehouseFactory(), f.LocationFactory()
    stock = f.StockFactory(location=warehouse, on_hand=5)
    transfer = services.transfer_request(
        source_id=warehouse.pk, destination_id=store.pk, lines=[(stock.variant_id, 3)]
    )
    services.transfer_ship(transfer_id=transfer.pk)

    results = race(6, lambda i: services.transfer_receive(transfer_id=transfer.pk))

    assert outcome(results) == {"Transfer": 1, "InvalidTransition": 5}
    assert Stock.objects.get(variant_id=stock.variant_id, location=store).on_hand == 3
    assert_ledger_true()


def test_refreshes_racing_a_full_recompute_stay_consistent():
    from stores.services import location_distances_rebuild

    stores = [f.LocationFactory() for _ in range(4)]
    location_distances_rebuild()
    variants = [f.VariantFactory() for _ in range(6)]
    for v in variants:
        for s in stores:
            f.StockFactory(variant=v, location=s, on_hand=3)

    def work(i):
        if i == 0:
            return services.availability_recompute_all(batch_size=2, workers=2)
        v = variants[i % len(variants)]
        services.stock_receive(variant_id=v.pk, location_id=stores[i % 4].pk, quantity=1)
        return services.availability_refresh_variant(variant_id=v.pk)

    results = race(13, work)

    assert not [r for r in results if isinstance(r, Exception)]
    assert NearestAvailability.objects.exists()
    assert nearest_rows() == expected_nearest_rows()
