"""The admin's availability actions: recompute nearest availability for the variants of the
selected stock rows, and switching products on or off sale through the catalog service
(their availability follows)."""

from __future__ import annotations

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from inventory import services
from inventory.models import NearestAvailability, Stock, StockMovement
from tests import factories as f
from tests.inventory.checks import assert_ledger_true, expected_nearest_rows, nearest_rows
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


# --- a merchandiser sets stock: receive, adjust, count, import counts ---------------------

RECEIVE = "admin:inventory_stock_receive"
IMPORT = "admin:inventory_stock_import"


def _csv(text: str, name: str = "counts.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_stock_received_in_the_admin_is_on_the_ledger_and_available(
    admin_client, places, django_capture_on_commit_callbacks
):
    # A product made in the admin has no stock row yet: receiving opens one.
    variant = f.VariantFactory(sku="NEW-TEE-M")
    f.PriceFactory(variant=variant)
    url = reverse(RECEIVE)
    assert admin_client.get(url, {"sku": "NEW-TEE-M"}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url,
            {"sku": "NEW-TEE-M", "location": places["peoria"].pk, "quantity": "6", "note": "PO 7"},
            follow=True,
        )
    assert response.status_code == 200
    assert "Received 6 × NEW-TEE-M at Peoria: 6 on hand." in response.content.decode()
    stock = Stock.objects.get(variant=variant, location=places["peoria"])
    assert stock.on_hand == 6
    movement = StockMovement.objects.get(variant=variant)
    assert (movement.delta, movement.reason, movement.note) == (6, "receive", "PO 7")
    assert movement.actor == "admin:admin@example.com" or movement.actor.startswith("admin:")
    assert_ledger_true()
    assert nearest_rows([variant.pk]) == expected_nearest_rows([variant.pk]) != set()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"sku": "NOPE", "quantity": "2"}, "sku"),
        ({"sku": "TEE-1", "quantity": "0"}, "quantity"),
        ({"sku": "TEE-1", "quantity": "two"}, "quantity"),
    ],
)
def test_a_bad_receipt_is_refused_on_the_form(admin_client, places, data, field):
    f.VariantFactory(sku="TEE-1")
    response = admin_client.post(reverse(RECEIVE), data | {"location": places["peoria"].pk})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not StockMovement.objects.exists()


def test_an_adjustment_needs_a_reason_and_cannot_go_below_what_is_reserved(
    admin_client, places, django_capture_on_commit_callbacks
):
    variant = f.VariantFactory()
    services.stock_receive(variant_id=variant.pk, location_id=places["peoria"].pk, quantity=5)
    stock = Stock.objects.get(variant=variant)
    services.reservation_create(
        variant_id=variant.pk, location_id=places["peoria"].pk, quantity=3, kind="order"
    )
    url = reverse("admin:inventory_stock_adjust", args=[stock.pk])

    page = admin_client.get(url).content.decode()
    assert '<option value="" selected>' in page  # nothing preselected
    no_reason = admin_client.post(url, {"delta": "-1", "reason": ""})
    assert "reason" in no_reason.context["form"].errors
    too_many = admin_client.post(url, {"delta": "-3", "reason": "damage"})
    assert too_many.status_code == 200
    assert "below what is reserved" in too_many.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(url, {"delta": "-2", "reason": "damage", "note": "Torn"})
    assert done.status_code == 302
    stock.refresh_from_db()
    assert stock.on_hand == 3
    assert StockMovement.objects.filter(reason="damage", delta=-2, note="Torn").exists()
    assert_ledger_true()


def test_a_count_in_the_admin_sets_on_hand_through_the_ledger(admin_client, places):
    variant = f.VariantFactory()
    services.stock_receive(variant_id=variant.pk, location_id=places["chicago"].pk, quantity=5)
    stock = Stock.objects.get(variant=variant)
    url = reverse("admin:inventory_stock_count", args=[stock.pk])
    assert admin_client.post(url, {"counted": "-1"}).status_code == 200
    response = admin_client.post(url, {"counted": "8"}, follow=True)
    assert "Counted 8" in response.content.decode()
    stock.refresh_from_db()
    assert stock.on_hand == 8
    assert StockMovement.objects.filter(reason="cycle_count", delta=3).exists()
    assert_ledger_true()


def test_the_stock_pages_link_to_the_screens(admin_client, places):
    stock = f.StockFactory(location=places["peoria"])
    changelist = admin_client.get(reverse("admin:inventory_stock_changelist")).content.decode()
    assert reverse(RECEIVE) in changelist and reverse(IMPORT) in changelist
    assert reverse("admin:inventory_stock_adjust", args=[stock.pk]) in changelist
    change = admin_client.get(reverse("admin:inventory_stock_change", args=[stock.pk]))
    assert reverse("admin:inventory_stock_count", args=[stock.pk]) in change.content.decode()


def test_a_view_only_user_cannot_set_stock(client, places):
    from django.contrib.auth.models import Permission

    user = f.UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_stock"))
    client.force_login(user)
    stock = f.StockFactory(location=places["peoria"], on_hand=2)
    changelist = client.get(reverse("admin:inventory_stock_changelist")).content.decode()
    assert reverse(RECEIVE) not in changelist
    assert client.get(reverse(RECEIVE)).status_code == 403
    url = reverse("admin:inventory_stock_count", args=[stock.pk])
    assert client.post(url, {"counted": "9"}).status_code == 403
    stock.refresh_from_db()
    assert stock.on_hand == 2


def test_counts_imported_from_csv_go_through_the_batch_count(
    admin_client, places, django_capture_on_commit_callbacks
):
    shirt, coat = f.VariantFactory(sku="SHIRT-M"), f.VariantFactory(sku="COAT-L")
    services.stock_receive(variant_id=shirt.pk, location_id=places["peoria"].pk, quantity=5)
    body = "SKU,Location,Counted\nSHIRT-M,PEO,7\nCOAT-L,CHI,4\nSHIRT-M,CHI,0\n\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse(IMPORT), {"file": _csv(body)}, follow=True)
    assert "3 rows counted: 2 changed on-hand." in response.content.decode()
    on_hand = {
        (s.variant.sku, s.location.code): s.on_hand
        for s in Stock.objects.select_related("variant", "location")
    }
    assert on_hand == {("SHIRT-M", "PEO"): 7, ("COAT-L", "CHI"): 4, ("SHIRT-M", "CHI"): 0}
    assert StockMovement.objects.filter(reason="cycle_count").count() == 2
    assert_ledger_true()
    assert nearest_rows() == expected_nearest_rows()
    assert coat.pk in {v for v, *_ in nearest_rows()}


def test_bad_rows_in_an_import_are_listed_and_nothing_is_written(admin_client, places):
    variant = f.VariantFactory(sku="SHIRT-M")
    services.stock_receive(variant_id=variant.pk, location_id=places["peoria"].pk, quantity=5)
    services.reservation_create(
        variant_id=variant.pk, location_id=places["peoria"].pk, quantity=4, kind="order"
    )
    movements = StockMovement.objects.count()
    body = (
        "sku,location,counted\n"
        "SHIRT-M,CHI,3\n"  # fine on its own
        "GHOST-1,PEO,2\n"  # unknown SKU
        "SHIRT-M,XXX,2\n"  # unknown location
        "SHIRT-M,STL,-1\n"  # negative
        "SHIRT-M,SPR,lots\n"  # not a number
    )
    response = admin_client.post(reverse(IMPORT), {"file": _csv(body)})
    assert response.status_code == 200
    rows = {e.line: e.message for e in response.context["row_errors"]}
    assert set(rows) == {3, 4, 5, 6}
    assert "Unknown SKU" in rows[3] and "Unknown location" in rows[4]
    assert "negative" in rows[5] and "not a whole number" in rows[6]
    page = response.content.decode()
    assert "4 rows could not be applied, so nothing was applied." in page
    assert 'id="row-errors"' in page
    assert StockMovement.objects.count() == movements

    # The same row twice, then a count below what is reserved (the batch service's own
    # check): each listed by its line, nothing written.
    body = "sku,location,counted\nSHIRT-M,CHI,1\nSHIRT-M,CHI,1\n"
    response = admin_client.post(reverse(IMPORT), {"file": _csv(body)})
    rows = {e.line: e.message for e in response.context["row_errors"]}
    assert set(rows) == {3} and "twice" in rows[3]
    body = "sku,location,counted\nSHIRT-M,CHI,1\nSHIRT-M,PEO,2\n"
    response = admin_client.post(reverse(IMPORT), {"file": _csv(body)})
    rows = {e.line: e.message for e in response.context["row_errors"]}
    assert set(rows) == {3} and "4 units are reserved" in rows[3]
    assert StockMovement.objects.count() == movements
    assert Stock.objects.get(variant=variant, location=places["peoria"]).on_hand == 5


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("sku,counted\nSHIRT-M,2\n", "must name the columns"),
        ("sku,location,counted\n", "no rows"),
        (b"\xff\xfe\x00bad".decode("latin-1"), "not UTF-8"),
    ],
)
def test_an_unreadable_import_file_is_refused_clearly(admin_client, places, body, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("c.csv", body.encode("latin-1"), content_type="text/csv")
    response = admin_client.post(reverse(IMPORT), {"file": upload})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["file"])
    assert not StockMovement.objects.exists()


def test_the_below_safety_stock_filter(admin_client):
    store = f.LocationFactory(safety_stock=2)
    low = f.StockFactory(location=store, on_hand=3, reserved=2)  # 1 left, safety 2
    empty = f.StockFactory(location=store, on_hand=2, reserved=0)  # 2 left = safety: none salable
    fine = f.StockFactory(location=store, on_hand=9, reserved=1)
    url = reverse("admin:inventory_stock_changelist")

    def shown(value):
        response = admin_client.get(url, {"safety": value, "location__id__exact": store.pk})
        return {s.pk for s in response.context["cl"].result_list}

    assert shown("below") == {low.pk}
    assert shown("none_salable") == {low.pk, empty.pk}
    assert shown("above") == {fine.pk}
