"""Reads of stock shared by the storefront, back-office and API: fixed query counts."""

import pytest

from inventory import selectors, services
from inventory.models import Reservation
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_stock_list_annotates_salable(places, django_assert_num_queries):
    store = places["springfield"]
    store.safety_stock = 1
    store.save()
    a = f.StockFactory(location=store, on_hand=5, reserved=1)
    f.StockFactory(location=store, on_hand=1)
    f.StockFactory(location=places["peoria"], on_hand=9)
    with django_assert_num_queries(1):
        rows = list(selectors.stock_list(location_id=store.pk))
        labels = [(r.variant.product.name, r.location.code, r.salable) for r in rows]
    assert sorted(label[2] for label in labels) == [0, 3]
    assert selectors.stock_salable(variant_id=a.variant_id, location_id=store.pk) == 3
    assert selectors.stock_salable(variant_id=a.variant_id, location_id=places["peoria"].pk) == 0
    product_rows = selectors.stock_list(product_id=a.variant.product_id)
    assert [r.pk for r in product_rows] == [a.pk]


def test_online_salable_sums_only_shipping_locations(places, django_assert_num_queries):
    variant, lonely = f.VariantFactory(), f.VariantFactory()
    f.StockFactory(variant=variant, location=places["chicago"], on_hand=2)  # ships
    f.StockFactory(variant=variant, location=places["warehouse"], on_hand=5)  # ships
    f.StockFactory(variant=variant, location=places["peoria"], on_hand=9)  # does not
    with django_assert_num_queries(1):
        online = selectors.stock_online_salable(variant_ids=[variant.pk, lonely.pk])
    assert online == {variant.pk: 7}


def test_reservations_movements_and_transfers_by_reference(places):
    stock = f.StockFactory(location=places["warehouse"], on_hand=5)
    order = f.OrderFactory()
    held = services.reservation_create(
        variant_id=stock.variant_id,
        location_id=stock.location_id,
        quantity=1,
        kind=Reservation.Kind.ORDER,
        reference=order,
    )
    assert list(selectors.reservations_for_reference(reference=order)) == [held]
    assert list(selectors.reservations_for_reference(reference=("orders.order", order.pk))) == [
        held
    ]
    services.stock_ship(reservation_ids=[held.pk])
    assert not selectors.reservations_for_reference(reference=order).exists()
    assert selectors.reservations_for_reference(reference=order, active_only=False).count() == 1
    moves = selectors.stock_movements(reference=("orders.order", order.pk))
    assert [m.delta for m in moves] == [-1]
    assert selectors.stock_movements(variant_id=stock.variant_id).count() == 2
    transfer = services.transfer_request(
        source_id=places["warehouse"].pk,
        destination_id=places["peoria"].pk,
        lines=[(stock.variant_id, 1)],
    )
    assert list(selectors.transfers_for_location(location_id=places["peoria"].pk)) == [transfer]
    assert (
        list(
            selectors.transfers_for_location(
                location_id=places["warehouse"].pk, incoming=False, statuses=["shipped"]
            )
        )
        == []
    )


def test_sku_and_location_code_lookups(places):
    variant = f.VariantFactory(sku="TEE-NAVY-M", barcode="400000009999")
    assert selectors.variant_id_for_sku(sku="TEE-NAVY-M") == variant.pk
    assert selectors.variant_id_for_sku(sku="400000009999") == variant.pk
    assert selectors.location_id_for_code(code="CHI") == places["chicago"].pk
    with pytest.raises(services.UnknownVariant) as error:
        selectors.variant_id_for_sku(sku="NOPE")
    assert error.value.details == {"sku": "NOPE"}
    with pytest.raises(services.UnknownLocation):
        selectors.location_id_for_code(code="NOPE")


def test_stock_here_and_nearest_orders_the_others_by_distance(
    places, django_assert_max_num_queries
):
    here = places["springfield"]
    shirt, scarf, none = f.VariantFactory(), f.VariantFactory(), f.VariantFactory()
    f.StockFactory(variant=shirt, location=here, on_hand=4, reserved=1)
    f.StockFactory(variant=shirt, location=places["chicago"], on_hand=2)
    f.StockFactory(variant=shirt, location=places["peoria"], on_hand=1)
    f.StockFactory(variant=shirt, location=places["stlouis"], on_hand=0)  # nothing to sell
    closed = f.LocationFactory(is_active=False)
    f.StockFactory(variant=shirt, location=closed, on_hand=9)  # closed: not offered
    f.StockFactory(variant=scarf, location=places["warehouse"], on_hand=7)
    with django_assert_max_num_queries(3):
        found = selectors.stock_here_and_nearest(
            variant_ids=[shirt.pk, scarf.pk, none.pk], location=here
        )
    assert found[shirt.pk].here == 3
    codes = [source.location.code for source in found[shirt.pk].elsewhere]
    assert codes == ["PEO", "CHI"]  # Peoria is nearer Springfield than Chicago
    distances = [source.distance_km for source in found[shirt.pk].elsewhere]
    assert distances == sorted(distances) and distances[0] > 0
    assert found[shirt.pk].total_elsewhere == 3
    assert (found[scarf.pk].here, found[scarf.pk].total_elsewhere) == (0, 7)
    assert (found[none.pk].here, found[none.pk].elsewhere) == (0, ())
    limited = selectors.stock_here_and_nearest(variant_ids=[shirt.pk], location=here, limit=1)
    assert [s.location.code for s in limited[shirt.pk].elsewhere] == ["PEO"]
    assert selectors.stock_here_and_nearest(variant_ids=[], location=here) == {}


def test_stock_here_and_nearest_is_flat_in_variants_and_locations(
    places, django_assert_max_num_queries
):
    here = places["springfield"]
    variants = [f.VariantFactory() for _ in range(3)]
    for variant in variants:
        f.StockFactory(variant=variant, location=places["peoria"], on_hand=1)
    selectors.stock_here_and_nearest(variant_ids=[v.pk for v in variants], location=here)
    with django_assert_max_num_queries(2):
        selectors.stock_here_and_nearest(variant_ids=[v.pk for v in variants], location=here)
    more = [f.VariantFactory() for _ in range(10)]
    for variant in more:
        for town in ("peoria", "chicago", "stlouis", "warehouse"):
            f.StockFactory(variant=variant, location=places[town], on_hand=2)
    with django_assert_max_num_queries(2):
        found = selectors.stock_here_and_nearest(
            variant_ids=[v.pk for v in variants + more], location=here
        )
    assert all(len(found[v.pk].elsewhere) == 4 for v in more)
