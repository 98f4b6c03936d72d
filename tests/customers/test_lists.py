"""Lists shared by the shopper and the store: adding (by the shopper or an associate),
sharing, sending to a store, the store's queue states, and holding the items for a
visit — every change on the timeline, associates' additions emailed with consent."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from customers import selectors, services
from customers.errors import (
    CustomerNotFound,
    InvalidList,
    InvalidTransition,
    LocationNotAvailable,
    SizeNotChosen,
)
from customers.models import ConsentState, ContactChannel, Interaction, List, ListItem
from inventory.errors import InsufficientStock
from inventory.models import Reservation, Stock
from omni.models import OutboxMessage
from orders import services as order_services
from tests import factories as f
from tests.inventory.checks import assert_ledger_true

pytestmark = pytest.mark.django_db


def list_changes(customer) -> int:
    return Interaction.objects.filter(customer=customer, kind=Interaction.Kind.LIST_CHANGE).count()


@pytest.fixture
def wishlist(customer):
    return services.list_create(customer=customer, name="Autumn", kind=List.Kind.WISHLIST)


def test_creating_a_list_is_on_the_timeline(customer, wishlist):
    assert wishlist.customer == customer and wishlist.kind == List.Kind.WISHLIST
    entry = Interaction.objects.get(customer=customer, kind=Interaction.Kind.LIST_CHANGE)
    assert "Autumn" in entry.summary and entry.subject_id == str(wishlist.pk)
    with pytest.raises(InvalidList):
        services.list_create(customer=customer, name="  ", kind=List.Kind.WISHLIST)
    with pytest.raises(InvalidList):
        services.list_create(customer=customer, name="x", kind="bucket")


def test_the_same_size_twice_adds_to_its_quantity(customer, wishlist):
    variant = f.VariantFactory()
    first = services.list_add_item(shopping_list=wishlist, product=variant.product, variant=variant)
    again = services.list_add_item(
        shopping_list=wishlist, product=variant.product, variant=variant, quantity=2
    )
    assert again.pk == first.pk and again.quantity == 3
    assert ListItem.objects.filter(list=wishlist).count() == 1
    assert list_changes(customer) == 3  # created, added, added again


def test_choosing_a_size_fills_in_the_product_saved_without_one(wishlist):
    variant = f.VariantFactory()
    sizeless = services.list_add_item(shopping_list=wishlist, product=variant.product)
    sized = services.list_add_item(shopping_list=wishlist, product=variant.product, variant=variant)
    assert sized.pk == sizeless.pk and sized.variant == variant and sized.quantity == 1


def test_a_size_of_another_product_or_a_bad_quantity_is_refused(wishlist):
    variant, other = f.VariantFactory(), f.ProductFactory()
    with pytest.raises(InvalidList):
        services.list_add_item(shopping_list=wishlist, product=other, variant=variant)
    with pytest.raises(InvalidList):
        services.list_add_item(shopping_list=wishlist, product=variant.product, quantity=0)


def test_an_associates_addition_says_who_and_emails_the_shopper_with_consent(
    customer, wishlist, associate, django_capture_on_commit_callbacks
):
    services.consent_set(
        customer=customer,
        channel=ContactChannel.EMAIL,
        state=ConsentState.ONE_TO_ONE,
        source="store",
    )
    variant = f.VariantFactory(size="38")
    with django_capture_on_commit_callbacks(execute=True):
        item = services.list_add_item(
            shopping_list=wishlist, product=variant.product, variant=variant, associate=associate
        )
    assert item.added_by_associate == associate and item.added_by_name == "Maya"
    entry = Interaction.objects.filter(kind=Interaction.Kind.LIST_CHANGE).first()
    assert entry.associate == associate and entry.summary.startswith("Maya added")
    (email,) = mail.outbox
    assert email.to == ["ana@example.com"]
    assert "Maya" in email.subject and variant.product.name in email.body
    assert "38" in email.body
    assert Interaction.objects.filter(customer=customer, kind=Interaction.Kind.EMAIL).exists()
    # The same item added again: no second email.
    with django_capture_on_commit_callbacks(execute=True):
        services.list_add_item(
            shopping_list=wishlist, product=variant.product, variant=variant, associate=associate
        )
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("state", "emailed"),
    [(ConsentState.MARKETING, True), (ConsentState.ONE_TO_ONE, True), (ConsentState.NONE, False)],
)
def test_the_email_follows_consent(
    customer, wishlist, associate, state, emailed, django_capture_on_commit_callbacks
):
    services.consent_set(customer=customer, channel="email", state=state, source="web")
    variant = f.VariantFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.list_add_item(
            shopping_list=wishlist, product=variant.product, variant=variant, associate=associate
        )
    assert len(mail.outbox) == int(emailed)


def test_the_shopper_adding_an_item_gets_no_email(
    customer, wishlist, django_capture_on_commit_callbacks
):
    services.consent_set(customer=customer, channel="email", state="marketing", source="web")
    variant = f.VariantFactory()
    with django_capture_on_commit_callbacks(execute=True):
        item = services.list_add_item(
            shopping_list=wishlist, product=variant.product, variant=variant
        )
    assert item.added_by_associate is None and item.added_by_name == ""
    assert not mail.outbox and not OutboxMessage.objects.exists()


def test_consent_withdrawn_before_the_send_stops_the_email(
    customer, wishlist, associate, django_capture_on_commit_callbacks
):
    services.consent_set(customer=customer, channel="email", state="marketing", source="web")
    variant = f.VariantFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.list_add_item(
            shopping_list=wishlist, product=variant.product, variant=variant, associate=associate
        )
    services.consent_set(customer=customer, channel="email", state="none", source="web")
    for callback in callbacks:
        callback()
    assert not mail.outbox


def test_removing_an_item(customer, wishlist):
    variant = f.VariantFactory()
    item = services.list_add_item(shopping_list=wishlist, product=variant.product, variant=variant)
    other_list = services.list_create(customer=f.CustomerFactory(), name="x", kind="wishlist")
    with pytest.raises(CustomerNotFound):
        services.list_remove_item(shopping_list=other_list, item_id=item.pk)
    services.list_remove_item(shopping_list=wishlist, item_id=item.pk)
    assert not ListItem.objects.exists()
    assert "Removed" in Interaction.objects.filter(kind="list_change").first().summary


def test_sharing_gives_a_token_and_unsharing_kills_the_link(wishlist):
    token = services.list_share(shopping_list=wishlist)
    assert token == wishlist.share_token and wishlist.is_shared
    assert services.list_share(shopping_list=wishlist) == token
    assert selectors.list_shared(token=token).pk == wishlist.pk
    services.list_unshare(shopping_list=wishlist)
    with pytest.raises(CustomerNotFound):
        selectors.list_shared(token=token)


def test_sending_to_a_store_puts_the_list_in_its_queue(wishlist, store):
    variant = f.VariantFactory()
    services.list_add_item(shopping_list=wishlist, product=variant.product, variant=variant)
    visit = timezone.localdate() + dt.timedelta(days=2)
    sent = services.list_send_to_store(shopping_list=wishlist, location=store, visit_date=visit)
    assert sent.sent_to_location == store and sent.store_status == List.StoreStatus.NEW
    assert sent.sent_at is not None and sent.visit_planned_for == visit
    assert [sl.pk for sl in selectors.lists_sent_to_store(location=store)] == [wishlist.pk]


def test_only_an_active_store_takes_lists(wishlist):
    variant = f.VariantFactory()
    services.list_add_item(shopping_list=wishlist, product=variant.product, variant=variant)
    for place in (f.WarehouseFactory(), f.LocationFactory(is_active=False)):
        with pytest.raises(LocationNotAvailable):
            services.list_send_to_store(shopping_list=wishlist, location=place)
    with pytest.raises(InvalidList):
        services.list_send_to_store(
            shopping_list=wishlist, location=f.LocationFactory(), visit_date=dt.date(2000, 1, 1)
        )


def test_the_store_moves_a_list_forward_only(wishlist, store, associate):
    with pytest.raises(InvalidTransition):  # not sent yet
        services.list_set_store_status(
            shopping_list=wishlist, status="prepared", associate=associate
        )
    variant = f.VariantFactory()
    services.list_add_item(shopping_list=wishlist, product=variant.product, variant=variant)
    services.list_send_to_store(shopping_list=wishlist, location=store)
    prepared = services.list_set_store_status(
        shopping_list=wishlist, status=List.StoreStatus.PREPARED, associate=associate
    )
    assert prepared.store_status == List.StoreStatus.PREPARED
    visited = services.list_set_store_status(
        shopping_list=wishlist, status=List.StoreStatus.VISITED, associate=associate
    )
    assert visited.store_status == List.StoreStatus.VISITED
    with pytest.raises(InvalidTransition) as exc:
        services.list_set_store_status(
            shopping_list=wishlist, status=List.StoreStatus.PREPARED, associate=associate
        )
    assert exc.value.code == "invalid_transition"
    entry = Interaction.objects.filter(kind="list_change").first()
    assert entry.associate == associate and entry.location == store


def test_holding_a_list_for_a_visit_reserves_every_item_here(customer, wishlist, store, associate):
    shirt, shoes = f.VariantFactory(), f.VariantFactory()
    f.StockFactory(variant=shirt, location=store, on_hand=3)
    f.StockFactory(variant=shoes, location=store, on_hand=1)
    services.list_add_item(shopping_list=wishlist, product=shirt.product, variant=shirt, quantity=2)
    services.list_add_item(shopping_list=wishlist, product=shoes.product, variant=shoes)
    services.list_send_to_store(shopping_list=wishlist, location=store)
    holds = order_services.list_hold_for_visit(
        shopping_list=wishlist, location=store, associate=associate, hours=24
    )
    assert {(h.stock.variant_id, h.quantity) for h in holds} == {(shirt.pk, 2), (shoes.pk, 1)}
    assert {h.kind for h in holds} == {Reservation.Kind.VISIT}
    expiry = holds[0].expires_at - timezone.now()
    assert dt.timedelta(hours=23) < expiry <= dt.timedelta(hours=24)
    assert Stock.objects.get(variant=shirt, location=store).reserved == 2
    wishlist.refresh_from_db()
    assert wishlist.store_status == List.StoreStatus.PREPARED
    # Holding again replaces the earlier holds rather than doubling them.
    order_services.list_hold_for_visit(shopping_list=wishlist, location=store, associate=associate)
    assert Stock.objects.get(variant=shirt, location=store).reserved == 2
    assert Reservation.objects.filter(status=Reservation.Status.ACTIVE).count() == 2
    assert_ledger_true()


def test_a_hold_is_all_or_nothing_and_names_the_short_items(wishlist, store, associate):
    shirt = f.VariantFactory(product__name="Linen shirt", size="M")
    scarf = f.VariantFactory(product__name="Silk scarf", size="", colour="Red")
    f.StockFactory(variant=shirt, location=store, on_hand=3)
    f.StockFactory(variant=scarf, location=store, on_hand=1)
    services.list_add_item(shopping_list=wishlist, product=shirt.product, variant=shirt)
    services.list_add_item(shopping_list=wishlist, product=scarf.product, variant=scarf, quantity=2)
    with pytest.raises(InsufficientStock) as exc:
        order_services.list_hold_for_visit(
            shopping_list=wishlist, location=store, associate=associate
        )
    assert "Silk scarf (Red)" in exc.value.message and "1 of 2" in exc.value.message
    assert "Linen shirt" not in exc.value.message
    assert exc.value.code == "insufficient_stock"
    assert not Reservation.objects.exists()
    assert set(Stock.objects.values_list("reserved", flat=True)) == {0}


def test_a_hold_needs_sizes_chosen(wishlist, store, associate):
    product = f.ProductFactory(name="Blazer")
    services.list_add_item(shopping_list=wishlist, product=product)
    with pytest.raises(SizeNotChosen) as exc:
        order_services.list_hold_for_visit(
            shopping_list=wishlist, location=store, associate=associate
        )
    assert "Blazer" in exc.value.message


def test_a_hold_inventory_refuses_writes_nothing_of_the_hold(customer, wishlist, store, associate):
    # Orders makes the hold: customers checks and locks the list, inventory reserves, then
    # customers records it. Short stock stops it before the list changes.
    shirt = f.VariantFactory()
    f.StockFactory(variant=shirt, location=store, on_hand=1)
    services.list_add_item(shopping_list=wishlist, product=shirt.product, variant=shirt, quantity=2)
    services.list_send_to_store(shopping_list=wishlist, location=store)
    before = list_changes(customer)
    with pytest.raises(InsufficientStock):
        order_services.list_hold_for_visit(
            shopping_list=wishlist, location=store, associate=associate
        )
    assert not Reservation.objects.exists()
    assert list_changes(customer) == before
    wishlist.refresh_from_db()
    assert wishlist.store_status == List.StoreStatus.NEW


def test_a_hold_that_cannot_be_recorded_lets_go_of_its_reservations(
    monkeypatch, customer, wishlist, store, associate
):
    # One transaction: the reservations are made before the list is marked, so a failure
    # while recording the hold rolls them back too.
    shirt = f.VariantFactory()
    f.StockFactory(variant=shirt, location=store, on_hand=3)
    services.list_add_item(shopping_list=wishlist, product=shirt.product, variant=shirt)
    services.list_send_to_store(shopping_list=wishlist, location=store)

    def failing_record(**kwargs):
        assert Reservation.objects.filter(status=Reservation.Status.ACTIVE).count() == 1
        raise InvalidList("The timeline is unavailable.")

    monkeypatch.setattr(services, "list_hold_record", failing_record)
    with pytest.raises(InvalidList):
        order_services.list_hold_for_visit(
            shopping_list=wishlist, location=store, associate=associate
        )
    assert not Reservation.objects.exists()
    assert set(Stock.objects.values_list("reserved", flat=True)) == {0}
    wishlist.refresh_from_db()
    assert wishlist.store_status == List.StoreStatus.NEW
