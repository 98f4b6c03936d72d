"""``manage.py seed_demo [--scale small|large] [--seed N] [--market us|th|vn|ph|ir]
[--reset]``: the demo retailer.

``--market`` (default: the install's, ``OMNI_MARKET``) picks whose demo it is: Northwind
Outfitters in New England (US), or a local chain in Thailand, Vietnam, the Philippines or
Iran (demo.markets). It must be the install's market — the running shop reads its
currency, tax and languages from ``OMNI_MARKET`` — so another one is refused with the
setting to use. The local markets have the small scale only (``large`` is the US
benchmark set).

Not for production: with DEBUG off the command refuses to run unless given
``--i-know-this-is-not-production`` (a staging box, a benchmark database), and even then
no account gets the published demo password — every demo login gets one random password,
printed once at the end of the run and never again.

A composition root, like ``project/urls.py``: the seed fills every domain app, so this command
(and ``demo``, which does the work phase by phase) may import them all; no app
imports it.

Deterministic: the same scale and seed give the same rows (natural keys, quantities,
prices, order numbers and totals; timestamps are offsets from the current hour).
Idempotent: a database already holding this demo is left alone ("already seeded"); one
holding anything else is refused unless ``--reset``, which deletes all domain data and
the demo users first. Each phase commits in bounded batches and prints what it created;
the totals are checked against the database before the logins are printed. On
PostgreSQL the rows go in with COPY (``--bulk-create`` to compare); elsewhere with
``bulk_create``.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext

from demo.carts import open_carts_create
from demo.catalog import catalog_create
from demo.config import DEMO_PASSWORD, SCALES, demo_clock
from demo.customers import customer_history_complete, customers_create
from demo.giftcards import gift_cards_create
from demo.markets import MARKET_CODES, DemoMarket, demo_market
from demo.orders import orders_create
from demo.promotions import promotions_create
from demo.returns import returns_create
from demo.rows import tables_analyze
from demo.staff import admin_create, demo_logins, staff_create
from demo.state import (
    COUNTED,
    DemoState,
    database_counts,
    demo_data_delete,
    demo_inspect,
)
from demo.stock import stock_create
from demo.stores import locations_create
from demo.till import tills_create
from demo.transfers import transfers_create
from demo.world import DemoWorld
from omni.markets import current_market
from omni.sites import site_sync
from orders.models import Order

PHASES = (
    ("stores", locations_create),
    ("catalog", catalog_create),
    ("offers", promotions_create),
    ("staff", staff_create),
    ("customers", customers_create),
    ("stock", stock_create),
    ("orders", orders_create),
    ("returns", returns_create),
    ("carts", open_carts_create),
    ("profiles", customer_history_complete),
    # Through the real services, after the bulk phases (they read the rows those wrote).
    ("transfers", transfers_create),
    ("gift cards", gift_cards_create),
    ("tills", tills_create),
    ("superuser", admin_create),  # last: its presence marks a complete seed
)
AVAILABILITY_COMMAND = "recompute_availability"
ROLLUPS_COMMAND = "rollups_rebuild"
# The dashboard's longest preset is 90 days, compared with the 90 before.
ROLLUP_DAYS = 190


@contextmanager
def _batches_committed_without_waiting() -> Iterator[None]:
    """On PostgreSQL, don't wait for each batch's WAL flush. A crash mid-seed loses at
    most the last batches, and an unfinished seed is detected (no superuser yet)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _seconds(started: float) -> str:
    """The seconds since ``started``, one decimal, as the active language writes numbers."""
    return number_format(time.perf_counter() - started, 1)


class Command(BaseCommand):
    help = "Load the deterministic demo retailer (small: to try it; large: the benchmark set)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same data (default 1)")
        parser.add_argument(
            "--market",
            choices=[code.lower() for code in MARKET_CODES],
            type=str.lower,
            default=None,
            help="Whose demo: a chain in that country (default: the install's OMNI_MARKET, "
            "which it must be).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="First delete ALL catalog, store, customer, stock, order and return rows "
            "and the demo users, then seed.",
        )
        parser.add_argument(
            "--bulk-create",
            action="store_true",
            help="Insert with bulk_create on PostgreSQL too (slower; COPY is the default there).",
        )
        parser.add_argument(
            "--i-know-this-is-not-production",
            action="store_true",
            dest="not_production",
            help="Run with DEBUG off (staging, benchmarks). The demo logins then get a random "
            "password, printed once, instead of the published one.",
        )

    def handle(
        self,
        *,
        scale: str,
        seed: int,
        reset: bool,
        bulk_create: bool,
        not_production: bool = False,
        market: str | None = None,
        **options,
    ) -> None:
        if not settings.DEBUG and not not_production:
            raise CommandError(
                gettext(
                    "DEBUG is off, so this looks like a production database: seed_demo would "
                    "add a made-up retailer and staff logins to it. If this really is not "
                    "production (staging, a benchmark database), run it again with "
                    "--i-know-this-is-not-production."
                )
            )
        # Outside DEBUG nobody may log in with the password the README publishes.
        password = DEMO_PASSWORD if settings.DEBUG else secrets.token_urlsafe(15)
        config = SCALES[scale]
        demo = self._market(market, scale)
        label = gettext("%(retailer)s (scale %(scale)s, seed %(seed)s)") % {
            "retailer": demo.retailer_name,
            "scale": scale,
            "seed": seed,
        }
        if reset:
            started = time.perf_counter()
            demo_data_delete()
            self.stdout.write(
                gettext("Reset: deleted the demo data [%(seconds)s s]")
                % {"seconds": _seconds(started)}
            )

        # The demo's emails name the shop and link to where it is served (SITE_URL).
        site_sync()
        inspection = demo_inspect(config, seed, demo)
        if inspection.state is DemoState.SEEDED:
            self.stdout.write(
                gettext("%(label)s is already seeded: nothing to do.") % {"label": label}
            )
            self._totals(database_counts())
            self._logins(DEMO_PASSWORD if settings.DEBUG else None)
            return
        if inspection.state is DemoState.OTHER:
            raise CommandError(
                gettext(
                    "The database already holds data that is not %(label)s: %(reason)s. Run "
                    "`manage.py seed_demo --scale %(scale)s --seed %(seed)s --reset` to delete "
                    "all catalog, store, customer, stock, order and return data and the demo "
                    "users, and seed again."
                )
                % {"label": label, "reason": inspection.reason, "scale": scale, "seed": seed}
                + self._market_hint(demo)
            )

        use_copy = connection.vendor == "postgresql" and not bulk_create
        how = "COPY" if use_copy else "bulk_create"
        self.stdout.write(
            gettext("Seeding %(label)s into %(database)s (%(how)s) …")
            % {"label": label, "database": connection.vendor, "how": how}
        )
        world = DemoWorld(
            scale=config,
            seed=seed,
            now=demo_clock(),
            # Hashed once: every demo login shares it, and hashing is slow on purpose.
            password_hash=make_password(password),
            use_copy=use_copy,
            market=demo,
        )
        with _batches_committed_without_waiting():
            self._phases_run(world)

        counts = database_counts()
        mismatched = {
            key: (world.created[key], counts[key])
            for key in COUNTED
            if world.created[key] != counts[key]
        }
        if mismatched:
            raise CommandError(
                gettext("Created and stored counts differ (created, stored): %(counts)s")
                % {"counts": mismatched}
            )
        self._totals(counts)
        if connection.vendor == "postgresql":
            started = time.perf_counter()
            tables_analyze(list(COUNTED.values()))
            self.stdout.write(
                gettext("Planner statistics refreshed [%(seconds)s s]")
                % {"seconds": _seconds(started)}
            )

        if AVAILABILITY_COMMAND in get_commands():
            started = time.perf_counter()
            self.stdout.write(gettext("Running %(command)s …") % {"command": AVAILABILITY_COMMAND})
            options = {}
            if connection.in_atomic_block:
                # Run inside a caller's transaction (a test), the rows are not committed: a
                # recompute on other connections would not see them, so keep it on this one.
                options["workers"] = 1
            call_command(AVAILABILITY_COMMAND, stdout=self.stdout, stderr=self.stderr, **options)
            self.stdout.write(
                gettext("Availability recomputed [%(seconds)s s]") % {"seconds": _seconds(started)}
            )
        else:
            self.stdout.write(
                gettext(
                    "Note: no `%(command)s` command yet, so nearest-store availability is "
                    "empty; run it once it exists."
                )
                % {"command": AVAILABILITY_COMMAND}
            )
        self._rollups_build(world)
        self._logins(password)

    def _rollups_build(self, world: DemoWorld) -> None:
        """The numbers' rollups for the demo's history (idempotent: each store-day is
        recomputed from the orders, never added to), so the dashboard has pictures."""
        if ROLLUPS_COMMAND not in get_commands():
            return
        started = time.perf_counter()
        first = Order.objects.order_by("placed_at").values_list("placed_at", flat=True).first()
        if first is None:
            return
        today = timezone.localdate(world.now)
        start = max(first.date() - dt.timedelta(days=1), today - dt.timedelta(days=ROLLUP_DAYS))
        call_command(
            ROLLUPS_COMMAND,
            "--from",
            start.isoformat(),
            "--to",
            (today + dt.timedelta(days=1)).isoformat(),
            stdout=self.stdout,
            stderr=self.stderr,
        )
        self.stdout.write(
            gettext("Numbers rebuilt [%(seconds)s s]") % {"seconds": _seconds(started)}
        )

    def _market(self, code: str | None, scale: str) -> DemoMarket:
        """The demo of ``--market``, which must be the install's market: the shop serves
        the seeded prices in its own currency, with its own tax and languages."""
        installed = current_market().code
        code = (code or installed).upper()
        if code != installed:
            raise CommandError(
                gettext(
                    "This install sells in market %(installed)s, so a %(market)s demo would "
                    "show its prices in the wrong currency and tax. Run it with the market "
                    "set: OMNI_MARKET=%(market)s python manage.py seed_demo --market "
                    "%(code)s (make demo MARKET=%(code)s does it, in a database of its own), "
                    "or leave out --market to seed this install's market."
                )
                % {"installed": installed, "market": code, "code": code.lower()}
            )
        demo = demo_market(code)
        if demo.stores and SCALES[scale].products:
            raise CommandError(
                gettext(
                    "The %(scale)s scale is the US benchmark data set; the %(market)s demo "
                    "has the small scale only."
                )
                % {"scale": scale, "market": code}
            )
        return demo

    def _market_hint(self, demo: DemoMarket) -> str:
        """Another market's demo in this database: say how to keep markets apart."""
        if not demo.stores:
            return ""
        return " " + gettext(
            "(Each market's demo wants a database of its own: make demo MARKET=%(code)s "
            "uses var/demo-%(code)s.sqlite3.)"
        ) % {"code": demo.code.lower()}

    def _phases_run(self, world: DemoWorld) -> None:
        seed_started = time.perf_counter()
        for number, (name, phase) in enumerate(PHASES, start=1):
            started = time.perf_counter()
            before = world.created.copy()
            phase(world)
            made = [
                f"{world.created[key] - before[key]} {key}"
                for key in COUNTED
                if world.created[key] != before[key]
            ]
            self.stdout.write(
                gettext("[%(number)s/%(phases)s] %(phase)s created %(made)s  [%(seconds)s s]")
                % {
                    "number": f"{number:2d}",
                    "phases": len(PHASES),
                    "phase": f"{name:<10}",
                    "made": ", ".join(made) or gettext("nothing"),
                    "seconds": _seconds(started),
                }
            )
        self.stdout.write(gettext("Seeded in %(seconds)s s.") % {"seconds": _seconds(seed_started)})

    def _totals(self, counts: dict[str, int]) -> None:
        self.stdout.write(gettext("Database totals:"))
        width = max(map(len, counts))
        for key, value in counts.items():
            self.stdout.write(f"  {key:<{width}}  {value:>9}")

    def _logins(self, password: str | None) -> None:
        """The login table; ``password`` None when it is not known any more (a random one
        was printed once, when the seed ran)."""
        shown = password or gettext("(printed once, when it was seeded)")
        logins = [replace(login, password=shown) for login in demo_logins()]
        if password and password != DEMO_PASSWORD:
            self.stdout.write(
                "\n"
                + gettext(
                    "DEBUG is off: every demo login has this random password, shown only now."
                )
            )
        self.stdout.write(
            "\n"
            + gettext("Demo logins (password for every account: %(password)s)")
            % {"password": shown}
        )
        header = (gettext("role"), gettext("login (email)"), gettext("password"), gettext("store"))
        rows = [header] + [
            (login.role, login.login, login.password, login.store) for login in logins
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            self.stdout.write(
                "  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3]))
                + "  " + row[3]
            )  # fmt: skip
