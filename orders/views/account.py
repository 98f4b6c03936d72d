"""The shopper's orders in their account: every order with its fulfilments' progress, and
one order's page."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.signals import AccountPanel
from customers.surface import account_customer
from orders import selectors
from orders.errors import OrderNotFound
from orders.models import Fulfilment, Order
from orders.services.numbers import order_code_data_uri
from orders.signals import order_sections

# --- the shopper's orders in their account ------------------------------------------------
# ``/account/orders/...`` pages live here, not in customers (which sits below orders); the
# account home (customers') gets its "Recent orders" panel from ``account_orders_panel``,
# a ``customers.signals.account_sections`` receiver.

ORDERS_PER_PAGE = 20

_STOPPED = frozenset({Fulfilment.Status.EXPIRED, Fulfilment.Status.CANCELLED})
_READY_OR_LATER = frozenset(
    {
        Fulfilment.Status.READY,
        Fulfilment.Status.COLLECTED,
        Fulfilment.Status.PARTIALLY_COLLECTED,
    }
)
_COLLECTED = frozenset({Fulfilment.Status.COLLECTED, Fulfilment.Status.PARTIALLY_COLLECTED})
_SHIP_ORDER = (
    Fulfilment.Status.PLACED,
    Fulfilment.Status.PICKING,
    Fulfilment.Status.PACKED,
    Fulfilment.Status.SHIPPED,
    Fulfilment.Status.DELIVERED,
)


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # "done", "current" or "todo"


@dataclass(frozen=True)
class FulfilmentView:
    fulfilment: Fulfilment
    steps: tuple[Step, ...]  # empty for stopped fulfilments and carry-outs
    units: int

    @property
    def is_pickup(self) -> bool:
        return self.fulfilment.kind == Fulfilment.Kind.PICKUP

    @property
    def stopped(self) -> bool:
        return self.fulfilment.status in _STOPPED


def _steps(reached: list[tuple[str, bool]]) -> tuple[Step, ...]:
    """The furthest step reached is "current" (unless it is the last: then all are done),
    those before it "done", those after "todo"."""
    at = max((i for i, (_, done) in enumerate(reached) if done), default=0)
    last = at == len(reached) - 1
    return tuple(
        Step(label, "done" if i < at or (i == at and last) else "current" if i == at else "todo")
        for i, (label, _) in enumerate(reached)
    )


def _pickup_steps(fulfilment: Fulfilment, transfers) -> list[tuple[str, bool]]:
    status = fulfilment.status
    steps = [(_("Placed"), True)]
    incoming = [t for t in transfers if t.destination_id == fulfilment.location_id]
    if incoming:
        # Waiting for a transfer: the shopper sees it leave the other store and arrive.
        sources = ", ".join(sorted({t.source.name for t in incoming}))
        left = all(t.status in ("shipped", "received") for t in incoming)
        here = fulfilment.all_items_here_at is not None or status in _READY_OR_LATER
        steps += [
            (_("Sent from %(source)s") % {"source": sources}, left or here),
            (_("All items here"), here),
        ]
    else:
        steps.append((_("Picking"), status != Fulfilment.Status.PLACED))
    steps += [(_("Ready"), status in _READY_OR_LATER), (_("Collected"), status in _COLLECTED)]
    return steps


def fulfilment_view(fulfilment: Fulfilment, transfers=()) -> FulfilmentView:
    """A fulfilment as the shopper follows it: each step, done or to come (pickups:
    placed → [sent from a store → all items here] → ready → collected; deliveries:
    placed → picking → packed → shipped → delivered). ``transfers`` are the order's
    (``inventory.Transfer`` rows, source loaded), for the pickup's transfer steps."""
    steps: tuple[Step, ...] = ()
    status = fulfilment.status
    if fulfilment.kind == Fulfilment.Kind.PICKUP and status not in _STOPPED:
        steps = _steps(_pickup_steps(fulfilment, transfers))
    elif fulfilment.kind == Fulfilment.Kind.SHIP and status in _SHIP_ORDER:
        at = _SHIP_ORDER.index(status)
        labels = (_("Placed"), _("Picking"), _("Packed"), _("Shipped"), _("Delivered"))
        steps = _steps([(label, i <= at) for i, label in enumerate(labels)])
    units = sum(line.quantity for line in fulfilment.lines.all())
    return FulfilmentView(fulfilment=fulfilment, steps=steps, units=units)


@dataclass(frozen=True)
class OrderCard:
    order: Order
    fulfilments: tuple[FulfilmentView, ...]
    units: int


def order_card(order: Order, transfers=()) -> OrderCard:
    return OrderCard(
        order=order,
        fulfilments=tuple(fulfilment_view(f, transfers) for f in order.fulfilments.all()),
        units=sum(line.quantity for line in order.lines.all()),
    )


def account_orders_panel(
    sender, *, request: HttpRequest, customer: Customer, limit: int, **kwargs
) -> AccountPanel:
    """``customers.signals.account_sections`` receiver: the account home's "Recent
    orders" (``limit`` of them, with pickup progress), first on the page. Six queries
    however many orders (``orders_for_customer``)."""
    cards = [order_card(o) for o in selectors.orders_for_customer(customer=customer)[:limit]]
    return AccountPanel(10, "storefront/account/_home_orders.html", {"orders": cards})


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
    """One order: receipt, the scannable order code, fulfilment progress, and the panels
    of the apps above orders (``orders.signals.order_sections``: returns shows the
    order's returns and the way to start one). Another shopper's order is not found."""
    customer = account_customer(request)
    try:
        order = selectors.order_detail(number=number, customer=customer)
    except OrderNotFound:
        raise Http404("No such order among yours.") from None
    payments = [*order.payments.all()]
    refunded = sum(
        (refund.amount for payment in payments for refund in payment.refunds.all()),
        Decimal("0.00"),
    )
    panels = [
        panel
        for _, panel in order_sections.send(
            sender=Order, request=request, customer=customer, order=order
        )
        if panel is not None
    ]
    panels.sort(key=lambda panel: panel.position)
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
