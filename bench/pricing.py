"""Benchmark: pricing a basket costs the same number of queries whatever the number of
active promotions, and its time grows with them only in the pure engine.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omni_bench \
        .venv/bin/python bench/pricing.py [--rounds 20]

Makes a 20-line basket (20 priced variants of 20 products in 4 categories) and 10, then
100, then 1,000 active promotions (percentage, amount, fixed price, buy X get Y, order
amount off; on categories, products or everything; stackable, best and exclusive), then
prices the basket with a code through the one pricing function
(``orders.services.order_totals``: the offer book loaded as one request would, then the
engine) ``--rounds`` times at each size. Prints the median time and the queries per
basket, and their ratios to the 10-promotion run (queries should be 1.00).

Everything runs in one transaction rolled back at the end: the database is left as it
was. The machine may be shared: the load average is printed.
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
from decimal import Decimal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django

django.setup()

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from catalog.models import Category, Product, Variant
from orders.services import TaxableLine, order_totals
from promotions.models import Promotion
from promotions.services import voucher_create

SIZES = (10, 100, 1000)
LINES = 20
BENEFITS = ("percent_off", "amount_off", "fixed_price", "buy_x_get_y", "order_amount_off")
STACKING = ("stackable", "stackable", "best", "exclusive")


class Rollback(Exception):
    pass


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def basket() -> tuple[list[TaxableLine], list[Category], list[Product]]:
    categories = [
        Category.objects.create(name=f"Bench pricing {i}", slug=f"bench-pricing-{i}")
        for i in range(4)
    ]
    products, lines = [], []
    for i in range(LINES):
        product = Product.objects.create(
            name=f"Bench item {i}", slug=f"bench-pricing-item-{i}", category=categories[i % 4]
        )
        variant = Variant.objects.create(product=product, sku=f"BENCH-PRICING-{i}", size="M")
        products.append(product)
        lines.append(
            TaxableLine(
                unit_price=Decimal("19.99") + i,
                quantity=1 + i % 3,
                key=variant.pk,
                variant_id=variant.pk,
                product_id=product.pk,
                category_id=product.category_id,
            )
        )
    return lines, categories, products


def promotions_up_to(count: int, made: int, categories, products) -> int:
    """Active promotions until there are ``count`` (``made`` exist)."""
    for i in range(made, count):
        benefit = BENEFITS[i % len(BENEFITS)]
        value = Decimal(5 + i % 20) if benefit in ("percent_off", "buy_x_get_y") else Decimal(3)
        promotion = Promotion.objects.create(
            name=f"Bench offer {i}",
            benefit=benefit,
            value=value,
            buy_quantity=2,
            get_quantity=1,
            stacking=STACKING[i % len(STACKING)],
            priority=i % 5,
            channels=["web", "store"] if i % 3 else [],
            min_amount=Decimal(50) if benefit == "order_amount_off" else Decimal(0),
        )
        if i % 3 == 0:
            promotion.categories.add(categories[i % len(categories)])
        elif i % 3 == 1:
            promotion.products.add(products[i % len(products)])
    return count


def price(lines) -> tuple[float, int]:
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        totals = order_totals(lines=lines, ships=True, channel="web", codes=["BENCH10"])
        elapsed = time.perf_counter() - start
    assert totals.total >= 0
    return elapsed, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    print(f"load average: {load_average()}")
    results = {}
    try:
        with transaction.atomic():
            lines, categories, products = basket()
            coded = Promotion.objects.create(
                name="Bench code", trigger="code", benefit="percent_off", value=Decimal(10)
            )
            voucher_create(promotion=coded, code="BENCH10")
            made = 1
            for size in SIZES:
                made = promotions_up_to(size, made, categories, products)
                price(lines)  # warm
                runs = [price(lines) for _ in range(args.rounds)]
                times = [t for t, _ in runs]
                queries = {q for _, q in runs}
                results[size] = (statistics.median(times), max(queries))
            raise Rollback
    except Rollback:
        pass
    base_time, base_queries = results[SIZES[0]]
    print(f"{'promotions':>10} {'ms/basket':>10} {'queries':>8} {'time ×':>8} {'queries ×':>10}")
    for size in SIZES:
        seconds, queries = results[size]
        print(
            f"{size:>10} {seconds * 1000:>10.2f} {queries:>8} "
            f"{seconds / base_time:>8.2f} {queries / base_queries:>10.2f}"
        )


if __name__ == "__main__":
    main()
