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
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import BigIntegerField, Exists, OuterRef, Q, QuerySet, Subquery
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
REBUILD_CHUNK_DAYS = 31


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
        "boris_visit_sales": ZERO,
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


def rollup_day_refresh(*, location_id: int | None, day: dt.date) -> int:
    """Recompute every rollup row of (``location_id``, ``day``) from the source rows and
    replace what was there (the incremental path). Returns the DailyRollup rows written."""
    return rollups_window_refresh(location_id=location_id, first=day, last=day)


@dataclass
class WindowFigures:
    """What the source rows of one location's window say, before it is written."""

    rows: dict
    categories: dict
    reasons: dict
    customer_days: dict
    credit: dict
    transfers: dict


@transaction.atomic
def rollups_window_refresh(*, location_id: int | None, first: dt.date, last: dt.date) -> int:
    """Recompute every rollup row of ``location_id`` for the local days [first, last] and
    replace what was there. One pass over the source rows of the window (about 15
    queries, whatever its length), bucketed by the store's local day here; a single day
    (the incremental path) and a whole range (the rebuild) run exactly this code, so they
    give the same rows. Safe to run twice."""
    figures = rollup_window_compute(location_id=location_id, first=first, last=last)
    if figures is None:
        return 0
    rows, categories, reasons = figures.rows, figures.categories, figures.reasons
    customer_days, credit, transfers = figures.customer_days, figures.credit, figures.transfers
    days = {"location_id": location_id, "day__range": (first, last)}
    for model in (DailyRollup, DailyCategory, DailyReturnReason, CustomerDay, DailyAssociate):
        model.objects.filter(**days).delete()
    if location_id is not None:
        DailyTransfers.objects.filter(**days).delete()
    at = {"location_id": location_id}
    DailyRollup.objects.bulk_create(
        (
            DailyRollup(**at, day=day, channel=channel, currency=currency, **figures)
            for (day, channel, currency), figures in sorted(rows.items())
        ),
        batch_size=1000,
    )
    DailyCategory.objects.bulk_create(
        (
            DailyCategory(**at, day=day, channel=channel, currency=currency, category_id=cat, **f)
            for (day, channel, currency, cat), f in categories.items()
        ),
        batch_size=1000,
    )
    DailyReturnReason.objects.bulk_create(
        (
            DailyReturnReason(
                **at, day=day, channel=ch, currency=cur, reason=reason, condition=cond, **f
            )
            for (day, ch, cur, reason, cond), f in reasons.items()
        ),
        batch_size=1000,
    )
    CustomerDay.objects.bulk_create(
        (
            CustomerDay(
                **at, day=day, customer_id=who, channel=ch, currency=cur, orders=n, sales=amount
            )
            for (day, who, ch, cur), (n, amount) in customer_days.items()
        ),
        batch_size=2000,
    )
    DailyAssociate.objects.bulk_create(
        (
            DailyAssociate(
                **at, day=day, associate_id=who, source=source, currency=cur, count=n, sales=amount
            )
            for (day, who, source, cur), (n, amount) in sorted(credit.items())
        ),
        batch_size=1000,
    )
    if location_id is not None:
        DailyTransfers.objects.bulk_create(
            DailyTransfers(**at, day=day, transfers_out=out, transfers_in=into)
            for day, (out, into) in sorted(transfers.items())
        )
    return len(rows)


def rollup_window_compute(
    *, location_id: int | None, first: dt.date, last: dt.date
) -> WindowFigures | None:
    """The figures of ``location_id``'s local days [first, last] from the source rows,
    written nowhere (the rebuild writes them; the benchmark compares them with the
    rollups). None for a location that does not exist."""
    location = Location.objects.filter(pk=location_id).first() if location_id else None
    if location_id and location is None:
        return None
    zone = zone_of(location)
    start, end = day_window(zone, first)[0], day_window(zone, last)[1]

    def day_of(moment: dt.datetime) -> dt.date:
        return local_day(moment, zone)

    rows: dict[tuple, dict] = defaultdict(_blank)  # (day, channel, currency)
    categories: dict[tuple, dict] = defaultdict(
        lambda: {"units_sold": 0, "sales": ZERO, "units_returned": 0, "refunds": ZERO}
    )

    # Orders placed here (not cancelled): sales, units, new customers, pickups.
    orders_qs = (
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
    orders = {
        row["pk"]: row
        for row in orders_qs.annotate(is_repeat=Exists(earlier), has_pickup=Exists(has_pickup))
        .values(
            "pk",
            "channel",
            "currency",
            "total",
            "discount_total",
            "customer_id",
            "placed_at",
            "associate_id",
            "customer__primary_associate_id",
            "is_repeat",
            "has_pickup",
        )
        .order_by()
    }
    customer_days: dict[tuple, list] = defaultdict(lambda: [0, ZERO])
    for order in orders.values():
        order["day"] = day_of(order["placed_at"])
        target = rows[(order["day"], order["channel"], order["currency"])]
        target["orders"] += 1
        target["sales"] += order["total"]
        target["discounts"] += order["discount_total"]
        target["new_customers"] += 0 if order["is_repeat"] else 1
        target["pickup_orders"] += 1 if order["has_pickup"] else 0
        entry = customer_days[
            (order["day"], order["customer_id"], order["channel"], order["currency"])
        ]
        entry[0] += 1
        entry[1] += order["total"]
    variants_of: dict[int, set[int]] = defaultdict(set)
    for line in (
        OrderLine.objects.filter(order_id__in=orders_qs.values("pk"))
        .values("order_id", "variant_id", "quantity", "line_total", "variant__product__category_id")
        .order_by()
    ):
        order = orders.get(line["order_id"])
        if order is None:
            continue
        ident = (order["day"], order["channel"], order["currency"])
        rows[ident]["units"] += line["quantity"]
        bucket = categories[(*ident, line["variant__product__category_id"])]
        bucket["units_sold"] += line["quantity"]
        bucket["sales"] += line["line_total"]
        variants_of[line["order_id"]].add(line["variant_id"])

    reasons: dict[tuple, dict] = defaultdict(lambda: {"lines": 0, "units": 0, "refunds": ZERO})
    transfers: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    followups: dict[tuple, int] = defaultdict(int)
    if location is not None:
        is_store = location.kind == Location.Kind.STORE
        # Returns received here, under the channel of the order returned.
        returns_qs = Return.objects.filter(
            location_id=location_id,
            received_at__gte=start,
            received_at__lt=end,
            status__in=COUNTED_RETURNS,
        )
        returns = {}
        boris_visits: set[tuple] = set()  # (ident, customer) of online orders returned here
        for row in returns_qs.values(
            "pk", "order__channel", "order__customer_id", "currency", "refund_total", "received_at"
        ).order_by():
            row["ident"] = (day_of(row["received_at"]), row["order__channel"], row["currency"])
            returns[row["pk"]] = row
            target = rows[row["ident"]]
            target["returns"] += 1
            target["refunds"] += row["refund_total"]
            if is_store and row["order__channel"] in ONLINE_CHANNELS:
                target["store_returns_of_online"] += 1
                boris_visits.add((row["ident"], row["order__customer_id"]))
        # The same visit: this customer's store orders here on that local day (one count
        # per customer and day, however many orders they returned).
        bought_here: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
        for order in orders.values():
            if order["channel"] == Channel.STORE:
                bought_here[(order["day"], order["customer_id"], order["currency"])] += order[
                    "total"
                ]
        for ident, customer_id in boris_visits:
            day, _channel, code = ident
            rows[ident]["boris_visit_sales"] += bought_here.get((day, customer_id, code), ZERO)
        for line in (
            ReturnLine.objects.filter(return_request__in=returns_qs.values("pk"))
            .values(
                "return_request_id",
                "quantity",
                "reason",
                "condition",
                "refund_amount",
                "order_line__variant__product__category_id",
            )
            .order_by()
        ):
            ident = returns[line["return_request_id"]]["ident"]
            rows[ident]["returned_units"] += line["quantity"]
            reason = reasons[(*ident, line["reason"], line["condition"])]
            reason["lines"] += 1
            reason["units"] += line["quantity"]
            reason["refunds"] += line["refund_amount"]
            bucket = categories[(*ident, line["order_line__variant__product__category_id"])]
            bucket["units_returned"] += line["quantity"]
            bucket["refunds"] += line["refund_amount"]

        # Pickups at this store: ready, collected, lapsed; lead times as sums.
        pickups = Fulfilment.objects.filter(location_id=location_id, kind=Fulfilment.Kind.PICKUP)
        for row in (
            pickups.filter(ready_at__gte=start, ready_at__lt=end)
            .values("order__channel", "order__currency", "ready_at", "order__placed_at")
            .order_by()
        ):
            target = rows[(day_of(row["ready_at"]), row["order__channel"], row["order__currency"])]
            target["pickups_ready"] += 1
            target["ready_seconds"] += _seconds(row["ready_at"], row["order__placed_at"])
        for row in (
            pickups.filter(collected_at__gte=start, collected_at__lt=end)
            .values("order__channel", "order__currency", "collected_at", "ready_at")
            .order_by()
        ):
            moment = row["collected_at"]
            target = rows[(day_of(moment), row["order__channel"], row["order__currency"])]
            target["pickups_collected"] += 1
            target["collect_seconds"] += _seconds(moment, row["ready_at"])
        for row in (
            pickups.filter(
                status=Fulfilment.Status.EXPIRED, hold_until__gte=start, hold_until__lt=end
            )
            .values("order__channel", "order__currency", "hold_until")
            .order_by()
        ):
            ident = (day_of(row["hold_until"]), row["order__channel"], row["order__currency"])
            rows[ident]["pickups_expired"] += 1
        if is_store:
            for row in (
                Fulfilment.objects.filter(
                    location_id=location_id,
                    kind=Fulfilment.Kind.SHIP,
                    shipped_at__gte=start,
                    shipped_at__lt=end,
                )
                .values("order__channel", "order__currency", "shipped_at")
                .order_by()
            ):
                ident = (day_of(row["shipped_at"]), row["order__channel"], row["order__currency"])
                rows[ident]["shipped_from_store"] += 1

        for moment in Transfer.objects.filter(
            source_id=location_id, shipped_at__gte=start, shipped_at__lt=end
        ).values_list("shipped_at", flat=True):
            transfers[day_of(moment)][0] += 1
        for moment in Transfer.objects.filter(
            destination_id=location_id, received_at__gte=start, received_at__lt=end
        ).values_list("received_at", flat=True):
            transfers[day_of(moment)][1] += 1
        for who, moment in (
            FollowUpTask.objects.filter(
                location_id=location_id,
                status=FollowUpTask.Status.DONE,
                completed_at__gte=start,
                completed_at__lt=end,
            )
            .annotate(
                who=Coalesce("assigned_to_id", "created_by_id", output_field=BigIntegerField())
            )
            .filter(who__isnull=False)
            .values_list("who", "completed_at")
        ):
            followups[(day_of(moment), who)] += 1

    credit = _associate_credit(orders=orders, orders_qs=orders_qs, variants_of=variants_of)

    credit.update(
        {
            (day, who, DailyAssociate.Source.FOLLOWUP, ""): [n, ZERO]
            for (day, who), n in followups.items()
        }
    )
    return WindowFigures(rows, categories, reasons, customer_days, credit, transfers)


def _associate_credit(
    *, orders: dict[int, dict], orders_qs: QuerySet[Order], variants_of: dict[int, set[int]]
) -> dict[tuple, list]:
    """The attribution rule (module docstring) for the window's orders: {(day, associate,
    source, currency): [orders, sales]}. One query (the lists' items)."""
    credit: dict[tuple, list] = defaultdict(lambda: [0, ZERO])
    online = []
    for order in orders.values():
        if order["associate_id"]:
            entry = credit[
                (
                    order["day"],
                    order["associate_id"],
                    DailyAssociate.Source.HELPED,
                    order["currency"],
                )
            ]
            entry[0] += 1
            entry[1] += order["total"]
        elif order["channel"] in ONLINE_CHANNELS:
            online.append(order)
    if not online:
        return credit
    listed: dict[int, list[dict]] = defaultdict(list)
    for item in (
        ListItem.objects.filter(
            list__customer_id__in=orders_qs.filter(associate__isnull=True).values("customer_id"),
            added_by_associate__isnull=False,
        )
        .values("list__customer_id", "variant_id", "added_by_associate_id", "added_at")
        .order_by("-added_at", "-pk")
    ):
        listed[item["list__customer_id"]].append(item)
    for order in online:
        who, source = None, None
        for item in listed.get(order["customer_id"], ()):
            if (
                item["added_at"] < order["placed_at"]
                and item["variant_id"] in variants_of[order["pk"]]
            ):
                who, source = item["added_by_associate_id"], DailyAssociate.Source.LIST
                break
        if who is None and order["customer__primary_associate_id"]:
            who, source = order["customer__primary_associate_id"], DailyAssociate.Source.CLIENT
        if who is not None:
            entry = credit[(order["day"], who, source, order["currency"])]
            entry[0] += 1
            entry[1] += order["total"]
    return credit


def rollups_refresh_keys(*, keys: Iterable[RollupKey]) -> int:
    """Recompute the given partitions (each in its own transaction)."""
    done = 0
    for location_id, day in sorted(keys, key=lambda k: (k[0] or 0, k[1])):
        rollup_day_refresh(location_id=location_id, day=day)
        done += 1
    return done


def rollups_refresh_for_event(payload: dict) -> None:
    """``reporting.tasks.rollups_refresh``: an order or a return changed."""
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
    for location_id in location_ids:
        first = start
        while first <= end:
            # A month per transaction: memory stays bounded on a long history.
            last = min(end, first + dt.timedelta(days=REBUILD_CHUNK_DAYS - 1))
            rollups_window_refresh(location_id=location_id, first=first, last=last)
            days = (last - first).days + 1
            done += days
            if progress is not None:
                progress(days)
            first = last + dt.timedelta(days=1)
    return done
