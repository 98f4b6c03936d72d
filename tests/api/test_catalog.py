"""Products and variants: reads with the price in force, lookup by SKU or barcode, sync
by updated_since with cursor pages, ETags, and query counts that do not grow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Product, Variant
from omni.models import ApiScope
from tests import factories as f
from tests.api.conftest import assert_permission_matrix, error_of, priced_variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def shirt(db):
    product = f.ProductFactory(name="Linen Shirt", slug="linen-shirt")
    navy = priced_variant("49.00", product=product, sku="LS-NAVY-M", barcode="0000000000017")
    f.PriceFactory(
        variant=navy,
        amount=Decimal("39.00"),
        compare_at_amount=Decimal("49.00"),
        valid_from=timezone.now() - dt.timedelta(days=1),
    )
    priced_variant("49.00", product=product, sku="LS-WHITE-M", colour="White", position=1)
    return product


def test_products_list_shows_variants_with_the_price_in_force(api, shirt):
    response = api.get("/api/v1/products/")
    assert response.status_code == 200
    [product] = response.json()["results"]
    assert product["slug"] == "linen-shirt"
    assert [v["sku"] for v in product["variants"]] == ["LS-NAVY-M", "LS-WHITE-M"]
    assert product["variants"][0]["price"] == {
        "amount": "39.00",
        "compare_at_amount": "49.00",
        "currency": "USD",
    }


def test_a_variant_without_a_price_has_price_null(api):
    f.VariantFactory(sku="NO-PRICE")
    response = api.get("/api/v1/variants/", {"sku": "NO-PRICE"})
    assert response.json()["results"][0]["price"] is None


def test_products_filtered_by_category_and_active(api, shirt):
    f.ProductFactory(is_active=False)
    assert len(api.get("/api/v1/products/", {"is_active": "true"}).json()["results"]) == 1
    slug = shirt.category.slug
    assert [
        p["id"] for p in api.get("/api/v1/products/", {"category": slug}).json()["results"]
    ] == [shirt.pk]


def test_product_retrieve_has_an_etag_and_answers_304(api, shirt):
    url = f"/api/v1/products/{shirt.pk}/"
    first = api.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    again = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and not again.content
    Product.objects.filter(pk=shirt.pk).update(name="Linen Shirt II")
    assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_variant_lookup_by_sku_and_by_barcode(api, shirt):
    by_sku = api.get("/api/v1/variants/lookup/", {"code": "LS-NAVY-M"})
    by_barcode = api.get("/api/v1/variants/lookup/", {"code": "0000000000017"})
    assert by_sku.status_code == by_barcode.status_code == 200
    assert by_sku.json()["id"] == by_barcode.json()["id"]
    assert by_sku.json()["sku"] == "LS-NAVY-M"


def test_variant_lookup_of_an_unknown_code_is_404(api, shirt):
    response = api.get("/api/v1/variants/lookup/", {"code": "NOPE"})
    assert response.status_code == 404
    assert error_of(response)["type"] == "not_found"


def test_variant_lookup_without_a_code_is_400_naming_the_parameter(api):
    response = api.get("/api/v1/variants/lookup/")
    assert response.status_code == 400
    assert error_of(response)["errors"][0]["field"] == "code"


def test_variants_filtered_by_several_skus(api, shirt):
    response = api.get("/api/v1/variants/", {"sku": "LS-NAVY-M,LS-WHITE-M,NOPE"})
    assert sorted(v["sku"] for v in response.json()["results"]) == ["LS-NAVY-M", "LS-WHITE-M"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "201"}, "page_size"),
        ({"cursor": "!!not-a-cursor"}, "cursor"),
        ({"is_active": "maybe"}, "is_active"),
    ],
)
def test_bad_query_parameters_are_400_with_the_parameter_named(api, params, field):
    response = api.get("/api/v1/products/", params)
    assert response.status_code == 400
    body = error_of(response)
    assert body["type"] == "validation_error"
    assert body["errors"][0]["field"] == field


def test_sync_with_updated_since_and_cursor_pages(api):
    products = [f.ProductFactory() for _ in range(5)]
    old = timezone.now() - dt.timedelta(days=3)
    Product.objects.filter(pk__in=[p.pk for p in products[:2]]).update(updated_at=old)
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()

    seen, url, params = [], "/api/v1/products/", {"updated_since": since, "page_size": 2}
    while url:
        page = api.get(url, params).json()
        seen += [p["id"] for p in page["results"]]
        url, params = page["next"], None
    assert sorted(seen) == sorted(p.pk for p in products[2:])
    assert len(seen) == len(set(seen))


def test_a_row_changed_during_a_sync_is_seen_on_a_later_page_not_lost(api):
    products = [f.ProductFactory() for _ in range(4)]
    first = api.get("/api/v1/products/", {"page_size": 2}).json()
    Product.objects.filter(pk=products[0].pk).update(name="Changed", updated_at=timezone.now())
    ids, url = [p["id"] for p in first["results"]], first["next"]
    while url:
        page = api.get(url).json()
        ids += [p["id"] for p in page["results"]]
        url = page["next"]
    # Moved to the end of the order by its change: seen again, nothing skipped.
    assert ids == [p.pk for p in products] + [products[0].pk]


def _queries(api, url, params) -> int:
    api.get(url, params)
    with CaptureQueriesContext(connection) as captured:
        assert api.get(url, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/api/v1/products/", "/api/v1/variants/"])
def test_list_queries_do_not_grow_with_rows_or_page_size(api, url):
    def add(n):
        for _ in range(n):
            product = f.ProductFactory()
            for _ in range(3):
                priced_variant(product=product)

    add(5)
    few = _queries(api, url, {"page_size": 5})
    add(45)
    many = _queries(api, url, {"page_size": 50})
    assert many == few, (few, many)


def test_permission_matrix_products(client_for, anonymous, staff, shirt):
    assert_permission_matrix(
        method="get",
        url="/api/v1/products/",
        scope=ApiScope.CATALOG_READ,
        client_for=client_for,
        anonymous=anonymous,
        staff=staff,
    )


def test_permission_matrix_variant_lookup(client_for, anonymous, staff, shirt):
    assert_permission_matrix(
        method="get",
        url="/api/v1/variants/lookup/",
        data={"code": "LS-NAVY-M"},
        scope=ApiScope.CATALOG_READ,
        client_for=client_for,
        anonymous=anonymous,
        staff=staff,
    )


# --- locations -------------------------------------------------------------------------------


def test_locations_list_and_retrieve_by_code(api, world):
    response = api.get("/api/v1/locations/", {"kind": "warehouse"})
    assert [loc["code"] for loc in response.json()["results"]] == ["IND"]
    detail = api.get("/api/v1/locations/SPR/")
    assert detail.status_code == 200
    assert detail.json()["opening_hours"]["mon"] == [["09:00", "19:00"]]
    assert api.get("/api/v1/locations/NOPE/").status_code == 404


def test_locations_filtered_by_flags(api, world):
    codes = {
        loc["code"]
        for loc in api.get("/api/v1/locations/", {"offers_pickup": "true"}).json()["results"]
    }
    assert codes == {"SPR", "PEO", "CHI"}
    codes = {
        loc["code"]
        for loc in api.get("/api/v1/locations/", {"ships_online_orders": "true"}).json()["results"]
    }
    assert codes == {"CHI", "IND"}


def test_locations_queries_do_not_grow(api):
    f.LocationFactory.create_batch(5)
    few = _queries(api, "/api/v1/locations/", {"page_size": 5})
    f.LocationFactory.create_batch(45)
    assert _queries(api, "/api/v1/locations/", {"page_size": 50}) == few


def test_permission_matrix_locations(client_for, anonymous, staff, world):
    assert_permission_matrix(
        method="get",
        url="/api/v1/locations/",
        scope=ApiScope.LOCATIONS_READ,
        client_for=client_for,
        anonymous=anonymous,
        staff=staff,
    )


def _cursor(values) -> str:
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "values",
    [
        ["0001-01-01T00:00:00+14:00", 1],
        ["2024-01-01T00:00:00", 1],
        ["2024-01-01T00:00:00+00:00", 2**70],
        ["x", "y"],
        [1],
        "s",
    ],
)
def test_a_crafted_cursor_is_400_not_500(api, values):
    response = api.get("/api/v1/products/", {"cursor": _cursor(values)})
    assert response.status_code == 400
    assert error_of(response)["errors"][0] == {
        "field": "cursor",
        "code": "invalid_cursor",
        "message": "This cursor is not valid.",
    }


# --- writes ---------------------------------------------------------------------------------------


def _new_product(category_, **extra):
    return {
        "name": "Merino Crew",
        "category": category_.slug,
        "brand": "Northwind",
        "variants": [
            {"sku": "MC-GREY-S", "size": "S", "price": {"amount": "89.00"}},
            {"sku": "MC-GREY-M", "size": "M", "barcode": "4006381333931", "position": 1},
        ],
        **extra,
    }


def test_create_a_product_with_variants_and_prices(api):
    category = f.CategoryFactory(slug="knitwear")
    response = api.post("/api/v1/products/", _new_product(category))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["slug"], body["category"]["slug"]) == ("merino-crew", "knitwear")
    assert [(v["sku"], v["price"] and v["price"]["amount"]) for v in body["variants"]] == [
        ("MC-GREY-S", "89.00"),
        ("MC-GREY-M", None),
    ]


def test_create_product_is_idempotent_with_a_key(api):
    category = f.CategoryFactory()
    data = _new_product(category)
    first = api.post("/api/v1/products/", data, HTTP_IDEMPOTENCY_KEY="import-17")
    again = api.post("/api/v1/products/", data, HTTP_IDEMPOTENCY_KEY="import-17")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Product.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"category": "no-such"}, "category", "does_not_exist"),
        ({"name": ""}, "name", "blank"),
        ({"slug": "not a slug"}, "slug", "invalid"),
        (
            {"variants": [{"sku": "X-1"}, {"sku": "X-1"}]},
            "variants[1].sku",
            "duplicate",
        ),
        ({"variants": [{"sku": "X-2", "colour_hex": "navy"}]}, "variants[0].colour_hex", "invalid"),
        (
            {"variants": [{"sku": "X-3", "price": {"amount": "10", "compare_at_amount": "9"}}]},
            "variants[0].price.compare_at_amount",
            "invalid",
        ),
        (
            {"variants": [{"sku": "X-4", "price": {"amount": "-1"}}]},
            "variants[0].price.amount",
            "min_value",
        ),
    ],
)
def test_product_create_validation_names_the_field(api, change, field, code):
    category = f.CategoryFactory()
    response = api.post("/api/v1/products/", _new_product(category, **change))
    assert response.status_code == 400, response.json()
    errors = {(e["field"], e["code"]) for e in error_of(response)["errors"]}
    assert (field, code) in errors
    assert not Product.objects.exists()


def test_a_sku_already_in_the_catalog_is_reported_at_its_path(api):
    f.VariantFactory(sku="MC-GREY-M")
    response = api.post("/api/v1/products/", _new_product(f.CategoryFactory()))
    assert response.status_code == 400
    assert ("variants[1].sku", "duplicate") in {
        (e["field"], e["code"]) for e in error_of(response)["errors"]
    }


def test_patch_a_product_and_take_it_off_sale(api):
    product = f.ProductFactory(name="Old")
    response = api.patch(f"/api/v1/products/{product.pk}/", {"name": "New", "is_active": False})
    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["is_active"]) == ("New", False)
    taken = f.ProductFactory(slug="taken")
    clash = api.patch(f"/api/v1/products/{product.pk}/", {"slug": taken.slug})
    assert clash.status_code == 409
    assert error_of(clash)["errors"][0]["field"] == "slug"


def test_create_and_patch_a_variant_and_set_its_price(api):
    product = f.ProductFactory()
    created = api.post(
        "/api/v1/variants/",
        {"product": product.pk, "sku": "NEW-1", "size": "L", "price": {"amount": "20.00"}},
    )
    assert created.status_code == 201, created.json()
    url = f"/api/v1/variants/{created.json()['id']}/"
    patched = api.patch(
        url, {"colour": "Navy", "price": {"amount": "15.00", "compare_at_amount": "20.00"}}
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["colour"] == "Navy"
    assert patched.json()["price"]["amount"] == "15.00"
    missing = api.post("/api/v1/variants/", {"product": 999999, "sku": "NEW-2"})
    assert missing.status_code == 400
    assert error_of(missing)["errors"][0]["field"] == "product"
    dup = api.post("/api/v1/variants/", {"product": product.pk, "sku": "NEW-1"})
    assert dup.status_code == 409 and error_of(dup)["code"] == "duplicate"


def test_unknown_product_or_variant_is_404_on_patch(api):
    assert api.patch("/api/v1/products/999999/", {"name": "x"}).status_code == 404
    assert api.patch("/api/v1/variants/abc/", {"sku": "x"}).status_code == 404


def test_permission_matrix_catalog_writes(client_for, anonymous, staff):
    category = f.CategoryFactory()
    counter = iter(range(100))

    def fresh():
        n = next(counter)
        return "/api/v1/products/", {"name": f"P{n}", "category": category.slug}

    assert_permission_matrix(
        method="post",
        url="/api/v1/products/",
        scope=ApiScope.CATALOG_WRITE,
        client_for=client_for,
        anonymous=anonymous,
        staff=staff,
        ok=201,
        fresh=fresh,
    )
    variant = f.VariantFactory()
    assert_permission_matrix(
        method="patch",
        url=f"/api/v1/variants/{variant.pk}/",
        data={"colour": "Red"},
        scope=ApiScope.CATALOG_WRITE,
        client_for=client_for,
        anonymous=anonymous,
        staff=staff,
    )


def test_product_create_queries_do_not_grow_with_variants(api):
    category = f.CategoryFactory()

    def queries(n, tag):
        data = {
            "name": f"Q{tag}",
            "category": category.slug,
            "variants": [{"sku": f"Q{tag}-{i}"} for i in range(n)],
        }
        with CaptureQueriesContext(connection) as captured:
            assert api.post("/api/v1/products/", data).status_code == 201
        return len(captured)

    queries(1, "warm")
    # Each variant is one service call (a few queries); the reads around them are flat.
    few, more = queries(2, "a"), queries(12, "b")
    per_variant = (more - few) / 10
    assert per_variant <= 4


def test_a_refused_variant_change_adds_no_price(api):
    f.VariantFactory(sku="TAKEN-1")
    variant = f.VariantFactory(sku="MINE-1")
    response = api.patch(
        f"/api/v1/variants/{variant.pk}/", {"sku": "TAKEN-1", "price": {"amount": "15.00"}}
    )
    assert response.status_code == 409
    assert ("sku", "duplicate") in {(e["field"], e["code"]) for e in error_of(response)["errors"]}
    assert not variant.prices.exists()


def test_a_sku_taken_after_validation_is_still_reported_at_its_path(api, monkeypatch):
    # A SKU taken between validation and the write (a concurrent request) is refused by
    # the service, and the error still names the entry in the list.
    from catalog import api as catalog_api

    monkeypatch.setattr(
        catalog_api.ProductCreateSerializer, "validate_variants", lambda self, value: value
    )
    f.VariantFactory(sku="MC-GREY-M")
    response = api.post("/api/v1/products/", _new_product(f.CategoryFactory()))
    assert response.status_code == 409, response.json()
    assert ("variants[1].sku", "duplicate") in {
        (e["field"], e["code"]) for e in error_of(response)["errors"]
    }
    assert not Product.objects.filter(name="Merino Crew").exists()
    assert not Variant.objects.filter(sku="MC-GREY-S").exists()
