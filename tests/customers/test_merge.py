"""Merging duplicate customers: everything the person has, in every app, ends up on the
surviving record; the duplicate stays, closed, pointing at it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from customers import selectors, services
from customers.errors import MergeNotAllowed
from customers.models import (
    Consent,
    ConsentChange,
    Customer,
    CustomerIdentity,
    Interaction,
    SizePreference,
)
from customers.signals import customer_merged
from omni.models import EmailLog
from orders.models import Cart, Order
from returns.models import Return
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(db):
    """Ana as she signed up online, and the record a store made for her by phone."""
    target = services.customer_resolve(email="ana@example.com", first_name="Ana")
    source = services.customer_resolve(
        phone="212 555 0101", first_name="Ana", last_name="Lima", source="store"
    )
    return source, target


def test_everything_moves_to_the_surviving_record(pair, associate, store):
    source, target = pair
    order = f.OrderFactory(customer=source)
    returned = f.ReturnFactory(order=order, customer=source)
    cart = f.CartFactory(customer=source)
    shopping_list = f.ListFactory(customer=source)
    note = f.CustomerNoteFactory(customer=source)
    task = f.FollowUpTaskFactory(customer=source, location=store)
    visit = f.InteractionFactory(customer=source)
    f.LoyaltyEntryFactory(customer=source, points=120)
    f.LoyaltyEntryFactory(customer=target, points=30)
    f.StoreCreditEntryFactory(customer=source, amount=Decimal("15.00"))
    log = f.EmailLogFactory(customer_id_ref=source.pk)
    access = f.CustomerAccessLogFactory(customer=source)

    merged = services.customer_merge(source=source, target=target, associate=associate)

    assert merged.pk == target.pk
    assert set(CustomerIdentity.objects.values_list("customer_id", flat=True)) == {target.pk}
    for row in (order, returned, cart, shopping_list, note, task, visit, access):
        row.refresh_from_db()
        assert row.customer_id == target.pk, type(row).__name__
    assert selectors.loyalty_balance(customer=target) == 150
    assert selectors.store_credit_balance(customer=target) == Decimal("15.00")
    assert selectors.loyalty_balance(customer=source) == 0
    log.refresh_from_db()
    assert log.customer_id_ref == target.pk
    source.refresh_from_db()
    assert source.merged_into == target and not source.is_active
    entry = Interaction.objects.filter(customer=target, kind=Interaction.Kind.ACCOUNT).first()
    assert entry.associate == associate and f"#{source.pk}" in entry.summary


def test_the_target_keeps_its_details_and_fills_its_blanks(pair, associate):
    source, target = pair
    user = f.UserFactory()
    Customer.objects.filter(pk=source.pk).update(
        loyalty_number="L000000777", user=user, preferences={"fit": "slim", "colour": "navy"}
    )
    Customer.objects.filter(pk=target.pk).update(preferences={"colour": "green"})
    source.refresh_from_db()
    target.refresh_from_db()
    services.customer_merge(source=source, target=target, associate=associate)
    target.refresh_from_db()
    assert target.first_name == "Ana" and target.last_name == "Lima"
    assert target.email == "ana@example.com" and target.phone == "+12125550101"
    assert target.loyalty_number == "L000000777" and target.user == user
    assert target.preferences == {"fit": "slim", "colour": "green"}
    # The merged customer is now found by the phone number the store had.
    assert services.customer_resolve(phone="2125550101").pk == target.pk


def test_the_more_recent_consent_wins_per_channel_and_history_moves(pair, associate):
    source, target = pair
    services.consent_set(customer=target, channel="email", state="marketing", source="web")
    services.consent_set(customer=source, channel="email", state="none", source="store")
    services.consent_set(customer=source, channel="sms", state="one_to_one", source="store")
    Consent.objects.filter(customer=target, channel="email").update(
        changed_at=timezone.now() - dt.timedelta(days=30)
    )
    services.consent_set(customer=target, channel="phone", state="marketing", source="web")
    Consent.objects.filter(customer=source, channel="email").update(
        changed_at=timezone.now() - dt.timedelta(days=1)
    )
    services.customer_merge(source=source, target=target, associate=associate)
    states = dict(Consent.objects.filter(customer=target).values_list("channel", "state"))
    assert states == {"email": "none", "sms": "one_to_one", "phone": "marketing"}
    assert not Consent.objects.filter(customer=source).exists()
    assert ConsentChange.objects.filter(customer=target).count() == 4


def test_an_edited_size_beats_a_learned_one(pair, associate):
    source, target = pair
    f.SizePreferenceFactory(customer=target, size_group="tops", size="L", source="learned")
    f.SizePreferenceFactory(customer=source, size_group="tops", size="M", source="edited")
    f.SizePreferenceFactory(customer=source, size_group="shoes", size="39")
    services.customer_merge(source=source, target=target, associate=associate)
    sizes = dict(SizePreference.objects.filter(customer=target).values_list("size_group", "size"))
    assert sizes == {"tops": "M", "shoes": "39"}
    assert not SizePreference.objects.filter(customer=source).exists()


def test_higher_apps_hear_about_the_merge_inside_its_transaction(pair, associate):
    source, target = pair
    heard = []

    def listener(sender, *, source_id, target_id, **kwargs):
        heard.append((source_id, target_id))

    customer_merged.connect(listener)
    try:
        services.customer_merge(source=source, target=target, associate=associate)
    finally:
        customer_merged.disconnect(listener)
    assert heard == [(source.pk, target.pk)]


def test_a_failing_listener_rolls_the_merge_back(pair, associate):
    source, target = pair
    order = f.OrderFactory(customer=source)

    def refuse(sender, **kwargs):
        raise RuntimeError("cannot move")

    customer_merged.connect(refuse)
    try:
        with pytest.raises(RuntimeError):
            services.customer_merge(source=source, target=target, associate=associate)
    finally:
        customer_merged.disconnect(refuse)
    source.refresh_from_db()
    assert source.is_active and source.merged_into is None
    assert CustomerIdentity.objects.filter(customer=source).exists()
    assert Order.objects.get(pk=order.pk).customer_id == source.pk


def test_merges_that_make_no_sense_are_refused(pair, associate):
    source, target = pair
    with pytest.raises(MergeNotAllowed):
        services.customer_merge(source=target, target=target, associate=associate)
    services.customer_merge(source=source, target=target, associate=associate)
    with pytest.raises(MergeNotAllowed):  # twice
        services.customer_merge(source=source, target=target, associate=associate)
    with pytest.raises(MergeNotAllowed):  # into a closed record
        services.customer_merge(source=f.CustomerFactory(), target=source, associate=associate)


def test_records_merged_earlier_follow_to_the_new_survivor(pair, associate):
    source, target = pair
    older = f.CustomerFactory()
    services.customer_merge(source=older, target=source, associate=associate)
    services.customer_merge(source=source, target=target, associate=associate)
    older.refresh_from_db()
    assert older.merged_into == target


def test_the_merge_moves_carts_and_returns_of_any_status(pair, associate):
    source, target = pair
    carts = [f.CartFactory(customer=source, status=s) for s in ("open", "converted")]
    order = f.OrderFactory(customer=source)
    f.ReturnFactory(order=order, customer=source, status=Return.Status.CANCELLED)
    services.customer_merge(source=source, target=target, associate=associate)
    assert set(
        Cart.objects.filter(pk__in=[c.pk for c in carts]).values_list("customer_id", flat=True)
    ) == {target.pk}
    assert not Return.objects.filter(customer=source).exists()
    assert not EmailLog.objects.filter(customer_id_ref=source.pk).exists()
