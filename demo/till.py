"""The demo's tills: a register at every store and its last few trading days — a shift
a day, opened with a float by the store's first associate, the carry-out sales the orders
phase rang up there that day attached to it, a bank drop, and a counted close (one day a
little short, for the Z report to show a variance). Deterministic: the same seed gives
the same registers, shifts and figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models.functions import TruncDate
from django.utils import timezone

from demo.world import DemoWorld
from omni.money import currency
from orders.models import Fulfilment, Order
from stores.models import Associate, Location
from till import services as till
from till.models import CashMove, Shift, TillSale

DAYS = 3
SALES_PER_SHIFT = 40


def _local_amounts() -> tuple[Decimal, Decimal, Decimal]:
    """The float, the bank drop and one day's shortfall in the market's money: multiples
    of its till variance limit (US: 150.00, 100.00 and 2.50; Vietnam: 3,000,000 dong...)."""
    limit = till.variance_limit()
    return limit * 30, limit * 20, limit / 2


def _day_bounds(day: dt.date, zone) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(9, 0), tzinfo=zone)
    return start, start.replace(hour=19)


def _trading_days(store: Location, today: dt.date, zone) -> list[dt.date]:
    """The store's last DAYS days with carry-out sales before today (so the demo's Z
    reports have sales on them), oldest first; the days before today when it had none."""
    days = (
        Order.objects.filter(
            location=store,
            channel="store",
            fulfilments__kind=Fulfilment.Kind.CARRY_OUT,
            placed_at__lt=dt.datetime.combine(today, dt.time(0, 0), tzinfo=zone),
        )
        .annotate(day=TruncDate("placed_at", tzinfo=zone))
        .values_list("day", flat=True)
        .distinct()
        .order_by("-day")[:DAYS]
    )
    found = sorted(set(days))
    return found or [today - dt.timedelta(days=back) for back in range(DAYS, 0, -1)]


def tills_create(world: DemoWorld) -> None:
    from demo.state import database_counts

    before = database_counts()
    stores = Location.objects.filter(kind=Location.Kind.STORE, is_active=True).order_by("code")
    zone = timezone.get_current_timezone()
    today = world.now.astimezone(zone).date()
    float_amount, bank_drop, shortfall = _local_amounts()
    for store in stores:
        register = till.register_create(location=store, code="T1", name="Till 1")
        if Shift.objects.filter(register=register).exists():
            continue  # already built (idempotent)
        staff = list(Associate.objects.filter(home_location=store).order_by("pk")[:2])
        if not staff:
            continue
        rng = world.rng("till", store.code)
        for day in _trading_days(store, today, zone):
            day_start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=zone)
            orders = list(
                Order.objects.filter(
                    location=store,
                    channel="store",
                    placed_at__gte=day_start,
                    placed_at__lt=day_start + dt.timedelta(days=1),
                    fulfilments__kind=Fulfilment.Kind.CARRY_OUT,
                    till_sale__isnull=True,
                )
                .order_by("placed_at", "pk")
                .distinct()[:SALES_PER_SHIFT]
            )
            # Open before the day's first sale, closed after its last.
            opened_at, closed_at = _day_bounds(day, zone)
            if orders:
                opened_at = min(opened_at, orders[0].placed_at - dt.timedelta(minutes=10))
                closed_at = max(closed_at, orders[-1].placed_at + dt.timedelta(minutes=10))
            back = (today - day).days
            opener = staff[back % len(staff)]
            shift = Shift.objects.create(
                register=register,
                opened_by=opener,
                opened_at=opened_at,
                opening_float=float_amount,
                currency=currency(),
            )
            TillSale.objects.bulk_create(
                TillSale(
                    shift=shift,
                    order=order,
                    associate=order.associate or opener,
                    idempotency_key=f"demo-{order.number}",
                    rung_up_at=order.placed_at,
                    created_at=order.placed_at,
                    total=order.total,
                )
                for order in orders
            )
            CashMove.objects.create(
                shift=shift,
                amount=-bank_drop,
                reason="Bank drop",
                associate=opener,
                created_at=opened_at + dt.timedelta(hours=5),
            )
            expected = till.shift_report(shift=shift, until=closed_at).expected_cash
            short = rng.choice([Decimal("0.00"), Decimal("0.00"), -shortfall])
            Shift.objects.filter(pk=shift.pk).update(
                status=Shift.Status.CLOSED,
                closed_by=opener,
                closed_at=closed_at,
                expected_cash=expected,
                counted_cash=expected + short,
                variance=short,
            )
    for label, total in database_counts().items():
        world.created[label] += total - before[label]
