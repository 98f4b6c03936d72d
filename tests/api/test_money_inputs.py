"""Amounts sent to the API in a currency with no minor unit: a fraction of a dong is a
field error naming what is expected, never a rounded price and never a 500."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings

from catalog.models import Price
from omni.markets import build_market
from tests import factories as f
from tests.api.conftest import error_of

pytestmark = pytest.mark.django_db

VIETNAM = {"OMNI_MARKET_CONFIG": build_market("VN"), "OMNI_CURRENCY": "VND"}


@override_settings(**VIETNAM)
def test_a_variant_price_with_a_fraction_of_a_dong_is_refused(api):
    product = f.ProductFactory()
    response = api.post(
        "/api/v1/variants/",
        {"product": product.pk, "sku": "VN-1", "price": {"amount": "249000.50"}},
    )
    assert response.status_code == 400, response.json()
    [error] = error_of(response)["errors"]
    assert (error["field"], error["code"]) == ("price.amount", "minor_units")
    assert "VND has no minor unit: enter a whole amount." in error["message"]
    assert not Price.objects.exists()


@override_settings(**VIETNAM)
def test_a_whole_dong_price_is_stored_in_dong(api):
    product = f.ProductFactory()
    response = api.post(
        "/api/v1/variants/",
        {"product": product.pk, "sku": "VN-2", "price": {"amount": "249000"}},
    )
    assert response.status_code == 201, response.json()
    price = Price.objects.get(variant__sku="VN-2")
    assert (price.amount, price.currency) == (Decimal("249000"), "VND")


@override_settings(**VIETNAM)
def test_a_large_dong_price_fits(api):
    # 12 digits capped a price at 9,999,999,999.99: an order of rial or dong lines needs room.
    product = f.ProductFactory()
    response = api.post(
        "/api/v1/variants/",
        {"product": product.pk, "sku": "VN-3", "price": {"amount": "45000000000"}},
    )
    assert response.status_code == 201, response.json()
