"""The shopper's account home on the storefront: balances, then panels."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from customers import selectors, services
from customers.models import (
    List,
)
from customers.surface import account_customer
from orders import selectors as selectors_orders
from orders.surface import order_card
from returns.selectors import returns_for_customer
from stores.models import Location
from stores.selectors import associate_for_user

RECENT_ON_HOME = 3


# --- account home ------------------------------------------------------------------------


@login_required
def account_home(request: HttpRequest) -> HttpResponse:
    """Account home: balances, then panels — the latest orders (with pickup progress; six
    queries however many), lists, returns (two queries however many)."""
    customer = account_customer(request)
    orders = selectors_orders.orders_for_customer(customer=customer)[:RECENT_ON_HOME]
    lists = [
        *List.objects.filter(customer=customer)
        .select_related("sent_to_location")
        .annotate(item_count=Count("items"))
        .order_by("-updated_at", "-pk")[:RECENT_ON_HOME]
    ]
    # In this order on the page (each panel's template reads ``panel``).
    panels = [
        {
            "template_name": "storefront/account/_home_orders.html",
            "context": {"orders": [order_card(order) for order in orders]},
        },
        {"template_name": "storefront/account/_home_lists.html", "context": {"lists": lists}},
        {
            "template_name": "storefront/returns/_home_returns.html",
            "context": {"returns": [*returns_for_customer(customer=customer)[:RECENT_ON_HOME]]},
        },
    ]
    return render(
        request,
        "storefront/account/home.html",
        {
            "customer": customer,
            **_loyalty(customer),
            "store_credit": selectors.store_credit_balance(customer=customer),
            "panels": panels,
            "associate": associate_for_user(user=request.user),
            "section": "home",
        },
    )


def _loyalty(customer) -> dict:
    """Points, what they are worth at checkout, and their latest movements."""
    points = selectors.loyalty_balance(customer=customer)
    return {
        "loyalty_points": points,
        "loyalty_worth": services.loyalty_worth(points=points),
        "loyalty_history": selectors.loyalty_history(customer=customer),
    }


# --- lists -----------------------------------------------------------------------------


def _store_label(location: Location) -> str:
    return f"{location.name} · {location.city}" if location.city != location.name else location.name
