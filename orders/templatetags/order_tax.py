"""``{% order_tax order as tax %}``: an order's VAT breakdown and its seller's name and tax
ID, for every receipt (confirmation, account page, emails, back-office receipts)."""

from django import template

from orders.selectors import order_seller
from orders.selectors import order_tax as order_tax_read

register = template.Library()


@register.simple_tag
def order_tax(order):
    return order_tax_read(order=order)


@register.simple_tag
def seller_details():
    """The seller's name, address and tax ID (no query: a return receipt needs only this)."""
    return order_seller()
