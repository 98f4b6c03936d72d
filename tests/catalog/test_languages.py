"""Catalogue content in several languages: names and descriptions per language in the
admin and the API, read in the page's (or Accept-Language's) language with English as the
fallback, searched in every language, and readable Unicode slugs."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

import pytest
from django.urls import resolve, reverse
from django.utils import translation

from catalog import services
from catalog.models import Category, Product
from catalog.selectors import products_search, variants_find
from catalog.slugs import unicode_slugify
from tests import factories as f
from tests.test_admin import change_form_data

pytestmark = pytest.mark.django_db


def on_sale(product: Product) -> Product:
    f.PriceFactory(variant=f.VariantFactory(product=product))
    return product


# --- admin → storefront ----------------------------------------------------------------


def test_names_entered_in_the_admin_show_in_each_language_with_english_fallback(
    admin_client, client
):
    category = f.CategoryFactory(name="Tops", slug="tops")
    url = reverse("admin:catalog_product_add")
    data = change_form_data(admin_client, url)
    data |= {
        "name_en": ["Crew Neck Tee"],
        "name_th": ["เสื้อยืดคอกลม"],
        "name_fa": ["تی‌شرت یقه گرد"],
        "description_en": ["Soft cotton."],
        "description_th": ["ผ้าฝ้ายนุ่ม"],
        "slug": ["crew-neck-tee"],
        "category": [str(category.pk)],
        "is_active": ["on"],
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    product = on_sale(Product.objects.get(slug="crew-neck-tee"))
    assert (product.name_en, product.name_th) == ("Crew Neck Tee", "เสื้อยืดคอกลม")

    thai = client.get("/th/p/crew-neck-tee/").content.decode()
    assert "เสื้อยืดคอกลม" in thai and "ผ้าฝ้ายนุ่ม" in thai
    persian = client.get("/fa/p/crew-neck-tee/").content.decode()
    # No Persian description: the English one shows.
    assert "تی‌شرت یقه گرد" in persian and "Soft cotton." in persian
    vietnamese = client.get("/vi/p/crew-neck-tee/").content.decode()
    assert "Crew Neck Tee" in vietnamese
    english = client.get("/p/crew-neck-tee/").content.decode()
    assert "Crew Neck Tee" in english and "เสื้อยืดคอกลม" not in english


def test_a_category_named_in_thai_in_the_admin_lists_under_th(admin_client, client):
    url = reverse("admin:catalog_category_add")
    data = change_form_data(admin_client, url)
    data |= {
        "name_en": ["Knitwear"],
        "name_th": ["เสื้อถัก"],
        "slug": ["knitwear"],
        "position": ["0"],
        "is_active": ["on"],
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    category = Category.objects.get(slug="knitwear")
    # The plain column keeps the English text whatever the admin's language.
    assert Category.objects.filter(pk=category.pk).values_list("name_en", flat=True)[0] == (
        "Knitwear"
    )
    assert "เสื้อถัก" in client.get("/th/c/knitwear/").content.decode()
    assert "Knitwear" in client.get("/fil/c/knitwear/").content.decode()


EXTERNAL = re.compile(r"""<(?:script|link)\b[^>]*(?:src|href)=["'](?:https?:)?//""", re.I)


@pytest.mark.parametrize("model", ["product", "category"])
def test_the_admin_loads_nothing_from_another_host(admin_client, model):
    row = on_sale(f.ProductFactory()) if model == "product" else f.CategoryFactory()
    for url in (
        reverse(f"admin:catalog_{model}_add"),
        reverse(f"admin:catalog_{model}_change", args=[row.pk]),
    ):
        body = admin_client.get(url).content.decode()
        assert "name_th" in body
        assert not EXTERNAL.findall(body), EXTERNAL.findall(body)


# --- search ------------------------------------------------------------------------------


@pytest.fixture
def multilingual(db):
    tee = services.product_create(
        name="Crew Neck Tee",
        category=f.CategoryFactory(),
        translations={"th": {"name": "เสื้อยืดคอกลม"}, "fa": {"name": "تی‌شرت یقه گرد"}},
    )
    sweater = services.product_create(
        name="Wool Sweater",
        category=f.CategoryFactory(),
        translations={"vi": {"name": "Áo len cổ tròn"}, "fa": {"name": "ژاکت پشمی کرکی"}},
    )
    return {"tee": on_sale(tee), "sweater": on_sale(sweater)}


def found(query: str) -> set[str]:
    with translation.override("en"):
        return {p.name for p in products_search(query=query)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("คอกลม", {"Crew Neck Tee"}),  # Thai, a substring (no spaces in Thai)
        ("เสื้อยืด", {"Crew Neck Tee"}),
        ("áo len", {"Wool Sweater"}),  # Vietnamese with tone marks
        ("ao len", {"Wool Sweater"}),  # ... and without
        ("AO LEN CO TRON", {"Wool Sweater"}),
        ("ژاکت کرکی", {"Wool Sweater"}),  # Persian letters
        ("ژاكت كركي", {"Wool Sweater"}),  # Arabic kaf and yeh
        ("تیشرت", {"Crew Neck Tee"}),  # without the zero-width non-joiner
        ("تی‌شرت", {"Crew Neck Tee"}),
        ("tee", {"Crew Neck Tee"}),
        ("ผ้าไหม", set()),
    ],
)
def test_search_finds_products_in_every_language(multilingual, query, expected):
    assert found(query) == expected


def test_the_storefront_search_page_in_thai_shows_thai_names(client, multilingual):
    body = client.get("/th/search/", {"q": "คอกลม"}).content.decode()
    assert "เสื้อยืดคอกลม" in body


def test_the_back_office_finder_matches_any_language(multilingual):
    assert {v.product_id for v in variants_find(query="ao len")} == {multilingual["sweater"].pk}


def test_a_change_of_translation_is_searchable_at_once(multilingual):
    services.product_update(product=multilingual["tee"], translations={"th": {"name": "เสื้อโปโล"}})
    assert found("โปโล") == {"Crew Neck Tee"} and found("คอกลม") == set()


# --- slugs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("เสื้อยืด คอกลม", "เสื้อยืด-คอกลม"),
        ("پیراهن نخی‌ مردانه", "پیراهن-نخی-مردانه"),
        ("Áo len cổ tròn", "áo-len-cổ-tròn"),
        ("Merino Wool — Cardigan!", "merino-wool-cardigan"),
    ],
)
def test_slugs_are_readable_in_every_script(name, slug):
    assert unicode_slugify(name) == slug


def test_a_thai_named_product_gets_a_thai_slug_whose_page_resolves(client):
    product = on_sale(services.product_create(name="เสื้อยืด คอกลม", category=f.CategoryFactory()))
    assert product.slug == "เสื้อยืด-คอกลม"
    with translation.override("th"):
        url = reverse("catalog:product", kwargs={"slug": product.slug})
        assert resolve(unquote(url)).kwargs == {"slug": product.slug}
    assert url == "/th/p/" + quote("เสื้อยืด-คอกลม") + "/"
    response = client.get(url)
    assert response.status_code == 200 and "เสื้อยืด คอกลม" in response.content.decode()
    # A second product of the same name is numbered, not renamed to "product-2".
    again = services.product_create(name="เสื้อยืด คอกลม", category=product.category)
    assert again.slug == "เสื้อยืด-คอกลม-2"


def test_existing_ascii_slugs_still_resolve(client):
    product = on_sale(f.ProductFactory(name="Linen Shirt", slug="linen-shirt"))
    assert reverse("catalog:product", kwargs={"slug": product.slug}) == "/p/linen-shirt/"
    assert client.get("/p/linen-shirt/").status_code == 200


def test_the_admin_accepts_a_unicode_slug(admin_client):
    category = f.CategoryFactory()
    url = reverse("admin:catalog_product_add")
    data = change_form_data(admin_client, url) | {
        "name_en": ["Round Neck Tee"],
        "slug": ["เสื้อยืด-คอกลม"],
        "category": [str(category.pk)],
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert Product.objects.filter(slug="เสื้อยืด-คอกลม").exists()


def test_a_product_added_in_the_admin_without_a_slug_gets_one_from_its_name(admin_client):
    category = f.CategoryFactory()
    url = reverse("admin:catalog_product_add")
    data = change_form_data(admin_client, url) | {
        "name_en": ["เสื้อยืด คอกลม"],
        "slug": [""],
        "category": [str(category.pk)],
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert Product.objects.filter(slug="เสื้อยืด-คอกลม").exists()


def test_a_listing_sorted_by_name_in_thai_uses_the_english_name_where_thai_has_none(client):
    category = f.CategoryFactory(slug="tees")
    thai = on_sale(
        services.product_create(
            name="Apple Tee", category=category, translations={"th": {"name": "เสื้อแอปเปิล"}}
        )
    )
    english_only = on_sale(services.product_create(name="Banana Tee", category=category))
    response = client.get("/th/c/tees/", {"sort": "name"})
    shown = [p.pk for p in response.context["page"].object_list]
    # Latin letters sort before Thai ones: "Banana Tee" (no Thai name) is not put last.
    assert shown == [english_only.pk, thai.pk]
