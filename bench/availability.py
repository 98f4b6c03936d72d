"""Benchmark: nearest-store availability, set-based vs the naive way.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omni_bench \\
        .venv/bin/python bench/availability.py

Runs against whatever DATABASE_URL points at (the large demo set: ``seed_demo --scale
large``) and prints figures; it is not a timed test.

Prints: locations, variants, stock rows, the load average (the machine may be shared);
the full recompute's seconds and rows written from empty, over unchanged stock and after
1% of the stock rows were counted anew (through the batch count service); peak RSS;
one variant's incremental refresh after a stock change (median ms over a sample); the
naive way (a Python loop per variant × store with ORM reads) timed on a sample of
variants, extrapolated, as a ratio against the set-based time; and whether incremental,
full and naive agree on the sampled variants. It writes NearestAvailability, count
movements for the 1% (real ledger rows) and, per sampled variant, a one-unit hold it
releases again, all through the services.

``--generate V L`` first fills an *empty* database with V variants and L locations (for
when no seeded data set is at hand); it refuses to touch a database that has variants.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, bench/ is first on sys.path, where numbers.py (the dashboards' bench)
# would stand in for the standard library's ``numbers`` (decimal imports it).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import os
import random
import resource
import statistics
import time
from decimal import Decimal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django

django.setup()

from django.conf import settings
from django.db import connection, transaction

from catalog.models import Category, Product, Variant
from inventory import services
from inventory.models import NearestAvailability, Reservation, Stock, StockMovement
from inventory.services import availability as availability_module
from stores.models import Location, LocationDistance
from stores.services import location_distances_complete, location_distances_rebuild


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def rows_of(variant_ids) -> set[tuple]:
    return set(
        NearestAvailability.objects.filter(variant_id__in=list(variant_ids)).values_list(
            "variant_id", "store_id", "rank", "source_location_id", "quantity", "distance_km"
        )
    )


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def change_stock(*, fraction: float, seed: int) -> int:
    """Count ``fraction`` of the stock rows anew (random figures, never below what is
    reserved) through the batch count service, 1,000 rows per call; rows changed."""
    rng = random.Random(seed)
    total = Stock.objects.count()
    wanted = max(1, int(total * fraction))
    ids = Stock.objects.order_by("?").values_list(
        "variant_id", "location_id", "on_hand", "reserved"
    )[:wanted]
    rows = []
    changed = 0
    for variant_id, location_id, on_hand, reserved in ids.iterator(chunk_size=2000):
        counted = max(reserved, rng.choice([0, 1, 2, on_hand + rng.randint(1, 6)]))
        rows.append(services.CountLine(variant_id, location_id, counted))
        if len(rows) == 1000:
            changed += sum(m is not None for m in services.stock_cycle_count_many(rows=rows))
            rows = []
    if rows:
        changed += sum(m is not None for m in services.stock_cycle_count_many(rows=rows))
    return changed


# --- the naive way -----------------------------------------------------------------------


def naive_refresh(variant: Variant, stores: list[Location], depth: int) -> int:
    """What one would write without thinking in sets: per variant, per store, read the
    distances and the stock with the ORM, rank in Python, write the rows."""
    rows = []
    stock = list(
        Stock.objects.with_salable()
        .filter(variant=variant, location__is_active=True, salable__gt=0)
        .select_related("location")
    )
    for store in stores:
        distance = {
            d.destination_id: d.distance_km
            for d in LocationDistance.objects.filter(origin=store).select_related("destination")
            if d.destination.is_active
        }
        distance[store.pk] = Decimal("0.00")
        options = sorted(
            (distance[s.location_id], s.location_id, s.salable)
            for s in stock
            if s.location_id in distance
        )
        for rank, (km, location_id, qty) in enumerate(options[:depth], start=1):
            rows.append(
                NearestAvailability(
                    product_id=variant.product_id,
                    variant=variant,
                    store=store,
                    rank=rank,
                    source_location_id=location_id,
                    quantity=qty,
                    distance_km=km,
                )
            )
    with transaction.atomic():
        NearestAvailability.objects.filter(variant=variant).delete()
        NearestAvailability.objects.bulk_create(rows)
    return len(rows)


# --- a data set when none is seeded ------------------------------------------------------


def generate(variants: int, locations: int, seed: int = 4) -> None:
    if Variant.objects.exists():
        sys.exit("--generate needs an empty catalogue; this database already has variants.")
    rng = random.Random(seed)
    print(f"Generating {variants} variants × {locations} locations …", flush=True)
    with transaction.atomic():
        spots = Location.objects.bulk_create(
            Location(
                code=f"B{i:04d}",
                name=f"Bench {i}",
                kind=Location.Kind.WAREHOUSE if i % 20 == 0 else Location.Kind.STORE,
                city="Bench",
                postcode="00000",
                latitude=Decimal(f"{rng.uniform(26, 48):.6f}"),
                longitude=Decimal(f"{rng.uniform(-122, -70):.6f}"),
                ships_online_orders=i % 20 == 0,
                offers_pickup=i % 20 != 0,
                safety_stock=0 if i % 20 == 0 else 1,
            )
            for i in range(locations)
        )
        category = Category.objects.create(name="Bench", slug="bench")
        products = Product.objects.bulk_create(
            Product(name=f"Bench product {i}", slug=f"bench-{i}", category=category)
            for i in range(variants // 5)
        )
        made = Variant.objects.bulk_create(
            (
                Variant(product=products[i // 5], sku=f"BENCH-{i:07d}", size="SMLXX"[i % 5])
                for i in range(variants)
            ),
            batch_size=5000,
        )
    location_distances_rebuild()
    for start in range(0, len(made), 1000):
        stock, ledger = [], []
        for v in made[start : start + 1000]:
            coverage = rng.choice([0.05, 0.3, 0.6, 0.9])
            for spot in spots:
                if spot.kind == Location.Kind.WAREHOUSE or rng.random() < coverage:
                    n = rng.randint(0, 12)
                    stock.append(Stock(variant=v, location=spot, on_hand=n))
                    if n:
                        ledger.append(
                            StockMovement(
                                variant=v, location=spot, delta=n, on_hand_after=n, reason="initial"
                            )
                        )
        with transaction.atomic():
            Stock.objects.bulk_create(stock, batch_size=5000)
            StockMovement.objects.bulk_create(ledger, batch_size=5000)
        print(f"  stock for {min(start + 1000, len(made))} variants", flush=True)


# --- the run -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="recompute connections")
    parser.add_argument("--sample", type=int, default=20, help="variants for incremental")
    parser.add_argument("--naive-sample", type=int, default=30, help="variants for naive")
    parser.add_argument("--single", action="store_true", help="also time one connection")
    parser.add_argument("--generate", nargs=2, type=int, metavar=("VARIANTS", "LOCATIONS"))
    args = parser.parse_args()

    if args.generate:
        generate(*args.generate)
    if not location_distances_complete():
        sys.exit(
            "LocationDistance is incomplete; run stores.services.location_distances_rebuild()."
        )

    depth = settings.OMNI_NEAREST_AVAILABILITY_DEPTH
    stores = list(Location.objects.filter(is_active=True, kind=Location.Kind.STORE))
    db = connection.settings_dict
    print(f"database           {connection.vendor} {db['NAME']}  (cpus: {os.cpu_count()})")
    print(
        f"locations          {Location.objects.count()} ({len(stores)} active stores); "
        f"distance rows {LocationDistance.objects.count()}"
    )
    variant_count = Variant.objects.count()
    print(f"variants           {variant_count}")
    print(f"stock rows         {Stock.objects.count()}")
    print(f"depth              {depth}")

    # 1. Full recompute, set-based: from empty (every row written), again over the same
    #    stock (only changed rows are written), and after 1% of the stock rows changed.
    availability_module._schedule = lambda ids: None  # no per-change refreshes here
    print(f"load average       {load_average()} (before)")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {NearestAvailability._meta.db_table}")
        else:
            NearestAvailability.objects.all().delete()
    rss_before = peak_rss_mb()
    result = services.availability_recompute_all(batch_size=args.batch_size, workers=args.workers)
    rss_after = peak_rss_mb()
    print(
        f"full recompute     {result.seconds:.1f} s from empty, {result.rows} rows written "
        f"({result.variants} variants, batch {args.batch_size}, {args.workers} workers; "
        f"load {load_average()})"
    )
    warm = services.availability_recompute_all(batch_size=args.batch_size, workers=args.workers)
    print(
        f"full recompute     {warm.seconds:.1f} s over unchanged stock, "
        f"{warm.rows} rows written (load {load_average()})"
    )
    changed = change_stock(fraction=0.01, seed=5)
    after = services.availability_recompute_all(batch_size=args.batch_size, workers=args.workers)
    print(
        f"full recompute     {after.seconds:.1f} s after {changed} stock rows (1%) were "
        f"counted anew, {after.rows} rows written (load {load_average()})"
    )
    if args.single:
        single = services.availability_recompute_all(batch_size=args.batch_size, workers=1)
        print(f"full recompute     {single.seconds:.1f} s again on one connection")
    print(f"peak RSS           {rss_after:.0f} MB (before the recompute: {rss_before:.0f} MB)")

    # 2. Incremental: one stock change, then that variant's refresh (timed alone: the
    #    refresh the change would schedule on the worker is switched off here).
    rng = random.Random(11)
    candidates = list(
        Stock.objects.with_salable()
        .filter(salable__gt=0, location__is_active=True)
        .values_list("variant_id", "location_id")
        .order_by("?")[: args.sample]
    )
    sample_ids = [v for v, _ in candidates]
    full_rows = rows_of(sample_ids)
    timings = []
    changed_ok = True
    for variant_id, location_id in candidates:
        hold = services.reservation_create(
            variant_id=variant_id, location_id=location_id, quantity=1, kind=Reservation.Kind.CART
        )
        started = time.perf_counter()
        services.availability_refresh_variant(variant_id=variant_id)
        timings.append((time.perf_counter() - started) * 1000)
        services.reservation_release(reservation_id=hold.pk)
        services.availability_refresh_variant(variant_id=variant_id)
        changed_ok &= rows_of([variant_id]) == {r for r in full_rows if r[0] == variant_id}
    print(
        f"incremental        median {statistics.median(timings):.1f} ms, "
        f"max {max(timings):.1f} ms over {len(timings)} variants (one stock change each)"
    )
    print(f"incremental==full  {changed_ok} (after the change was reverted)")

    # 3. The naive way on a sample, extrapolated.
    naive_variants = list(Variant.objects.filter(pk__in=sample_ids[: args.naive_sample]))
    set_rows = rows_of([v.pk for v in naive_variants])
    rng.shuffle(naive_variants)
    started = time.perf_counter()
    for variant in naive_variants:
        naive_refresh(variant, stores, depth)
    naive_seconds = time.perf_counter() - started
    per_variant = naive_seconds / max(len(naive_variants), 1)
    extrapolated = per_variant * variant_count
    naive_ok = rows_of([v.pk for v in naive_variants]) == set_rows
    print(
        f"naive              {per_variant * 1000:.0f} ms per variant "
        f"({len(naive_variants)} sampled) → {extrapolated:.0f} s extrapolated to all"
    )
    print(
        f"naive / set-based  {extrapolated / max(result.seconds, 1e-9):.0f}× "
        f"(vs the full recompute from empty)"
    )
    print(f"naive==set-based   {naive_ok} (sampled variants)")


if __name__ == "__main__":
    main()
