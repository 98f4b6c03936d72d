"""Catalog services: products, variants, the one price book, and what goes on or off sale
(its nearest-store availability follows after commit)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog import services
from catalog.models import Price, Product, Variant
from inventory.models import NearestAvailability
from stores.services import location_distances_rebuild
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_product_gets_a_unique_slug_from_its_name():
    category = f.CategoryFactory()
    first = services.product_create(name="Linen Shirt", category=category)
    second = services.product_create(name="Linen  Shirt ", category=category)
    assert (first.slug, second.slug) == ("linen-shirt", "linen-shirt-2")
    assert second.name == "Linen  Shirt"


def test_a_taken_slug_or_blank_name_is_refused():
    category = f.CategoryFactory()
    services.product_create(name="A", slug="taken", category=category)
    with pytest.raises(services.DuplicateValue) as error:
        services.product_create(name="B", slug="taken", category=category)
    assert error.value.details["field"] == "slug"
    with pytest.raises(services.CatalogError):
        services.product_create(name="  ", category=category)
    assert Product.objects.count() == 1


def test_variant_create_with_its_first_price_and_unique_sku_and_barcode():
    product = f.ProductFactory()
    variant = services.variant_create(
        product=product, sku="TEE-M", barcode="123", size="M", price=Decimal("19.00")
    )
    assert Price.objects.in_force().get(variant=variant).amount == Decimal("19.00")
    with pytest.raises(services.DuplicateValue):
        services.variant_create(product=product, sku="TEE-M")
    with pytest.raises(services.DuplicateValue):
        services.variant_create(product=product, sku="TEE-L", barcode="123")
    # A blank barcode is no barcode (several variants may have none).
    services.variant_create(product=product, sku="TEE-S", barcode=" ")
    services.variant_create(product=product, sku="TEE-XS", barcode="")
    assert Variant.objects.filter(barcode__isnull=True).count() == 2


def test_variant_update_refuses_unknown_fields_and_a_taken_sku():
    product = f.ProductFactory()
    a = services.variant_create(product=product, sku="A")
    services.variant_create(product=product, sku="B")
    with pytest.raises(services.DuplicateValue):
        services.variant_update(variant=a, sku="B")
    with pytest.raises(services.CatalogError):
        services.variant_update(variant=a, product=f.ProductFactory())
    updated = services.variant_update(variant=a, colour="Navy", position=3)
    assert (updated.colour, updated.position) == ("Navy", 3)


def test_a_new_base_price_ends_the_old_one_and_a_promotion_overlays_it():
    variant = f.VariantFactory()
    start = timezone.now() - dt.timedelta(days=10)
    services.price_set(variant=variant, amount=Decimal("50.00"), valid_from=start)
    services.price_set(variant=variant, amount=Decimal("45.00"))
    old = Price.objects.get(variant=variant, amount=Decimal("50.00"))
    assert old.valid_until is not None
    promo_end = timezone.now() + dt.timedelta(days=3)
    services.price_set(
        variant=variant,
        amount=Decimal("30.00"),
        compare_at_amount=Decimal("45.00"),
        valid_until=promo_end,
    )
    assert Price.objects.in_force().get(variant=variant).amount == Decimal("30.00")
    after = promo_end + dt.timedelta(hours=1)
    assert Price.objects.in_force(after).get(variant=variant).amount == Decimal("45.00")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": Decimal("-1")}, "amount"),
        ({"amount": Decimal("10"), "compare_at_amount": Decimal("10")}, "compare_at_amount"),
        (
            {"amount": Decimal("10"), "valid_until": timezone.now() - dt.timedelta(days=1)},
            "valid_until",
        ),
    ],
)
def test_bad_prices_are_refused(kwargs, field):
    variant = f.VariantFactory()
    with pytest.raises(services.InvalidPrice) as error:
        services.price_set(variant=variant, **kwargs)
    assert error.value.details["field"] == field
    assert not Price.objects.filter(variant=variant).exists()


def test_taking_a_product_off_sale_drops_its_availability_and_back_on_restores_it(
    django_capture_on_commit_callbacks,
):
    store = f.LocationFactory()
    location_distances_rebuild()
    product = f.ProductFactory()
    variants = [f.VariantFactory(product=product) for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        for variant in variants:
            f.StockFactory(variant=variant, location=store, on_hand=5)
        from inventory.services import availability_recompute_all

        availability_recompute_all()
    assert NearestAvailability.objects.filter(product=product).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        assert services.product_deactivate(product=product).is_active is False
    assert not NearestAvailability.objects.filter(product=product).exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.product_activate(product=product)
    assert NearestAvailability.objects.filter(product=product).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        assert services.variants_set_active(variant_ids=[variants[0].pk], is_active=False) == 1
        # Already inactive: nothing changes, nothing is refreshed.
        assert services.variants_set_active(variant_ids=[variants[0].pk], is_active=False) == 0
    assert list(
        NearestAvailability.objects.filter(product=product).values_list("variant_id", flat=True)
    ) == [variants[1].pk]


def test_sellability_changes_are_announced_once_per_change(monkeypatch):
    received = []

    def listener(sender, *, variant_ids, **kwargs):
        received.append(variant_ids)

    services.variants_sellability_changed.connect(listener)
    try:
        product = f.ProductFactory()
        ids = sorted(f.VariantFactory(product=product).pk for _ in range(3))
        services.product_update(product=product, is_active=False, name="Off")
        services.product_update(product=product, name="Still off")
    finally:
        services.variants_sellability_changed.disconnect(listener)
    assert received == [ids]


def test_product_create_with_variants_and_prices_is_all_or_nothing():
    category = f.CategoryFactory()
    product = services.product_create(
        name="Merino crew",
        category=category,
        variants=[
            {"sku": "MC-S", "size": "S", "price": Decimal("60.00")},
            {
                "sku": "MC-M",
                "size": "M",
                "price": {"amount": Decimal("50.00"), "compare_at_amount": Decimal("60.00")},
            },
        ],
    )
    medium, small = product.variants.order_by("sku")
    assert (small.sku, small.prices.get().amount) == ("MC-S", Decimal("60.00"))
    assert medium.prices.get().compare_at_amount == Decimal("60.00")

    f.VariantFactory(sku="TAKEN")
    with pytest.raises(services.DuplicateValue) as refused:
        services.product_create(
            name="Wool cap",
            category=category,
            variants=[{"sku": "CAP-1", "price": Decimal("9.00")}, {"sku": "TAKEN"}],
        )
    # The refused entry is named at its place in the list, and nothing was kept.
    assert refused.value.details["field"] == "variants[1].sku"
    assert not Product.objects.filter(name="Wool cap").exists()
    assert not Variant.objects.filter(sku="CAP-1").exists()


def test_variant_update_with_a_price_is_one_change():
    variant = f.VariantFactory(colour="Grey")
    services.variant_update(variant=variant, colour="Navy", price={"amount": Decimal("15.00")})
    variant.refresh_from_db()
    assert variant.colour == "Navy"
    assert variant.prices.get().amount == Decimal("15.00")

    # A refused price leaves the details unchanged too.
    with pytest.raises(services.InvalidPrice):
        services.variant_update(variant=variant, colour="Red", price={"amount": Decimal("-1")})
    variant.refresh_from_db()
    assert variant.colour == "Navy"
    assert variant.prices.count() == 1

    # A price alone is fine.
    services.variant_update(variant=variant, price=Decimal("12.00"))
    assert Price.objects.filter(variant=variant, amount=Decimal("12.00")).exists()
