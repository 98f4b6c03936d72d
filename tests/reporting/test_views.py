"""The numbers' pages: who sees which stores, the figures shown match the rollups, CSV
downloads, bad input, and query counts flat in the period's length and the number of
stores."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from orders.models import Order
from reporting.models import DailyRollup
from reporting.services import rollup_keys_for_order, rollups_rebuild, rollups_refresh_keys
from stores.models import Associate
from tests import factories as f

URL = "/backoffice/numbers/"
NOW = dt.datetime(2026, 1, 12, 18, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def built(week):
    rollups_rebuild(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 12))
    return week


def _login(client, associate):
    client.force_login(associate.user)
    return client


def test_an_associate_sees_their_store_or_nothing_per_the_setting(client, built, settings):
    associate = f.AssociateFactory(home_location=built.chicago, locations=[built.bangkok])
    _login(client, associate)
    settings.OMNI_NUMBERS_FOR_ASSOCIATES = "store"
    page = client.get(URL, {"period": "30", "store": "all"})
    assert page.status_code == 200
    assert page.context["report"].by_store == [] or not page.context["compared"]
    # Only their current store, whatever they ask for.
    shown = page.context["report"].totals
    assert shown["sales"] == Decimal("10.50") + Decimal("20.25")
    page = client.get(URL, {"period": "30", "store": str(built.bangkok.pk)})
    assert page.context["report"].totals["sales"] == Decimal("30.75")
    settings.OMNI_NUMBERS_FOR_ASSOCIATES = "none"
    assert client.get(URL).status_code == 403
    assert b'href="/backoffice/numbers/"' not in client.get("/backoffice/").content


def test_a_manager_sees_each_of_their_stores_and_compares_them(client, built):
    manager = f.AssociateFactory(
        home_location=built.chicago, locations=[built.bangkok], role=Associate.Role.MANAGER
    )
    _login(client, manager)
    one = client.get(URL, {"period": "30", "store": str(built.bangkok.pk)})
    assert one.context["report"].totals["sales"] == Decimal("133.33")
    both = client.get(URL, {"period": "30", "store": "all"})
    assert both.context["compared"] is True
    assert both.context["report"].totals["sales"] == Decimal("164.08")
    names = [row["name"] for row in both.context["report"].by_store]
    assert names == ["Bangkok", "Chicago"]
    # A store that is not theirs is not shown: their current store instead.
    other = f.LocationFactory(name="Elsewhere")
    page = client.get(URL, {"period": "30", "store": str(other.pk)})
    assert page.context["shown_store"] == built.chicago
    assert b"Numbers" in client.get("/backoffice/").content


def test_merchandisers_see_the_whole_network_and_shoppers_nothing(client, built):
    network = reverse("numbers-network")
    staff = f.UserFactory(is_staff=True)
    client.force_login(staff)
    page = client.get(network, {"period": "30"})
    assert page.status_code == 200
    assert page.context["report"].totals["sales"] == Decimal("204.08")  # with online orders
    # Charts drawn on the server; no script of pygal's (nor a CDN) on the page.
    assert page.content.count(b'class="pygal-chart"') >= 5
    assert b"window.pygal" not in page.content and b"kozea.github.io" not in page.content
    assert client.get(network, {"period": "30", "store": str(built.chicago.pk)}).context[
        "report"
    ].totals["sales"] == Decimal("30.75")
    assert b"numbers" in client.get("/admin/").content
    # A staff user is not an associate: the back-office page is not theirs.
    assert client.get(URL).status_code == 403
    client.force_login(f.UserFactory())
    assert client.get(network).status_code == 302  # to the admin login


def test_csv_download_and_bad_input(client, built):
    manager = f.AssociateFactory(home_location=built.chicago, role=Associate.Role.MANAGER)
    _login(client, manager)
    response = client.get(
        URL, {"period": "custom", "start": "2026-01-09", "end": "2026-01-10", "csv": "sales_by_day"}
    )
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[1:] == ["2026-01-09,1,10.50,2,0", "2026-01-10,1,20.25,2,0"]
    bad = client.get(URL, {"period": "custom", "start": "2026-01-10", "end": "2026-01-01"})
    assert bad.status_code == 200
    assert "The last day is before the first." in bad.content.decode()
    assert client.get(URL, {"period": "custom", "start": "nope"}).status_code == 200
    assert client.get(URL, {"period": "x"}).status_code == 200


def _stores_with_history(n_stores: int, days: int):
    category = f.CategoryFactory()
    variant = f.VariantFactory(product=f.ProductFactory(category=category))
    stores = [f.LocationFactory(timezone="Asia/Bangkok") for _ in range(n_stores)]
    for index, store in enumerate(stores):
        # Every one of the last 7 days has sales, and the weeks before some.
        for day in [*range(7), *range(7, days, 15)]:
            order = f.OrderFactory(
                channel="store",
                location=store,
                placed_at=NOW - dt.timedelta(days=day, hours=index),
                total=Decimal("12.00"),
            )
            f.OrderLineFactory(order=order, variant=variant, line_total=Decimal("12.00"))
    # Only the partitions that have orders (what the events would refresh): fast.
    keys = set()
    for order_id in Order.objects.values_list("pk", flat=True):
        keys |= rollup_keys_for_order(order_id=order_id)
    rollups_refresh_keys(keys=keys)
    return stores


def _queries(client, django_assert_max_num_queries, params, budget):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("n_stores", [2, 20])
def test_query_count_is_flat_in_period_and_stores(
    client, db, n_stores, django_assert_max_num_queries
):
    stores = _stores_with_history(n_stores, 90)
    manager = f.AssociateFactory(
        home_location=stores[0], locations=stores[1:], role=Associate.Role.MANAGER
    )
    _login(client, manager)
    client.get(URL)  # the session learns the current store
    counts = {
        (period, store): _queries(
            client,
            django_assert_max_num_queries,
            {"period": period, "store": store if store == "all" else str(stores[0].pk)},
            0,
        )
        for period in ("7", "90")
        for store in ("all", "one")
    }
    assert DailyRollup.objects.count() > n_stores
    assert counts[("7", "all")] == counts[("90", "all")]
    assert counts[("7", "one")] == counts[("90", "one")]
    with django_assert_max_num_queries(20):
        client.get(URL, {"period": "90", "store": "all"})
    test_query_count_is_flat_in_period_and_stores.counts = getattr(
        test_query_count_is_flat_in_period_and_stores, "counts", {}
    ) | {n_stores: counts}
    if n_stores == 20 and 2 in test_query_count_is_flat_in_period_and_stores.counts:
        assert test_query_count_is_flat_in_period_and_stores.counts[2] == counts


def test_back_in_stock_demand_of_the_store(client, built):
    from campaigns.models import BackInStockRequest

    variant = built.orders["chi_late"].lines.get().variant
    for status in ("open", "notified", "open"):
        BackInStockRequest.objects.create(
            variant=variant,
            location=built.chicago,
            email="a@example.com",
            language="en",
            status=status,
            created_at=NOW - dt.timedelta(days=1),
            expires_at=NOW + dt.timedelta(days=30),
        )
    BackInStockRequest.objects.create(  # another store's: not shown
        variant=variant,
        location=built.bangkok,
        email="b@example.com",
        language="en",
        created_at=NOW - dt.timedelta(days=1),
        expires_at=NOW + dt.timedelta(days=30),
    )
    manager = f.AssociateFactory(home_location=built.chicago, role=Associate.Role.MANAGER)
    _login(client, manager)
    page = client.get(URL, {"period": "7"})
    assert page.context["report"].demand == [
        {"name": variant.product.name, "requests": 3, "notified": 1}
    ]
    csv = client.get(URL, {"period": "7", "csv": "back_in_stock"}).content.decode()
    assert csv.splitlines()[1] == f"{variant.product.name},3,1"
