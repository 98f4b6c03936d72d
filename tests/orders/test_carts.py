"""Carts: quantities checked against what can be sold anywhere, recovery restarted by every
change, merged at login, restored on another device through a signed link."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from customers import services as customer_services
from customers.errors import InvalidContact
from orders import selectors, services
from orders.models import Cart, CartLine
from tests import factories as f
from tests.orders.helpers import make_variant, place, receive

pytestmark = pytest.mark.django_db


def quantities(cart) -> dict[int, int]:
    return dict(CartLine.objects.filter(cart=cart).values_list("variant_id", "quantity"))


@pytest.fixture
def stocked(places, variant):
    receive(variant, places["warehouse"], 3)
    return variant


# --- getting a cart -----------------------------------------------------------------------


def test_a_guest_keeps_one_cart_per_session(places):
    first = services.cart_get_or_create(session_key="abc", store=places["springfield"])
    again = services.cart_get_or_create(session_key="abc")
    other = services.cart_get_or_create(session_key="xyz")

    assert first == again
    assert other != first
    assert again.store == places["springfield"]
    assert first.user is None and first.status == Cart.Status.OPEN


def test_a_member_cart_knows_their_email_and_customer(db):
    user = f.UserFactory(email="Member@Example.com")
    customer = customer_services.customer_resolve(email="member@example.com", user=user)

    cart = services.cart_get_or_create(user=user)

    assert services.cart_get_or_create(user=user) == cart
    assert (cart.user, cart.customer, cart.email) == (user, customer, "member@example.com")


def test_a_cart_without_user_or_session_is_new_each_time(db):
    assert services.cart_get_or_create() != services.cart_get_or_create()


# --- adding and changing lines ------------------------------------------------------------


def test_adding_twice_adds_up_and_restarts_recovery(stocked):
    cart = services.cart_get_or_create(session_key="s")
    services.cart_attach_email(cart=cart, email="ana@example.com")

    before = timezone.now()
    services.cart_add(cart=cart, variant_id=stocked.pk, quantity=1)
    line = services.cart_add(cart=cart, variant_id=stocked.pk, quantity=2)

    assert line.quantity == 3
    cart.refresh_from_db()
    assert cart.last_activity_at >= before
    assert cart.recovery_stage == 0
    expected = cart.last_activity_at + dt.timedelta(minutes=60)
    assert cart.recovery_due_at == expected


def test_recovery_stages_come_from_settings(stocked, settings):
    settings.OMNI_ABANDONED_CART_STAGES = [15, 60]
    cart = services.cart_get_or_create(session_key="s")
    services.cart_attach_email(cart=cart, email="ana@example.com")
    cart.recovery_stage = 1
    cart.save()

    services.cart_add(cart=cart, variant_id=stocked.pk, quantity=1)

    cart.refresh_from_db()
    assert cart.recovery_stage == 0
    assert cart.recovery_due_at == cart.last_activity_at + dt.timedelta(minutes=15)


def test_a_cart_without_email_has_nothing_due(stocked):
    cart = services.cart_get_or_create(session_key="s")
    services.cart_add(cart=cart, variant_id=stocked.pk, quantity=1)

    cart.refresh_from_db()
    assert cart.recovery_due_at is None


def test_more_than_is_salable_says_how_many_are_left(stocked):
    cart = services.cart_get_or_create(session_key="s")
    services.cart_add(cart=cart, variant_id=stocked.pk, quantity=2)

    with pytest.raises(services.InsufficientStock) as caught:
        services.cart_add(cart=cart, variant_id=stocked.pk, quantity=2)

    assert caught.value.message == f"Only 3 left of {stocked.product.name} (Navy / M)."
    assert caught.value.details["lines"][0]["available"] == 3
    assert quantities(cart) == {stocked.pk: 2}


def test_salable_counts_shipping_locations_and_pickup_stores_only(places, variant):
    receive(variant, places["warehouse"], 2)  # ships
    receive(variant, places["springfield"], 1)  # pickup store
    back_room = f.LocationFactory(offers_pickup=False, ships_online_orders=False)
    receive(variant, back_room, 50)  # sells nothing online
    places["peoria"].safety_stock = 1
    places["peoria"].save()
    receive(variant, places["peoria"], 1)  # all of it kept back as safety stock

    assert selectors.salable_for_sale(variant_ids=[variant.pk]) == {variant.pk: 3}


def test_an_item_out_of_stock_everywhere(places, variant):
    cart = services.cart_get_or_create(session_key="s")
    with pytest.raises(services.InsufficientStock) as caught:
        services.cart_add(cart=cart, variant_id=variant.pk, quantity=1)
    assert "out of stock" in caught.value.message


@pytest.mark.parametrize("quantity", [0, -1, 21, 1.5, True])
def test_quantities_out_of_range_are_refused(stocked, quantity):
    cart = services.cart_get_or_create(session_key="s")
    with pytest.raises(services.CartQuantityError) as caught:
        services.cart_add(cart=cart, variant_id=stocked.pk, quantity=quantity)
    assert caught.value.code == "invalid_quantity"
    assert not quantities(cart)


def test_the_per_line_maximum_counts_what_is_already_there(places, variant, settings):
    receive(variant, places["warehouse"], 100)
    cart = services.cart_get_or_create(session_key="s")
    services.cart_add(cart=cart, variant_id=variant.pk, quantity=15)

    with pytest.raises(services.CartQuantityError) as caught:
        services.cart_add(cart=cart, variant_id=variant.pk, quantity=6)

    assert "at most 20" in caught.value.message
    assert quantities(cart) == {variant.pk: 15}


def test_items_no_longer_sold_cannot_be_added(places):
    retired = make_variant(is_active=False)
    unpriced = f.VariantFactory()
    receive(retired, places["warehouse"], 5)
    receive(unpriced, places["warehouse"], 5)
    cart = services.cart_get_or_create(session_key="s")

    for variant in (retired, unpriced):
        with pytest.raises(services.VariantUnavailable):
            services.cart_add(cart=cart, variant_id=variant.pk, quantity=1)


def test_set_quantity_zero_removes_and_lowering_is_always_allowed(places, variant):
    receive(variant, places["warehouse"], 3)
    cart = services.cart_get_or_create(session_key="s")
    services.cart_add(cart=cart, variant_id=variant.pk, quantity=3)
    # Someone else buys two: the shopper can still go down, not up.
    place([(variant.pk, 2)])

    assert services.cart_set_quantity(cart=cart, variant_id=variant.pk, quantity=2).quantity == 2
    with pytest.raises(services.InsufficientStock):
        services.cart_set_quantity(cart=cart, variant_id=variant.pk, quantity=3)
    assert services.cart_set_quantity(cart=cart, variant_id=variant.pk, quantity=0) is None
    assert quantities(cart) == {}


def test_remove_takes_the_line_out_and_nothing_is_due_for_an_empty_cart(stocked):
    cart = services.cart_get_or_create(session_key="s")
    services.cart_attach_email(cart=cart, email="ana@example.com")
    services.cart_add(cart=cart, variant_id=stocked.pk, quantity=1)

    services.cart_remove(cart=cart, variant_id=stocked.pk)
    services.cart_remove(cart=cart, variant_id=stocked.pk)  # nothing there: no error

    cart.refresh_from_db()
    assert quantities(cart) == {}
    assert cart.recovery_due_at is None


def test_a_checked_out_cart_cannot_change(stocked):
    cart = services.cart_get_or_create(session_key="s")
    services.cart_add(cart=cart, variant_id=stocked.pk, quantity=1)
    place(cart=cart)

    for change in (
        lambda: services.cart_add(cart=cart, variant_id=stocked.pk, quantity=1),
        lambda: services.cart_set_quantity(cart=cart, variant_id=stocked.pk, quantity=2),
        lambda: services.cart_remove(cart=cart, variant_id=stocked.pk),
        lambda: services.cart_attach_email(cart=cart, email="x@example.com"),
    ):
        with pytest.raises(services.InvalidTransition) as caught:
            change()
        assert "already been checked out" in caught.value.message


def test_attach_email_normalises_and_links_the_customer(stocked):
    customer = customer_services.customer_resolve(email="ana@example.com")
    cart = services.cart_get_or_create(session_key="s")
    services.cart_add(cart=cart, variant_id=stocked.pk, quantity=1)

    services.cart_attach_email(cart=cart, email="  Ana@Example.COM ")

    cart.refresh_from_db()
    assert (cart.email, cart.customer) == ("ana@example.com", customer)
    assert cart.recovery_due_at is not None
    with pytest.raises(InvalidContact):
        services.cart_attach_email(cart=cart, email="not an email")


# --- login: merge -------------------------------------------------------------------------


def test_merge_adds_quantities_capped_by_stock_and_drops_retired_items(places):
    shirt, socks, retired = make_variant(), make_variant("5.00"), make_variant()
    receive(shirt, places["warehouse"], 3)
    receive(socks, places["warehouse"], 10)
    receive(retired, places["warehouse"], 10)
    guest = services.cart_get_or_create(session_key="guest")
    member = services.cart_get_or_create(session_key="member-device")
    services.cart_add(cart=guest, variant_id=shirt.pk, quantity=2)
    services.cart_add(cart=guest, variant_id=socks.pk, quantity=1)
    services.cart_add(cart=guest, variant_id=retired.pk, quantity=1)
    services.cart_add(cart=member, variant_id=shirt.pk, quantity=2)
    retired.is_active = False
    retired.save()

    result = services.cart_merge(source=guest, target=member)

    assert result == member
    assert quantities(member) == {shirt.pk: 3, socks.pk: 1}
    guest.refresh_from_db()
    assert guest.status == Cart.Status.MERGED


def test_login_adopts_the_guest_cart_or_merges_it(places, variant):
    receive(variant, places["warehouse"], 5)
    user = f.UserFactory(email="member@example.com")
    guest = services.cart_get_or_create(session_key="device-1")
    services.cart_add(cart=guest, variant_id=variant.pk, quantity=1)

    adopted = services.cart_for_login(user=user, session_key="device-1")
    assert adopted == guest
    assert (adopted.user, adopted.email) == (user, "member@example.com")

    other_device = services.cart_get_or_create(session_key="device-2")
    services.cart_add(cart=other_device, variant_id=variant.pk, quantity=2)
    merged = services.cart_for_login(user=user, session_key="device-2")

    assert merged == guest
    assert quantities(merged) == {variant.pk: 3}
    other_device.refresh_from_db()
    assert other_device.status == Cart.Status.MERGED


# --- restore links ------------------------------------------------------------------------


def _abandoned(variant) -> Cart:
    cart = services.cart_get_or_create(session_key="laptop")
    services.cart_attach_email(cart=cart, email="ana@example.com")
    services.cart_add(cart=cart, variant_id=variant.pk, quantity=2)
    return cart


def test_restore_rebuilds_the_lines_on_this_device(places):
    kept, retired = make_variant(), make_variant()
    receive(kept, places["warehouse"], 5)
    receive(retired, places["warehouse"], 5)
    cart = _abandoned(kept)
    services.cart_add(cart=cart, variant_id=retired.pk, quantity=1)
    retired.is_active = False
    retired.save()
    token = services.cart_restore_token(cart)
    assert cart.token in token and str(cart.pk) != token.split(":")[0]
    phone = services.cart_get_or_create(session_key="phone")

    restored = services.cart_restore(token=token, into=phone)

    assert restored == phone
    assert quantities(phone) == {kept.pk: 2}
    phone.refresh_from_db()
    assert phone.email == "ana@example.com"
    cart.refresh_from_db()
    assert cart.status == Cart.Status.MERGED  # no more reminders for the laptop's cart
    # The link keeps working: clicked again, it brings the items back once more.
    again = services.cart_restore(token=token, into=services.cart_get_or_create(session_key="x"))
    assert quantities(again) == {kept.pk: 2}


def test_restore_without_a_cart_here_reopens_the_same_cart(stocked):
    cart = _abandoned(stocked)
    restored = services.cart_restore(token=services.cart_restore_token(cart))
    assert restored == cart
    assert restored.status == Cart.Status.OPEN


def test_a_tampered_link_is_refused(stocked):
    token = services.cart_restore_token(_abandoned(stocked))
    with pytest.raises(services.CartRestoreInvalid) as caught:
        services.cart_restore(token=token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert caught.value.code == "restore_link_invalid"
    with pytest.raises(services.CartRestoreInvalid):
        services.cart_restore(token="no-signature-here")


def test_an_old_link_has_expired(stocked):
    token = services.cart_restore_token(_abandoned(stocked))
    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=31)),
        pytest.raises(services.CartRestoreInvalid) as caught,
    ):
        services.cart_restore(token=token)
    assert caught.value.code == "restore_link_expired"
    assert services.cart_restore(token=token, max_age=dt.timedelta(days=60))


def test_a_bought_cart_cannot_be_restored(stocked):
    cart = _abandoned(stocked)
    token = services.cart_restore_token(cart)
    place(cart=cart)
    with pytest.raises(services.CartRestoreInvalid) as caught:
        services.cart_restore(token=token)
    assert caught.value.code == "restore_link_used"


# --- the cart page ------------------------------------------------------------------------


def _cart_of(places, lines: int) -> Cart:
    cart = services.cart_get_or_create(session_key=f"summary-{lines}")
    for _ in range(lines):
        v = make_variant("12.50")
        receive(v, places["warehouse"], 2)
        services.cart_add(cart=cart, variant_id=v.pk, quantity=2)
    return cart


def test_cart_summary_prices_the_lines_in_constant_queries(places, django_assert_num_queries):
    small, large = _cart_of(places, 1), _cart_of(places, 6)

    with django_assert_num_queries(3):
        summary = selectors.cart_summary(cart=small)
        [line.variant.product.name for line in summary.lines]
    with django_assert_num_queries(3):
        summary = selectors.cart_summary(cart=large)
        [line.variant.product.name for line in summary.lines]

    assert summary.item_count == 12
    assert str(summary.subtotal) == "150.00"
    assert all(line.is_available and line.only_few_left for line in summary.lines)
    assert summary.can_check_out
