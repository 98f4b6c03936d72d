"""GET /api/v1/reports/…: the rollup rows for a BI tool, behind the reports:read scope,
with the same totals as the dashboards; bad filters are a 400 naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from reporting.services import rollups_rebuild

URL = "/api/v1/reports/sales/"


@pytest.fixture
def built(week):
    rollups_rebuild(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 12))
    return week


def _all(caller, url, params):
    rows, response = [], caller.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        if not body.get("next"):
            return rows
        response = caller.get(body["next"])


def test_sales_rows_match_the_orders(client_for, built):
    caller = client_for(scopes=["reports:read"])
    rows = _all(caller, URL, {"from": "2026-01-08", "to": "2026-01-12", "page_size": 3})
    assert sum(Decimal(r["sales"]) for r in rows) == Decimal("204.08")
    chicago = _all(caller, URL, {"from": "2026-01-08", "to": "2026-01-12", "location": "CHI"})
    assert sorted((r["day"], r["channel"], r["sales"], r["orders"]) for r in chicago) == [
        ("2026-01-09", "store", "10.50", 1),
        ("2026-01-10", "store", "20.25", 1),
        ("2026-01-10", "web", "0.00", 0),
    ]
    online = _all(caller, URL, {"from": "2026-01-08", "to": "2026-01-12", "location": "online"})
    assert [(r["location"], r["sales"]) for r in online] == [(None, "40.00")]
    web = _all(caller, URL, {"from": "2026-01-08", "to": "2026-01-12", "channel": "web"})
    assert {r["channel"] for r in web} == {"web"}


def test_the_other_report_endpoints(client_for, built):
    caller = client_for(scopes=["reports:read"])
    span = {"from": "2026-01-08", "to": "2026-01-12"}
    reasons = _all(caller, "/api/v1/reports/returns/", span)
    assert [(r["location"], r["reason"], r["condition"], r["refunds"]) for r in reasons] == [
        ("CHI", "too_small", "A", "33.33")
    ]
    categories = _all(caller, "/api/v1/reports/categories/", span)
    assert sum(r["units_sold"] for r in categories) == 8
    assert _all(caller, "/api/v1/reports/associates/", span) == []


def test_scope_and_bad_input(client_for, built):
    assert client_for(scopes=["orders:read"]).get(URL).status_code == 403
    caller = client_for(scopes=["reports:read"])
    bad = caller.get(URL, {"from": "2026-01-10", "to": "2026-01-01"})
    assert bad.status_code == 400 and "to" in bad.content.decode()
    assert caller.get(URL, {"from": "2020-01-01", "to": "2026-01-01"}).status_code == 400
    assert caller.get(URL, {"from": "nope"}).status_code == 400
    assert caller.get(URL, {"channel": "fax"}).status_code == 400


def test_query_count_flat_in_rows(client_for, built, django_assert_max_num_queries):
    caller = client_for(scopes=["reports:read"])
    with django_assert_max_num_queries(6):
        caller.get(URL, {"from": "2026-01-01", "to": "2026-01-12", "page_size": 200})
