"""Benchmark: the till's time and queries per scan and per completed sale, as ratios to a
bare view (``/healthz/``), with a small and a large basket.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omni_bench \\
        .venv/bin/python bench/till.py [--runs 20] [--lines 1,20]

Runs against whatever DATABASE_URL points at (the large demo set: ``seed_demo --scale
large``) and writes nothing: the register, shift, baskets and sales it makes live in one
transaction that is rolled back at the end. It picks the store with the most stocked,
priced variants and its first manager, drives the till's own URLs through the Django test
client (an HTMX scan posting a barcode, then "Complete sale" paid in cash) and prints, per
basket size, the median ms and the queries of one scan and one completed sale, each also
as a ratio to the baseline. The machine may be shared: the load average is printed.

Not measured here: the browser's time from Enter to the updated basket (the e2e test
tests/e2e/test_till.py drives that path in Chromium).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from catalog.models import Variant  # noqa: E402
from inventory.models import Stock  # noqa: E402
from orders.selectors import variants_sellable  # noqa: E402
from stores.models import Associate, Location  # noqa: E402
from till import services  # noqa: E402


class _Rollback(Exception):
    pass


def timed(call) -> tuple[float, int]:
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = call()
        elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code in (200, 302), response.status_code
    return elapsed, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--lines", default="1,20")
    args = parser.parse_args()
    sizes = [int(n) for n in args.lines.split(",")]
    setup_test_environment()
    print(f"load average: {os.getloadavg()}")
    store = (
        Location.objects.filter(kind=Location.Kind.STORE, is_active=True)
        .annotate(n=Count("stock"))
        .order_by("-n")
        .first()
    )
    manager = (
        Associate.objects.filter(home_location=store, role=Associate.Role.MANAGER).first()
        or Associate.objects.filter(home_location=store).first()
    )
    if store is None or manager is None:
        sys.exit("No store with an associate: run seed_demo first.")
    need = max(sizes) * (args.runs + 2)
    stocked = list(
        Stock.objects.filter(location=store, variant__barcode__isnull=False)
        .order_by("variant_id")
        .values_list("variant_id", flat=True)[: max(sizes) * 5]
    )
    sellable = variants_sellable(variant_ids=stocked)
    variants = list(Variant.objects.filter(pk__in=sellable).order_by("pk"))[: max(sizes)]
    if len(variants) < max(sizes):
        sys.exit(f"Store {store.code} has fewer than {max(sizes)} sellable variants.")
    print(f"store {store.code}: {len(variants)} variants, {need} more units each for the run")
    client = Client()
    client.force_login(manager.user)
    try:
        with transaction.atomic():
            from inventory import services as inventory

            # Enough units for every run, rolled back with the rest.
            for variant in variants:
                inventory.stock_receive(variant_id=variant.pk, location_id=store.pk, quantity=need)
            register = services.register_create(location=store, code="BENCH", name="Bench")
            services.shift_open(register=register, associate=manager, opening_float="0")
            session = client.session
            session["backoffice_location_id"] = store.pk
            session.save()
            basket_url = reverse("backoffice:till-basket", args=[register.pk])
            pay_url = reverse("backoffice:till-pay", args=[register.pk])
            bare = [timed(lambda: client.get("/healthz/")) for _ in range(args.runs)]
            bare_ms = statistics.median(t for t, _q in bare)
            bare_q = bare[-1][1]
            print(f"{'bare view /healthz/':34} {bare_ms:8.1f} ms {bare_q:4d} queries")
            for size in sizes:
                scans, sales = [], []
                for _run in range(args.runs):
                    for variant in variants[: size - 1]:
                        client.post(basket_url, {"action": "add", "variant": variant.pk})
                    last = variants[size - 1]
                    scans.append(
                        timed(
                            lambda last=last: client.post(
                                basket_url,
                                {"action": "scan", "code": last.barcode},
                                HTTP_HX_REQUEST="true",
                            )
                        )
                    )
                    sales.append(timed(lambda: client.post(pay_url, {"cash": "100000000"})))
                for label, rows in (
                    (f"scan, basket of {size}", scans),
                    (f"complete sale, {size} lines", sales),
                ):
                    ms = statistics.median(t for t, _q in rows)
                    q = rows[-1][1]
                    print(
                        f"{label:34} {ms:8.1f} ms {q:4d} queries   "
                        f"×{ms / bare_ms:6.1f} time  ×{q / max(bare_q, 1):5.1f} queries"
                    )
            raise _Rollback
    except _Rollback:
        print("(rolled back: nothing written)")


if __name__ == "__main__":
    main()
