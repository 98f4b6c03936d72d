"""``{% order_tax order as tax %}``: an order's VAT breakdown and its seller's name and tax
ID, for every receipt (confirmation, account page, emails, back-office receipts)."""

from django import template

from orders.selectors import order_tax as order_tax_read

register = template.Library()


@register.simple_tag
def order_tax(order):
    return order_tax_read(order=order)
