"""Two tills at one store selling the last unit at the same moment, on real PostgreSQL
connections: one sale, one clear refusal, stock never below zero, the ledger intact; and
two tablets closing the same shift at once: one close."""

import threading

import pytest
from django.db import close_old_connections

from inventory.models import Stock, StockMovement
from orders.errors import InsufficientStock
from orders.models import Order
from stores.models import Associate
from tests import factories as f
from tests.orders.helpers import make_variant, receive
from till import services
from till.errors import ShiftAlreadyClosed
from till.models import TillSale

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _at_once(calls):
    barrier = threading.Barrier(len(calls))
    done, refused, errors = [], [], []

    def run(call):
        try:
            barrier.wait()
            done.append(call())
        except (InsufficientStock, ShiftAlreadyClosed) as exc:
            refused.append(exc)
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return done, refused


def test_two_tills_sell_the_last_unit_at_once():
    store = f.LocationFactory(code="SPR", region="IL")
    variant = make_variant("10.00")
    receive(variant, store, 1)
    shifts = []
    for code in ("T1", "T2"):
        register = services.register_create(location=store, code=code, name=code)
        associate = f.AssociateFactory(home_location=store)
        shift = services.shift_open(register=register, associate=associate, opening_float="0")
        shifts.append((shift, associate))

    def sell(shift, associate, key):
        return lambda: services.sale_complete(
            shift=shift,
            associate=associate,
            lines={variant.pk: 1},
            tenders=[services.Tender(kind=services.CASH, amount="20")],
            idempotency_key=key,
        )

    done, refused = _at_once([sell(s, a, f"race-{i}") for i, (s, a) in enumerate(shifts)])
    assert len(done) == 1 and len(refused) == 1
    assert "Only" in refused[0].message or "out of stock" in refused[0].message
    stock = Stock.objects.get(variant=variant, location=store)
    assert stock.on_hand == 0 and stock.reserved == 0
    ledger = sum(m.delta for m in StockMovement.objects.filter(variant=variant, location=store))
    assert ledger == stock.on_hand
    assert Order.objects.count() == 1 and TillSale.objects.count() == 1


def test_the_same_sale_posted_twice_at_once_is_one_sale():
    store = f.LocationFactory(code="SPR", region="IL")
    variant = make_variant("10.00")
    receive(variant, store, 5)
    register = services.register_create(location=store, code="T1", name="T1")
    associate = f.AssociateFactory(home_location=store)
    shift = services.shift_open(register=register, associate=associate, opening_float="0")

    def post():
        return services.sale_complete(
            shift=shift,
            associate=associate,
            lines={variant.pk: 1},
            tenders=[services.Tender(kind=services.CASH, amount="20")],
            idempotency_key="same-key",
        )

    done, _refused = _at_once([post, post])
    assert len(done) == 2 and done[0].pk == done[1].pk
    assert Order.objects.count() == 1
    assert Stock.objects.get(variant=variant, location=store).on_hand == 4


def test_closing_a_shift_twice_at_once_closes_it_once():
    store = f.LocationFactory(code="SPR", region="IL")
    register = services.register_create(location=store, code="T1", name="T1")
    manager = f.AssociateFactory(home_location=store, role=Associate.Role.MANAGER)
    shift = services.shift_open(register=register, associate=manager, opening_float="10")
    close = lambda: services.shift_close(shift=shift, associate=manager, counted="10")  # noqa: E731
    done, refused = _at_once([close, close])
    assert len(done) == 1 and len(refused) == 1
