"""Storefront product search: words (full-text with ranking on PostgreSQL, substring on
SQLite), SKU and barcode prefixes, stray punctuation, and on PostgreSQL that each branch
of the query is served by its index rather than a per-row search document."""

import pytest
from django.db import connection

from catalog.selectors import products_search
from tests import factories as f

pytestmark = pytest.mark.django_db


def product(name, *, description="A wardrobe staple.", brand="Omni Basics", sku=None, barcode=None):
    p = f.ProductFactory(name=name, description=description, brand=brand)
    variant_kwargs = {"product": p}
    if sku:
        variant_kwargs["sku"] = sku
    if barcode:
        variant_kwargs["barcode"] = barcode
    f.PriceFactory(variant=f.VariantFactory(**variant_kwargs))
    return p


@pytest.fixture
def catalog(db):
    return {
        "cardigan": product(
            "Merino Wool Cardigan",
            description="Fine-knit merino with horn buttons.",
            sku="KN-CARD-001",
            barcode="761234567890",
        ),
        "scarf": product("Wool Scarf", description="Lambswool, brushed finish."),
        "tee": product(
            "Cotton Tee",
            description="Pairs well with a merino cardigan on cooler days.",
            sku="TS-COT-001",
        ),
        "socks": product("Hiking Socks", description="Cushioned.", brand="Trailmark"),
    }


def names(query):
    return [p.name for p in products_search(query=query)]


def test_words_match_name_and_description(catalog):
    assert set(names("merino")) == {"Merino Wool Cardigan", "Cotton Tee"}
    assert names("hiking") == ["Hiking Socks"]
    assert names("zebra") == []
    assert names("   ") == []


def test_every_word_must_match(catalog):
    found = names("wool cardigan")
    assert "Merino Wool Cardigan" in found
    assert "Wool Scarf" not in found and "Hiking Socks" not in found


def test_words_inside_name_words_are_found_too(catalog):
    # Stemming does not split "Lambswool"; the substring fallback on the name does.
    product("Lambswool Cardigan", description="Soft.")
    assert "Lambswool Cardigan" in names("wool cardigan")
    assert "Lambswool Cardigan" not in names("wool tee")


def test_sku_prefix_in_any_case_and_barcode_prefix(catalog):
    assert names("kn-card") == ["Merino Wool Cardigan"]
    assert names("TS-COT") == ["Cotton Tee"]
    assert names("7612345") == ["Merino Wool Cardigan"]


def test_products_without_a_price_or_inactive_are_not_found(catalog):
    f.ProductFactory(name="Merino Beanie")  # no variant, no price
    gloves = product("Merino Gloves")
    gloves.is_active = False
    gloves.save(update_fields=["is_active"])
    assert "Merino Beanie" not in names("merino")
    assert "Merino Gloves" not in names("merino")


@pytest.mark.parametrize(
    "query",
    ['"merino', "merino -", "wool & | !", "(cardigan", "o'brien", ":*", "\\", "or", '""', "-"],
)
def test_punctuation_and_quotes_never_fail(client, catalog, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200


def test_quoted_phrase_still_finds_the_product(client, catalog):
    response = client.get("/search/", {"q": '"merino wool"'})
    assert response.status_code == 200
    assert "Merino Wool Cardigan" in [p.name for p in response.context["page"].object_list]


def test_exact_sku_redirects_and_prefix_lists(client, catalog):
    exact = client.get("/search/", {"q": "kn-card-001"})
    assert exact.status_code == 302 and exact.url.startswith("/p/")
    listed = client.get("/search/", {"q": "KN-CARD"})
    assert [p.name for p in listed.context["page"].object_list] == ["Merino Wool Cardigan"]


@pytest.mark.parametrize("more", [0, 30])
def test_search_query_count_is_flat(client, catalog, more, django_assert_max_num_queries):
    for n in range(more):
        product(f"Merino Extra {n}")
    with django_assert_max_num_queries(10):
        assert client.get("/search/", {"q": "merino"}).status_code == 200


@pytest.mark.postgres
def test_a_name_match_ranks_above_a_description_match(catalog):
    assert names("merino") == ["Merino Wool Cardigan", "Cotton Tee"]
    # Stemming: "cardigans" finds "Cardigan"; the name match still comes first.
    assert names("cardigans") == ["Merino Wool Cardigan", "Cotton Tee"]


@pytest.mark.postgres
def test_brand_matches_on_postgres(catalog):
    assert names("trailmark") == ["Hiking Socks"]


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("query", "indexes"),
    [
        (
            "merino",
            ("product_search_idx", "product_search_text_trgm_idx", "variant_sku_upper_idx"),
        ),
        ("7612345", ("catalog_variant_barcode",)),
    ],
)
def test_the_plan_uses_the_search_indexes(catalog, query, indexes):
    # A handful of rows would be scanned whatever the indexes; forbidding sequential scans
    # shows whether an index *can* serve each branch (the expression must be identical).
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = products_search(query=query).explain()
    for index in indexes:
        assert index in plan, plan
    # No branch falls back to computing the search document or UPPER() row by row.
    assert "Seq Scan on catalog_product" not in plan, plan
    assert "Seq Scan on catalog_variant" not in plan, plan
