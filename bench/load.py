"""Benchmark: requests/s and p50/p99 latency under concurrent load, through real HTTP.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omni_bench \\
        .venv/bin/python bench/load.py [--threads 6] [--seconds 8] [--requests 1500]

Starts gunicorn itself (``--workers``, DEBUG off, on a free loopback port, static files
collected first), waits for ``/healthz/``, then for each page runs ``--threads`` client
threads for at most ``--seconds`` seconds or ``--requests`` requests, whichever comes
first, and stops the server. Pages: ``/healthz/`` (the baseline: one ``SELECT 1``), the
home page, a product page, a category listing without and with "in stock at my store"
(the shopper's store chosen once through ``/stores/choose/``), and a search. Each page's
requests/s is also shown as a ratio to ``/healthz/`` in the same run, so a shared
machine's noise cancels out. ``CONN_MAX_AGE`` from the environment is passed through
(unset: the settings' default). Writes nothing but the one session of the chosen store
(deleted at the end) and what gunicorn's workers log.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, bench/ is first on sys.path, where numbers.py (the dashboards' bench)
# would stand in for the standard library's ``numbers`` (decimal imports it).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import threading
import time
import urllib.parse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django

django.setup()

from django.db import connection
from django.db.models import Count

from catalog.models import Category, Product
from inventory.models import Stock
from stores.models import Location

SECRET = "bench-load-not-a-secret-" + "x" * 32


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DEBUG="False",
        SECRET_KEY=env.get("SECRET_KEY") or SECRET,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="False",
        LOG_LEVEL="WARNING",
    )
    return env


def start_server(port: int, workers: int) -> subprocess.Popen:
    env = server_env()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "project.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, _, _ = fetch(port, "/healthz/")
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.5)
    process.terminate()
    raise SystemExit("gunicorn did not answer /healthz/ within 60 s")


def fetch(
    port: int, path: str, *, method: str = "GET", body: str | None = None, headers=None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), data
    finally:
        conn.close()


def session_with_store(port: int, store_id: int) -> str:
    """A cookie header for a shopper whose store is ``store_id`` (chosen like a shopper:
    the store list's form, CSRF included)."""
    status, headers, page = fetch(port, "/stores/")
    cookies = {}
    for name, value in re.findall(r"(csrftoken|sessionid)=([^;]+)", headers.get("Set-Cookie", "")):
        cookies[name] = value
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert status == 200 and token and "csrftoken" in cookies, "no CSRF token on /stores/"
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1).decode(), "location": store_id, "next": "/"}
    )
    status, headers, _ = fetch(
        port,
        "/stores/choose/",
        method="POST",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
            "Referer": f"http://127.0.0.1:{port}/stores/",
        },
    )
    found = re.search(r"sessionid=([^;]+)", headers.get("Set-Cookie", ""))
    assert status == 302 and found, f"choosing a store failed ({status})"
    return f"sessionid={found.group(1)}"


def load(
    port: int, path: str, *, threads: int, seconds: float, limit: int, cookie: str = ""
) -> dict:
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    headers = {"Cookie": cookie} if cookie else {}

    def worker() -> None:
        while time.monotonic() < stop_at:
            with lock:
                if len(latencies) + len(errors) >= limit:
                    return
            started = time.perf_counter()
            try:
                status, _, _ = fetch(port, path, headers=headers)
            except OSError:
                status = 599
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                (latencies.append(elapsed) if status == 200 else errors.append(status))

    fetch(port, path, headers=headers)  # warm the workers' caches for this page
    began = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - began
    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, round(p / 100 * (len(latencies) - 1)))]

    return {
        "ok": len(latencies),
        "errors": errors,
        "rps": len(latencies) / wall if wall else 0.0,
        "p50": pct(50),
        "p99": pct(99),
        "mean": statistics.fmean(latencies) if latencies else float("nan"),
    }


def pages() -> tuple[list[tuple[str, str, bool]], int]:
    """(label, path, needs my store) and the store chosen for "in stock"."""
    # A top-level category: its listing spans every subcategory's products.
    category = Category.objects.filter(is_active=True, parent=None).order_by("pk").first()
    product = Product.objects.filter(is_active=True, variants__isnull=False).order_by("pk").first()
    store = (
        Location.objects.filter(kind=Location.Kind.STORE, is_active=True)
        .annotate(n=Count("stock"))
        .order_by("-n", "pk")
        .first()
    )
    if category is None or product is None or store is None:
        raise SystemExit("no demo data: run seed_demo first")
    listing = f"/c/{category.slug}/"
    return (
        [
            ("healthz (baseline)", "/healthz/", False),
            ("home", "/", False),
            ("product", f"/p/{product.slug}/", False),
            ("listing", listing, False),
            ("listing in stock at my store", f"{listing}?instock=1", True),
            ("search 'merino'", "/search/?q=merino", False),
        ],
        store.pk,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--requests", type=int, default=1500, help="per page, at most")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    args = parser.parse_args()

    plan, store_id = pages()
    stock_rows = Stock.objects.count()
    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}  stock rows: "
        f"{stock_rows}  CONN_MAX_AGE: {os.environ.get('CONN_MAX_AGE', '(default)')}  "
        f"gunicorn workers: {args.workers}  client threads: {args.threads}  "
        f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    connection.close()
    port = free_port()
    server = start_server(port, args.workers)
    cookie = ""
    try:
        cookie = session_with_store(port, store_id)
        print(
            f"\n{'page':<32}{'req/s':>8}{'x base':>8}{'p50 ms':>9}{'p99 ms':>9}"
            f"{'p50 x base':>11}{'ok':>6}  errors"
        )
        base = None
        for label, path, needs_store in plan:
            result = load(
                port,
                path,
                threads=args.threads,
                seconds=args.seconds,
                limit=args.requests,
                cookie=cookie if needs_store else "",
            )
            base = base or result
            ratio = result["rps"] / base["rps"] if base["rps"] else float("nan")
            p50_ratio = result["p50"] / base["p50"] if base["p50"] else float("nan")
            errors = ",".join(sorted({str(e) for e in result["errors"]})) or "-"
            print(
                f"{label:<32}{result['rps']:8.1f}{ratio:8.2f}{result['p50']:9.1f}"
                f"{result['p99']:9.1f}{p50_ratio:11.1f}{result['ok']:>6}  {errors}"
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        if cookie:
            from django.contrib.sessions.models import Session

            Session.objects.filter(session_key=cookie.split("=", 1)[1]).delete()


if __name__ == "__main__":
    main()
