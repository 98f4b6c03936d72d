"""Reads over the rollups for the dashboards and the API.

``numbers_report`` answers a whole dashboard in a fixed number of queries (one per table,
whatever the period's length or the number of stores): the rows of the period and of the
previous period of the same length are read together and added up here.

Money is reported in the shop's currency (``settings.OMNI_CURRENCY``); rows in another
currency (an order taken abroad) are counted in ``other_currency_orders`` and left out of
the sums, so a total never adds two currencies.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, Sum

from campaigns.models import BackInStockRequest
from catalog.models import Category
from orders.selectors import cart_recovery_metrics
from reporting.models import (
    CustomerDay,
    DailyAssociate,
    DailyCategory,
    DailyReturnReason,
    DailyRollup,
    DailyTransfers,
)
from stores.models import Location

ZERO = Decimal("0")
ADDITIVE = (
    "orders",
    "sales",
    "discounts",
    "units",
    "new_customers",
    "pickup_orders",
    "returns",
    "returned_units",
    "refunds",
    "store_returns_of_online",
    "boris_visit_sales",
    "pickups_ready",
    "ready_seconds",
    "pickups_collected",
    "collect_seconds",
    "pickups_expired",
    "shipped_from_store",
)
MONEY = frozenset({"sales", "discounts", "refunds", "boris_visit_sales"})
ONLINE = ("web", "app", "social", "marketplace", "phone")
CHANNEL_ORDER = ("store", "web", "app", "marketplace", "social", "phone")


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> Period:
        length = dt.timedelta(days=self.days)
        return Period(self.start - length, self.start - dt.timedelta(days=1))

    def each_day(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range(self.days)]


def _blank() -> dict:
    return {name: (ZERO if name in MONEY else 0) for name in ADDITIVE}


def _add(target: dict, row: dict, *, money_too: bool) -> None:
    for name in ADDITIVE:
        if name in MONEY:
            if money_too:
                target[name] += row[name] or ZERO
        else:
            target[name] += row[name] or 0


def figures_derived(figures: dict) -> dict:
    """Averages and shares from the sums (None where the divisor is zero)."""

    def ratio(a, b):
        return (Decimal(a) / Decimal(b)) if b else None

    out = dict(figures)
    out["aov"] = (
        (figures["sales"] / figures["orders"]).quantize(Decimal("0.01"))
        if figures["orders"]
        else None
    )
    out["units_per_order"] = ratio(figures["units"], figures["orders"])
    out["hours_to_ready"] = ratio(figures["ready_seconds"], figures["pickups_ready"] * 3600)
    out["hours_to_collect"] = ratio(figures["collect_seconds"], figures["pickups_collected"] * 3600)
    out["return_rate"] = ratio(figures["returned_units"], figures["units"])
    return out


@dataclass
class Report:
    period: Period
    previous: Period
    currency: str
    totals: dict
    totals_previous: dict
    by_day: list[dict]
    by_channel: list[dict]
    by_store: list[dict]
    categories: list[dict]
    reasons: list[dict]
    conditions: list[dict]
    transfers: dict
    associates: list[dict]
    customers: dict
    customers_previous: dict
    recovery: object | None
    other_currency_orders: int = 0
    flows: dict = field(default_factory=dict)
    # The whole network (every store and online orders), where shares of all online
    # orders mean something; a store sees its own counts.
    network: bool = False
    demand: list = field(default_factory=list)


def _scope(location_ids: list[int] | None, name: str = "location_id") -> Q:
    """None: every location and online orders (the network); else those stores only."""
    if location_ids is None:
        return Q()
    return Q(**{f"{name}__in": location_ids})


def numbers_report(
    *,
    location_ids: list[int] | None,
    period: Period,
    recovery_store: Location | None = None,
    with_recovery: bool = True,
    zone: ZoneInfo | None = None,
) -> Report:
    """The dashboard's figures for ``location_ids`` (None: the whole network) over
    ``period`` and the period before it. 12 queries, whatever the length or the number
    of stores."""
    currency = settings.OMNI_CURRENCY
    previous = period.previous
    span = (previous.start, period.end)
    scope = _scope(location_ids)

    # 1. The daily rollups of both periods.
    # Summed in the database per (day, channel) and, apart, per store: a few hundred
    # rows to add up here whatever the number of stores.
    sums = {name: Sum(name) for name in ADDITIVE}
    rows = (
        DailyRollup.objects.filter(scope, day__range=span)
        .values("day", "channel", "currency")
        .annotate(**sums)
        .order_by()
    )
    totals, totals_previous = _blank(), _blank()
    days = {day: _blank() for day in period.each_day()}
    days_previous = {day: _blank() for day in previous.each_day()}
    channels: dict[str, list[dict]] = defaultdict(lambda: [_blank(), _blank()])
    stores: dict[int | None, dict] = defaultdict(_blank)
    other = 0
    for row in rows:
        same = row["currency"] == currency
        if not same:
            other += row["orders"] or 0
        current = row["day"] >= period.start
        _add(totals if current else totals_previous, row, money_too=same)
        _add((days if current else days_previous)[row["day"]], row, money_too=same)
        _add(channels[row["channel"]][0 if current else 1], row, money_too=same)
    for row in (
        DailyRollup.objects.filter(scope, day__range=(period.start, period.end))
        .values("location_id", "currency")
        .annotate(**sums)
        .order_by()
    ):
        _add(stores[row["location_id"]], row, money_too=row["currency"] == currency)
    by_day = []
    for offset, day in enumerate(period.each_day()):
        before = previous.start + dt.timedelta(days=offset)
        by_day.append(
            {
                "day": day,
                **figures_derived(days[day]),
                "previous_day": before,
                "previous_sales": days_previous[before]["sales"],
                "previous_orders": days_previous[before]["orders"],
            }
        )
    by_channel = [
        {
            "channel": name,
            **figures_derived(channels[name][0]),
            "previous": figures_derived(channels[name][1]),
        }
        for name in sorted(channels, key=lambda c: (*CHANNEL_ORDER, c).index(c))
    ]

    # 2. Store names for the by-store table.
    names = dict(
        Location.objects.filter(pk__in=[pk for pk in stores if pk]).values_list("pk", "name")
    )
    by_store = sorted(
        (
            {"location_id": pk, "name": names.get(pk, ""), **figures_derived(figures)}
            for pk, figures in stores.items()
        ),
        key=lambda r: (-r["sales"], r["name"]),
    )

    # 3-4. Categories (units sold and returned).
    categories_rows = list(
        DailyCategory.objects.filter(scope, day__range=(period.start, period.end))
        .values("category_id")
        .annotate(
            units_sold=Sum("units_sold"),
            units_returned=Sum("units_returned"),
            sales=Sum("sales", filter=Q(currency=currency)),
            refunds=Sum("refunds", filter=Q(currency=currency)),
        )
        .order_by()
    )
    category_names = {
        c.pk: c.name
        for c in Category.objects.filter(pk__in=[r["category_id"] for r in categories_rows])
    }
    categories = sorted(
        (
            {
                **row,
                "name": category_names.get(row["category_id"], ""),
                "sales": row["sales"] or ZERO,
                "refunds": row["refunds"] or ZERO,
                "return_rate": (
                    Decimal(row["units_returned"]) / Decimal(row["units_sold"])
                    if row["units_sold"]
                    else None
                ),
            }
            for row in categories_rows
        ),
        key=lambda r: (-r["units_sold"], r["name"]),
    )

    # 5. Return reasons and condition grades.
    reason_rows = list(
        DailyReturnReason.objects.filter(scope, day__range=(period.start, period.end))
        .values("reason", "condition")
        .annotate(
            lines=Sum("lines"),
            units=Sum("units"),
            refunds=Sum("refunds", filter=Q(currency=currency)),
        )
        .order_by()
    )
    reasons_by: dict[str, dict] = defaultdict(lambda: {"units": 0, "lines": 0, "refunds": ZERO})
    conditions_by: dict[str, dict] = defaultdict(lambda: {"units": 0, "lines": 0, "refunds": ZERO})
    for row in reason_rows:
        for bucket in (reasons_by[row["reason"]], conditions_by[row["condition"]]):
            bucket["units"] += row["units"] or 0
            bucket["lines"] += row["lines"] or 0
            bucket["refunds"] += row["refunds"] or ZERO
    reasons = sorted(({"reason": k, **v} for k, v in reasons_by.items()), key=lambda r: -r["units"])
    conditions = sorted(
        ({"condition": k, **v} for k, v in conditions_by.items()),
        key=lambda r: r["condition"] or "~",
    )

    # 6. Transfers in and out, both periods.
    transfers = DailyTransfers.objects.filter(scope, day__range=span).aggregate(
        out_now=Sum("transfers_out", filter=Q(day__gte=period.start)),
        in_now=Sum("transfers_in", filter=Q(day__gte=period.start)),
        out_before=Sum("transfers_out", filter=Q(day__lt=period.start)),
        in_before=Sum("transfers_in", filter=Q(day__lt=period.start)),
    )
    transfers = {k: v or 0 for k, v in transfers.items()}

    # 7. Associates: credited where the order counts or where the associate works.
    associate_scope = (
        Q()
        if location_ids is None
        else Q(location_id__in=location_ids) | Q(associate__home_location_id__in=location_ids)
    )
    credits: dict[int, dict] = {}
    for row in (
        DailyAssociate.objects.filter(associate_scope, day__range=(period.start, period.end))
        .values("associate_id", "associate__display_name", "source")
        .annotate(count=Sum("count"), sales=Sum("sales", filter=Q(currency__in=(currency, ""))))
        .order_by()
    ):
        entry = credits.setdefault(
            row["associate_id"],
            {"name": row["associate__display_name"], "total_sales": ZERO}
            | {f"{s}_count": 0 for s in DailyAssociate.Source.values}
            | {f"{s}_sales": ZERO for s in DailyAssociate.Source.values},
        )
        entry[f"{row['source']}_count"] = row["count"] or 0
        entry[f"{row['source']}_sales"] = row["sales"] or ZERO
        if row["source"] != DailyAssociate.Source.FOLLOWUP:
            entry["total_sales"] += row["sales"] or ZERO
    associates = sorted(credits.values(), key=lambda r: (-r["total_sales"], r["name"]))

    # 8. Customers: distinct over each period, from the per-customer days.
    customers, customers_previous = customers_over(
        location_ids=location_ids, period=period, currency=currency
    )

    # 9. Cart recovery by stage (what the reminders brought back), live: one query.
    recovery = None
    if with_recovery:
        zone = zone or ZoneInfo(settings.TIME_ZONE)
        since = dt.datetime.combine(period.start, dt.time.min, tzinfo=zone)
        until = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        recovery = cart_recovery_metrics(since=since, until=until, store=recovery_store)

    # 10. Back-in-stock demand (campaigns), live.
    demand = back_in_stock_demand(location_ids=location_ids, period=period, zone=zone)

    flows = {
        "online_orders": sum(channels[c][0]["orders"] for c in ONLINE if c in channels),
        "online_returns": sum(channels[c][0]["returns"] for c in ONLINE if c in channels),
    }
    flows["pickup_share"] = (
        Decimal(totals["pickup_orders"]) / Decimal(flows["online_orders"])
        if flows["online_orders"]
        else None
    )
    flows["ship_from_store_share"] = (
        Decimal(totals["shipped_from_store"]) / Decimal(flows["online_orders"])
        if flows["online_orders"]
        else None
    )
    flows["boris_visit_sales"] = totals["boris_visit_sales"]
    flows["boris_share"] = (
        Decimal(totals["store_returns_of_online"]) / Decimal(flows["online_returns"])
        if flows["online_returns"]
        else None
    )
    return Report(
        period=period,
        previous=previous,
        currency=currency,
        totals=figures_derived(totals),
        totals_previous=figures_derived(totals_previous),
        by_day=by_day,
        by_channel=by_channel,
        by_store=by_store,
        categories=categories,
        reasons=reasons,
        conditions=conditions,
        transfers=transfers,
        associates=associates,
        customers=customers,
        customers_previous=customers_previous,
        recovery=recovery,
        other_currency_orders=other,
        flows=flows,
        network=location_ids is None,
        demand=demand,
    )


def customers_over(
    *, location_ids: list[int] | None, period: Period, currency: str
) -> tuple[dict, dict]:
    """Distinct customers of ``period`` and of the one before: new (their first order
    anywhere is in the period) vs returning, and single- vs multi-channel (bought in two
    or more channels in the period, within the scope) with their spend. One query."""
    table = CustomerDay._meta.db_table
    previous = period.previous
    where = ["cd.day >= %s", "cd.day <= %s", "cd.currency = %s"]
    params: list = [period.start, previous.start, period.end, currency]
    if location_ids is not None:
        if not location_ids:
            return _no_customers(), _no_customers()
        marks = ", ".join(["%s"] * len(location_ids))
        where.append(f"cd.location_id IN ({marks})")
        params.extend(location_ids)
    sql = f"""
        SELECT t.current_period,
               COUNT(*),
               SUM(CASE WHEN t.channels > 1 THEN 1 ELSE 0 END),
               SUM(t.spend),
               SUM(CASE WHEN t.channels > 1 THEN t.spend ELSE 0 END),
               SUM(CASE WHEN NOT EXISTS (
                   SELECT 1 FROM {table} e WHERE e.customer_id = t.customer_id
                   AND e.day < (CASE WHEN t.current_period = 1 THEN %s ELSE %s END)
               ) THEN 1 ELSE 0 END)
        FROM (
            SELECT cd.customer_id,
                   CASE WHEN cd.day >= %s THEN 1 ELSE 0 END AS current_period,
                   COUNT(DISTINCT cd.channel) AS channels,
                   SUM(cd.sales) AS spend
            FROM {table} cd
            WHERE {" AND ".join(where)}
            GROUP BY cd.customer_id, CASE WHEN cd.day >= %s THEN 1 ELSE 0 END
        ) t
        GROUP BY t.current_period
    """
    params = [period.start, previous.start, *params, period.start]
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for current, count, multi, spend, multi_spend, new in cursor.fetchall():
            found[int(current)] = _customers(count, multi, spend, multi_spend, new)
    return found.get(1, _no_customers()), found.get(0, _no_customers())


def _customers(count, multi, spend, multi_spend, new) -> dict:
    count, multi, new = int(count or 0), int(multi or 0), int(new or 0)
    spend, multi_spend = Decimal(spend or 0), Decimal(multi_spend or 0)
    single = count - multi

    def per(amount, n):
        return (amount / n).quantize(Decimal("0.01")) if n else None

    return {
        "customers": count,
        "new": new,
        "returning": count - new,
        "single": single,
        "multi": multi,
        "spend": spend,
        "single_spend": spend - multi_spend,
        "multi_spend": multi_spend,
        "spend_per_single": per(spend - multi_spend, single),
        "spend_per_multi": per(multi_spend, multi),
        "spend_per_customer": per(spend, count),
    }


def _no_customers() -> dict:
    return _customers(0, 0, 0, 0, 0)


def back_in_stock_demand(
    *, location_ids: list[int] | None, period: Period, zone: ZoneInfo | None = None, limit: int = 10
) -> list[dict]:
    """Back-in-stock requests (campaigns) made in the period at the stores shown (the
    network: online ones too), per product, most asked first: how many, and how many
    have had their alert. Read live from the requests, one grouped query (the rollups do
    not hold them: they are demand, not sales)."""
    zone = zone or ZoneInfo(settings.TIME_ZONE)
    since = dt.datetime.combine(period.start, dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    requests = BackInStockRequest.objects.filter(created_at__gte=since, created_at__lt=until)
    if location_ids is not None:
        requests = requests.filter(location_id__in=location_ids)
    return [
        {"name": row["variant__product__name"], "requests": row["n"], "notified": row["notified"]}
        for row in requests.values("variant__product_id", "variant__product__name")
        .annotate(
            n=Count("pk"),
            notified=Count("pk", filter=Q(status=BackInStockRequest.Status.NOTIFIED)),
        )
        .order_by("-n", "variant__product__name")[:limit]
    ]
