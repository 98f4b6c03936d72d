"""Transfers raced for real on PostgreSQL: two associates (or an associate and a WMS)
ship or receive the same transfer at the same instant, each on its own connection. The
transfer row is locked first, so exactly one wins, the other gets a clear refusal, and
stock and the ledger stay true. Skipped on SQLite."""

import pytest

from inventory import services
from inventory.errors import InvalidTransition
from inventory.models import Stock, StockMovement, Transfer
from tests import factories as f
from tests.integration.test_stock_concurrency import outcome, race
from tests.inventory.checks import assert_ledger_true

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _transfer(quantity=3):
    source, destination = f.LocationFactory(), f.LocationFactory()
    variant = f.VariantFactory()
    services.stock_receive(variant_id=variant.pk, location_id=source.pk, quantity=quantity + 2)
    transfer = services.transfer_request(
        source_id=source.pk, destination_id=destination.pk, lines=[(variant.pk, quantity)]
    )
    return transfer, variant, source, destination


def test_two_receipts_at_once_land_the_units_once():
    transfer, variant, _source, destination = _transfer()
    services.transfer_ship(transfer_id=transfer.pk)

    results = race(4, lambda i: services.transfer_receive(transfer_id=transfer.pk))

    assert outcome(results) == {"Transfer": 1, "InvalidTransition": 3}
    refusal = next(r for r in results if isinstance(r, InvalidTransition))
    assert "was received already" in refusal.message
    assert Stock.objects.get(variant=variant, location=destination).on_hand == 3
    assert StockMovement.objects.filter(reason="transfer_in").count() == 1
    assert Transfer.objects.get(pk=transfer.pk).status == Transfer.Status.RECEIVED
    assert_ledger_true()


def test_two_partial_receipts_at_once_never_exceed_what_was_sent():
    transfer, variant, _source, destination = _transfer(quantity=3)
    services.transfer_ship(transfer_id=transfer.pk)

    # Each counts 2 of the 3 units: the first leaves 1 in transit, the second is refused.
    results = race(
        2, lambda i: services.transfer_receive(transfer_id=transfer.pk, received={variant.pk: 2})
    )

    assert outcome(results) == {"Transfer": 1, "InvalidQuantity": 1}
    line = Transfer.objects.get(pk=transfer.pk).lines.get()
    assert (line.quantity_received, line.in_transit) == (2, 1)
    assert Stock.objects.get(variant=variant, location=destination).on_hand == 2
    assert_ledger_true()


def test_two_associates_shipping_at_once_ship_once():
    transfer, variant, source, _destination = _transfer()

    results = race(3, lambda i: services.transfer_ship(transfer_id=transfer.pk))

    assert outcome(results) == {"Transfer": 1, "InvalidTransition": 2}
    refusal = next(r for r in results if isinstance(r, InvalidTransition))
    assert "has already been shipped" in refusal.message
    stock = Stock.objects.get(variant=variant, location=source)
    assert (stock.on_hand, stock.reserved) == (2, 0)
    assert StockMovement.objects.filter(reason="transfer_out").count() == 1
    assert_ledger_true()


def test_shipping_while_it_is_cancelled():
    transfer, variant, source, _destination = _transfer()

    def work(i):
        if i == 0:
            return services.transfer_ship(transfer_id=transfer.pk)
        return services.transfer_cancel(transfer_id=transfer.pk, reason="Not needed")

    results = race(2, work)

    final = Transfer.objects.get(pk=transfer.pk).status
    assert final in (Transfer.Status.SHIPPED, Transfer.Status.CANCELLED)
    assert outcome(results) == {"Transfer": 1, "InvalidTransition": 1}
    stock = Stock.objects.get(variant=variant, location=source)
    assert stock.reserved == 0
    assert stock.on_hand == (2 if final == Transfer.Status.SHIPPED else 5)
    assert_ledger_true()
