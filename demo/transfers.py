"""Transfers between stores and ship-from-store parcels, a few in each state, so the
back-office queues at ``/backoffice/transfers/`` and ``/backoffice/shipments/`` are filled
on a fresh demo.

Unlike the bulk phases, these go through the real services (``inventory.services``
transfer steps, ``orders.services`` checkout and fulfilment steps): there are only a few
of each, and the services keep the ledger, holds, timelines and outbox exactly as the
screens do. Centred on the demo logins' stores: Brookline Village (BRK01, Luis) and
Boston Back Bay (BOS01, Maya — it ships online orders), with Cambridge (CAM01) as a third
place.
"""

from __future__ import annotations

from django.db.models import F
from django.test.utils import override_settings

from customers.models import Customer
from demo.markets import DemoMarket
from demo.world import DemoWorld
from inventory import services as inventory
from inventory.errors import InvalidDestination
from inventory.models import Stock
from orders import services as orders
from stores.models import Location

DEMO_CARD = "4242 4242 4242 4242"


def _variants_at(location_id: int, count: int, *, skip: int = 0) -> list[int]:
    """Variants with at least 4 units the location can still sell (deterministic)."""
    return list(
        Stock.objects.with_salable()
        .filter(location_id=location_id, salable__gte=4)
        .order_by("variant_id")
        .values_list("variant_id", flat=True)[skip : skip + count]
    )


def _transfers(market: DemoMarket, brk: Location, bos: Location, cam: Location) -> int:
    """``bos`` ships online orders, ``brk`` is an associate's store, ``cam`` a third (the
    US names; another market's ``transfer_stores``)."""
    made = 0
    notes = market.transfer_notes

    def request(source: Location, destination: Location, skip: int, note: str):
        nonlocal made
        variants = _variants_at(source.pk, 2, skip=skip) or _variants_at(source.pk, 1)
        made += 1
        return inventory.transfer_request(
            source_id=source.pk,
            destination_id=destination.pk,
            lines=[(variant_id, 2) for variant_id in variants],
            note=note,
        )

    # To ship from Brookline (Luis's "To ship" tab) and from Boston.
    request(brk, bos, 0, notes[0])
    request(brk, cam, 2, notes[1])
    request(bos, brk, 4, notes[2])
    # On their way to Brookline: one in full, one shipped short; one partly received.
    inventory.transfer_ship(transfer_id=request(bos, brk, 6, notes[3]).pk)
    short = request(cam, brk, 0, notes[4])
    lines = list(short.lines.order_by("pk"))
    inventory.transfer_ship(transfer_id=short.pk, shipped={line.variant_id: 1 for line in lines})
    partly = request(bos, brk, 8, notes[5])
    inventory.transfer_ship(transfer_id=partly.pk)
    first = partly.lines.order_by("pk").first()
    inventory.transfer_receive(
        transfer_id=partly.pk, received={first.variant_id: 1}, damaged={first.variant_id: 1}
    )
    # Done: received at Brookline and at Boston, and one cancelled with its reason.
    for source, destination, skip in ((cam, brk, 2), (brk, bos, 4)):
        done = request(source, destination, skip, notes[6])
        inventory.transfer_ship(transfer_id=done.pk)
        inventory.transfer_receive(transfer_id=done.pk)
    inventory.transfer_cancel(
        transfer_id=request(brk, cam, 6, notes[7]).pk, reason=market.cancel_reason
    )
    return made


def _shipments(market: DemoMarket, bos: Location) -> int:
    """Parcels sourced to Boston Back Bay (the nearest shipping location for an address
    next door): two to pick, one being picked, one packed, two shipped, one delivered."""
    address = {"name": "Demo Shopper", **market.parcel_address, "postcode": bos.postcode}
    variants = _variants_at(bos.pk, 7, skip=12)
    # Boston's own shoppers (demo customers with an email), oldest first.
    shoppers = list(
        Customer.objects.filter(home_store=bos).exclude(email="").order_by("pk")[: len(variants)]
    ) or list(Customer.objects.exclude(email="").order_by("pk")[: len(variants)])
    fulfilments = []
    for variant_id, shopper in zip(variants, shoppers, strict=False):
        try:
            order = orders.order_place(
                orders.OrderRequest(
                    lines=[(variant_id, 1)],
                    fulfilment=orders.ShipTo({**address, "name": shopper.full_name}),
                    payment=orders.PaymentChoice.card(DEMO_CARD),
                    customer=shopper,
                )
            ).order
        except InvalidDestination:
            # Sourcing places the address by its postcode (omni.geo); where the gazetteer
            # does not know the country's postcodes yet, the parcels queue stays empty.
            return 0
        fulfilment = order.fulfilments.get()
        if fulfilment.location_id == bos.pk:
            fulfilments.append(fulfilment)
    steps = ["placed", "placed", "picking", "packed", "shipped", "shipped", "delivered"]
    for fulfilment, step in zip(fulfilments, steps, strict=False):
        if step == "placed":
            continue
        orders.fulfilment_start_picking(fulfilment=fulfilment)
        if step == "picking":
            continue
        orders.fulfilment_pack(fulfilment=fulfilment)
        if step == "packed":
            continue
        orders.fulfilment_ship(
            fulfilment=fulfilment,
            carrier=market.carrier,
            tracking_number=f"{'1Z999AA1' if market.carrier == 'ups' else 'JD0146'}"
            f"{fulfilment.pk:08d}",
        )
        if step == "delivered":
            orders.fulfilment_deliver(fulfilment=fulfilment)
    return len(fulfilments)


def transfers_create(world: DemoWorld) -> None:
    market = world.market
    found = {loc.code: loc for loc in Location.objects.filter(code__in=market.transfer_stores)}
    stores = {
        role: found[code]
        for role, code in zip(("BOS01", "BRK01", "CAM01"), market.transfer_stores, strict=True)
        if code in found
    }
    if len(stores) < 3:
        # The large scale names its stores differently: take the first three stores.
        picked = list(
            Location.objects.filter(kind=Location.Kind.STORE).order_by(
                F("ships_online_orders").desc(), "code"
            )[:3]
        )
        stores = dict(zip(["BOS01", "BRK01", "CAM01"], picked, strict=False))
    if len(stores) < 3:
        return
    from demo.state import database_counts

    # The services write rows in many tables (orders, ledger, holds, timeline): count
    # what this phase added to each, so the seed's created == stored check holds.
    before = database_counts()
    # The shoppers' emails (confirmation, shipped) are real but not for the console the
    # seed reports to: keep them in memory.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        _transfers(market, stores["BRK01"], stores["BOS01"], stores["CAM01"])
        if stores["BOS01"].ships_online_orders:
            _shipments(market, stores["BOS01"])
    for label, total in database_counts().items():
        world.created[label] += total - before[label]
