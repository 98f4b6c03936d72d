"""Stock services and reservations: every change is in the ledger, nothing is oversold,
bad input is a domain error that writes nothing."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory import services
from inventory.models import Reservation, Stock, StockMovement
from tests import factories as f
from tests.inventory.checks import assert_ledger_true

pytestmark = pytest.mark.django_db

Kind = Reservation.Kind


def _stock(variant, location) -> Stock:
    return Stock.objects.get(variant=variant, location=location)


@pytest.fixture
def store(db):
    return f.LocationFactory()


@pytest.fixture
def stock(db, store):
    return f.StockFactory(location=store, on_hand=10)


# --- receive / adjust / count / sell / restock ------------------------------------------


def test_receive_creates_the_stock_row_and_writes_the_ledger(store):
    variant = f.VariantFactory()
    associate = f.AssociateFactory(home_location=store)
    entry = services.stock_receive(
        variant_id=variant.pk,
        location_id=store.pk,
        quantity=12,
        associate=associate,
        reference=("wms.delivery", "D-17"),
        note="Spring delivery",
    )
    services.stock_receive(variant_id=variant.pk, location_id=store.pk, quantity=3, actor="WMS")

    assert (entry.delta, entry.on_hand_after, entry.reason) == (12, 12, "receive")
    assert (entry.reference_type, entry.reference_id, entry.associate) == (
        "wms.delivery",
        "D-17",
        associate,
    )
    assert _stock(variant, store).on_hand == 15
    assert StockMovement.objects.filter(variant=variant).latest("id").actor == "WMS"
    assert_ledger_true()


def test_reference_can_be_any_model_instance(stock):
    order = f.OrderFactory()
    entry = services.stock_receive(
        variant_id=stock.variant_id, location_id=stock.location_id, quantity=1, reference=order
    )
    assert (entry.reference_type, entry.reference_id) == ("orders.order", str(order.pk))
    assert entry.reference_label == f"order #{order.pk}"


@pytest.mark.parametrize(
    ("reason", "delta", "on_hand"),
    [("damage", -2, 8), ("theft", -1, 9), ("count", 3, 13), ("correction", -4, 6)],
)
def test_adjust_moves_on_hand_with_its_reason(stock, reason, delta, on_hand):
    entry = services.stock_adjust(
        variant_id=stock.variant_id,
        location_id=stock.location_id,
        delta=delta,
        reason=reason,
        note="shelf check",
    )
    assert (entry.delta, entry.reason, entry.on_hand_after, entry.note) == (
        delta,
        reason,
        on_hand,
        "shelf check",
    )
    assert_ledger_true()


def test_adjust_below_zero_is_refused_and_writes_nothing(stock):
    with pytest.raises(services.InsufficientStock) as error:
        services.stock_adjust(
            variant_id=stock.variant_id, location_id=stock.location_id, delta=-11, reason="damage"
        )
    assert error.value.code == "insufficient_stock"
    assert error.value.details["salable"] == 10
    stock.refresh_from_db()
    assert stock.on_hand == 10
    assert StockMovement.objects.count() == 1  # the opening balance only


def test_adjust_below_what_is_reserved_is_refused(stock):
    services.reservation_create(
        variant_id=stock.variant_id, location_id=stock.location_id, quantity=8, kind=Kind.ORDER
    )
    with pytest.raises(services.InsufficientStock):
        services.stock_adjust(
            variant_id=stock.variant_id, location_id=stock.location_id, delta=-3, reason="theft"
        )


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"delta": 0, "reason": "count"}, services.InvalidQuantity),
        ({"delta": 2, "reason": "damage"}, services.InvalidQuantity),
        ({"delta": -1, "reason": "sale"}, services.InvalidQuantity),
        ({"delta": -1, "reason": "made-up"}, services.InvalidQuantity),
    ],
)
def test_adjust_rejects_bad_input(stock, kwargs, error):
    with pytest.raises(error) as raised:
        services.stock_adjust(variant_id=stock.variant_id, location_id=stock.location_id, **kwargs)
    assert raised.value.http_status == 400


def test_unknown_sku_or_location_is_a_domain_error(stock):
    with pytest.raises(services.UnknownVariant) as error:
        services.stock_receive(variant_id=999_999, location_id=stock.location_id, quantity=1)
    assert error.value.details == {"variant_ids": [999_999]}
    with pytest.raises(services.UnknownLocation):
        services.stock_adjust(
            variant_id=stock.variant_id, location_id=999_999, delta=-1, reason="damage"
        )
    with pytest.raises(services.UnknownLocation):
        services.reservation_create(
            variant_id=stock.variant_id, location_id=999_999, quantity=1, kind=Kind.CART
        )
    assert Stock.objects.count() == 1


@pytest.mark.parametrize("quantity", [0, -3, 1.5, True])
def test_quantities_must_be_whole_and_positive(stock, quantity):
    with pytest.raises(services.InvalidQuantity):
        services.stock_receive(
            variant_id=stock.variant_id, location_id=stock.location_id, quantity=quantity
        )


def test_cycle_count_sets_on_hand_and_records_the_difference(stock):
    entry = services.stock_cycle_count(
        variant_id=stock.variant_id, location_id=stock.location_id, counted=7
    )
    assert (entry.delta, entry.on_hand_after, entry.reason) == (-3, 7, "cycle_count")
    assert (
        services.stock_cycle_count(
            variant_id=stock.variant_id, location_id=stock.location_id, counted=7
        )
        is None
    )
    up = services.stock_cycle_count(
        variant_id=stock.variant_id, location_id=stock.location_id, counted=9
    )
    assert up.delta == 2
    assert_ledger_true()


def test_cycle_count_below_reserved_is_refused(stock):
    services.reservation_create(
        variant_id=stock.variant_id, location_id=stock.location_id, quantity=5, kind=Kind.PICKUP
    )
    with pytest.raises(services.InsufficientStock) as error:
        services.stock_cycle_count(
            variant_id=stock.variant_id, location_id=stock.location_id, counted=4
        )
    assert error.value.details["reserved"] == 5
    with pytest.raises(services.InvalidQuantity):
        services.stock_cycle_count(
            variant_id=stock.variant_id, location_id=stock.location_id, counted=-1
        )


def test_floor_sale_sells_the_display_unit_but_not_other_peoples_holds(store):
    store.safety_stock = 2
    store.save()
    shirt = f.StockFactory(location=store, on_hand=3)
    services.reservation_create(
        variant_id=shirt.variant_id, location_id=store.pk, quantity=1, kind=Kind.PICKUP
    )
    entries = services.stock_sell(location_id=store.pk, lines=[(shirt.variant_id, 2)])
    assert [(e.delta, e.reason, e.on_hand_after) for e in entries] == [(-2, "sale", 1)]
    with pytest.raises(services.InsufficientStock):
        services.stock_sell(location_id=store.pk, lines=[(shirt.variant_id, 1)])
    assert_ledger_true()


def test_a_multi_line_sale_is_all_or_nothing_and_names_every_short_line(store):
    a, b, c = (f.StockFactory(location=store, on_hand=n) for n in (5, 1, 0))
    with pytest.raises(services.InsufficientStock) as error:
        services.stock_sell(
            location_id=store.pk,
            lines=[services.Line(a.variant_id, 2), (b.variant_id, 2), (c.variant_id, 1)],
        )
    short = {line["variant_id"]: line for line in error.value.details["lines"]}
    assert set(short) == {b.variant_id, c.variant_id}
    assert short[b.variant_id]["requested"] == 2
    a.refresh_from_db()
    assert a.on_hand == 5
    assert StockMovement.objects.filter(reason="sale").count() == 0


def test_a_floor_sale_takes_the_same_number_of_queries_for_two_lines_or_twenty(store):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    stocks = [f.StockFactory(location=store, on_hand=5) for _ in range(20)]

    def sell(n):
        with CaptureQueriesContext(connection) as queries:
            services.stock_sell(location_id=store.pk, lines=[(s.variant_id, 1) for s in stocks[:n]])
        return len(queries)

    sell(2)  # warms the per-process cache of webhook subscriptions
    assert sell(20) == sell(2)
    assert {s.on_hand for s in Stock.objects.filter(pk__in=[s.pk for s in stocks])} == {2, 4}
    assert_ledger_true()


def test_selling_row_by_row_where_sqlite_is_too_old_for_one_statement(store, monkeypatch):
    from inventory.services import stock

    monkeypatch.setattr(stock, "can_reserve_many", lambda: False)
    a, b = f.StockFactory(location=store, on_hand=2), f.StockFactory(location=store, on_hand=1)
    with pytest.raises(services.InsufficientStock) as error:
        services.stock_sell(location_id=store.pk, lines=[(a.variant_id, 2), (b.variant_id, 2)])
    assert [line["variant_id"] for line in error.value.details["lines"]] == [b.variant_id]
    a.refresh_from_db()
    assert a.on_hand == 2
    entries = services.stock_sell(
        location_id=store.pk, lines=[(a.variant_id, 2), (b.variant_id, 1)]
    )
    assert sorted(e.on_hand_after for e in entries) == [0, 0]
    assert_ledger_true()


def test_restock_from_a_return_adds_to_on_hand(stock):
    ret = f.ReturnFactory(location=stock.location)
    entry = services.stock_restock_return(
        variant_id=stock.variant_id, location_id=stock.location_id, quantity=1, reference=ret
    )
    assert (entry.reason, entry.on_hand_after, entry.reference_type) == (
        "return_restock",
        11,
        "returns.return",
    )
    assert_ledger_true()


# --- reservations ---------------------------------------------------------------------


def test_reserve_keeps_the_safety_stock_back(store):
    store.safety_stock = 1
    store.save()
    shirt = f.StockFactory(location=store, on_hand=3)
    services.reservation_create(
        variant_id=shirt.variant_id, location_id=store.pk, quantity=2, kind=Kind.CART
    )
    with pytest.raises(services.InsufficientStock) as error:
        services.reservation_create(
            variant_id=shirt.variant_id, location_id=store.pk, quantity=1, kind=Kind.CART
        )
    assert error.value.details["lines"] == [
        {
            "variant_id": shirt.variant_id,
            "location_id": store.pk,
            "requested": 1,
            "salable": 0,
            "on_hand": 3,
        }
    ]
    shirt.refresh_from_db()
    assert (shirt.on_hand, shirt.reserved) == (3, 2)


def test_a_per_variant_safety_stock_overrides_the_locations(store):
    store.safety_stock = 3
    store.save()
    shirt = f.StockFactory(location=store, on_hand=3, safety_stock=0)
    services.reservation_create(
        variant_id=shirt.variant_id, location_id=store.pk, quantity=3, kind=Kind.ORDER
    )
    shirt.refresh_from_db()
    assert shirt.reserved == 3


def test_cart_and_pickup_holds_expire_by_default(stock, settings):
    settings.OMNI_CART_HOLD_MINUTES = 30
    settings.OMNI_PICKUP_HOLD_DAYS = 5
    now = timezone.now()
    cart = services.reservation_create(
        variant_id=stock.variant_id, location_id=stock.location_id, quantity=1, kind=Kind.CART
    )
    pickup = services.reservation_create(
        variant_id=stock.variant_id, location_id=stock.location_id, quantity=1, kind=Kind.PICKUP
    )
    order = services.reservation_create(
        variant_id=stock.variant_id, location_id=stock.location_id, quantity=1, kind=Kind.ORDER
    )
    assert dt.timedelta(minutes=29) < cart.expires_at - now <= dt.timedelta(minutes=31)
    assert dt.timedelta(days=4) < pickup.expires_at - now <= dt.timedelta(days=5, minutes=1)
    assert order.expires_at is None


def test_multi_line_reservation_is_all_or_nothing(store):
    a, b = f.StockFactory(location=store, on_hand=2), f.StockFactory(location=store, on_hand=1)
    other = f.LocationFactory()
    c = f.StockFactory(location=other, on_hand=4)
    with pytest.raises(services.InsufficientStock) as error:
        services.reservations_create(
            lines=[
                (a.variant_id, store.pk, 2),
                (b.variant_id, store.pk, 2),
                (c.variant_id, other.pk, 5),
            ],
            kind=Kind.CART,
        )
    assert {line["variant_id"] for line in error.value.details["lines"]} == {
        b.variant_id,
        c.variant_id,
    }
    assert not Reservation.objects.exists()
    assert set(Stock.objects.values_list("reserved", flat=True)) == {0}

    held = services.reservations_create(
        lines=[
            services.StockLine(a.variant_id, store.pk, 1),
            services.StockLine(a.variant_id, store.pk, 1),  # merged with the line above
            services.StockLine(c.variant_id, other.pk, 4),
        ],
        kind=Kind.ORDER,
        reference=("orders.order", 42),
    )
    assert sorted((r.stock_id, r.quantity) for r in held) == sorted([(a.pk, 2), (c.pk, 4)])
    assert {(r.reference_type, r.reference_id) for r in held} == {("orders.order", "42")}
    assert_ledger_true()


def test_reserving_a_variant_never_stocked_there_is_insufficient_stock(store):
    variant = f.VariantFactory()
    with pytest.raises(services.InsufficientStock) as error:
        services.reservation_create(
            variant_id=variant.pk, location_id=store.pk, quantity=1, kind=Kind.CART
        )
    assert error.value.details["lines"][0]["salable"] == 0


def test_release_is_idempotent(stock):
    held = services.reservation_create(
        variant_id=stock.variant_id, location_id=stock.location_id, quantity=4, kind=Kind.CART
    )
    services.reservation_release(reservation_id=held.pk)
    again = services.reservation_release(reservation_id=held.pk)
    stock.refresh_from_db()
    assert (again.status, stock.reserved) == ("released", 0)
    assert again.closed_at is not None
    with pytest.raises(services.ReservationNotFound) as error:
        services.reservation_release(reservation_id=999_999)
    assert error.value.http_status == 404


def test_commit_takes_units_out_of_on_hand_and_reserved_together(stock):
    order = f.OrderFactory()
    held = services.reservation_create(
        variant_id=stock.variant_id,
        location_id=stock.location_id,
        quantity=3,
        kind=Kind.ORDER,
        reference=order,
    )
    shipped = services.stock_ship(reservation_ids=[held.pk])
    assert shipped[0].status == "committed"
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved) == (7, 0)
    entry = StockMovement.objects.latest("id")
    assert (entry.delta, entry.reason, entry.reference_type, entry.reference_id) == (
        -3,
        "ship",
        "orders.order",
        str(order.pk),
    )
    # A retried commit is a no-op, not a second decrement.
    services.reservation_commit(reservation_id=held.pk, reason="ship")
    stock.refresh_from_db()
    assert stock.on_hand == 7
    assert_ledger_true()


def test_collect_and_floor_sale_of_a_held_unit(stock):
    pickup = services.reservation_create(
        variant_id=stock.variant_id, location_id=stock.location_id, quantity=1, kind=Kind.PICKUP
    )
    visit = services.reservation_create(
        variant_id=stock.variant_id, location_id=stock.location_id, quantity=2, kind=Kind.VISIT
    )
    services.stock_collect(reservation_ids=[pickup.pk])
    services.reservation_commit(reservation_id=visit.pk, reason="sale")
    assert list(
        StockMovement.objects.filter(delta__lt=0).order_by("id").values_list("reason", "delta")
    ) == [("pickup", -1), ("sale", -2)]
    assert_ledger_true()


def test_committing_a_released_hold_is_an_invalid_transition(stock):
    held = services.reservation_create(
        variant_id=stock.variant_id, location_id=stock.location_id, quantity=1, kind=Kind.CART
    )
    services.reservation_release(reservation_id=held.pk)
    with pytest.raises(services.InvalidTransition) as error:
        services.reservation_commit(reservation_id=held.pk, reason="ship")
    assert error.value.code == "invalid_transition"
    with pytest.raises(services.InvalidQuantity):
        services.reservation_commit(reservation_id=held.pk, reason="theft")


def test_convert_turns_a_cart_hold_into_an_order_hold(stock):
    held = services.reservation_create(
        variant_id=stock.variant_id, location_id=stock.location_id, quantity=2, kind=Kind.CART
    )
    order = f.OrderFactory()
    converted = services.reservation_convert(
        reservation_id=held.pk, kind=Kind.ORDER, reference=order
    )
    converted.refresh_from_db()
    assert (converted.kind, converted.expires_at, converted.reference_type) == (
        "order",
        None,
        "orders.order",
    )
    services.reservation_release(reservation_id=held.pk)
    with pytest.raises(services.InvalidTransition):
        services.reservation_convert(reservation_id=held.pk, kind=Kind.ORDER)


def test_a_visit_hold_replaces_the_earlier_visit_holds_of_its_reference_only(stock):
    shopping_list, other_list = f.ListFactory(), f.ListFactory()
    until = timezone.now() + dt.timedelta(hours=24)
    line = [(stock.variant_id, 2)]
    first = services.reservations_hold_for_visit(
        location_id=stock.location_id, lines=line, expires_at=until, reference=shopping_list
    )
    pickup = services.reservation_create(
        variant_id=stock.variant_id,
        location_id=stock.location_id,
        quantity=1,
        kind=Kind.PICKUP,
        reference=shopping_list,
    )
    elsewhere = services.reservations_hold_for_visit(
        location_id=stock.location_id, lines=line, expires_at=until, reference=other_list
    )
    again = services.reservations_hold_for_visit(
        location_id=stock.location_id,
        lines=[(stock.variant_id, 3)],
        expires_at=until,
        reference=shopping_list,
    )
    active = set(
        Reservation.objects.filter(status=Reservation.Status.ACTIVE).values_list("pk", flat=True)
    )
    assert active == {pickup.pk, elsewhere[0].pk, again[0].pk}
    assert first[0].pk not in active and again[0].kind == Kind.VISIT
    assert again[0].expires_at == until
    assert _stock(stock.variant, stock.location).reserved == 1 + 2 + 3
    # 10 on hand, 6 held: 8 for the other list is short even after letting go of its 2,
    # and then its earlier hold stays.
    with pytest.raises(services.InsufficientStock):
        services.reservations_hold_for_visit(
            location_id=stock.location_id,
            lines=[(stock.variant_id, 8)],
            expires_at=until,
            reference=other_list,
        )
    assert _stock(stock.variant, stock.location).reserved == 6
    assert_ledger_true()


def test_an_error_inside_a_callers_transaction_leaves_nothing_behind(stock):
    """Services nest: a failed service inside a caller's transaction rolls back its own
    partial work (savepoint) and the caller can carry on."""
    other = f.StockFactory(location=stock.location, on_hand=1)
    with transaction.atomic():
        with pytest.raises(services.InsufficientStock):
            services.reservations_create(
                lines=[
                    (stock.variant_id, stock.location_id, 1),
                    (other.variant_id, other.location_id, 9),
                ],
                kind=Kind.CART,
            )
        services.stock_receive(
            variant_id=other.variant_id, location_id=other.location_id, quantity=1
        )
    stock.refresh_from_db()
    assert stock.reserved == 0
    assert_ledger_true()


# --- expiry ---------------------------------------------------------------------------


def test_expiry_releases_only_expired_active_holds_in_batches(stock):
    now = timezone.now()
    for _ in range(5):
        services.reservation_create(
            variant_id=stock.variant_id,
            location_id=stock.location_id,
            quantity=1,
            kind=Kind.CART,
            expires_at=now - dt.timedelta(minutes=1),
        )
    fresh = services.reservation_create(
        variant_id=stock.variant_id, location_id=stock.location_id, quantity=1, kind=Kind.CART
    )
    order = services.reservation_create(
        variant_id=stock.variant_id, location_id=stock.location_id, quantity=1, kind=Kind.ORDER
    )
    assert services.reservations_expire(batch_size=2) == 5
    assert services.reservations_expire(batch_size=2) == 0  # running it again does nothing
    stock.refresh_from_db()
    assert stock.reserved == 2
    assert Reservation.objects.filter(status="expired").count() == 5
    assert {fresh.pk, order.pk} == set(
        Reservation.objects.filter(status="active").values_list("pk", flat=True)
    )
    assert_ledger_true()


# --- the ledger invariant, under any sequence of operations ------------------------------

OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "receive",
                "adjust",
                "count",
                "sell",
                "reserve",
                "release",
                "commit",
                "restock",
                "expire",
                "transfer",
            ]
        ),
        st.integers(min_value=0, max_value=2),  # which variant
        st.integers(min_value=0, max_value=1),  # which location
        st.integers(min_value=-6, max_value=8),  # an amount (bad ones included)
    ),
    max_size=30,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_ledger_sums_to_on_hand_after_any_sequence_of_operations(operations, store):
    other = f.WarehouseFactory()
    places = [store, other]
    variants = [f.VariantFactory() for _ in range(3)]
    for v in variants:
        f.StockFactory(variant=v, location=store, on_hand=3)
    store.safety_stock = 1
    store.save()
    past = timezone.now() - dt.timedelta(seconds=1)
    for op, vi, li, amount in operations:
        variant, location = variants[vi], places[li]
        kw = {"variant_id": variant.pk, "location_id": location.pk}
        try:
            if op == "receive":
                services.stock_receive(**kw, quantity=amount)
            elif op == "adjust":
                services.stock_adjust(**kw, delta=amount, reason="correction")
            elif op == "count":
                services.stock_cycle_count(**kw, counted=amount)
            elif op == "sell":
                services.stock_sell(location_id=location.pk, lines=[(variant.pk, amount)])
            elif op == "reserve":
                services.reservation_create(
                    **kw, quantity=amount, kind=Kind.CART, expires_at=past if amount % 2 else None
                )
            elif op == "restock":
                services.stock_restock_return(**kw, quantity=amount)
            elif op == "expire":
                services.reservations_expire()
            elif op == "transfer":
                transfer = services.transfer_request(
                    source_id=location.pk,
                    destination_id=places[1 - li].pk,
                    lines=[(variant.pk, amount)],
                )
                services.transfer_ship(transfer_id=transfer.pk)
                if amount % 2:
                    services.transfer_receive(transfer_id=transfer.pk)
            else:
                held = Reservation.objects.filter(status="active").order_by("id")
                held = held[amount % held.count()] if held.count() else None
                if held and op == "release":
                    services.reservation_release(reservation_id=held.pk)
                elif held:
                    services.reservation_commit(reservation_id=held.pk, reason="ship")
        except services.InventoryError:
            pass
        assert_ledger_true()


def test_holding_line_by_line_where_sqlite_is_too_old_for_one_statement(store, monkeypatch):
    from inventory.services import reservations

    monkeypatch.setattr(reservations, "can_reserve_many", lambda: False)
    a, b = f.StockFactory(location=store, on_hand=2), f.StockFactory(location=store, on_hand=1)
    with pytest.raises(services.InsufficientStock) as error:
        services.reservations_create(
            lines=[(a.variant_id, store.pk, 2), (b.variant_id, store.pk, 2)], kind=Kind.CART
        )
    assert [line["variant_id"] for line in error.value.details["lines"]] == [b.variant_id]
    held = services.reservations_create(
        lines=[(a.variant_id, store.pk, 2), (b.variant_id, store.pk, 1)], kind=Kind.CART
    )
    assert len(held) == 2
    assert_ledger_true()


def test_a_cart_hold_takes_the_same_number_of_queries_for_one_line_or_ten(store):
    stocks = [f.StockFactory(location=store, on_hand=5) for _ in range(10)]

    def hold(n):
        lines = [(s.variant_id, store.pk, 1) for s in stocks[:n]]
        services.reservations_create(lines=lines, kind=Kind.CART)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        hold(1)
    with CaptureQueriesContext(connection) as ten:
        hold(10)
    assert len(ten) == len(one)


# --- batch counts -------------------------------------------------------------------------


def test_a_batch_count_sets_every_row_in_one_go(store, django_assert_max_num_queries):
    rows = [f.StockFactory(location=store, on_hand=5) for _ in range(3)]
    other = f.LocationFactory()
    fresh_variant = f.VariantFactory()
    with django_assert_max_num_queries(12):
        result = services.stock_cycle_count_many(
            rows=[
                (rows[0].variant_id, store.pk, 2),
                (rows[1].variant_id, store.pk, 5),  # matches: no movement
                services.CountLine(rows[2].variant_id, store.pk, 9),
                (fresh_variant.pk, other.pk, 4),  # first count there: makes the stock row
            ],
            actor="pos:till-1",
            note="Aisle 4",
        )
    assert [(m.delta, m.on_hand_after) if m else None for m in result] == [
        (-3, 2),
        None,
        (4, 9),
        (4, 4),
    ]
    assert all(m.pk and m.reason == "cycle_count" and m.actor == "pos:till-1" for m in result if m)
    assert [_stock(r.variant, store).on_hand for r in rows] == [2, 5, 9]
    assert _stock(fresh_variant, other).on_hand == 4
    assert_ledger_true()


def test_a_batch_count_is_all_or_nothing_and_names_every_failing_row(store):
    held = f.StockFactory(location=store, on_hand=6)
    fine = f.StockFactory(location=store, on_hand=6)
    services.reservation_create(
        variant_id=held.variant_id, location_id=store.pk, quantity=4, kind=Kind.PICKUP
    )
    with pytest.raises(services.CountRejected) as rejected:
        services.stock_cycle_count_many(
            rows=[
                (fine.variant_id, store.pk, 1),
                (held.variant_id, store.pk, 3),  # 4 reserved
                (fine.variant_id, store.pk, 2),  # twice
                (fine.variant_id, store.pk + 999, 2),  # no such location
                (fine.variant_id + 999, store.pk, 2),  # no such SKU
                (fine.variant_id, f.LocationFactory().pk, -1),
            ]
        )
    codes = {i: e["code"] for i, e in rejected.value.details["rows"].items()}
    assert codes == {
        2: "duplicate",
        3: "unknown_location",
        4: "unknown_variant",
        5: "invalid_quantity",
    }
    # The reserved row is checked once the rows resolve; still nothing is written.
    with pytest.raises(services.CountRejected) as rejected:
        services.stock_cycle_count_many(
            rows=[(fine.variant_id, store.pk, 1), (held.variant_id, store.pk, 3)]
        )
    assert rejected.value.details["rows"][1]["code"] == "insufficient_stock"
    assert (_stock(fine.variant, store).on_hand, _stock(held.variant, store).on_hand) == (6, 6)
    assert not StockMovement.objects.filter(reason="cycle_count").exists()


def test_a_batch_count_takes_the_same_queries_for_5_rows_or_60(store):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    stock = [f.StockFactory(location=store, on_hand=10) for _ in range(60)]

    def queries(rows):
        with CaptureQueriesContext(connection) as captured:
            services.stock_cycle_count_many(rows=[(s.variant_id, store.pk, 3) for s in rows])
        return len(captured)

    queries(stock[:1])  # the first write reads (and caches) the webhook subscriptions
    assert queries(stock[:5]) == queries(stock[5:])
    assert_ledger_true()


def test_a_batch_count_agrees_with_counting_row_by_row(store):
    one_by_one = [f.StockFactory(location=store, on_hand=n) for n in (0, 4, 9)]
    batched = [f.StockFactory(location=store, on_hand=n) for n in (0, 4, 9)]
    figures = (3, 4, 1)
    singles = [
        services.stock_cycle_count(variant_id=s.variant_id, location_id=store.pk, counted=n)
        for s, n in zip(one_by_one, figures, strict=True)
    ]
    many = services.stock_cycle_count_many(
        rows=[(s.variant_id, store.pk, n) for s, n in zip(batched, figures, strict=True)]
    )
    assert [(m.delta, m.on_hand_after) if m else None for m in singles] == [
        (m.delta, m.on_hand_after) if m else None for m in many
    ]


# --- one movement path: availability and the stock.changed webhook ---------------------------


def test_every_movement_writer_schedules_availability_and_one_webhook_per_call(store, monkeypatch):
    from inventory.services import stock as stock_module
    from omni.api import webhooks

    scheduled, events = [], []
    monkeypatch.setattr(
        stock_module, "schedule_availability", lambda ids: scheduled.append(set(ids))
    )
    monkeypatch.setattr(
        webhooks, "webhook_stock_changed_record", lambda movements: events.append(list(movements))
    )
    a, b = f.VariantFactory(), f.VariantFactory()
    services.stock_receive(variant_id=a.pk, location_id=store.pk, quantity=5)
    services.stock_adjust(variant_id=a.pk, location_id=store.pk, delta=-1, reason="damage")
    services.stock_cycle_count(variant_id=a.pk, location_id=store.pk, counted=2)
    services.stock_receive(variant_id=b.pk, location_id=store.pk, quantity=3)
    services.stock_sell(location_id=store.pk, lines=[(a.pk, 1), (b.pk, 1)])
    services.stock_cycle_count_many(rows=[(a.pk, store.pk, 5), (b.pk, store.pk, 5)])
    assert [len(batch) for batch in events] == [1, 1, 1, 1, 2, 2]
    assert all(m.pk for batch in events for m in batch)
    assert scheduled == [{a.pk}, {a.pk}, {a.pk}, {b.pk}, {a.pk, b.pk}, {a.pk, b.pk}]
    assert_ledger_true()
