"""Benchmark: storefront search (indexed) against the old per-row search, and page renders.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omni_bench \\
        .venv/bin/python bench/storefront.py [--runs 20]

Runs against whatever DATABASE_URL points at (the large demo set: ``seed_demo --scale
large``) and prints figures; it is not a timed test and writes nothing (recently viewed
rows the product page records are rolled back).

Prints: products, variants and the load average (the machine may be shared); per search
term, the median ms of ``--runs`` first pages (the rows plus the paginator's count)
through ``products_search`` and through the old query (a search document computed per
row, kept below for comparison, PostgreSQL only), whether both find the same products and
which indexes the plan uses; then, through the Django test client, the median ms and the
query count of ``/healthz/`` (the baseline), search pages, a product page, a category
listing and the same listing "in stock at my store", each also as a ratio to the baseline.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, bench/ is first on sys.path, where numbers.py (the dashboards' bench)
# would stand in for the standard library's ``numbers`` (decimal imports it).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import os
import re
import statistics
import time

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django

django.setup()

from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment

from catalog.models import SEARCH_CONFIG, Category, Product, Variant
from catalog.selectors import products_for_cards, products_search
from stores.models import Location

PAGE = 24


def legacy_search(text: str):
    """The search before the indexes: rank computed from a per-row document, an OR over
    the rank, an Exists on variants and a substring match."""
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    code_match = Exists(
        Variant.objects.filter(
            Q(sku__istartswith=text) | Q(barcode__startswith=text), product=OuterRef("pk")
        )
    )
    vector = (
        SearchVector("name", weight="A", config=SEARCH_CONFIG)
        + SearchVector("brand", weight="B", config=SEARCH_CONFIG)
        + SearchVector("description", weight="C", config=SEARCH_CONFIG)
    )
    search = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    return (
        products_for_cards()
        .filter(min_price__isnull=False)
        .annotate(rank=SearchRank(vector, search))
        .filter(Q(rank__gt=0) | code_match | Q(name__icontains=text))
        .order_by("-rank", "name", "pk")
    )


def first_page(qs) -> tuple[int, list[int]]:
    return qs.count(), [p.pk for p in qs[:PAGE]]


def median_ms(fn, runs: int) -> float:
    fn()  # warm caches and connections
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def get_page(client: Client, url: str) -> tuple[float, int]:
    """Median ms and queries of one GET (rolled back, so nothing is remembered)."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code in (200, 302), (url, response.status_code)
    return len(ctx.captured_queries), response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    runs = args.runs
    on_pg = connection.vendor == "postgresql"

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(
        f"products: {Product.objects.count()}  variants: {Variant.objects.count()}  "
        f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    sku = Variant.objects.filter(is_active=True).order_by("pk").values_list("sku", flat=True)
    sku_prefix = (sku[len(sku) // 2] if sku else "NW0")[:6]
    barcode = (
        Variant.objects.exclude(barcode=None).order_by("-pk").values_list("barcode", flat=True)
    ).first() or "2000"
    terms = ["merino", "cardigan wool", '"cashmere cardigan"', "linen -shirt", sku_prefix]
    terms.append(barcode[:-3])

    print(f"\nsearch (median of {runs}, first page of {PAGE} + count)")
    print(f"{'term':<22}{'hits':>6}{'new ms':>9}{'old ms':>9}{'speedup':>9}  same  indexes")
    for term in terms:
        new_ms = median_ms(lambda t=term: first_page(products_search(query=t)), runs)
        hits, new_ids = first_page(products_search(query=term))
        old_ms = same = None
        indexes = ""
        if on_pg:
            old_ms = median_ms(lambda t=term: first_page(legacy_search(t)), runs)
            old_hits, old_ids = first_page(legacy_search(term))
            same = old_hits == hits and old_ids == new_ids
            plan = products_search(query=term)[:PAGE].explain()
            found = re.findall(r"(?:using|on) (\w+_(?:idx|like))\b", plan)
            indexes = ",".join(sorted(set(found)))
        old = f"{old_ms:9.1f}{old_ms / new_ms:8.1f}x" if old_ms is not None else f"{'-':>9}{'-':>9}"
        print(f"{term:<22}{hits:>6}{new_ms:9.1f}{old}  {same!s:<5} {indexes}")

    setup_test_environment()  # lets the test client in (ALLOWED_HOSTS) and its tools
    client = Client()
    product = Product.objects.filter(is_active=True, variants__isnull=False).order_by("pk").first()
    category = (
        Category.objects.filter(is_active=True, products__isnull=False).order_by("pk").first()
    )
    pages = [("healthz (baseline)", "/healthz/")]
    pages += [(f"search {t!r}", f"/search/?q={t}") for t in ("merino", "cardigan wool")]
    pages.append((f"search sku {sku_prefix!r}", f"/search/?q={sku_prefix}"))
    if product:
        pages.append(("product page", f"/p/{product.slug}/"))
    if category:
        pages.append(("category listing", f"/c/{category.slug}/"))
    store = (
        Location.objects.filter(kind=Location.Kind.STORE, is_active=True)
        .annotate(n=Count("stock"))
        .order_by("-n", "pk")
        .first()
    )
    top = Category.objects.filter(is_active=True, parent=None).order_by("pk").first()
    if top and store:
        # "In stock at my store" on a top-level listing (every subcategory's products),
        # the shopper's store chosen once, like on the site.
        client.post("/stores/choose/", {"location": store.pk, "next": "/"})
        pages.append(("top listing", f"/c/{top.slug}/"))
        pages.append(("top listing, in stock", f"/c/{top.slug}/?instock=1"))

    print(f"\npages through the test client (median of {runs}, anonymous, rolled back)")
    print(f"{'page':<28}{'ms':>8}{'x base':>8}{'queries':>9}")
    base = None
    for label, url in pages:
        with transaction.atomic():
            queries, _ = get_page(client, url)
            ms = median_ms(lambda u=url: client.get(u), runs)
            transaction.set_rollback(True)
        base = base or ms
        print(f"{label:<28}{ms:8.1f}{ms / base:8.1f}{queries:>9}")
    if client.session.session_key:
        Session.objects.filter(session_key=client.session.session_key).delete()


if __name__ == "__main__":
    main()
