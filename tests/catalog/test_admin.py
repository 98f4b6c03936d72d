"""The catalog admin as a merchandiser uses it: categories picked by their full path,
prices changed on the variant rows and on the variant page through the one price book,
price rows kept as history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Price, Variant, price_in_force
from tests import factories as f
from tests.test_admin import change_form_data

pytestmark = pytest.mark.django_db


def price_now(variant) -> Decimal | None:
    return Variant.objects.annotate(p=price_in_force()).get(pk=variant.pk).p


def test_the_category_dropdown_names_the_full_path(admin_client):
    men, women = f.CategoryFactory(name="Men"), f.CategoryFactory(name="Women")
    f.CategoryFactory(name="Outerwear", parent=men)
    f.CategoryFactory(name="Outerwear", parent=women)
    page = admin_client.get(reverse("admin:catalog_product_add"))
    labels = [label for _, label in page.context["adminform"].form.fields["category"].choices]
    assert "Men › Outerwear" in labels and "Women › Outerwear" in labels
    assert labels.index("Men") < labels.index("Men › Outerwear") < labels.index("Women")
    changelist = admin_client.get(reverse("admin:catalog_product_changelist")).content.decode()
    assert "Women › Outerwear" in changelist  # the list filter too


def test_a_price_changed_on_a_variant_row_is_a_new_base_price(admin_client):
    variant = f.VariantFactory()
    old = f.PriceFactory(
        variant=variant, amount=Decimal("49.00"), valid_from=timezone.now() - dt.timedelta(days=9)
    )
    url = reverse("admin:catalog_product_change", args=[variant.product_id])
    data = change_form_data(admin_client, url)
    assert data["variants-0-price"] == ["49.00"]
    data["variants-0-price"] = ["39.50"]
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    assert price_now(variant) == Decimal("39.50")
    old.refresh_from_db()
    assert old.valid_until is not None  # ended where the new one starts: history kept
    assert Price.objects.filter(variant=variant).count() == 2


def test_an_unchanged_variant_row_writes_no_price(admin_client):
    variant = f.VariantFactory()
    f.PriceFactory(variant=variant, amount=Decimal("49.00"))
    url = reverse("admin:catalog_product_change", args=[variant.product_id])
    assert admin_client.post(url, change_form_data(admin_client, url)).status_code == 302
    assert Price.objects.filter(variant=variant).count() == 1


@pytest.mark.parametrize(("typed", "error"), [("", "keeps its price"), ("-1", "greater than")])
def test_a_blank_or_negative_row_price_is_refused(admin_client, typed, error):
    variant = f.VariantFactory()
    f.PriceFactory(variant=variant, amount=Decimal("49.00"))
    url = reverse("admin:catalog_product_change", args=[variant.product_id])
    data = change_form_data(admin_client, url)
    data["variants-0-price"] = [typed]
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert error in str(response.context["inline_admin_formsets"][0].formset.errors)
    assert price_now(variant) == Decimal("49.00")


def test_a_promotion_set_on_the_variant_page(admin_client):
    variant = f.VariantFactory()
    f.PriceFactory(
        variant=variant, amount=Decimal("80.00"), valid_from=timezone.now() - dt.timedelta(days=9)
    )
    url = reverse("admin:catalog_variant_change", args=[variant.pk])
    data = change_form_data(admin_client, url)
    data |= {
        "price": ["60.00"],
        "compare_at_amount": ["80.00"],
        "valid_until_0": [(timezone.localdate() + dt.timedelta(days=7)).isoformat()],
        "valid_until_1": ["12:00:00"],
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert price_now(variant) == Decimal("60.00")
    promo = Price.objects.get(variant=variant, amount=Decimal("60.00"))
    assert promo.compare_at_amount == Decimal("80.00") and promo.valid_until is not None


def test_price_rows_are_history_added_through_the_price_book(admin_client):
    variant = f.VariantFactory()
    old = f.PriceFactory(
        variant=variant, amount=Decimal("49.00"), valid_from=timezone.now() - dt.timedelta(days=9)
    )
    assert (
        admin_client.post(reverse("admin:catalog_price_change", args=[old.pk]), {}).status_code
        == 403
    )
    now = timezone.localtime()
    response = admin_client.post(
        reverse("admin:catalog_price_add"),
        {
            "variant": variant.pk,
            "amount": "45.00",
            "valid_from_0": now.date().isoformat(),
            "valid_from_1": now.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert price_now(variant) == Decimal("45.00")
    old.refresh_from_db()
    assert old.valid_until is not None


def test_a_product_added_with_its_variant_rows_is_made_by_the_services(admin_client):
    category = f.CategoryFactory(name="Outerwear", parent=f.CategoryFactory(name="Men"))
    url = reverse("admin:catalog_product_add")
    data = change_form_data(admin_client, url)
    data |= {
        "name_en": ["Storm Parka"],
        "slug": ["storm-parka"],
        "category": [str(category.pk)],
        "is_active": ["on"],
        "variants-TOTAL_FORMS": ["1"],
        "variants-0-sku": ["PARKA-M"],
        "variants-0-size": ["M"],
        "variants-0-position": ["0"],
        "variants-0-is_active": ["on"],
        "variants-0-price": ["199.00"],
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    variant = Variant.objects.get(sku="PARKA-M")
    assert variant.product.name == "Storm Parka" and variant.product.category == category
    assert price_now(variant) == Decimal("199.00")
