"""Orders' answers to what the apps below it announce.

``transfer_received`` answers ``inventory.signals.transfer_received``: a transfer made
for an order's pickup (its reference is the order) arrived, in part or whole, at the
pickup store — the pickup becomes "all items here" once every unit is held there
(``orders.services.pickup_transfer_arrived``).
"""

from __future__ import annotations

from orders.models import Fulfilment


def transfer_received(sender, *, transfer, complete: bool, **kwargs) -> None:
    if transfer.reference_type != "orders.order" or not transfer.reference_id.isdigit():
        return
    from orders.services import pickup_transfer_arrived

    waiting = Fulfilment.objects.filter(
        order_id=int(transfer.reference_id),
        kind=Fulfilment.Kind.PICKUP,
        location_id=transfer.destination_id,
        status__in=[Fulfilment.Status.PLACED, Fulfilment.Status.PICKING],
    ).order_by("pk")
    for fulfilment in waiting:
        pickup_transfer_arrived(fulfilment=fulfilment)
