"""Tax-invoice numbers under concurrency, on real PostgreSQL connections: desks issuing at
the same moment get consecutive numbers, none twice, none skipped; the same order asked
for twice at once still gets one invoice."""

import threading

import pytest
from django.db import close_old_connections

from orders import services
from orders.models import TaxInvoice
from tests import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DESKS = 8
BUYER = services.TaxInvoiceBuyer(
    name="Jaidee Trading", address="99 Sukhumvit", tax_id="0105553123452"
)


def _issue_at_once(orders):
    barrier = threading.Barrier(len(orders))
    issued, errors = [], []

    def issue(order):
        try:
            barrier.wait()
            issued.append(services.tax_invoice_issue(order=order, buyer=BUYER))
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=issue, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return issued


def test_invoices_issued_at_once_are_numbered_in_sequence():
    orders = [f.OrderFactory() for _ in range(DESKS)]
    _issue_at_once(orders)
    numbers = sorted(TaxInvoice.objects.values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + DESKS))
    assert TaxInvoice.objects.values("order").distinct().count() == DESKS


def test_one_order_asked_for_at_once_gets_one_invoice():
    order = f.OrderFactory()
    issued = _issue_at_once([order] * 4)
    assert TaxInvoice.objects.filter(order=order).count() == 1
    assert {invoice.pk for invoice in issued} == {TaxInvoice.objects.get().pk}
