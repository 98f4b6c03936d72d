"""The shopper's orders in their account: every order with its fulfilments' progress, and
one order's page."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from customers.surface import account_customer
from orders import selectors
from orders.errors import OrderNotFound
from orders.services.numbers import order_code_data_uri
from orders.surface import order_card
from returns.selectors import returnable_lines, returns_for_customer

# ``/account/orders/...`` pages live here; the account home (``customers.views.account``)
# shows the same order cards (``orders.surface.order_card``).

ORDERS_PER_PAGE = 20


@login_required
def account_orders(request: HttpRequest) -> HttpResponse:
    """Every order of the shopper's, from every channel (web, in store, pickup), newest
    first, 20 a page."""
    customer = account_customer(request)
    page = Paginator(selectors.orders_for_customer(customer=customer), ORDERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "storefront/account/orders.html",
        {
            "customer": customer,
            "page": page,
            "orders": [order_card(o) for o in page.object_list],
            "section": "orders",
        },
    )


@login_required
def account_order_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One order: receipt, the scannable order code, fulfilment progress, and its returns
    panel (the order's returns, and "Start a return" while the policy lets any line come
    back: ``returns.selectors``). Another shopper's order is not found."""
    customer = account_customer(request)
    try:
        order = selectors.order_detail(number=number, customer=customer, with_discounts=True)
    except OrderNotFound:
        raise Http404("No such order among yours.") from None
    payments = [*order.payments.all()]
    refunded = sum(
        (refund.amount for payment in payments for refund in payment.refunds.all()),
        Decimal("0.00"),
    )
    # Below the receipt, in this order (each panel's template reads ``panel``).
    panels = [
        {
            "template_name": "storefront/returns/_order_returns.html",
            "context": {
                "order": order,
                "returns": [*returns_for_customer(customer=customer).filter(order=order)],
                "can_return": any(row.returnable for row in returnable_lines(order=order)),
            },
        },
    ]
    return render(
        request,
        "storefront/account/order_detail.html",
        {
            "customer": customer,
            "order": order,
            "card": order_card(order, selectors.order_transfers(order=order)),
            "order_code": order_code_data_uri(order.number),
            "payments": payments,
            "refunded": refunded,
            "panels": panels,
            "section": "orders",
        },
    )
