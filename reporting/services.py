"""Keeping the rollups: one function recomputes a whole (location, local day) partition
from the source rows, and everything else — the outbox handler after an order, return or
pickup event, the beat task for the last two days, the rebuild command — calls it.

Recomputing a partition from scratch (delete, then insert what the source rows say) is
idempotent and order-independent: a message delivered twice, or two events of one day
handled in either order, end with the same rows, and so does a rebuild.

Where an event lands (``rollup_keys_for_order``):
- an order: its store (the store it was placed in, else the store it is picked up at,
  else none — an online order shipped from a warehouse) on that store's local day of
  ``placed_at``; web orders without a store use the market's time zone;
- a pickup: the pickup store, on the day it became ready, was collected, or its hold
  lapsed (``hold_until``);
- a shipment from a store: that store, on the day it shipped;
- a return: where it was received, on that day, under the channel of the order returned.

Attribution to associates (``ATTRIBUTION``, also stated on the dashboard): an order with
an associate (rung up at the till, or helped in the endless aisle) is theirs; an online
order without one is credited to the associate who added one of its items to the
shopper's list before it was placed (the latest such), else to the shopper's primary
associate (client book). Each order is credited once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import BigIntegerField, Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from customers.models import Channel, FollowUpTask, ListItem
from inventory.models import Transfer
from orders.models import Fulfilment, Order, OrderLine
from reporting.models import (
    CustomerDay,
    DailyAssociate,
    DailyCategory,
    DailyReturnReason,
    DailyRollup,
    DailyTransfers,
)
from returns.models import Return, ReturnLine
from stores.models import Location

ZERO = Decimal("0")
RollupKey = tuple[int | None, dt.date]

# Channels where the shopper ordered without an associate at a till.
ONLINE_CHANNELS = frozenset(
    {Channel.WEB, Channel.APP, Channel.SOCIAL, Channel.MARKETPLACE, Channel.PHONE}
)
COUNTED_RETURNS = (Return.Status.RECEIVED, Return.Status.REFUNDED, Return.Status.CLOSED)
REFRESH_TOPIC = "rollups.refresh"


# --- days and zones -------------------------------------------------------------------


def zone_of(location: Location | None) -> ZoneInfo:
    """The store's zone; the market's (settings.TIME_ZONE) for online orders."""
    name = (location.timezone if location is not None else "") or settings.TIME_ZONE
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def day_window(zone: ZoneInfo, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[local midnight, next local midnight) of ``day`` in ``zone`` (23 or 25 hours on a
    daylight-saving change)."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def local_day(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    return timezone.localtime(moment, zone).date()


def _zones(location_ids: Iterable[int | None]) -> dict[int | None, ZoneInfo]:
    ids = {pk for pk in location_ids if pk is not None}
    zones: dict[int | None, ZoneInfo] = {None: zone_of(None)}
    for location in Location.objects.filter(pk__in=ids).only("pk", "timezone"):
        zones[location.pk] = zone_of(location)
    return zones


# --- which partitions an event touches -------------------------------------------------


def _pickup_location() -> Subquery:
    return Subquery(
        Fulfilment.objects.filter(order_id=OuterRef("pk"), kind=Fulfilment.Kind.PICKUP)
        .order_by("pk")
        .values("location_id")[:1]
    )


def orders_at(location_id: int | None) -> QuerySet[Order]:
    """Orders whose store is ``location_id`` (None: online orders no store takes part in)."""
    orders = Order.objects.annotate(
        store_id=Coalesce("location_id", _pickup_location(), output_field=BigIntegerField())
    )
    if location_id is None:
        return orders.filter(store_id__isnull=True)
    return orders.filter(store_id=location_id)


def rollup_keys_for_order(*, order_id: int) -> set[RollupKey]:
    """Every (location, day) partition the order, its fulfilments and its returns count
    in. A few queries, whatever the order's size."""
    order = (
        Order.objects.filter(pk=order_id)
        .annotate(
            store_id=Coalesce("location_id", _pickup_location(), output_field=BigIntegerField())
        )
        .first()
    )
    if order is None:
        return set()
    fulfilments = list(
        Fulfilment.objects.filter(order_id=order_id).values(
            "location_id", "kind", "ready_at", "collected_at", "hold_until", "shipped_at", "status"
        )
    )
    returns = list(
        Return.objects.filter(order_id=order_id, received_at__isnull=False).values(
            "location_id", "received_at"
        )
    )
    zones = _zones(
        [order.store_id]
        + [row["location_id"] for row in fulfilments]
        + [row["location_id"] for row in returns]
    )
    keys: set[RollupKey] = {(order.store_id, local_day(order.placed_at, zones[order.store_id]))}
    for row in fulfilments:
        zone = zones.get(row["location_id"], zones[None])
        moments = [row["ready_at"], row["collected_at"], row["shipped_at"]]
        if row["status"] == Fulfilment.Status.EXPIRED:
            moments.append(row["hold_until"])
        keys |= {(row["location_id"], local_day(m, zone)) for m in moments if m is not None}
    for row in returns:
        zone = zones.get(row["location_id"], zones[None])
        keys.add((row["location_id"], local_day(row["received_at"], zone)))
    return keys


def rollup_keys_for_return(*, return_id: int) -> set[RollupKey]:
    order_id = Return.objects.filter(pk=return_id).values_list("order_id", flat=True).first()
    return rollup_keys_for_order(order_id=order_id) if order_id else set()


# --- the one recompute ----------------------------------------------------------------


def _blank() -> dict:
    return {
        "orders": 0,
        "sales": ZERO,
        "discounts": ZERO,
        "units": 0,
        "new_customers": 0,
        "pickup_orders": 0,
        "returns": 0,
        "returned_units": 0,
        "refunds": ZERO,
        "store_returns_of_online": 0,
        "pickups_ready": 0,
        "ready_seconds": 0,
        "pickups_collected": 0,
        "collect_seconds": 0,
        "pickups_expired": 0,
        "shipped_from_store": 0,
    }


def _seconds(later: dt.datetime | None, earlier: dt.datetime | None) -> int:
    if later is None or earlier is None:
        return 0
    return max(0, int((later - earlier).total_seconds()))


@transaction.atomic
def rollup_day_refresh(*, location_id: int | None, day: dt.date) -> int:
    """Recompute every rollup row of (``location_id``, ``day``) from the source rows and
    replace what was there. Returns the number of DailyRollup rows written. Safe to run
    twice or concurrently with itself (the last writer wins with the same rows)."""
    location = Location.objects.filter(pk=location_id).first() if location_id else None
    if location_id and location is None:
        return 0
    zone = zone_of(location)
    start, end = day_window(zone, day)
    key = {"location_id": location_id, "day": day}
    rows: dict[tuple[str, str], dict] = defaultdict(_blank)

    # Orders placed here today (not cancelled).
    orders = (
        orders_at(location_id)
        .filter(placed_at__gte=start, placed_at__lt=end)
        .exclude(status=Order.Status.CANCELLED)
    )
    earlier = (
        Order.objects.filter(customer_id=OuterRef("customer_id"))
        .exclude(status=Order.Status.CANCELLED)
        .filter(
            Q(placed_at__lt=OuterRef("placed_at"))
            | Q(placed_at=OuterRef("placed_at"), pk__lt=OuterRef("pk"))
        )
    )
    has_pickup = Fulfilment.objects.filter(order_id=OuterRef("pk"), kind=Fulfilment.Kind.PICKUP)
    for row in (
        orders.annotate(is_repeat=Exists(earlier), has_pickup=Exists(has_pickup))
        .values("channel", "currency")
        .annotate(
            n=Count("pk"),
            sales=Sum("total"),
            discounts=Sum("discount_total"),
            new=Count("pk", filter=Q(is_repeat=False)),
            pickups=Count("pk", filter=Q(has_pickup=True)),
        )
        .order_by()
    ):
        target = rows[(row["channel"], row["currency"])]
        target["orders"] = row["n"]
        target["sales"] = row["sales"] or ZERO
        target["discounts"] = row["discounts"] or ZERO
        target["new_customers"] = row["new"]
        target["pickup_orders"] = row["pickups"]
    order_ids = orders.values("pk")
    categories = []
    for row in (
        OrderLine.objects.filter(order_id__in=order_ids)
        .values("order__channel", "order__currency", "variant__product__category_id")
        .annotate(units=Sum("quantity"), sales=Sum("line_total"))
        .order_by()
    ):
        rows[(row["order__channel"], row["order__currency"])]["units"] += row["units"] or 0
        categories.append(
            {
                "channel": row["order__channel"],
                "currency": row["order__currency"],
                "category_id": row["variant__product__category_id"],
                "units_sold": row["units"] or 0,
                "sales": row["sales"] or ZERO,
                "units_returned": 0,
                "refunds": ZERO,
            }
        )

    # Returns received here today, under the channel of the order returned.
    reasons = []
    if location_id is not None:
        returns = Return.objects.filter(
            location_id=location_id,
            received_at__gte=start,
            received_at__lt=end,
            status__in=COUNTED_RETURNS,
        )
        is_store = location.kind == Location.Kind.STORE
        for row in (
            returns.values("order__channel", "currency")
            .annotate(
                n=Count("pk"),
                refunds=Sum("refund_total"),
                online=Count("pk", filter=Q(order__channel__in=ONLINE_CHANNELS)),
            )
            .order_by()
        ):
            target = rows[(row["order__channel"], row["currency"])]
            target["returns"] = row["n"]
            target["refunds"] = row["refunds"] or ZERO
            target["store_returns_of_online"] = row["online"] if is_store else 0
        lines = ReturnLine.objects.filter(return_request__in=returns.values("pk"))
        for row in (
            lines.values(
                "return_request__order__channel", "return_request__currency", "reason", "condition"
            )
            .annotate(n=Count("pk"), units=Sum("quantity"), refunds=Sum("refund_amount"))
            .order_by()
        ):
            channel, currency = (
                row["return_request__order__channel"],
                row["return_request__currency"],
            )
            rows[(channel, currency)]["returned_units"] += row["units"] or 0
            reasons.append(
                DailyReturnReason(
                    **key,
                    channel=channel,
                    currency=currency,
                    reason=row["reason"],
                    condition=row["condition"],
                    lines=row["n"],
                    units=row["units"] or 0,
                    refunds=row["refunds"] or ZERO,
                )
            )
        for row in (
            lines.values(
                "return_request__order__channel",
                "return_request__currency",
                "order_line__variant__product__category_id",
            )
            .annotate(units=Sum("quantity"), refunds=Sum("refund_amount"))
            .order_by()
        ):
            categories.append(
                {
                    "channel": row["return_request__order__channel"],
                    "currency": row["return_request__currency"],
                    "category_id": row["order_line__variant__product__category_id"],
                    "units_sold": 0,
                    "sales": ZERO,
                    "units_returned": row["units"] or 0,
                    "refunds": row["refunds"] or ZERO,
                }
            )

        # Pickups at this store: ready, collected, lapsed today; lead times as sums.
        pickups = Fulfilment.objects.filter(location_id=location_id, kind=Fulfilment.Kind.PICKUP)
        for row in pickups.filter(ready_at__gte=start, ready_at__lt=end).values(
            "order__channel", "order__currency", "ready_at", "order__placed_at"
        ):
            target = rows[(row["order__channel"], row["order__currency"])]
            target["pickups_ready"] += 1
            target["ready_seconds"] += _seconds(row["ready_at"], row["order__placed_at"])
        for row in pickups.filter(collected_at__gte=start, collected_at__lt=end).values(
            "order__channel", "order__currency", "collected_at", "ready_at"
        ):
            target = rows[(row["order__channel"], row["order__currency"])]
            target["pickups_collected"] += 1
            target["collect_seconds"] += _seconds(row["collected_at"], row["ready_at"])
        for row in (
            pickups.filter(
                status=Fulfilment.Status.EXPIRED, hold_until__gte=start, hold_until__lt=end
            )
            .values("order__channel", "order__currency")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            rows[(row["order__channel"], row["order__currency"])]["pickups_expired"] = row["n"]
        if is_store:
            for row in (
                Fulfilment.objects.filter(
                    location_id=location_id,
                    kind=Fulfilment.Kind.SHIP,
                    shipped_at__gte=start,
                    shipped_at__lt=end,
                )
                .values("order__channel", "order__currency")
                .annotate(n=Count("pk"))
                .order_by()
            ):
                rows[(row["order__channel"], row["order__currency"])]["shipped_from_store"] = row[
                    "n"
                ]

    customers = [
        CustomerDay(
            **key,
            customer_id=row["customer_id"],
            channel=row["channel"],
            currency=row["currency"],
            orders=row["n"],
            sales=row["sales"] or ZERO,
        )
        for row in orders.values("customer_id", "channel", "currency")
        .annotate(n=Count("pk"), sales=Sum("total"))
        .order_by()
    ]
    associates = _associate_rows(
        orders=orders, key=key, location_id=location_id, window=(start, end)
    )
    transfers = None
    if location_id is not None:
        out_count = Transfer.objects.filter(
            source_id=location_id, shipped_at__gte=start, shipped_at__lt=end
        ).count()
        in_count = Transfer.objects.filter(
            destination_id=location_id, received_at__gte=start, received_at__lt=end
        ).count()
        if out_count or in_count:
            transfers = DailyTransfers(**key, transfers_out=out_count, transfers_in=in_count)

    for model in (DailyRollup, DailyCategory, DailyReturnReason, CustomerDay, DailyAssociate):
        model.objects.filter(location_id=location_id, day=day).delete()
    if location_id is not None:
        DailyTransfers.objects.filter(location_id=location_id, day=day).delete()
    DailyRollup.objects.bulk_create(
        DailyRollup(**key, channel=channel, currency=currency, **figures)
        for (channel, currency), figures in sorted(rows.items())
    )
    merged: dict[tuple, dict] = {}
    for row in categories:
        ident = (row["channel"], row["currency"], row["category_id"])
        if ident not in merged:
            merged[ident] = row
            continue
        for name in ("units_sold", "sales", "units_returned", "refunds"):
            merged[ident][name] += row[name]
    DailyCategory.objects.bulk_create(DailyCategory(**key, **row) for row in merged.values())
    DailyReturnReason.objects.bulk_create(reasons)
    CustomerDay.objects.bulk_create(customers)
    DailyAssociate.objects.bulk_create(associates)
    if transfers is not None:
        transfers.save()
    return len(rows)


def _associate_rows(
    *, orders: QuerySet[Order], key: dict, location_id: int | None, window: tuple
) -> list[DailyAssociate]:
    """The attribution rule (module docstring) for the day's orders, and the follow-ups
    done here today. Four queries."""
    credit: dict[tuple[int, str, str], list] = defaultdict(lambda: [0, ZERO])
    online = list(
        orders.filter(associate__isnull=True, channel__in=ONLINE_CHANNELS).values(
            "pk", "customer_id", "placed_at", "total", "currency", "customer__primary_associate_id"
        )
    )
    for row in (
        orders.filter(associate__isnull=False)
        .values("associate_id", "currency")
        .annotate(n=Count("pk"), sales=Sum("total"))
        .order_by()
    ):
        credit[(row["associate_id"], DailyAssociate.Source.HELPED, row["currency"])] = [
            row["n"],
            row["sales"] or ZERO,
        ]
    if online:
        variants_of: dict[int, set[int]] = defaultdict(set)
        for order_id, variant_id in OrderLine.objects.filter(
            order_id__in=[row["pk"] for row in online]
        ).values_list("order_id", "variant_id"):
            variants_of[order_id].add(variant_id)
        listed: dict[int, list[tuple]] = defaultdict(list)
        for item in (
            ListItem.objects.filter(
                list__customer_id__in={row["customer_id"] for row in online},
                added_by_associate__isnull=False,
                added_at__lt=window[1],
            )
            .values("list__customer_id", "variant_id", "added_by_associate_id", "added_at")
            .order_by("-added_at", "-pk")
        ):
            listed[item["list__customer_id"]].append(item)
        for row in online:
            who, source = None, None
            for item in listed.get(row["customer_id"], ()):
                if (
                    item["added_at"] < row["placed_at"]
                    and item["variant_id"] in variants_of[row["pk"]]
                ):
                    who, source = item["added_by_associate_id"], DailyAssociate.Source.LIST
                    break
            if who is None and row["customer__primary_associate_id"]:
                who, source = row["customer__primary_associate_id"], DailyAssociate.Source.CLIENT
            if who is not None:
                entry = credit[(who, source, row["currency"])]
                entry[0] += 1
                entry[1] += row["total"]
    if location_id is not None:
        for row in (
            FollowUpTask.objects.filter(
                location_id=location_id,
                status=FollowUpTask.Status.DONE,
                completed_at__gte=window[0],
                completed_at__lt=window[1],
            )
            .annotate(
                who=Coalesce("assigned_to_id", "created_by_id", output_field=BigIntegerField())
            )
            .filter(who__isnull=False)
            .values("who")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            credit[(row["who"], DailyAssociate.Source.FOLLOWUP, "")] = [row["n"], ZERO]
    return [
        DailyAssociate(
            **key, associate_id=who, source=source, currency=currency, count=n, sales=sales
        )
        for (who, source, currency), (n, sales) in sorted(credit.items())
    ]


# --- callers --------------------------------------------------------------------------


def rollups_refresh_keys(*, keys: Iterable[RollupKey]) -> int:
    """Recompute the given partitions (each in its own transaction)."""
    done = 0
    for location_id, day in sorted(keys, key=lambda k: (k[0] or 0, k[1])):
        rollup_day_refresh(location_id=location_id, day=day)
        done += 1
    return done


def rollups_refresh_for_event(payload: dict) -> None:
    """The ``rollups.refresh`` outbox handler: an order or a return changed."""
    if payload.get("return_id"):
        keys = rollup_keys_for_return(return_id=int(payload["return_id"]))
    else:
        keys = rollup_keys_for_order(order_id=int(payload["order_id"]))
    rollups_refresh_keys(keys=keys)


def rollups_refresh_recent(*, now: dt.datetime | None = None) -> int:
    """Today and yesterday of every location (and of online orders), in each one's zone:
    picks up what no order event announces (transfers, follow-ups done, list credits)."""
    now = now or timezone.now()
    keys: set[RollupKey] = set()
    locations = [None, *Location.objects.values_list("pk", flat=True)]
    zones = _zones(locations)
    for location_id in locations:
        today = local_day(now, zones[location_id])
        keys |= {(location_id, today), (location_id, today - dt.timedelta(days=1))}
    return rollups_refresh_keys(keys=keys)


def rollups_rebuild(
    *,
    start: dt.date,
    end: dt.date,
    location_ids: list[int | None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Recompute every partition of [start, end] (local days, inclusive) for the given
    locations (all, and online orders, when None). Returns the partitions done."""
    if end < start:
        raise ValueError("The end of the range is before its start.")
    if location_ids is None:
        location_ids = [None, *Location.objects.order_by("pk").values_list("pk", flat=True)]
    done = 0
    day = start
    while day <= end:
        for location_id in location_ids:
            rollup_day_refresh(location_id=location_id, day=day)
            done += 1
        if progress is not None:
            progress(len(location_ids))
        day += dt.timedelta(days=1)
    return done
