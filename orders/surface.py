"""What orders lends to other apps' storefront pages: an order as the shopper follows it
(``order_card``: each fulfilment's steps, done or to come), shown on the account home
(``customers.views.account``) and orders' own account pages; and the payment methods a
checkout offers (``payment_methods_offered``: the market's, in its order, with their
labels) to the storefront checkout and the endless aisle. Only surface modules import
it (tests/test_layering.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from omni.markets import current_market
from orders.models import Fulfilment, Order, Payment
from orders.services.payments import qr_provider_names
from orders.services.qr_payments import qr_payment_svg

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


# --- payment methods a checkout offers ------------------------------------------------------

# Which fulfilment each of the market's payment methods fits: pay at pickup only for a
# pickup, cash on delivery only for a delivery, the others for both.
PAYMENT_METHOD_FITS = {
    "card": frozenset({"ship", "pickup"}),
    "qr": frozenset({"ship", "pickup"}),
    "cod": frozenset({"ship"}),
    "pay_at_pickup": frozenset({"pickup"}),
}


def payment_method_label(method: str) -> str:
    """How a checkout names one of the market's payment methods (``omni.markets``), in
    the reader's language: in Thailand the QR method is PromptPay."""
    if method == "qr":
        if current_market().country == "TH":
            return _("PromptPay / bank app QR")
        return _("QR (bank app)")
    labels = {
        "card": pgettext("payment method", "Card"),
        "cod": _("Cash on delivery"),
        "pay_at_pickup": _("Pay at pickup"),
    }
    return labels.get(method, method)


def payment_methods_offered(*, fulfilment: str | None = None) -> list[tuple[str, str]]:
    """(method, label) for the market's payment methods, in the market's order; only
    those that fit ``fulfilment`` ("ship" or "pickup") when it is given."""
    return [
        (method, payment_method_label(method))
        for method in current_market().payment_methods
        if method in PAYMENT_METHOD_FITS
        and (fulfilment is None or fulfilment in PAYMENT_METHOD_FITS[method])
    ]


def qr_payment_due(payments) -> dict:
    """For a back-office page: a pending QR payment among ``payments`` (already loaded)
    as ``qr_due``, with its code (``qr_svg``) to show the customer at the counter; empty
    when there is none."""
    names = qr_provider_names()
    due = next(
        (p for p in payments if p.provider in names and p.status == Payment.Status.PENDING), None
    )
    if due is None:
        return {}
    return {"qr_due": due, "qr_svg": qr_payment_svg(due, scale=4)}


def order_placed_remember(request, order) -> None:
    """Let this session see the receipt of an order it just placed (the confirmation page
    is for the session that placed it or its member). For other apps' sale pages."""
    from orders.context_processors import PLACED_SESSION_KEY

    placed = request.session.get(PLACED_SESSION_KEY, [])
    request.session[PLACED_SESSION_KEY] = [*placed[-19:], order.number]
