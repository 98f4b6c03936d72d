"""Benchmark: one abandoned-cart scan costs in proportion to the carts that are due, not
to all carts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omni_bench \
        .venv/bin/python bench/abandoned_carts.py

Builds DUE (1,000) due carts — items, a customer with marketing email consent — plus
other carts that are not due (scheduled later, finished, converted), first up to 10,000
carts in all, then up to 100,000, and times one full scan (``carts_recover``: selection
through the partial index ``cart_recovery_due_idx``, the batch reads, one email per cart
to Django's in-memory email backend) and counts its queries at each size. Prints both, the
ratio (should be ~1) and the plan of the due-carts query. Scans commit per cart as in
production; between runs the due carts are made due again.

The same due count at both sizes on any database: carts that were already due before the
bench (a freshly seeded demo has some) are set aside for the run — their due time is
cleared, and put back at the end — so each scan finds exactly the bench's DUE carts (the
script checks that every scan emailed exactly DUE). It cleans up after itself: every bench
cart, customer, email, timeline entry, recovery step, follow-up task and outbox message
(rows above the high-water mark taken at the start), and the 20-product bench catalog
with its stock, ledger and availability rows. Run it without REDIS_URL (tasks in-process)
so nothing is left queued. The machine may be shared: the load average is printed.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, bench/ is first on sys.path, where numbers.py (the dashboards' bench)
# would stand in for the standard library's ``numbers`` (decimal imports it).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import datetime as dt
import os
import statistics
import time
from decimal import Decimal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django

django.setup()

from django.db import connection
from django.db.models import F, Max
from django.test.utils import override_settings
from django.utils import timezone

from catalog.models import Category, Price, Product, Variant
from customers.models import (
    Consent,
    ConsentState,
    ContactChannel,
    Customer,
    FollowUpTask,
    Interaction,
)
from inventory import services as inventory
from inventory.models import NearestAvailability, Stock, StockMovement
from omni.models import EmailLog, OutboxMessage
from orders.models import Cart, CartLine, CartRecoveryStep
from orders.services import carts_recover, carts_recovery_due
from stores.models import Location


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


BENCH_CATEGORY = "bench-carts"
BENCH_WAREHOUSE = "BNCHW"
# Rows a scan writes besides the carts: whatever lies above the start's high-water mark
# is the bench's (nothing else writes to the bench database meanwhile).
WRITTEN_BY_SCAN = (CartRecoveryStep, EmailLog, Interaction, FollowUpTask, OutboxMessage)


def high_water() -> dict:
    return {model: model.objects.aggregate(top=Max("pk"))["top"] or 0 for model in WRITTEN_BY_SCAN}


def others_set_aside(now: dt.datetime) -> list[tuple[int, dt.datetime]]:
    """Carts already due (the seed's own): cleared for the run so the scans find only
    the bench's; returned for ``others_restore``."""
    due = Cart.objects.filter(
        status=Cart.Status.OPEN, recovery_due_at__lte=now + dt.timedelta(days=1)
    ).exclude(email__endswith="@bench.example")
    rows = list(due.values_list("pk", "recovery_due_at"))
    Cart.objects.filter(pk__in=[pk for pk, _ in rows]).update(recovery_due_at=None)
    return rows


def others_restore(rows: list[tuple[int, dt.datetime]]) -> None:
    Cart.objects.bulk_update(
        [Cart(pk=pk, recovery_due_at=due) for pk, due in rows],
        ["recovery_due_at"],
        batch_size=2_000,
    )


def catalog(variants: int = 20) -> list[int]:
    """A small priced, stocked catalog of the bench's own (deleted again by
    ``catalog_remove``)."""
    category, _ = Category.objects.get_or_create(slug=BENCH_CATEGORY, defaults={"name": "Bench"})
    warehouse, _ = Location.objects.get_or_create(
        code=BENCH_WAREHOUSE,
        defaults={
            "name": "Bench warehouse",
            "kind": Location.Kind.WAREHOUSE,
            "ships_online_orders": True,
            "latitude": Decimal("39.768400"),
            "longitude": Decimal("-86.158100"),
        },
    )
    ids = []
    for n in range(variants):
        product, _ = Product.objects.get_or_create(
            slug=f"bench-cart-{n}", defaults={"name": f"Bench {n}", "category": category}
        )
        variant, created = Variant.objects.get_or_create(
            sku=f"BENCH-CART-{n}", defaults={"product": product}
        )
        if created:
            Price.objects.create(variant=variant, amount=Decimal("39.00") + n)
            inventory.stock_receive(variant_id=variant.pk, location_id=warehouse.pk, quantity=500)
        ids.append(variant.pk)
    return ids


def carts_add(count: int, *, due: bool, variant_ids: list[int], now: dt.datetime, tag: str):
    """``count`` carts with one line each; due ones belong to consenting customers."""
    batch = 5_000
    for start in range(0, count, batch):
        size = min(batch, count - start)
        customers = []
        if due:
            customers = Customer.objects.bulk_create(
                Customer(first_name="Bench", email=f"{tag}{start + i}@bench.example")
                for i in range(size)
            )
            Consent.objects.bulk_create(
                Consent(customer=c, channel=ContactChannel.EMAIL, state=ConsentState.MARKETING)
                for c in customers
            )
        carts = []
        for i in range(size):
            n = start + i
            if due:
                idle = now - dt.timedelta(minutes=90 + n % 500)
                fields = {"recovery_due_at": idle + dt.timedelta(minutes=60)}
            elif n % 3 == 0:  # idle but not due yet
                idle = now - dt.timedelta(minutes=n % 50)
                fields = {"recovery_due_at": idle + dt.timedelta(minutes=60)}
            elif n % 3 == 1:  # followed up to the end, or emptied
                idle = now - dt.timedelta(days=5)
                fields = {"recovery_due_at": None, "recovery_stage": 3}
            else:  # bought
                idle = now - dt.timedelta(days=2)
                fields = {"recovery_due_at": None, "status": Cart.Status.CONVERTED}
            carts.append(
                Cart(
                    customer=customers[i] if due else None,
                    email=f"{tag}{n}@bench.example",
                    last_activity_at=idle,
                    **fields,
                )
            )
        carts = Cart.objects.bulk_create(carts)
        CartLine.objects.bulk_create(
            CartLine(cart=cart, variant_id=variant_ids[j % len(variant_ids)], quantity=1)
            for j, cart in enumerate(carts)
        )


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


TOUCHED = (
    "orders_cart",
    "orders_cartrecoverystep",
    "omni_emaillog",
    "customers_interaction",
    "omni_outboxmessage",
)


def reset_due(due_ids: list[int]) -> None:
    """Undo a scan: the due carts are due again, their steps, emails and timeline gone."""
    CartRecoveryStep.objects.filter(cart_id__in=due_ids).delete()
    EmailLog.objects.filter(kind="abandoned_cart", to__endswith="@bench.example").delete()
    Interaction.objects.filter(customer__email__endswith="@bench.example").delete()
    Cart.objects.filter(pk__in=due_ids).update(
        recovery_stage=0, recovery_due_at=F("last_activity_at") + dt.timedelta(minutes=60)
    )
    # Each run rewrites these rows twice; without autovacuum's help between back-to-back
    # runs the dead versions would make every later run slower than the one before.
    with connection.cursor() as cursor:
        for table in TOUCHED:
            cursor.execute(f"VACUUM ANALYZE {table}")


def scan_once(now: dt.datetime, due_ids: list[int]) -> tuple[float, int, int]:
    """One scan as production runs it (each cart committed): seconds, queries, emails."""
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        run = carts_recover(now=now)
        elapsed = time.perf_counter() - started
    reset_due(due_ids)
    return elapsed, counter.count, run.emailed


def measure(now: dt.datetime, repeat: int, due_ids: list[int]) -> tuple[float, int, int]:
    runs = [scan_once(now, due_ids) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), runs[0][1], runs[0][2]


def catalog_remove() -> None:
    variants = Variant.objects.filter(product__category__slug=BENCH_CATEGORY)
    NearestAvailability.objects.filter(variant__in=variants).delete()
    NearestAvailability.objects.filter(source_location__code=BENCH_WAREHOUSE).delete()
    StockMovement.objects.filter(variant__in=variants).delete()
    Stock.objects.filter(variant__in=variants).delete()
    Price.objects.filter(variant__in=variants).delete()
    variants.delete()
    Product.objects.filter(category__slug=BENCH_CATEGORY).delete()
    Category.objects.filter(slug=BENCH_CATEGORY).delete()
    Location.objects.filter(code=BENCH_WAREHOUSE).delete()


def clean_up(marks: dict | None = None) -> None:
    Cart.objects.filter(email__endswith="@bench.example").delete()
    EmailLog.objects.filter(to__endswith="@bench.example").delete()
    Customer.objects.filter(email__endswith="@bench.example").delete()
    for model, top in (marks or {}).items():
        model.objects.filter(pk__gt=top).delete()
    catalog_remove()


def plan(now: dt.datetime) -> str:
    sql, params = carts_recovery_due(now=now).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql}", params)
        return "\n".join("    " + row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--small", type=int, default=10_000, help="carts in all, first run")
    parser.add_argument("--large", type=int, default=100_000, help="carts in all, second run")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("Run this on PostgreSQL (set DATABASE_URL); SQLite has no partial-index plans.")
    now = timezone.now()
    print(f"abandoned-cart scan: {args.due:,} due carts among {args.small:,} then {args.large:,}")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    results = {}
    clean_up()  # what an interrupted earlier run left
    marks = high_water()
    set_aside = others_set_aside(now)
    print(f"carts already due, set aside for the run: {len(set_aside):,}")
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        OMNI_ABANDONED_CART_STAGES=[60, 1440, 4320],
        OMNI_ABANDONED_CART_HIGH_VALUE="100000.00",
    ):
        try:
            variant_ids = catalog()
            carts_add(args.due, due=True, variant_ids=variant_ids, now=now, tag="due")
            due_ids = list(
                Cart.objects.filter(
                    email__startswith="due", email__endswith="@bench.example"
                ).values_list("pk", flat=True)
            )
            carts_add(args.small - args.due, due=False, variant_ids=variant_ids, now=now, tag="a")
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE orders_cart")
                cursor.execute("VACUUM ANALYZE orders_cartline")
            results["small"] = measure(now, args.repeat, due_ids)
            small_plan = plan(now)
            carts_add(args.large - args.small, due=False, variant_ids=variant_ids, now=now, tag="b")
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE orders_cart")
                cursor.execute("VACUUM ANALYZE orders_cartline")
            results["large"] = measure(now, args.repeat, due_ids)
            large_plan = plan(now)
        finally:
            clean_up(marks)
            others_restore(set_aside)
    (t_small, q_small, e_small), (t_large, q_large, e_large) = results["small"], results["large"]
    same = e_small == e_large == args.due
    print(
        f"due carts found by each scan: {e_small:,} and {e_large:,} (expected {args.due:,}): "
        f"{'same' if same else 'DIFFERENT'}"
    )
    print(f"{'carts':>10} {'due':>6} {'emails':>7} {'queries':>8} {'seconds':>8}")
    print(f"{args.small:>10,} {args.due:>6,} {e_small:>7,} {q_small:>8,} {t_small:>8.2f}")
    print(f"{args.large:>10,} {args.due:>6,} {e_large:>7,} {q_large:>8,} {t_large:>8.2f}")
    print(
        f"ratio {args.large // args.small}x carts: time {t_large / t_small:.2f}, "
        f"queries {q_large / q_small:.2f}"
    )
    print(
        f"per due cart: {t_large / max(e_large, 1) * 1000:.1f} ms, "
        f"{q_large / max(e_large, 1):.1f} queries"
    )
    print(f"plan of the due-carts query with {args.small:,} carts:\n{small_plan}")
    print(f"plan with {args.large:,} carts:\n{large_plan}")
    print(f"load average: {load_average()}")


if __name__ == "__main__":
    main()
