"""Full tax invoices: issued on the buyer's request, at checkout or at the desk, with the
buyer's name, address and tax ID; numbered in one unbroken sequence per install (a tax
office asks for every number in order), one per order."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omni.markets import current_market
from orders.errors import TaxInvoiceInvalid
from orders.models import Order, TaxInvoice, TaxInvoiceCounter
from stores.models import Associate

TAX_ID_MIN, TAX_ID_MAX = 5, 20
SEQUENCE = "tax_invoice"


@dataclass(frozen=True)
class TaxInvoiceBuyer:
    """Who the invoice is made out to, as the buyer gave it."""

    name: str
    address: str
    tax_id: str


def thai_tax_id_valid(value: str) -> bool:
    """A Thai tax ID (a person's ID card number or a company's registration): 13 digits,
    the last a check digit — 11 minus the sum of the first twelve weighted 13 down to 2,
    modulo 11, its last digit."""
    if len(value) != 13 or not value.isdigit():
        return False
    total = sum(
        int(digit) * weight for digit, weight in zip(value[:12], range(13, 1, -1), strict=True)
    )
    return (11 - total % 11) % 10 == int(value[12])


def tax_invoice_buyer_clean(*, name: str, address: str, tax_id: str) -> TaxInvoiceBuyer:
    """The buyer's details, trimmed and checked for the market's country; raises
    TaxInvoiceInvalid naming the ``field`` (buyer_name, buyer_address, buyer_tax_id)."""
    name, address = (name or "").strip(), (address or "").strip()
    # People type IDs with dashes and spaces (1-2345-67890-12-1); the number is the digits.
    tax_id = "".join((tax_id or "").split()).replace("-", "")
    if not name:
        raise TaxInvoiceInvalid(
            _("Enter the name the tax invoice is made out to."), field="buyer_name"
        )
    if len(name) > 200:
        raise TaxInvoiceInvalid(_("Keep the name to 200 characters."), field="buyer_name")
    if not address:
        raise TaxInvoiceInvalid(
            _("Enter the buyer's address for the tax invoice."), field="buyer_address"
        )
    if current_market().country == "TH":
        if not thai_tax_id_valid(tax_id):
            raise TaxInvoiceInvalid(
                _("Enter the 13-digit Thai tax ID (its last digit is a check digit)."),
                field="buyer_tax_id",
            )
    elif not (TAX_ID_MIN <= len(tax_id) <= TAX_ID_MAX) or not tax_id.isalnum():
        raise TaxInvoiceInvalid(
            _("Enter the buyer's tax ID: %(min)s to %(max)s letters or digits.")
            % {"min": TAX_ID_MIN, "max": TAX_ID_MAX},
            field="buyer_tax_id",
        )
    return TaxInvoiceBuyer(name=name, address=address, tax_id=tax_id)


def _next_number() -> int:
    # The one counter row, locked until the caller's transaction ends: two desks issuing
    # at once queue here and take consecutive numbers.
    TaxInvoiceCounter.objects.get_or_create(name=SEQUENCE)
    counter = TaxInvoiceCounter.objects.select_for_update().get(name=SEQUENCE)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


@transaction.atomic
def tax_invoice_issue(
    *, order: Order, buyer: TaxInvoiceBuyer, issued_by: Associate | None = None
) -> TaxInvoice:
    """The order's tax invoice, issued now with the next number; an order that already has
    one gets that one back unchanged (one invoice per order, however often it is asked
    for). Locks the order row, then the counter row. ``buyer``: from
    ``tax_invoice_buyer_clean``."""
    locked = Order.objects.select_for_update().filter(pk=order.pk).first()
    existing = TaxInvoice.objects.filter(order=order).first()
    if existing is not None:
        return existing
    if locked is not None and locked.status == Order.Status.CANCELLED:
        # Nothing was sold: a number of the unbroken sequence is not spent on it.
        raise TaxInvoiceInvalid(
            _("Order %(number)s was cancelled: it gets no tax invoice.") % {"number": order.number},
            order=order.number,
        )
    return TaxInvoice.objects.create(
        order=order,
        number=_next_number(),
        buyer_name=buyer.name,
        buyer_address=buyer.address,
        buyer_tax_id=buyer.tax_id,
        issued_at=timezone.now(),
        issued_by=issued_by,
    )
