"""Returns' panels on the storefront account pages of the apps below it: the account
home (``customers.signals.account_sections``) and an order's page
(``orders.signals.order_sections``). Connected in ``returns.apps``; those apps never import
returns."""

from __future__ import annotations

from django.http import HttpRequest

from customers.models import Customer
from customers.signals import AccountPanel
from orders.models import Order
from returns.selectors import returnable_lines, returns_for_customer


def account_returns_panel(
    sender, *, request: HttpRequest, customer: Customer, limit: int, **kwargs
) -> AccountPanel:
    """The account home's latest ``limit`` returns, after orders and lists. Two queries
    however many returns."""
    latest = [*returns_for_customer(customer=customer)[:limit]]
    return AccountPanel(30, "storefront/returns/_home_returns.html", {"returns": latest})


def order_returns_panel(
    sender, *, request: HttpRequest, customer: Customer, order: Order, **kwargs
) -> AccountPanel:
    """An order's page: its returns, and "Start a return" while the policy lets any line
    come back (``returnable_lines``). Five queries however many lines and returns."""
    rows = returnable_lines(order=order)
    return AccountPanel(
        10,
        "storefront/returns/_order_returns.html",
        {
            "order": order,
            "returns": [*returns_for_customer(customer=customer).filter(order=order)],
            "can_return": any(row.returnable for row in rows),
        },
    )
