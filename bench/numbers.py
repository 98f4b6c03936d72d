"""Benchmark: the 90-day network dashboard from the rollups vs the same figures from the
raw orders, and what keeping the rollups costs per order placed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omni_bench \
        .venv/bin/python bench/numbers.py [--days 90] [--repeat 5] [--sample 50] [--rebuild]

Works on whatever data set it is pointed at (``seed_demo`` small or ``--scale large``):

1. the period is the last ``--days`` local days (the market's zone) and the one before,
   as the dashboard compares them; when the rollups of that span are missing (or with
   ``--rebuild``) they are rebuilt first, and the rebuild is timed;
2. **from rollups**: ``reporting.selectors.numbers_report`` for the whole network —
   what ``/admin/numbers/`` reads — timed (median of ``--repeat``) and its queries counted;
3. **from raw rows**: the same figures computed from orders, lines, returns, pickups and
   transfers for every location over both periods (``rollup_window_compute``, the code
   that builds the rollups, writing nothing), timed once and its queries counted; the two
   totals are compared (sales, orders, units, returns, pickups: they must be equal);
4. **maintenance**: the outbox handler a worker runs after an order event
   (``rollups_refresh_for_event``) for ``--sample`` recent orders: mean time and queries
   per order placed.

Prints the ratios (raw / rollups) and the load average (the machine may be shared). It
writes only rollup rows (the rebuild and the refreshes recompute what is there).
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder comes first on the path, and its name would hide
# the standard library's ``numbers`` (which ``decimal`` imports): put the project there.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

import argparse
import datetime as dt
import statistics
import time
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django

django.setup()

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.models import Order
from reporting.models import DailyRollup
from reporting.selectors import Period, numbers_report
from reporting.services import (
    rollup_window_compute,
    rollups_rebuild,
    rollups_refresh_for_event,
)
from stores.models import Location

COMPARED = ("orders", "sales", "units", "returns", "pickups_ready", "pickups_collected")


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def measured(func):
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = func()
        seconds = time.perf_counter() - started
    return result, seconds, len(queries.captured_queries)


def raw_totals(period: Period) -> dict:
    """The current period's headline totals straight from the source rows."""
    currency = settings.OMNI_CURRENCY
    totals = dict.fromkeys(COMPARED, 0)
    totals["sales"] = Decimal("0")
    span_start = period.previous.start
    for location_id in [None, *Location.objects.values_list("pk", flat=True)]:
        figures = rollup_window_compute(location_id=location_id, first=span_start, last=period.end)
        for (day, _channel, cur), row in figures.rows.items():
            if day < period.start:
                continue
            for name in COMPARED:
                if name == "sales":
                    if cur == currency:
                        totals[name] += row[name]
                else:
                    totals[name] += row[name]
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sample", type=int, default=50)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    zone = ZoneInfo(settings.TIME_ZONE)
    today = timezone.localtime(timezone.now(), zone).date()
    period = Period(today - dt.timedelta(days=args.days - 1), today)
    orders = Order.objects.count()
    locations = Location.objects.count()
    print(f"Data set: {orders:,} orders, {locations} locations; {connection.vendor}")
    before = period.previous
    print(f"Period: {period.start} – {period.end}, compared with {before.start} – {before.end}")
    print(f"Load average: {load_average()}")

    span = (period.previous.start, period.end)
    if args.rebuild or not DailyRollup.objects.filter(day__range=span).exists():
        _, seconds, queries = measured(lambda: rollups_rebuild(start=span[0], end=span[1]))
        print(f"Rebuilt {span[0]} – {span[1]}: {seconds:.1f} s, {queries:,} queries")

    timings, report_queries = [], 0
    report = None
    for _ in range(args.repeat):
        report, seconds, report_queries = measured(
            lambda: numbers_report(location_ids=None, period=period, zone=zone)
        )
        timings.append(seconds)
    rollup_seconds = statistics.median(timings)
    raw, raw_seconds, raw_queries = measured(lambda: raw_totals(period))

    print()
    print(f"{'':28}{'rollups':>12}{'raw rows':>14}{'ratio':>10}")
    print(
        f"{'90-day dashboard, time':28}{rollup_seconds * 1000:>10.1f}ms"
        f"{raw_seconds * 1000:>12.1f}ms{raw_seconds / rollup_seconds:>9.1f}×"
    )
    print(
        f"{'90-day dashboard, queries':28}{report_queries:>12}{raw_queries:>14,}"
        f"{raw_queries / max(report_queries, 1):>9.1f}×"
    )
    mismatched = {
        name: (report.totals[name], raw[name])
        for name in COMPARED
        if report.totals[name] != raw[name]
    }
    print(
        "Figures match the raw rows exactly."
        if not mismatched
        else f"MISMATCH (rollups, raw): {mismatched} — rebuild with --rebuild"
    )

    sample = list(Order.objects.order_by("-placed_at").values_list("pk", flat=True)[: args.sample])
    costs, counts = [], []
    for order_id in sample:
        _, seconds, queries = measured(
            lambda order_id=order_id: rollups_refresh_for_event({"order_id": order_id})
        )
        costs.append(seconds)
        counts.append(queries)
    if sample:
        print(
            f"Maintenance per order event ({len(sample)} recent orders): "
            f"{statistics.mean(costs) * 1000:.1f} ms, {statistics.mean(counts):.1f} queries "
            f"(median {statistics.median(costs) * 1000:.1f} ms)"
        )
    print(f"Load average: {load_average()}")
    sys.exit(1 if mismatched else 0)


if __name__ == "__main__":
    main()
