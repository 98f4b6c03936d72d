"""Rollup correctness: exact Decimal totals per store and local day, and the incremental
path (order and return events through the outbox) gives the same rows as the rebuild."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.management import call_command

from customers.models import Channel
from orders.services.events import order_events_record
from reporting.models import (
    CustomerDay,
    DailyAssociate,
    DailyCategory,
    DailyReturnReason,
    DailyRollup,
    DailyTransfers,
)
from reporting.services import rollups_rebuild
from returns.signals import return_changed

JAN = dt.date(2026, 1, 1)
D9, D10, D11 = dt.date(2026, 1, 9), dt.date(2026, 1, 10), dt.date(2026, 1, 11)
FIELDS = (
    "orders",
    "sales",
    "units",
    "new_customers",
    "pickup_orders",
    "returns",
    "refunds",
    "returned_units",
    "store_returns_of_online",
    "boris_visit_sales",
    "pickups_ready",
    "ready_seconds",
    "pickups_collected",
    "collect_seconds",
    "pickups_expired",
    "shipped_from_store",
)


def _rows():
    return {
        (r.location_id, r.channel, r.day): {name: getattr(r, name) for name in FIELDS}
        for r in DailyRollup.objects.all()
    }


def _pick(row, **wanted):
    return {name: row[name] for name in wanted} == wanted


def test_each_store_counts_its_own_local_day(week):
    rollups_rebuild(start=dt.date(2026, 1, 8), end=dt.date(2026, 1, 12))
    rows = _rows()
    chi, bkk = week.chicago.pk, week.bangkok.pk
    assert set(rows) == {
        (chi, Channel.STORE, D9),
        (chi, Channel.STORE, D10),
        (chi, Channel.WEB, D10),  # the return of the Bangkok web order
        (bkk, Channel.STORE, D10),
        (bkk, Channel.WEB, D9),  # the web pickup order, placed 23:30 Bangkok time
        (bkk, Channel.WEB, D10),  # ... readied after midnight
        (bkk, Channel.WEB, D11),  # ... collected the next night
        (None, Channel.WEB, D9),  # shipped from the warehouse: the market's day
    }
    assert _pick(
        rows[(chi, Channel.STORE, D9)], orders=1, sales=Decimal("10.50"), units=2, new_customers=1
    )
    # The cancelled order counts nowhere; Ana's second order is not a new customer.
    assert _pick(
        rows[(chi, Channel.STORE, D10)], orders=1, sales=Decimal("20.25"), units=2, new_customers=0
    )
    assert _pick(
        rows[(chi, Channel.WEB, D10)],
        orders=0,
        returns=1,
        refunds=Decimal("33.33"),
        returned_units=1,
        store_returns_of_online=1,
    )
    assert _pick(rows[(bkk, Channel.STORE, D10)], orders=1, sales=Decimal("100.00"), units=1)
    assert _pick(rows[(bkk, Channel.WEB, D9)], orders=1, sales=Decimal("33.33"), pickup_orders=1)
    assert _pick(rows[(bkk, Channel.WEB, D10)], orders=0, pickups_ready=1, ready_seconds=7200)
    assert _pick(rows[(bkk, Channel.WEB, D11)], pickups_collected=1, collect_seconds=91800)
    assert _pick(
        rows[(None, Channel.WEB, D9)],
        orders=1,
        sales=Decimal("40.00"),
        units=2,
        shipped_from_store=0,
    )
    # Sales add up exactly across rows: every non-cancelled order once.
    total = sum((r["sales"] for r in rows.values()), Decimal("0"))
    assert total == Decimal("10.50") + Decimal("20.25") + Decimal("100.00") + Decimal(
        "33.33"
    ) + Decimal("40.00")


def test_a_boris_visit_counts_what_the_customer_bought_in_the_store_that_day(week):
    """Chai brings the Bangkok web order back in Chicago at 20:00 on Jan 10 (local) and
    buys there at 19:00 the same evening, and again the next morning: only the same local
    day's store order is the visit's."""
    from tests.reporting.conftest import _order, at

    chai = week.orders["web_pickup"].customer
    shirt = week.orders["chi_late"].lines.get().variant
    for number, placed, total in (
        ("S8", at(2026, 1, 11, 1, 0), "42.00"),  # 19:00 Jan 10 in Chicago
        ("S9", at(2026, 1, 11, 15, 0), "7.00"),  # 09:00 Jan 11: another day
    ):
        _order(
            number=number,
            channel=Channel.STORE,
            location=week.chicago,
            customer=chai,
            total=total,
            placed_at=placed,
            lines=[(shirt, 1, total)],
        )
    rollups_rebuild(start=dt.date(2026, 1, 8), end=dt.date(2026, 1, 12))
    boris = DailyRollup.objects.get(location=week.chicago, channel=Channel.WEB, day=D10)
    assert boris.store_returns_of_online == 1
    assert boris.boris_visit_sales == Decimal("42.00")
    # Nowhere else: the figure is the returns row's, not the store orders' own rows.
    others = DailyRollup.objects.exclude(pk=boris.pk)
    assert all(r.boris_visit_sales == 0 for r in others)


def test_categories_reasons_and_customers(week):
    rollups_rebuild(start=dt.date(2026, 1, 8), end=dt.date(2026, 1, 12))
    shirts = DailyCategory.objects.filter(category=week.category_a)
    assert sum(r.units_sold for r in shirts) == 2 + 1 + 1
    assert sum(r.sales for r in shirts) == Decimal("10.50") + Decimal("5.25") + Decimal("33.33")
    assert sum(r.units_returned for r in shirts) == 1
    reason = DailyReturnReason.objects.get()
    assert (reason.location_id, reason.day, reason.channel, reason.reason, reason.condition) == (
        week.chicago.pk,
        D10,
        Channel.WEB,
        "too_small",
        "A",
    )
    assert reason.refunds == Decimal("33.33")
    ana = week.orders["chi_late"].customer_id
    assert sorted(CustomerDay.objects.filter(customer_id=ana).values_list("day", "sales")) == [
        (D9, Decimal("10.50")),
        (D10, Decimal("20.25")),
    ]


def test_rebuild_gives_the_same_rows_as_the_incremental_path(
    week, django_capture_on_commit_callbacks
):
    # The incremental path: the services' events, a task after commit for each (Celery
    # runs them in-process in the tests).
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for order in week.orders.values():
            order_events_record(order=order, event="created")
        return_changed.send(sender=None, return_id=week.orders["web_pickup"].returns.get().pk)
    assert len(callbacks) == len(week.orders) + 1
    tables = (
        DailyRollup,
        DailyCategory,
        DailyReturnReason,
        CustomerDay,
        DailyAssociate,
        DailyTransfers,
    )

    def snapshot():
        return {
            model.__name__: sorted(
                tuple(sorted((k, str(v)) for k, v in row.items() if k != "id"))
                for row in model.objects.values()
            )
            for model in tables
        }

    incremental = snapshot()
    assert incremental["DailyRollup"]
    for model in tables:
        model.objects.all().delete()
    call_command("rollups_rebuild", "--from", "2026-01-08", "--to", "2026-01-12", "--no-progress")
    assert snapshot() == incremental
    # Running it again changes nothing (each partition is replaced, never added to).
    call_command("rollups_rebuild", "--from", "2026-01-08", "--to", "2026-01-12", "--no-progress")
    assert snapshot() == incremental


def test_attribution_rule(week):
    from reporting.models import DailyAssociate as A
    from tests import factories as f

    maya = f.AssociateFactory(home_location=week.chicago)
    order = week.orders["chi_early"]
    order.associate = maya
    order.save()
    web = week.orders["web_ship"]
    web.customer.primary_associate = maya
    web.customer.save()
    rollups_rebuild(start=dt.date(2026, 1, 8), end=dt.date(2026, 1, 12))
    rows = {(r.source, r.day): (r.count, r.sales) for r in A.objects.filter(associate=maya)}
    assert rows == {
        (A.Source.HELPED, D10): (1, Decimal("20.25")),
        (A.Source.CLIENT, D9): (1, Decimal("40.00")),
    }
