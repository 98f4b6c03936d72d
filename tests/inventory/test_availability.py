"""Nearest-store availability: the set-based recompute gives the rows a shopper expects,
the incremental refresh agrees with it after any stock change, the debounce collapses a
burst of changes into one refresh, and the product page reads it in one query."""

import random
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from inventory import services
from inventory.models import NearestAvailability, Reservation
from inventory.selectors import availability_for_product
from stores.services import location_distances_rebuild, location_distances_update
from tests import factories as f
from tests.inventory.checks import expected_nearest_rows, nearest_rows

pytestmark = pytest.mark.django_db


def _rows_for(variant, store):
    return list(
        NearestAvailability.objects.filter(variant=variant, store=store)
        .order_by("rank")
        .values_list("source_location__code", "quantity", "distance_km")
    )


def test_recompute_lists_the_store_itself_first_then_the_nearest_others(places, variant):
    f.StockFactory(variant=variant, location=places["springfield"], on_hand=3)
    f.StockFactory(variant=variant, location=places["peoria"], on_hand=2)
    f.StockFactory(variant=variant, location=places["chicago"], on_hand=9)
    f.StockFactory(variant=variant, location=places["warehouse"], on_hand=50)

    result = services.availability_recompute_all()

    assert result.variants >= 1
    assert result.rows == NearestAvailability.objects.count()
    at_springfield = _rows_for(variant, places["springfield"])
    assert [code for code, _, _ in at_springfield] == ["SPR", "PEO", "CHI"]
    assert at_springfield[0][1:] == (3, Decimal("0.00"))
    assert 95 < at_springfield[1][2] < 110  # Springfield → Peoria is about 100 km
    # St. Louis has none itself: its nearest are Springfield, Peoria, then Indianapolis.
    assert [c for c, _, _ in _rows_for(variant, places["stlouis"])] == ["SPR", "PEO", "IND"]
    # A warehouse is a source, never a "store" a shopper picks.
    assert not NearestAvailability.objects.filter(store=places["warehouse"]).exists()
    assert nearest_rows() == expected_nearest_rows()


def test_moving_a_location_rebuilds_availability_after_commit(
    places, variant, django_capture_on_commit_callbacks
):
    # Chicago's stock is the third nearest for St. Louis until Chicago "moves" next door.
    for town, units in (("springfield", 3), ("peoria", 2), ("chicago", 9)):
        f.StockFactory(variant=variant, location=places[town], on_hand=units)
    services.availability_recompute_all()
    assert [c for c, _, _ in _rows_for(variant, places["stlouis"])] == ["SPR", "PEO", "CHI"]

    chicago = places["chicago"]
    chicago.latitude, chicago.longitude = Decimal("38.630000"), Decimal("-90.200000")
    chicago.save()
    with django_capture_on_commit_callbacks(execute=True):
        location_distances_update(location_id=chicago.pk)

    nearest = _rows_for(variant, places["stlouis"])
    assert nearest[0][0] == "CHI" and nearest[0][2] < 1  # now a few hundred metres away
    assert nearest_rows() == expected_nearest_rows()


def test_salable_keeps_safety_stock_and_holds_back(places, variant):
    springfield = places["springfield"]
    springfield.safety_stock = 1
    springfield.save()
    f.StockFactory(variant=variant, location=springfield, on_hand=3, reserved=1)  # 3-1-1 = 1
    f.StockFactory(variant=variant, location=places["peoria"], on_hand=2, safety_stock=2)  # 0
    f.StockFactory(variant=variant, location=places["chicago"], on_hand=1)

    services.availability_recompute_all()

    assert _rows_for(variant, springfield)[0][:2] == ("SPR", 1)
    assert [c for c, _, _ in _rows_for(variant, springfield)] == ["SPR", "CHI"]


def test_inactive_locations_are_neither_stores_nor_sources(places, variant):
    f.StockFactory(variant=variant, location=places["peoria"], on_hand=4)
    f.StockFactory(variant=variant, location=places["chicago"], on_hand=4)
    places["peoria"].is_active = False
    places["peoria"].save()

    services.availability_recompute_all()

    assert not NearestAvailability.objects.filter(store=places["peoria"]).exists()
    assert not NearestAvailability.objects.filter(source_location=places["peoria"]).exists()
    assert [c for c, _, _ in _rows_for(variant, places["springfield"])] == ["CHI"]


def test_recompute_replaces_stale_rows_and_builds_missing_distances(places, variant):
    f.NearestAvailabilityFactory(variant=variant, store=places["springfield"], quantity=99)
    f.StockFactory(variant=variant, location=places["springfield"], on_hand=2)
    from stores.models import LocationDistance

    LocationDistance.objects.all().delete()
    services.availability_recompute_all(batch_size=1)

    assert LocationDistance.objects.count() == 25
    assert _rows_for(variant, places["springfield"]) == [("SPR", 2, Decimal("0.00"))]
    assert nearest_rows() == expected_nearest_rows()


def _random_world(rng: random.Random, *, locations=20, variants=12):
    """Scattered locations (some far beyond any store's K nearest) and variants from
    dense (stocked nearly everywhere) to sparse (one or two places)."""
    spots = []
    for i in range(locations):
        factory = f.WarehouseFactory if i % 5 == 0 else f.LocationFactory
        spots.append(
            factory(
                latitude=Decimal(f"{rng.uniform(30, 45):.6f}"),
                longitude=Decimal(f"{rng.uniform(-120, -75):.6f}"),
                safety_stock=rng.choice([0, 0, 1]),
            )
        )
    location_distances_rebuild()
    product = f.ProductFactory()
    made = []
    for i in range(variants):
        variant = f.VariantFactory(product=product if i < 4 else f.ProductFactory())
        coverage = rng.choice([0.05, 0.15, 0.5, 0.9])
        for spot in spots:
            if rng.random() < coverage:
                f.StockFactory(variant=variant, location=spot, on_hand=rng.randint(0, 6))
        made.append(variant)
    return spots, made


@pytest.fixture(params=["direct", "rings"])
def statement(request, monkeypatch):
    """Both SQL paths: the direct ranking (a few variants) and the batch one (a bitmask
    over each store's nearest locations), with a ring small enough that many pairs stay
    open and take the batch statement's direct path too."""
    from inventory.services import availability

    if request.param == "rings":
        monkeypatch.setattr(availability, "_TWO_STEP_FROM", 1)
        monkeypatch.setattr(availability, "_ring_width", lambda depth: 3)
    else:
        monkeypatch.setattr(availability, "_TWO_STEP_FROM", 10**9)
    return request.param


@override_settings(OMNI_NEAREST_AVAILABILITY_DEPTH=2)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_set_based_recompute_matches_the_obvious_computation(seed, statement):
    _random_world(random.Random(seed))
    services.availability_recompute_all(batch_size=5)
    assert nearest_rows() == expected_nearest_rows()
    # A second run over unchanged stock writes nothing on PostgreSQL (only changes).
    again = services.availability_recompute_all(batch_size=5)
    assert nearest_rows() == expected_nearest_rows()
    if connection.vendor == "postgresql":
        assert again.rows == 0


@override_settings(OMNI_NEAREST_AVAILABILITY_DEPTH=2)
@pytest.mark.parametrize("seed", [7, 8])
def test_incremental_refresh_matches_a_full_recompute_after_random_stock_changes(
    seed, django_capture_on_commit_callbacks, monkeypatch
):
    rng = random.Random(seed)
    spots, variants = _random_world(rng)
    services.availability_recompute_all()
    for _ in range(40):
        variant, spot = rng.choice(variants), rng.choice(spots)
        step = rng.choice(["receive", "reserve", "release", "adjust"])
        # Eager Celery (no Redis): each change's refresh runs right after its commit.
        with django_capture_on_commit_callbacks(execute=True):
            try:
                if step == "receive":
                    services.stock_receive(
                        variant_id=variant.pk, location_id=spot.pk, quantity=rng.randint(1, 4)
                    )
                elif step == "reserve":
                    services.reservation_create(
                        variant_id=variant.pk,
                        location_id=spot.pk,
                        quantity=rng.randint(1, 3),
                        kind=Reservation.Kind.CART,
                    )
                elif step == "release":
                    held = Reservation.objects.filter(status="active").order_by("?").first()
                    if held:
                        services.reservation_release(reservation_id=held.pk)
                else:
                    services.stock_adjust(
                        variant_id=variant.pk,
                        location_id=spot.pk,
                        delta=-rng.randint(1, 3),
                        reason="damage",
                    )
            except services.InventoryError:
                pass
        assert nearest_rows() == expected_nearest_rows()
    incremental = nearest_rows()
    # The full recompute takes the batch (bitmask) path; it must agree.
    from inventory.services import availability

    monkeypatch.setattr(availability, "_TWO_STEP_FROM", 1)
    monkeypatch.setattr(availability, "_ring_width", lambda depth: 3)
    services.availability_recompute_all(batch_size=4)
    assert nearest_rows() == incremental


def test_a_stock_change_refreshes_its_variant_at_commit_with_eager_celery(
    places, variant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.stock_receive(variant_id=variant.pk, location_id=places["peoria"].pk, quantity=4)
    assert _rows_for(variant, places["springfield"])[0][:2] == ("PEO", 4)

    with django_capture_on_commit_callbacks(execute=True):
        services.stock_adjust(
            variant_id=variant.pk, location_id=places["peoria"].pk, delta=-4, reason="theft"
        )
    assert not NearestAvailability.objects.filter(variant=variant).exists()


def test_no_refresh_is_scheduled_when_the_change_rolls_back(places, variant):
    with (
        mock.patch("inventory.tasks.availability_refresh_variant.apply_async") as schedule,
        pytest.raises(services.InsufficientStock),
    ):
        services.reservation_create(
            variant_id=variant.pk,
            location_id=places["peoria"].pk,
            quantity=1,
            kind=Reservation.Kind.CART,
        )
    assert not schedule.called


def _burst(variant, location, capture, times):
    for _ in range(times):
        with capture(execute=True):
            services.stock_receive(variant_id=variant.pk, location_id=location.pk, quantity=1)


@override_settings(OMNI_AVAILABILITY_DEBOUNCE_SECONDS=7)
def test_debounce_collapses_a_burst_into_one_refresh(
    places, variant, django_capture_on_commit_callbacks
):
    other = f.VariantFactory()
    with mock.patch("inventory.tasks.availability_refresh_variant.apply_async") as schedule:
        _burst(variant, places["peoria"], django_capture_on_commit_callbacks, 10)
        _burst(other, places["peoria"], django_capture_on_commit_callbacks, 3)

    assert schedule.call_args_list == [
        mock.call(args=[variant.pk], countdown=7),
        mock.call(args=[other.pk], countdown=7),
    ]

    # The refresh clears the mark first: the next change schedules a new one.
    services.availability_refresh_scheduled(variant_id=variant.pk)
    assert _rows_for(variant, places["peoria"]) == [("PEO", 10, Decimal("0.00"))]
    with mock.patch("inventory.tasks.availability_refresh_variant.apply_async") as schedule:
        _burst(variant, places["peoria"], django_capture_on_commit_callbacks, 2)
    assert schedule.call_count == 1


@pytest.mark.redis
def test_debounce_works_on_redis(places, variant, django_capture_on_commit_callbacks, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": f"omni-test-{random.randrange(10**9)}",
        }
    }
    caches["default"].clear()
    try:
        with mock.patch("inventory.tasks.availability_refresh_variant.apply_async") as schedule:
            _burst(variant, places["peoria"], django_capture_on_commit_callbacks, 5)
        assert schedule.call_count == 1
        assert caches["default"].get(f"availability-refresh:{variant.pk}") == 1
        services.availability_refresh_scheduled(variant_id=variant.pk)
        assert caches["default"].get(f"availability-refresh:{variant.pk}") is None
    finally:
        caches["default"].clear()


def test_product_availability_is_one_query(places, django_assert_num_queries):
    product = f.ProductFactory()
    small, medium, large = (f.VariantFactory(product=product, size=s) for s in "SML")
    f.StockFactory(variant=small, location=places["springfield"], on_hand=2)
    f.StockFactory(variant=medium, location=places["peoria"], on_hand=5)
    f.StockFactory(variant=medium, location=places["chicago"], on_hand=5)
    f.StockFactory(variant=small, location=places["stlouis"], on_hand=8)
    services.availability_recompute_all()

    with django_assert_num_queries(1):
        seen = availability_for_product(product_id=product.pk, store_id=places["springfield"].pk)
        s, m, lg = (
            seen.for_variant(small.pk),
            seen.for_variant(medium.pk),
            seen.for_variant(large.pk),
        )
        nearest = m.nearest_elsewhere.location.name  # joined in the same query

    assert seen.in_stock_here
    assert (s.here, s.in_stock_here, s.low_stock) == (2, True, True)  # "only 2 left"
    assert s.nearest_elsewhere.location.code == "STL"
    assert (m.here, m.in_stock_here) == (0, False)
    assert nearest == "Peoria"
    assert m.nearest_elsewhere.quantity == 5
    assert 95 < m.nearest_elsewhere.distance_km < 110
    assert m.nearest_elsewhere.transfer_days == 1  # "pick up tomorrow"
    assert [src.location.code for src in m.nearby] == ["PEO", "CHI"]
    assert (lg.here, lg.nearby, lg.low_stock) == (0, (), False)


def test_product_availability_query_count_is_flat_in_variants(places, django_assert_num_queries):
    product = f.ProductFactory()
    for size in ("XS", "S", "M", "L", "XL", "XXL"):
        v = f.VariantFactory(product=product, size=size)
        for spot in places.values():
            f.StockFactory(variant=v, location=spot, on_hand=4)
    services.availability_recompute_all()
    with django_assert_num_queries(1):
        seen = availability_for_product(product_id=product.pk, store_id=places["chicago"].pk)
        assert all(v.here == 4 and len(v.nearby) == 2 for v in seen.variants.values())
    assert len(seen.variants) == 6


def test_recompute_command_prints_progress_and_totals(places, variant):
    f.StockFactory(variant=variant, location=places["chicago"], on_hand=2)
    out, err = StringIO(), StringIO()
    call_command(
        "recompute_availability", "--batch-size", "1", "--workers", "1", stdout=out, stderr=err
    )
    total = NearestAvailability.objects.count()
    assert total == 4
    assert f"{total} rows written" in out.getvalue()
    assert "Recomputed 1 variant:" in out.getvalue()  # one variant: the singular
    assert "Nearest availability" in err.getvalue()


def test_recompute_batches_never_share_a_lock_bucket(monkeypatch):
    """Batches end on a lock-bucket boundary, so parallel workers never queue behind each
    other's advisory lock."""
    from inventory.services import availability

    monkeypatch.setattr(availability, "_LOCK_BUCKET", 10)
    made = sorted(v.pk for v in f.VariantFactory.create_batch(45))
    batches = list(availability._variant_batches(15))
    assert sorted(v for batch in batches for v in batch) == made
    buckets = [{v // 10 for v in batch} for batch in batches]
    for i, mine in enumerate(buckets):
        assert all(not mine & other for other in buckets[i + 1 :])
