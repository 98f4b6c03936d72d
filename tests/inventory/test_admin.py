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
