"""Sourcing: ship from the nearest location that has everything, else the fewest
locations; pick up at the chosen store, else after a transfer from the nearest location
that has it, with a later ready date. Distances offline, from the locations' coordinates."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory import services
from inventory.models import Reservation
from stores.models import LocationDistance
from stores.selectors import location_distances_from, locations_nearest_to_postcode
from stores.services import location_distances_rebuild, location_distances_update
from tests import factories as f

pytestmark = pytest.mark.django_db

CHICAGO = "60601"
INDIANAPOLIS = "46204"
SPRINGFIELD = "62701"


def _stock(variant, location, n):
    f.StockFactory(variant=variant, location=location, on_hand=n)


@pytest.fixture
def shirt(db):
    return f.VariantFactory()


@pytest.fixture
def shoes(db):
    return f.VariantFactory()


def _plan(plan):
    return [
        (s.location_id, sorted((ln.variant_id, ln.quantity) for ln in s.lines))
        for s in plan.shipments
    ]


def test_ships_from_the_nearest_location_that_has_every_line(places, shirt, shoes):
    chicago, warehouse = places["chicago"], places["warehouse"]
    for loc in (chicago, warehouse):
        _stock(shirt, loc, 5)
        _stock(shoes, loc, 5)
    lines = [(shirt.pk, 2), (shoes.pk, 1)]

    to_chicago = services.sourcing_for_shipment(lines=lines, postcode=CHICAGO)
    to_indy = services.sourcing_for_shipment(lines=lines, postcode=INDIANAPOLIS)

    assert _plan(to_chicago) == [(chicago.pk, sorted([(shirt.pk, 2), (shoes.pk, 1)]))]
    assert to_chicago.shipments[0].distance_km < 5
    assert not to_chicago.is_split
    assert _plan(to_indy)[0][0] == warehouse.pk


def test_only_locations_that_ship_online_orders_are_considered(places, shirt):
    # Springfield and Peoria have it and are nearest to Springfield, but do not ship.
    _stock(shirt, places["springfield"], 9)
    _stock(shirt, places["peoria"], 9)
    _stock(shirt, places["warehouse"], 1)
    plan = services.sourcing_for_shipment(lines=[(shirt.pk, 1)], postcode=SPRINGFIELD)
    assert _plan(plan) == [(places["warehouse"].pk, [(shirt.pk, 1)])]

    places["warehouse"].is_active = False
    places["warehouse"].save()
    with pytest.raises(services.InsufficientStock) as error:
        services.sourcing_for_shipment(lines=[(shirt.pk, 1)], postcode=SPRINGFIELD)
    assert error.value.details["lines"] == [{"variant_id": shirt.pk, "requested": 1, "missing": 1}]


def test_a_complete_location_wins_over_a_nearer_partial_one(places, shirt, shoes):
    _stock(shirt, places["chicago"], 5)  # nearest to Chicago, but no shoes
    _stock(shirt, places["warehouse"], 5)
    _stock(shoes, places["warehouse"], 5)
    plan = services.sourcing_for_shipment(lines=[(shirt.pk, 1), (shoes.pk, 1)], postcode=CHICAGO)
    assert [s.location_id for s in plan.shipments] == [places["warehouse"].pk]


def test_splits_over_the_fewest_locations_when_none_has_everything(places, shirt, shoes):
    belt = f.VariantFactory()
    chicago, warehouse = places["chicago"], places["warehouse"]
    south = f.WarehouseFactory(
        latitude=Decimal("30.267200"),
        longitude=Decimal("-97.743100"),  # Austin, far away
    )
    _stock(shirt, chicago, 5)
    _stock(shoes, chicago, 5)
    _stock(belt, warehouse, 5)
    _stock(belt, south, 5)
    _stock(shoes, south, 5)

    plan = services.sourcing_for_shipment(
        lines=[(shirt.pk, 1), (shoes.pk, 1), (belt.pk, 1)], postcode=CHICAGO
    )

    assert plan.is_split
    assert _plan(plan) == [
        (chicago.pk, sorted([(shirt.pk, 1), (shoes.pk, 1)])),
        (warehouse.pk, [(belt.pk, 1)]),
    ]
    held = services.reservations_create(lines=plan.reservation_lines(), kind=Reservation.Kind.ORDER)
    assert len(held) == 3


def test_a_line_no_single_location_has_is_split_by_quantity(places, shirt):
    _stock(shirt, places["chicago"], 3)
    _stock(shirt, places["warehouse"], 2)
    plan = services.sourcing_for_shipment(lines=[(shirt.pk, 5)], postcode=CHICAGO)
    assert _plan(plan) == [
        (places["chicago"].pk, [(shirt.pk, 3)]),
        (places["warehouse"].pk, [(shirt.pk, 2)]),
    ]


def test_not_enough_anywhere_is_insufficient_stock(places, shirt, shoes):
    _stock(shirt, places["chicago"], 3)
    with pytest.raises(services.InsufficientStock) as error:
        services.sourcing_for_shipment(lines=[(shirt.pk, 4), (shoes.pk, 1)], postcode=CHICAGO)
    assert error.value.details["lines"] == [
        {"variant_id": shirt.pk, "requested": 4, "missing": 1},
        {"variant_id": shoes.pk, "requested": 1, "missing": 1},
    ]


def test_destination_by_coordinates_or_store_and_bad_destinations(places, shirt):
    _stock(shirt, places["chicago"], 1)
    _stock(shirt, places["warehouse"], 1)
    by_point = services.sourcing_for_shipment(
        lines=[(shirt.pk, 1)], latitude=39.77, longitude=-86.16
    )
    assert by_point.shipments[0].location_id == places["warehouse"].pk
    by_store = services.sourcing_for_shipment(lines=[(shirt.pk, 1)], store_id=places["peoria"].pk)
    assert by_store.shipments[0].location_id == places["chicago"].pk
    for bad in ({"postcode": "00000"}, {"postcode": "abc"}, {}, {"latitude": 91, "longitude": 0}):
        with pytest.raises(services.InvalidDestination):
            services.sourcing_for_shipment(lines=[(shirt.pk, 1)], **bad)
    with pytest.raises(services.UnknownVariant):
        services.sourcing_for_shipment(lines=[(999_999, 1)], postcode=CHICAGO)


# --- pickup ---------------------------------------------------------------------------


def test_pickup_is_ready_now_when_the_store_has_everything(places, shirt, shoes):
    store = places["springfield"]
    _stock(shirt, store, 2)
    _stock(shoes, store, 2)
    now = timezone.now()
    plan = services.sourcing_for_pickup(
        lines=[(shirt.pk, 2), (shoes.pk, 1)], store_id=store.pk, now=now
    )
    assert plan.ready_now
    assert plan.ready_at == now
    assert {ln.variant_id for ln in plan.lines_in_store} == {shirt.pk, shoes.pk}


def test_pickup_of_a_missing_line_comes_by_transfer_from_the_nearest_with_a_later_date(
    places, shirt, shoes
):
    store = places["springfield"]
    _stock(shirt, store, 2)
    _stock(shoes, places["peoria"], 1)  # about 100 km away
    _stock(shoes, places["warehouse"], 50)  # about 300 km away
    now = timezone.now()

    plan = services.sourcing_for_pickup(
        lines=[(shirt.pk, 1), (shoes.pk, 1)], store_id=store.pk, now=now
    )

    assert not plan.ready_now
    assert [ln.variant_id for ln in plan.lines_in_store] == [shirt.pk]
    (transfer,) = plan.transfers
    assert (transfer.source_id, transfer.source_name) == (places["peoria"].pk, "Peoria")
    assert [(ln.variant_id, ln.quantity) for ln in transfer.lines] == [(shoes.pk, 1)]
    assert plan.ready_at == transfer.expected_at == now + dt.timedelta(days=1)

    # The checkout turns the plan into holds and a transfer; its expected date is the
    # pickup's ready date.
    made = services.transfer_request(
        source_id=transfer.source_id,
        destination_id=store.pk,
        lines=transfer.lines,
        expected_at=transfer.expected_at,
    )
    assert made.expected_at == plan.ready_at


def test_pickup_prefers_one_source_that_has_all_the_missing_lines(places, shirt, shoes):
    store = places["springfield"]
    _stock(shirt, places["peoria"], 1)
    _stock(shoes, places["stlouis"], 1)
    _stock(shirt, places["warehouse"], 1)
    _stock(shoes, places["warehouse"], 1)
    plan = services.sourcing_for_pickup(lines=[(shirt.pk, 1), (shoes.pk, 1)], store_id=store.pk)
    assert [t.source_id for t in plan.transfers] == [places["warehouse"].pk]


def test_pickup_from_two_sources_is_ready_when_the_later_arrives(places, shirt, shoes):
    store = places["springfield"]
    far = f.WarehouseFactory(latitude=Decimal("30.267200"), longitude=Decimal("-97.743100"))
    location_distances_update(location_id=far.pk)
    _stock(shirt, places["peoria"], 1)
    _stock(shoes, far, 1)  # about 1,100 km: three days
    now = timezone.now()
    plan = services.sourcing_for_pickup(
        lines=[(shirt.pk, 1), (shoes.pk, 1)], store_id=store.pk, now=now
    )
    assert [t.source_id for t in plan.transfers] == [places["peoria"].pk, far.pk]
    assert plan.ready_at == now + dt.timedelta(days=3)


def test_pickup_needs_an_active_store_that_offers_it(places, shirt):
    with pytest.raises(services.InvalidDestination):
        services.sourcing_for_pickup(lines=[(shirt.pk, 1)], store_id=places["warehouse"].pk)
    places["peoria"].offers_pickup = False
    places["peoria"].save()
    with pytest.raises(services.InvalidDestination):
        services.sourcing_for_pickup(lines=[(shirt.pk, 1)], store_id=places["peoria"].pk)
    with pytest.raises(services.InsufficientStock):
        services.sourcing_for_pickup(lines=[(shirt.pk, 1)], store_id=places["springfield"].pk)


def test_transit_time_grows_with_distance():
    assert services.transfer_transit_time(distance_km=0) == dt.timedelta(days=1)
    assert services.transfer_transit_time(distance_km=499) == dt.timedelta(days=1)
    assert services.transfer_transit_time(distance_km=Decimal("1200.5")) == dt.timedelta(days=3)


# --- the distance table (stores.services / stores.selectors) ---------------------------


def test_distance_table_holds_every_pair_both_ways(places):
    spr, peo = places["springfield"], places["peoria"]
    assert LocationDistance.objects.count() == 25
    there = LocationDistance.objects.get(origin=spr, destination=peo).distance_km
    back = LocationDistance.objects.get(origin=peo, destination=spr).distance_km
    assert there == back
    assert Decimal("95") < there < Decimal("110")
    assert LocationDistance.objects.get(origin=spr, destination=spr).distance_km == 0


def test_moving_a_location_updates_its_distances(places):
    peoria = places["peoria"]
    peoria.latitude, peoria.longitude = places["chicago"].latitude, places["chicago"].longitude
    peoria.save()
    assert location_distances_update(location_id=peoria.pk) == 9
    assert location_distances_from(location_id=peoria.pk)[places["chicago"].pk] == 0
    assert location_distances_rebuild() == 25


def test_distances_fall_back_to_haversine_without_the_table(places):
    LocationDistance.objects.all().delete()
    km = location_distances_from(location_id=places["springfield"].pk)
    assert Decimal("95") < km[places["peoria"].pk] < Decimal("110")
    assert km[places["springfield"].pk] == 0


def test_nearest_locations_to_a_postcode(places):
    nearest = locations_nearest_to_postcode(postcode=CHICAGO, limit=2, offers_pickup=True)
    assert [n.location.code for n in nearest] == ["CHI", "PEO"]
    assert locations_nearest_to_postcode(postcode="nope") is None
