"""The products API in several languages: translations written and read, name and
description in the request's Accept-Language with English as the fallback."""

from __future__ import annotations

import pytest

from catalog.models import Product
from catalog.selectors import products_search
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_api_create_and_update_with_translations_and_read_in_accept_language(api):
    category = f.CategoryFactory(slug="tops")
    created = api.post(
        "/api/v1/products/",
        {
            "name": "Wool Sweater",
            "description": "Warm.",
            "category": "tops",
            "translations": {"vi": {"name": "Áo len cổ tròn"}, "th": {"name": "สเวตเตอร์"}},
            "variants": [{"sku": "WS-M", "price": {"amount": "59.00"}}],
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["name"] == "Wool Sweater"
    assert body["translations"]["vi"] == {"name": "Áo len cổ tròn", "description": None}
    product_id = body["id"]

    vietnamese = api.get(f"/api/v1/products/{product_id}/", HTTP_ACCEPT_LANGUAGE="vi").json()
    assert (vietnamese["name"], vietnamese["description"]) == ("Áo len cổ tròn", "Warm.")
    persian = api.get(f"/api/v1/products/{product_id}/", HTTP_ACCEPT_LANGUAGE="fa").json()
    assert persian["name"] == "Wool Sweater"  # none in Persian: English

    changed = api.patch(
        f"/api/v1/products/{product_id}/",
        {"translations": {"fa": {"name": "ژاکت پشمی", "description": "گرم"}, "th": {"name": ""}}},
        HTTP_ACCEPT_LANGUAGE="fa",
    )
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["name"], changed.json()["description"]) == ("ژاکت پشمی", "گرم")
    product = Product.objects.get(pk=product_id)
    assert product.name_th is None and product.name_vi == "Áo len cổ tròn"
    assert product.name_en == "Wool Sweater"  # untouched by a change in another language
    assert products_search(query="ژاکت").get().pk == product_id
    assert category.products.count() == 1


@pytest.mark.parametrize(
    ("translations", "path"),
    [
        ({"de": {"name": "Pullover"}}, "de"),
        ({"en": {"name": "Again"}}, "en"),
        ({"th": {"name": "x" * 201}}, "name"),
        ({"th": "เสื้อ"}, "th"),
        ("เสื้อ", "translations"),
    ],
)
def test_api_bad_translations_are_field_errors(api, translations, path):
    f.CategoryFactory(slug="tops")
    response = api.post(
        "/api/v1/products/", {"name": "Tee", "category": "tops", "translations": translations}
    )
    assert response.status_code == 400, response.content
    assert path in response.content.decode()
    assert not Product.objects.exists()


def test_api_schema_documents_translations(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "translations" in schema
