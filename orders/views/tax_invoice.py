"""The full tax invoice on the storefront: the buyer's details asked at checkout
(``TaxInvoiceFields``, shared with the desk's form) and the printable invoice of an order
(``tax_invoice``), for the member it belongs to or the session that placed it."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from orders import selectors, services
from orders.context_processors import PLACED_SESSION_KEY
from orders.errors import OrderNotFound, TaxInvoiceInvalid
from orders.models import Order, TaxInvoice


class TaxInvoiceFields(forms.Form):
    """Name, address and tax ID for a full tax invoice; checked (a Thai tax ID's check
    digit) when ``tax_invoice`` is ticked, or always with ``required_invoice``."""

    tax_invoice = forms.BooleanField(label=_("I need a full tax invoice"), required=False)
    buyer_name = forms.CharField(
        label=_("Name or company on the invoice"), max_length=200, required=False
    )
    buyer_address = forms.CharField(
        label=_("Address on the invoice"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    buyer_tax_id = forms.CharField(
        label=_("Tax ID"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    required_invoice = False

    def tax_invoice_clean(self, data: dict) -> None:
        """Put ``data["tax_invoice_buyer"]`` (TaxInvoiceBuyer or None), or field errors."""
        data["tax_invoice_buyer"] = None
        if not (self.required_invoice or data.get("tax_invoice")):
            return
        try:
            data["tax_invoice_buyer"] = services.tax_invoice_buyer_clean(
                name=data.get("buyer_name", ""),
                address=data.get("buyer_address", ""),
                tax_id=data.get("buyer_tax_id", ""),
            )
        except TaxInvoiceInvalid as exc:
            self.add_error(exc.details.get("field", "buyer_tax_id"), exc.message)

    def clean(self):
        data = super().clean()
        self.tax_invoice_clean(data)
        return data


class DeskTaxInvoiceForm(TaxInvoiceFields):
    """The desk's "Issue tax invoice" form: the details are the point, so always checked."""

    required_invoice = True


def tax_invoice_context(order: Order, invoice: TaxInvoice) -> dict:
    return {
        "order": order,
        "invoice": invoice,
        "lines": list(order.lines.all()),
        "tax": selectors.order_tax(order=order),
    }


def tax_invoice(request: HttpRequest, number: str) -> HttpResponse:
    """The printable tax invoice of an order that has one; not found for anyone but its
    member or the session that placed it."""
    try:
        order = selectors.order_detail(number=number)
    except OrderNotFound:
        raise Http404("No such order") from None
    in_session = order.number in request.session.get(PLACED_SESSION_KEY, [])
    owner = request.user.is_authenticated and order.customer.user_id == request.user.pk
    invoice = TaxInvoice.objects.filter(order=order).first()
    if not (in_session or owner) or invoice is None:
        raise Http404("No such tax invoice")
    return render(request, "orders/tax_invoice.html", tax_invoice_context(order, invoice))
