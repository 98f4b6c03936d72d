"""Benchmark: the till's time and queries per scan and per completed sale, as ratios to a
bare view (``/healthz/``), with a small and a large basket; and, with ``--browser``, the
time from Enter after a scan to the updated basket in a real browser.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omni_bench \\
        .venv/bin/python bench/till.py [--runs 20] [--lines 1,20]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omni_bench \\
        .venv/bin/python bench/till.py --browser [--runs 20] [--lines 1,20] [--from-db NAME]

Server side (the default): runs against whatever DATABASE_URL points at (the large demo
set: ``seed_demo --scale large``) and writes nothing: the register, shift, baskets and
sales it makes live in one transaction that is rolled back at the end. It picks the store
with the most stocked, priced variants and its first manager, drives the till's own URLs
through the Django test client (an HTMX scan posting a barcode, then "Complete sale" paid
in cash) and prints, per basket size, the median ms and the queries of one scan and one
completed sale, each also as a ratio to the baseline. The machine may be shared: the load
average is printed.

``--browser``: never touches the database DATABASE_URL names (only its server): it
creates a throwaway database beside it, migrates it and loads the small demo
(``seed_demo --scale small``) — or copies ``--from-db``, a database already holding the
small demo, as a template — and drops it at the end, whatever happens. It starts gunicorn
on it (bench/load.py's ``start_server``: DEBUG off, a free loopback port, two workers, a
per-process memory cache so nothing lands in Redis), logs a demo associate of the store
with the most stock in (a session made with ``force_login``), and in headless Chromium
(/usr/bin/chromium, Playwright, 1024×768) opens the store's register and a shift through
the till's own screen. Each run empties the basket, scans ``lines - 1`` barcodes unmeasured,
then types the last barcode into the scan field and presses Enter; the time is taken on
the page's own clock, from the Enter keydown to the moment the new ``.till-line`` is in
the DOM (a MutationObserver) and to the next frame after it. Prints the median and p90 ms
per basket size and, as the baseline, the page's ``fetch('/healthz/')`` round trip.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, bench/ is first on sys.path, and bench/numbers.py would stand in for
# the standard library's numbers (which decimal and statistics import): take it off.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse
import importlib.util
import os
import statistics
import subprocess
import time
import urllib.parse

ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django

django.setup()

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.urls import reverse

from catalog.models import Variant
from inventory.models import Stock
from orders.selectors import variants_sellable
from stores.models import Associate, Location
from till import services
from till.models import Register


class _Rollback(Exception):
    pass


def timed(call) -> tuple[float, int]:
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = call()
        elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code in (200, 302), response.status_code
    return elapsed, len(queries)


def bench_store() -> Location | None:
    """The active store with the most stock rows."""
    return (
        Location.objects.filter(kind=Location.Kind.STORE, is_active=True)
        .annotate(n=Count("stock"))
        .order_by("-n", "pk")
        .first()
    )


def sellable_variants(store: Location, count: int) -> list[Variant]:
    """``count`` variants with a barcode, stocked at ``store`` and sellable (priced)."""
    stocked = list(
        Stock.objects.filter(location=store, variant__barcode__isnull=False)
        .order_by("variant_id")
        .values_list("variant_id", flat=True)[: count * 5]
    )
    sellable = variants_sellable(variant_ids=stocked)
    variants = list(Variant.objects.filter(pk__in=sellable).order_by("pk"))[:count]
    if len(variants) < count:
        sys.exit(f"Store {store.code} has fewer than {count} sellable variants.")
    return variants


def server_bench(args, sizes: list[int]) -> None:
    setup_test_environment()
    print(f"load average: {os.getloadavg()}")
    store = bench_store()
    manager = (
        Associate.objects.filter(home_location=store, role=Associate.Role.MANAGER).first()
        or Associate.objects.filter(home_location=store).first()
    )
    if store is None or manager is None:
        sys.exit("No store with an associate: run seed_demo first.")
    need = max(sizes) * (args.runs + 2)
    variants = sellable_variants(store, max(sizes))
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


# --- in the browser ------------------------------------------------------------------------

# Chromium as tests/e2e runs it: Debian's, never a downloaded one.
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Stamps the Enter keydown in the scan field on the page's clock.
_ON_ENTER = """() => {
  window.__bench = {};
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.id === "till-scan") {
      window.__bench.enter = performance.now();
    }
  }, true);
}"""
# Arms a MutationObserver that stamps when ``selector`` is first in the DOM, then the
# frame after it (rAF, then a task: the line has been painted).
_ON_LINE = """(selector) => {
  const b = window.__bench;
  b.enter = b.dom = b.frame = undefined;
  const seen = () => {
    if (b.dom !== undefined || !document.querySelector(selector)) return false;
    b.dom = performance.now();
    requestAnimationFrame(() => setTimeout(() => { b.frame = performance.now(); }, 0));
    return true;
  };
  const observer = new MutationObserver(() => { if (seen()) observer.disconnect(); });
  observer.observe(document.body, {childList: true, subtree: true});
}"""
_HEALTHZ = """async () => {
  const started = performance.now();
  const response = await fetch("/healthz/", {cache: "no-store"});
  await response.text();
  return performance.now() - started;
}"""


def _admin_connection(url: str):
    """An autocommit connection to the server's ``postgres`` database (to create or drop
    a database beside the one ``url`` names)."""
    import psycopg

    return psycopg.connect(
        conninfo=urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/postgres")),
        autocommit=True,
    )


def _with_database(url: str, name: str) -> str:
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path=f"/{name}"))


def _manage(*command: str, env: dict[str, str]) -> None:
    done = subprocess.run(
        ["nice", "-n", "10", sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
        sys.exit(f"manage.py {command[0]} failed ({done.returncode})")


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def browser_bench(args, sizes: list[int]) -> None:
    """Enter after a scan to the updated basket, in Chromium, on a throwaway database."""
    from playwright.sync_api import sync_playwright

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("--browser needs DATABASE_URL on PostgreSQL (its server holds the throwaway).")
    name = f"omni_bench_till_browser_{os.getpid()}"
    throwaway = _with_database(url, name)
    env = {
        **os.environ,
        "DATABASE_URL": throwaway,
        # The server's cache is each worker's memory and tasks run in-process: nothing of
        # this run lands in a shared Redis.
        "CACHE_URL": "locmemcache://",
        "REDIS_URL": "",
        "LOG_REQUESTS_LEVEL": "WARNING",
        # The server checks the session this process signs.
        "SECRET_KEY": settings.SECRET_KEY,
    }
    with _admin_connection(url) as admin:
        if args.from_db:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{args.from_db}"')
        else:
            admin.execute(f'CREATE DATABASE "{name}"')
    server = None
    try:
        started = time.perf_counter()
        if not args.from_db:
            _manage("migrate", "--noinput", "-v0", env=env)
            _manage("seed_demo", "--scale", "small", "--i-know-this-is-not-production", env=env)
        print(
            f"throwaway database {name}: "
            f"{'copied from ' + args.from_db if args.from_db else 'small demo seeded'} "
            f"in {time.perf_counter() - started:.0f} s"
        )
        # This process now reads the throwaway too (nothing was read before this point).
        connection.close()
        connection.settings_dict["NAME"] = name
        store = bench_store()
        associate = (
            Associate.objects.filter(home_location=store, is_active=True)
            .exclude(role=Associate.Role.MANAGER)
            .order_by("pk")
            .first()
            or Associate.objects.filter(home_location=store, is_active=True).first()
        )
        register = Register.objects.filter(location=store, is_active=True).order_by("code").first()
        if store is None or associate is None or register is None:
            sys.exit("The demo has no store with an associate and a register.")
        variants = sellable_variants(store, max(sizes))
        client = Client()
        client.force_login(associate.user)
        session = client.session
        session["backoffice_location_id"] = store.pk
        session.save()
        cookie = client.cookies["sessionid"].value
        connection.close()

        os.environ.update(env)  # the server's environment (load.server_env copies it)
        spec = importlib.util.spec_from_file_location("bench_load", HERE / "load.py")
        load = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(load)
        port = load.free_port()
        server = load.start_server(port, workers=2)
        base = f"http://127.0.0.1:{port}"
        print(
            f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  "
            f"store {store.code}, register {register.code}, associate {associate.display_name}"
        )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True
            )
            context = browser.new_context(viewport={"width": 1024, "height": 768})
            context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])
            page = context.new_page()
            page.goto(f"{base}/backoffice/till/{register.pk}/")
            page.wait_for_load_state("load")
            if page.locator("#till-float").count():
                # The till's own "Open shift" form, an empty drawer.
                page.fill("#till-float", "0.00")
                page.locator("form:has(#till-float) [type=submit]").first.click()
                page.wait_for_load_state("load")
            if not page.locator("#till-scan").count():
                text = " ".join(page.locator("body").inner_text().split())[:600]
                sys.exit(f"No scan field at {page.url}: {text}")
            page.evaluate(_ON_ENTER)
            field = page.locator("#till-scan")

            def scan(variant, *, measure: bool) -> tuple[float, float] | None:
                line = f'.till-line[data-variant="{variant.pk}"]'
                if measure:
                    page.evaluate(_ON_LINE, line)
                field.fill(variant.barcode)
                field.press("Enter")
                page.wait_for_selector(line)
                if not measure:
                    return None
                page.wait_for_function("window.__bench.frame !== undefined")
                stamps = page.evaluate("window.__bench")
                return stamps["dom"] - stamps["enter"], stamps["frame"] - stamps["enter"]

            def clear() -> None:
                if page.locator(".till-line").count():
                    page.locator("#till-sale button[name=action][value=clear]").click()
                    page.wait_for_function("!document.querySelector('.till-line')")

            # Warm up: the workers' first requests, the page's first swap.
            for variant in variants[:2]:
                scan(variant, measure=False)
            clear()
            healthz = [page.evaluate(_HEALTHZ) for _ in range(args.runs)]
            bare = statistics.median(healthz)
            print(f"\n{'in Chromium, median / p90 ms':40}{'median':>9}{'p90':>9}{'x base':>8}")
            print(f"{'fetch /healthz/ (baseline)':40}{bare:9.1f}{_percentile(healthz, 90):9.1f}")
            for size in sizes:
                dom, frame = [], []
                for _run in range(args.runs):
                    clear()
                    for variant in variants[: size - 1]:
                        scan(variant, measure=False)
                    took_dom, took_frame = scan(variants[size - 1], measure=True)
                    dom.append(took_dom)
                    frame.append(took_frame)
                for label, values in (
                    (f"Enter to new line in DOM, basket of {size}", dom),
                    (f"Enter to next frame, basket of {size}", frame),
                ):
                    median = statistics.median(values)
                    print(
                        f"{label:40}{median:9.1f}{_percentile(values, 90):9.1f}{median / bare:8.1f}"
                    )
            clear()
            context.close()
            browser.close()
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        connection.close()
        with _admin_connection(url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"(throwaway database {name} dropped)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--lines", default="1,20")
    parser.add_argument(
        "--browser", action="store_true", help="Enter to updated basket, in Chromium"
    )
    parser.add_argument(
        "--from-db",
        default="",
        help="with --browser: copy this database holding the small demo instead of seeding",
    )
    args = parser.parse_args()
    sizes = [int(n) for n in args.lines.split(",")]
    if args.browser:
        browser_bench(args, sizes)
    else:
        server_bench(args, sizes)


if __name__ == "__main__":
    main()
