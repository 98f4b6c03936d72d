"""The admin's availability actions: recompute nearest availability for the variants of the
selected stock rows, and switching products on or off sale through the catalog service
(their availability follows)."""

from __future__ import annotations

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from inventory import services
from inventory.models import NearestAvailability
from tests import factories as f
from tests.inventory.checks import expected_nearest_rows, nearest_rows
from tests.test_admin import change_form_data

pytestmark = pytest.mark.django_db


def _act(client, url, action, ids):
    return client.post(
        url, {"action": action, helpers.ACTION_CHECKBOX_NAME: [str(i) for i in ids]}, follow=True
    )


def test_recompute_availability_for_the_selected_stock_rows(admin_client, places, monkeypatch):
    from inventory.services import availability

    # Changes made behind the services' back (no refresh scheduled): the action repairs them.
    monkeypatch.setattr(availability, "_schedule", lambda ids: None)
    variant, other = f.VariantFactory(), f.VariantFactory()
    rows = [
        f.StockFactory(variant=variant, location=places["peoria"], on_hand=4),
        f.StockFactory(variant=other, location=places["chicago"], on_hand=4),
    ]
    assert not NearestAvailability.objects.exists()
    url = reverse("admin:inventory_stock_changelist")
    response = _act(admin_client, url, "recompute_availability", [rows[0].pk])
    assert response.status_code == 200
    assert "Recomputed nearest availability for 1 variant" in response.content.decode()
    assert nearest_rows() == expected_nearest_rows([variant.pk])
    assert not NearestAvailability.objects.filter(variant=other).exists()


def test_a_large_selection_is_recomputed_in_the_background(admin_client, places, monkeypatch):
    from inventory import admin as inventory_admin
    from inventory.services import availability

    scheduled = []
    monkeypatch.setattr(availability, "_schedule", scheduled.extend)
    monkeypatch.setattr(inventory_admin, "ADMIN_REFRESH_INLINE_MAX", 1)
    rows = [f.StockFactory(location=places["peoria"], on_hand=2) for _ in range(3)]
    url = reverse("admin:inventory_stock_changelist")
    response = _act(admin_client, url, "recompute_availability", [r.pk for r in rows])
    assert "will be recomputed in the background" in response.content.decode()
    assert not NearestAvailability.objects.exists()


def test_deactivating_products_in_the_admin_takes_their_availability_down(
    admin_client, places, django_capture_on_commit_callbacks
):
    product = f.ProductFactory()
    variant = f.VariantFactory(product=product)
    f.StockFactory(variant=variant, location=places["peoria"], on_hand=4)
    services.availability_recompute_all()
    assert NearestAvailability.objects.filter(product=product).exists()
    url = reverse("admin:catalog_product_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = _act(admin_client, url, "deactivate", [product.pk])
    assert "1 products deactivated" in response.content.decode()
    assert not NearestAvailability.objects.filter(product=product).exists()
    with django_capture_on_commit_callbacks(execute=True):
        _act(admin_client, url, "activate", [product.pk])
    assert nearest_rows() == expected_nearest_rows()
    assert NearestAvailability.objects.filter(product=product).exists()


def test_a_view_only_staff_user_is_not_offered_the_recompute_action(client, places):
    # Recomputing writes the availability rows: seeing stock is not enough to do it.
    from django.contrib.auth.models import Permission

    user = f.UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_stock"))
    client.force_login(user)
    f.StockFactory(location=places["peoria"], on_hand=1)
    url = reverse("admin:inventory_stock_changelist")
    response = client.get(url)
    assert response.status_code == 200
    actions = dict(response.context["action_form"].fields["action"].choices)
    assert "export_stock_csv" in actions
    assert "recompute_availability" not in actions

    user.user_permissions.add(Permission.objects.get(codename="change_stock"))
    user = type(user).objects.get(pk=user.pk)  # drop the cached permissions
    client.force_login(user)
    actions = dict(client.get(url).context["action_form"].fields["action"].choices)
    assert "recompute_availability" in actions


# --- the product change form goes through the catalog services ----------------------------


def _stocked_product(places, variants: int = 2):
    product = f.ProductFactory()
    for _ in range(variants):
        variant = f.VariantFactory(product=product)
        f.PriceFactory(variant=variant)
        f.StockFactory(variant=variant, location=places["peoria"], on_hand=4)
        f.StockFactory(variant=variant, location=places["chicago"], on_hand=2)
    services.availability_recompute_all()
    assert NearestAvailability.objects.filter(product=product).exists()
    return product


def _save_change_form(client, product, capture, **changes):
    url = reverse("admin:catalog_product_change", args=[product.pk])
    data = change_form_data(client, url)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)  # an unticked checkbox is not submitted
        else:
            data[name] = [value]
    with capture(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]


def test_switching_a_product_off_and_on_in_its_change_form_follows_availability(
    admin_client, places, django_capture_on_commit_callbacks
):
    product = _stocked_product(places)
    before = nearest_rows()

    _save_change_form(admin_client, product, django_capture_on_commit_callbacks, is_active=None)
    product.refresh_from_db()
    assert not product.is_active
    assert not NearestAvailability.objects.filter(product=product).exists()

    _save_change_form(admin_client, product, django_capture_on_commit_callbacks, is_active="on")
    product.refresh_from_db()
    assert product.is_active
    assert nearest_rows() == expected_nearest_rows() == before


def test_switching_a_variant_row_off_and_on_follows_availability(
    admin_client, places, django_capture_on_commit_callbacks
):
    product = _stocked_product(places)
    first, second = product.variants.order_by("position", "pk")
    before = nearest_rows([first.pk])
    assert before

    _save_change_form(
        admin_client, product, django_capture_on_commit_callbacks, **{"variants-0-is_active": None}
    )
    assert not NearestAvailability.objects.filter(variant=first).exists()
    assert NearestAvailability.objects.filter(variant=second).exists()

    _save_change_form(
        admin_client, product, django_capture_on_commit_callbacks, **{"variants-0-is_active": "on"}
    )
    assert nearest_rows([first.pk]) == before
    assert nearest_rows() == expected_nearest_rows()


def test_a_variant_added_on_the_product_form_is_priced_and_available(
    admin_client, places, django_capture_on_commit_callbacks
):
    from catalog.models import price_in_force
    from inventory.services import stock_receive

    product = _stocked_product(places, variants=1)
    url = reverse("admin:catalog_product_change", args=[product.pk])
    data = change_form_data(admin_client, url)
    data |= {
        "variants-TOTAL_FORMS": ["2"],
        "variants-1-sku": ["NEW-SKU-M"],
        "variants-1-size": ["M"],
        "variants-1-position": ["2"],
        "variants-1-is_active": ["on"],
        "variants-1-price": ["59.00"],
        "variants-1-product": [str(product.pk)],
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(url, data).status_code == 302
    new = product.variants.get(sku="NEW-SKU-M")
    priced = type(new).objects.annotate(p=price_in_force()).get(pk=new.pk)
    assert str(priced.p) == "59.00"
    with django_capture_on_commit_callbacks(execute=True):
        stock_receive(variant_id=new.pk, location_id=places["peoria"].pk, quantity=3)
    assert nearest_rows([new.pk]) == expected_nearest_rows([new.pk]) != set()
