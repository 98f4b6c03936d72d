"""What orders lends to other apps' storefront pages: an order as the shopper follows it
(``order_card``: each fulfilment's steps, done or to come), shown on the account home
(``customers.views.account``) and orders' own account pages. Only surface modules import
it (tests/test_layering.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from orders.models import Fulfilment, Order

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
