"""Benchmark: stock-count ingestion through the REST API, batched vs one row per request.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omni_bench .venv/bin/python bench/api.py

Takes ROWS (variant, location) pairs that have stock (the large demo set: ``seed_demo
--scale large``) and sends their counts to ``POST /api/v1/stock/counts/`` in-process
(Django's test client against the real URL conf, middleware and API stack: key
authentication, throttling, JSON parsing, validation, the inventory services, the
response), first as batches of ``--batch`` rows (applied by
``inventory.services.stock_cycle_count_many``: one locking read, one UPDATE ... FROM
VALUES, one insert of movements), then as one request per row. Prints rows/s for both and
the ratio, then the same comparison one level down — the batch service against the
per-row ``stock_cycle_count`` in a loop — and the load average (the machine may be
shared). Every count differs from on-hand, so every row writes a ledger row.

By default everything runs inside one transaction that is rolled back at the end, so the
database is left exactly as it was (each request then ends in a savepoint release instead
of a commit). ``--commit`` commits every request as production does and restores the
original on-hand figures at the end through the same count service (the ledger keeps the
extra, balancing, movements).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, bench/ is first on sys.path, where numbers.py (the dashboards' bench)
# would stand in for the standard library's ``numbers`` (decimal imports it).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import os
import statistics
import time

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django

django.setup()

from django.conf import settings
from django.db import connection, transaction
from django.test import Client

from inventory import services
from inventory.models import Stock
from omni.api.services import api_key_create
from omni.models import ApiScope
from project.celery import app as celery_app

URL = "/api/v1/stock/counts/"


class Rollback(Exception):
    pass


def pairs(rows: int) -> list[tuple[str, str, int]]:
    """(sku, location code, on hand) of ``rows`` stock rows spread over the catalogue,
    in a fixed order (so runs are comparable)."""
    found = list(
        Stock.objects.filter(location__is_active=True, reserved=0)
        .order_by("variant_id", "location_id")
        .values_list("variant__sku", "location__code", "on_hand")[: rows * 2 : 2]
    )
    if len(found) < rows:
        raise SystemExit(f"Only {len(found)} stock rows without holds; seed the large data set.")
    return found


def counts_for(rows: list[tuple[str, str, int]], bump: int) -> list[dict]:
    return [
        {"sku": sku, "location": code, "counted": on_hand + bump} for sku, code, on_hand in rows
    ]


def send(client: Client, headers: dict, rows: list[dict]) -> None:
    response = client.post(URL, {"rows": rows}, content_type="application/json", headers=headers)
    if response.status_code != 200:
        raise SystemExit(f"{response.status_code}: {response.content[:500]!r}")


def run(args) -> dict[str, float]:
    key, raw = api_key_create(
        name="bench", scopes=[ApiScope.STOCK_WRITE], rate_per_minute=10_000_000
    )
    headers = {"Authorization": f"Bearer {raw}"}
    client = Client()
    rows = pairs(args.rows)
    send(client, headers, counts_for(rows[:10], 0))  # warm up (imports, caches)

    batched = []
    for repeat in range(args.repeat):
        data = counts_for(rows, repeat + 1)
        started = time.perf_counter()
        for start in range(0, len(data), args.batch):
            send(client, headers, data[start : start + args.batch])
        batched.append(len(data) / (time.perf_counter() - started))

    single = counts_for(rows, args.repeat + 1)
    started = time.perf_counter()
    for row in single:
        send(client, headers, [row])
    one_by_one = len(single) / (time.perf_counter() - started)

    # One level down: the batch service against the per-row service, same rows.
    ids = {
        (sku, code): (v, loc)
        for sku, code, v, loc in Stock.objects.filter(
            variant__sku__in=[r[0] for r in rows]
        ).values_list("variant__sku", "location__code", "variant_id", "location_id")
    }
    lines = [(*ids[(sku, code)], on_hand) for sku, code, on_hand in rows]
    actor = "bench"
    started = time.perf_counter()
    for start in range(0, len(lines), args.batch):
        with transaction.atomic():
            services.stock_cycle_count_many(
                rows=[(v, loc, n + 7) for v, loc, n in lines[start : start + args.batch]],
                actor=actor,
            )
    service_batched = len(lines) / (time.perf_counter() - started)
    started = time.perf_counter()
    for start in range(0, len(lines), args.batch):
        with transaction.atomic():
            for v, loc, n in lines[start : start + args.batch]:
                services.stock_cycle_count(
                    variant_id=v, location_id=loc, counted=n + 8, actor=actor
                )
    service_single = len(lines) / (time.perf_counter() - started)

    if args.commit:  # put the figures back, and the key away
        original = counts_for(rows, 0)
        for start in range(0, len(original), args.batch):
            send(client, headers, original[start : start + args.batch])
        key.delete()
    return {
        "batched": statistics.median(batched),
        "single": one_by_one,
        "service_batched": service_batched,
        "service_single": service_single,
        "rows": len(rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000, help="rows counted (default 1000)")
    parser.add_argument("--batch", type=int, default=1000, help="rows per batched request")
    parser.add_argument("--repeat", type=int, default=3, help="batched runs (median taken)")
    parser.add_argument("--commit", action="store_true", help="commit every request")
    args = parser.parse_args()

    # Availability refreshes are handed to a broker after commit, as in production, but
    # to an in-memory one: no worker runs them inside the measurement.
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "memory://"
    settings.DEBUG = False

    db = settings.DATABASES["default"]
    print(f"database         {connection.vendor} {db['NAME']}  (cpus: {os.cpu_count()})")
    print(f"stock rows       {Stock.objects.count()}")
    mode = "commit per request" if args.commit else "one transaction, rolled back"
    print(f"mode             {mode}")
    print(f"load average     {' '.join(f'{x:.2f}' for x in os.getloadavg())} (before)")
    if args.commit:
        figures = run(args)
    else:
        try:
            with transaction.atomic():
                figures = run(args)
                raise Rollback
        except Rollback:
            pass
    print(f"rows             {figures['rows']} (batches of {args.batch})")
    print(f"batched          {figures['batched']:,.0f} rows/s (median of {args.repeat})")
    print(f"one per request  {figures['single']:,.0f} rows/s")
    print(f"ratio            {figures['batched'] / figures['single']:.1f}x")
    print(
        f"services         batch {figures['service_batched']:,.0f} rows/s, per row "
        f"{figures['service_single']:,.0f} rows/s in one transaction per {args.batch}: "
        f"{figures['service_batched'] / figures['service_single']:.1f}x"
    )
    print(f"load average     {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
