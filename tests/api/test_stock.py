"""Stock through the API: levels with salable quantity, the ledger, adjustments, counts in
batches of up to 1,000 rows (all or nothing, per-row errors), location binding, and
nearest-store availability — the same read the product page uses."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory import selectors
from inventory.models import Stock, StockMovement
from inventory.services import reservation_create
from omni.models import ApiScope
from tests import factories as f
from tests.api.conftest import assert_permission_matrix, error_of, priced_variant, receive

pytestmark = pytest.mark.django_db

COUNTS = "/api/v1/stock/counts/"
ADJUST = "/api/v1/stock/adjustments/"


def on_hand(variant, location) -> int:
    return Stock.objects.get(variant=variant, location=location).on_hand


# --- levels and ledger ----------------------------------------------------------------------


def test_stock_list_shows_on_hand_reserved_and_salable(api, world):
    reservation_create(
        variant_id=world["navy"].pk, location_id=world["spr"].pk, quantity=2, kind="visit"
    )
    response = api.get("/api/v1/stock/", {"sku": "SHIRT-NAVY-M", "location": "SPR"})
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["on_hand"], row["reserved"], row["salable"]) == (5, 2, 3)
    assert row["location"] == "SPR" and row["sku"] == "SHIRT-NAVY-M"


def test_stock_list_for_several_locations(api, world):
    rows = api.get("/api/v1/stock/", {"sku": "SHIRT-NAVY-M", "location": "SPR,PEO"}).json()
    assert sorted((r["location"], r["on_hand"]) for r in rows["results"]) == [
        ("PEO", 3),
        ("SPR", 5),
    ]


def test_movements_ledger_oldest_first_and_filtered(api, world):
    response = api.get("/api/v1/stock/movements/", {"sku": "SHIRT-NAVY-M", "location": "SPR"})
    [entry] = response.json()["results"]
    assert (entry["delta"], entry["on_hand_after"], entry["reason"]) == (5, 5, "receive")


def _queries(api, url, params) -> int:
    api.get(url, params)
    with CaptureQueriesContext(connection) as captured:
        assert api.get(url, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/api/v1/stock/", "/api/v1/stock/movements/"])
def test_stock_list_queries_do_not_grow(api, url):
    store = f.LocationFactory()
    for _ in range(5):
        f.StockFactory(location=store)
    few = _queries(api, url, {"page_size": 5})
    for _ in range(45):
        f.StockFactory(location=store)
    assert _queries(api, url, {"page_size": 50}) == few


def test_permission_matrix_stock_read(client_for, anonymous, staff, world):
    assert_permission_matrix(
        method="get",
        url="/api/v1/stock/",
        scope=ApiScope.STOCK_READ,
        client_for=client_for,
        anonymous=anonymous,
        staff=staff,
    )


# --- adjustments ------------------------------------------------------------------------------


def test_adjustment_writes_one_ledger_row(api, world):
    response = api.post(
        ADJUST,
        {"sku": "SHIRT-NAVY-M", "location": "SPR", "delta": -2, "reason": "damage", "note": "wet"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["delta"], body["on_hand_after"], body["reason"]) == (-2, 3, "damage")
    assert body["actor"] == "api:Test integration"
    assert on_hand(world["navy"], world["spr"]) == 3


def test_a_receipt_adds_stock_and_keeps_the_reference(api, world):
    response = api.post(
        ADJUST,
        {
            "sku": "0012345678905",
            "location": "CHI",
            "delta": 12,
            "reason": "receive",
            "reference": "PO-77",
        },
    )
    assert response.status_code == 201
    assert response.json()["reference_id"] == "PO-77"
    assert on_hand(world["navy"], world["chi"]) == 12


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"delta": 0, "reason": "correction"}, "delta", "zero"),
        ({"delta": "two", "reason": "correction"}, "delta", "invalid"),
        ({"delta": 10**9, "reason": "correction"}, "delta", "max_value"),
        ({"delta": -1, "reason": "gift"}, "reason", "invalid_choice"),
        ({"delta": -1, "reason": "receive"}, "delta", "sign"),
        ({"delta": -1, "reason": "damage", "sku": "NOPE"}, "sku", "unknown_variant"),
        ({"delta": -1, "reason": "damage", "location": "NOPE"}, "location", "unknown_location"),
        ({"delta": -1, "reason": "damage", "sku": None}, "sku", "null"),
    ],
)
def test_adjustment_validation_errors_name_the_field(api, world, body, field, code):
    payload = {"sku": "SHIRT-NAVY-M", "location": "SPR"} | body
    response = api.post(ADJUST, payload)
    assert response.status_code == 400, response.json()
    error = error_of(response)
    assert error["type"] == "validation_error"
    assert (error["errors"][0]["field"], error["errors"][0]["code"]) == (field, code)
    assert not StockMovement.objects.filter(reason="damage").exists()


def test_a_damage_that_adds_stock_is_refused_by_the_domain(api, world):
    response = api.post(
        ADJUST, {"sku": "SHIRT-NAVY-M", "location": "SPR", "delta": 1, "reason": "damage"}
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_quantity"


def test_taking_more_than_on_hand_is_409_insufficient_stock(api, world):
    response = api.post(
        ADJUST, {"sku": "SHIRT-NAVY-M", "location": "SPR", "delta": -6, "reason": "theft"}
    )
    assert response.status_code == 409
    body = error_of(response)
    assert (body["type"], body["code"]) == ("domain_error", "insufficient_stock")
    assert body["details"]["on_hand"] == 5
    assert on_hand(world["navy"], world["spr"]) == 5


def test_permission_matrix_adjustments(client_for, anonymous, staff, world):
    assert_permission_matrix(
        method="post",
        url=ADJUST,
        data={"sku": "SHIRT-NAVY-M", "location": "SPR", "delta": 1, "reason": "correction"},
        scope=ApiScope.STOCK_WRITE,
        client_for=client_for,
        anonymous=anonymous,
        staff=staff,
        ok=201,
        other_store=403,
    )
    # Staff's one adjustment went through; the refused ones wrote nothing.
    assert on_hand(world["navy"], world["spr"]) == 6


def test_a_pos_key_moves_its_own_store_only(client_for, world):
    pos = client_for(scopes=[ApiScope.STOCK_WRITE], locations=["SPR"])
    own = {"sku": "SHIRT-NAVY-M", "location": "SPR", "delta": -1, "reason": "damage"}
    assert pos.post(ADJUST, own).status_code == 201
    other = pos.post(ADJUST, own | {"location": "PEO"})
    assert other.status_code == 403
    assert error_of(other)["code"] == "location_not_allowed"
    assert on_hand(world["navy"], world["peo"]) == 3


# --- counts -----------------------------------------------------------------------------------


def test_a_count_sets_on_hand_and_reports_each_change(api, world):
    response = api.post(
        COUNTS,
        {
            "location": "SPR",
            "rows": [
                {"sku": "SHIRT-NAVY-M", "counted": 8},
                {"sku": "SHIRT-WHITE-M", "counted": 2},  # unchanged
                {"sku": "SHIRT-NAVY-M", "location": "PEO", "counted": 0},
            ],
        },
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["rows"], body["changed"], body["unchanged"]) == (3, 2, 1)
    assert [(m["row"], m["delta"], m["on_hand"]) for m in body["movements"]] == [
        (0, 3, 8),
        (2, -3, 0),
    ]
    assert on_hand(world["navy"], world["spr"]) == 8
    assert on_hand(world["navy"], world["peo"]) == 0
    movement = StockMovement.objects.get(pk=body["movements"][0]["movement_id"])
    assert movement.reason == "cycle_count" and movement.actor == "api:Test integration"


def test_a_count_can_create_the_first_stock_row(api, world):
    response = api.post(
        COUNTS, {"rows": [{"sku": "SHIRT-WHITE-M", "location": "CHI", "counted": 4}]}
    )
    assert response.status_code == 200
    assert on_hand(world["white"], world["chi"]) == 4


def test_rows_that_do_not_resolve_are_listed_and_nothing_is_applied(api, world):
    rows = [{"sku": "SHIRT-NAVY-M", "counted": 1}] * 1 + [
        {"sku": "SHIRT-WHITE-M", "counted": 9},
        {"sku": "NOPE", "counted": 1},
        {"sku": "SHIRT-NAVY-M", "location": "NOWHERE", "counted": 1},
        {"sku": "SHIRT-NAVY-M", "counted": 2},  # row 0 again
        {"sku": "SHIRT-NAVY-M", "counted": -1},
    ]
    response = api.post(COUNTS, {"location": "SPR", "rows": rows})
    assert response.status_code == 400
    errors = {(e["field"], e["code"]) for e in error_of(response)["errors"]}
    assert errors == {("rows[5].counted", "min_value")}
    rows.pop()
    response = api.post(COUNTS, {"location": "SPR", "rows": rows})
    assert response.status_code == 400
    errors = {(e["field"], e["code"]) for e in error_of(response)["errors"]}
    assert errors == {
        ("rows[2].sku", "unknown_variant"),
        ("rows[3].location", "unknown_location"),
        ("rows[4].sku", "duplicate_row"),
    }
    assert on_hand(world["white"], world["spr"]) == 2


def test_a_row_the_domain_refuses_rolls_the_whole_batch_back(api, world):
    reservation_create(
        variant_id=world["navy"].pk, location_id=world["spr"].pk, quantity=4, kind="visit"
    )
    response = api.post(
        COUNTS,
        {
            "location": "SPR",
            "rows": [
                {"sku": "SHIRT-WHITE-M", "counted": 7},
                {"sku": "SHIRT-NAVY-M", "counted": 1},  # 4 are reserved
            ],
        },
    )
    assert response.status_code == 409
    body = error_of(response)
    assert body["code"] == "count_rejected"
    assert body["errors"] == [
        {
            "field": "rows[1].counted",
            "code": "insufficient_stock",
            "message": body["errors"][0]["message"],
        }
    ]
    assert on_hand(world["white"], world["spr"]) == 2  # row 0 was not applied either
    assert not StockMovement.objects.filter(reason="cycle_count").exists()


def test_a_row_without_any_location_is_refused(api, world):
    response = api.post(COUNTS, {"rows": [{"sku": "SHIRT-NAVY-M", "counted": 1}]})
    assert response.status_code == 400
    assert error_of(response)["errors"][0]["field"] == "rows[0].location"


@pytest.mark.parametrize(
    ("rows", "field", "code"),
    [([], "rows", "empty"), ([{"sku": "X", "counted": 1}] * 1001, "rows", "max_length")],
)
def test_a_batch_is_one_to_a_thousand_rows(api, world, rows, field, code):
    response = api.post(COUNTS, {"location": "SPR", "rows": rows})
    assert response.status_code == 400
    assert (error_of(response)["errors"][0]["field"], error_of(response)["errors"][0]["code"]) == (
        field,
        code,
    )


def test_a_thousand_rows_resolve_in_a_fixed_number_of_queries(api, world):
    store = world["spr"]
    variants = [priced_variant(sku=f"BULK-{n:04d}") for n in range(40)]
    for variant in variants:
        receive(variant, store, 1)

    def count(n):
        rows = [{"sku": v.sku, "counted": 1} for v in variants[:n]]  # unchanged rows
        with CaptureQueriesContext(connection) as captured:
            assert api.post(COUNTS, {"location": "SPR", "rows": rows}).status_code == 200
        # Reads before the per-row service calls: key, variants, locations, stock ids.
        sql = [q["sql"] for q in captured.captured_queries]
        return sum(1 for q in sql if 'FROM "catalog_variant"' in q or 'FROM "stores_location"' in q)

    assert count(5) == count(40)


def test_a_pos_key_counts_its_own_store_only(client_for, world):
    pos = client_for(scopes=[ApiScope.STOCK_WRITE], locations=["SPR"])
    response = pos.post(
        COUNTS,
        {
            "location": "SPR",
            "rows": [
                {"sku": "SHIRT-NAVY-M", "counted": 9},
                {"sku": "SHIRT-NAVY-M", "location": "PEO", "counted": 9},
            ],
        },
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "location_not_allowed"
    assert on_hand(world["navy"], world["spr"]) == 5


def test_permission_matrix_counts(client_for, anonymous, staff, world):
    assert_permission_matrix(
        method="post",
        url=COUNTS,
        data={"location": "SPR", "rows": [{"sku": "SHIRT-NAVY-M", "counted": 4}]},
        scope=ApiScope.STOCK_WRITE,
        client_for=client_for,
        anonymous=anonymous,
        staff=staff,
        other_store=403,
    )


def test_a_wms_count_shows_on_the_product_page_after_the_refresh(
    api, world, django_capture_on_commit_callbacks
):
    from inventory.services import availability_recompute_all

    availability_recompute_all()
    before = selectors.availability_for_product(
        product_id=world["product"].pk, store_id=world["spr"].pk
    )
    assert before.for_variant(world["navy"].pk).here == 5

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            COUNTS, {"location": "SPR", "rows": [{"sku": "SHIRT-NAVY-M", "counted": 11}]}
        )
    assert response.status_code == 200

    # The product page's own read, refreshed after commit (eager Celery here).
    page = selectors.availability_for_product(
        product_id=world["product"].pk, store_id=world["spr"].pk
    )
    assert page.for_variant(world["navy"].pk).here == 11
    # And the API's availability answers from the same rows.
    body = api.get("/api/v1/availability/", {"sku": "SHIRT-NAVY-M", "store": "SPR"}).json()
    assert body["results"][0]["here"] == 11


# --- availability -------------------------------------------------------------------------------


@pytest.fixture
def computed(world):
    from inventory.services import availability_recompute_all

    availability_recompute_all()
    return world


def test_availability_at_a_store_lists_the_nearest_others(api, computed):
    body = api.get(
        "/api/v1/availability/", {"sku": "SHIRT-NAVY-M,SHIRT-WHITE-M", "store": "PEO"}
    ).json()
    assert body["store"] == {"code": "PEO", "name": "Peoria", "distance_km": None}
    navy, white = body["results"]
    assert navy["here"] == 3 and navy["low_stock"] is True
    assert [n["location"] for n in navy["nearby"]][:1] == ["SPR"]
    assert white["here"] == 0 and white["nearby"][0]["location"] == "SPR"


def test_availability_near_a_postcode_or_a_point_uses_the_nearest_store(api, computed):
    by_postcode = api.get(
        "/api/v1/availability/", {"sku": "SHIRT-NAVY-M", "postcode": "62704"}
    ).json()
    assert by_postcode["store"]["code"] == "SPR"
    by_point = api.get(
        "/api/v1/availability/", {"sku": "SHIRT-NAVY-M", "latitude": "41.88", "longitude": "-87.63"}
    ).json()
    assert by_point["store"]["code"] == "CHI"
    assert by_point["store"]["distance_km"] == "0.21"


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"store": "SPR"}, "sku", "required"),
        ({"sku": "SHIRT-NAVY-M"}, None, "one_origin"),
        ({"sku": "SHIRT-NAVY-M", "store": "SPR", "postcode": "62701"}, None, "one_origin"),
        ({"sku": "SHIRT-NAVY-M", "latitude": "41.1"}, None, "incomplete_point"),
        ({"sku": "SHIRT-NAVY-M", "latitude": "91", "longitude": "0"}, "latitude", "max_value"),
        ({"sku": "SHIRT-NAVY-M", "postcode": "00000"}, "postcode", "unknown_postcode"),
        ({"sku": "SHIRT-NAVY-M", "store": "IND"}, "store", "unknown_location"),
        ({"sku": "NOPE", "store": "SPR"}, "sku", "unknown_variant"),
    ],
)
def test_availability_validation(api, computed, params, field, code):
    response = api.get("/api/v1/availability/", params)
    assert response.status_code == 400, response.json()
    error = error_of(response)["errors"][0]
    assert (error["field"], error["code"]) == (field, code)


def test_permission_matrix_availability(client_for, anonymous, staff, computed):
    assert_permission_matrix(
        method="get",
        url="/api/v1/availability/",
        data={"sku": "SHIRT-NAVY-M", "store": "SPR"},
        scope=ApiScope.STOCK_READ,
        client_for=client_for,
        anonymous=anonymous,
        staff=staff,
    )
