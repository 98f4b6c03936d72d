"""Reads of the customer record: search, the timeline, the 360 screen, a store's list
queue, follow-ups due, and whether outreach is allowed — query counts flat in history."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from customers import selectors, services
from customers.backoffice.lists import queue_for_store
from customers.errors import CustomerNotFound
from customers.models import ConsentState, ContactChannel, FollowUpTask, Interaction, List
from tests import factories as f

pytestmark = pytest.mark.django_db


# --- search ----------------------------------------------------------------------------------


@pytest.fixture
def ana():
    customer = services.customer_resolve(
        email="Ana.Lima@Example.com", phone="(212) 555-0101", first_name="Ana", last_name="Lima"
    )
    customer.loyalty_number = "L000123456"
    customer.save()
    return customer


def test_search_finds_a_customer_by_any_identity_in_any_format(ana, django_assert_max_num_queries):
    f.CustomerFactory(first_name="Bob", last_name="Stone")
    for query in (
        "ana.lima@example.com",
        " ANA.LIMA@EXAMPLE.COM ",
        "212-555-0101",
        "+1 212 555 0101",
        "l000123456",
        "Ana Lima",
        "lima",
        "Lima Ana",
        "an",
    ):
        with django_assert_max_num_queries(1):
            found = selectors.customer_search(query=query)
        assert [c.pk for c in found] == [ana.pk], query


def test_search_puts_exact_identity_matches_first_and_skips_merged_records(ana):
    namesake = f.CustomerFactory(first_name="Lima", last_name="Aaron", email="x@example.com")
    merged = f.CustomerFactory(first_name="Ana", last_name="Lima", is_active=False)
    assert [c.pk for c in selectors.customer_search(query="lima")] == [namesake.pk, ana.pk]
    assert merged.pk not in [c.pk for c in selectors.customer_search(query="ana")]
    assert selectors.customer_search(query="") == []
    assert selectors.customer_search(query="nobody@example.com") == []
    assert selectors.customer_search(query="555") == []


def test_search_limits_its_results():
    for n in range(5):
        f.CustomerFactory(first_name="Zed", last_name=f"Z{n}")
    assert len(selectors.customer_search(query="zed", limit=3)) == 3


# --- timeline ------------------------------------------------------------------------------


def test_the_timeline_pages_by_time_then_id(customer, django_assert_max_num_queries):
    now = timezone.now()
    same_moment = now - dt.timedelta(hours=1)
    entries = [
        f.InteractionFactory(customer=customer, occurred_at=now - dt.timedelta(hours=n))
        for n in range(5)
    ] + [f.InteractionFactory(customer=customer, occurred_at=same_moment) for _ in range(3)]
    f.InteractionFactory()  # someone else's
    expected = sorted(entries, key=lambda e: (e.occurred_at, e.pk), reverse=True)
    seen, cursor = [], None
    while True:
        with django_assert_max_num_queries(1):
            page = selectors.customer_timeline(customer=customer, before=cursor, limit=3)
            [(e.location, e.associate) for e in page.entries]  # joined, no extra query
        seen += page.entries
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [e.pk for e in seen] == [e.pk for e in expected]
    with pytest.raises(CustomerNotFound):
        selectors.customer_timeline(customer=customer, before="not a cursor")


def test_the_timeline_takes_one_query_however_long_the_history(
    customer, store, associate, django_assert_max_num_queries
):
    for _ in range(60):
        f.InteractionFactory(customer=customer, location=store, associate=associate)
    with django_assert_max_num_queries(1):
        page = selectors.customer_timeline(customer=customer)
        assert {e.associate.display_name for e in page.entries} == {"Maya"}
    with django_assert_max_num_queries(1):
        selectors.customer_timeline(customer=customer, before=page.next_cursor)


# --- 360 --------------------------------------------------------------------------------------


def _history(customer, store, associate, n: int) -> None:
    """n of everything a long-standing customer accumulates."""
    for i in range(n):
        f.InteractionFactory(customer=customer, location=store, associate=associate)
        f.LoyaltyEntryFactory(customer=customer, points=10)
        f.StoreCreditEntryFactory(customer=customer, amount=Decimal("5.00"))
        f.CustomerNoteFactory(customer=customer, author=associate, is_pinned=i % 2 == 0)
        f.FollowUpTaskFactory(
            customer=customer,
            location=store,
            assigned_to=associate,
            status=FollowUpTask.Status.OPEN if i % 2 else FollowUpTask.Status.DONE,
        )
        shopping_list = f.ListFactory(customer=customer, sent_to_location=store)
        for _ in range(3):
            f.ListItemFactory(list=shopping_list)
        f.CustomerIdentityFactory(customer=customer)


def test_the_360_gathers_everything(customer, store, associate):
    services.consent_set(customer=customer, channel="sms", state="one_to_one", source="store")
    services.size_set(customer=customer, size_group="tops", size="M")
    _history(customer, store, associate, 4)
    view = selectors.customer_360(customer=customer)
    assert view.customer.pk == customer.pk
    assert set(view.consents) == {"email", "sms", "phone"}
    assert view.consents["email"].state == ConsentState.NONE
    assert view.consents["sms"].state == ConsentState.ONE_TO_ONE
    assert view.consents["sms"].allows_one_to_one and not view.consents["sms"].allows_marketing
    assert [s.size for s in view.sizes] == ["M"]
    assert view.loyalty_points == 40 and view.store_credit == Decimal("20.00")
    assert len(view.pinned_notes) == 2 and all(n.is_pinned for n in view.pinned_notes)
    assert len(view.open_tasks) == 2
    assert all(t.status == FollowUpTask.Status.OPEN for t in view.open_tasks)
    assert [sl.item_count for sl in view.lists] == [3, 3, 3, 3]
    assert len(view.identities) == 4 and len(view.recent) == 5


def test_the_360_is_a_fixed_number_of_queries(store, associate, django_assert_max_num_queries):
    small, large = f.CustomerFactory(), f.CustomerFactory()
    _history(small, store, associate, 1)
    _history(large, store, associate, 25)
    for who in (small, large):
        with django_assert_max_num_queries(10):
            view = selectors.customer_360(customer=who)
            # Everything the screen shows is already loaded.
            [n.author.display_name for n in view.pinned_notes]
            [(t.location.name, t.assigned_to.display_name) for t in view.open_tasks]
            [(e.location, e.associate) for e in view.recent]
            [sl.sent_to_location.name for sl in view.lists]
            assert (view.customer.home_store, view.customer.primary_associate) == (None, None)


# --- a store's list queue -------------------------------------------------------------------


def _sent_list(store, items: int, status=List.StoreStatus.NEW):
    shopping_list = f.ListFactory(
        sent_to_location=store, store_status=status, sent_at=timezone.now()
    )
    for _ in range(items):
        item = f.ListItemFactory(list=shopping_list)
        f.StockFactory(variant=item.variant, location=store, on_hand=4, reserved=1)
        f.StockFactory(variant=item.variant, on_hand=9)  # elsewhere: not counted here
    return shopping_list


def test_the_queue_shows_items_with_what_this_store_can_sell(store):
    fresh = _sent_list(store, 2)
    prepared = _sent_list(store, 1, List.StoreStatus.PREPARED)
    _sent_list(store, 1, List.StoreStatus.VISITED)
    _sent_list(f.LocationFactory(), 1)  # another store's
    sizeless = f.ListItemFactory(list=fresh, variant=None, product=f.ProductFactory())
    queue = queue_for_store(location=store)
    assert {sl.pk for sl in queue} == {fresh.pk, prepared.pk}
    salable = {item.pk: item.salable_here for sl in queue for item in sl.items.all()}
    assert salable.pop(sizeless.pk) == 0
    assert set(salable.values()) == {3}
    visited = queue_for_store(location=store, statuses=["visited"])
    assert len(visited) == 1


def test_the_queue_is_a_fixed_number_of_queries(store, django_assert_max_num_queries):
    other = f.LocationFactory()
    _sent_list(store, 1)
    for _ in range(6):
        _sent_list(other, 5)
    for place in (store, other):
        with django_assert_max_num_queries(3):
            queue = queue_for_store(location=place)
            [
                (sl.customer.full_name, i.product.name, i.variant.size, i.salable_here)
                for sl in queue
                for i in sl.items.all()
            ]


# --- follow-ups and outreach -------------------------------------------------------------


def test_tasks_due_today_and_overdue_at_this_store(store, associate):
    today = timezone.localdate()
    other = f.AssociateFactory(home_location=store)
    due = f.FollowUpTaskFactory(location=store, due_on=today, assigned_to=associate)
    overdue = f.FollowUpTaskFactory(location=store, due_on=today - dt.timedelta(days=3))
    f.FollowUpTaskFactory(location=store, due_on=today + dt.timedelta(days=1))
    f.FollowUpTaskFactory(location=store, due_on=today, status=FollowUpTask.Status.DONE)
    f.FollowUpTaskFactory(due_on=today)  # another store
    theirs = f.FollowUpTaskFactory(location=store, due_on=today, assigned_to=other)
    assert [t.pk for t in selectors.tasks_due(location=store, on=today)] == [
        overdue.pk,
        due.pk,
        theirs.pk,
    ]
    assert [t.pk for t in selectors.tasks_due(location=store, associate=associate, on=today)] == [
        due.pk
    ]
    assert len(selectors.tasks_due(location=store, on=today + dt.timedelta(days=1))) == 4


@pytest.mark.parametrize(
    ("state", "by_associate", "allowed"),
    [
        (ConsentState.MARKETING, False, True),
        (ConsentState.MARKETING, True, True),
        (ConsentState.ONE_TO_ONE, True, True),
        (ConsentState.ONE_TO_ONE, False, False),
        (ConsentState.NONE, True, False),
        (None, True, False),  # never asked
    ],
)
def test_outreach_follows_consent(customer, state, by_associate, allowed):
    if state is not None:
        services.consent_set(
            customer=customer, channel=ContactChannel.SMS, state=state, source="store"
        )
    assert (
        selectors.outreach_allowed(
            customer=customer, channel=ContactChannel.SMS, by_associate=by_associate
        )
        is allowed
    )
    # Consent is per channel: email was never given.
    assert not selectors.outreach_allowed(customer=customer, channel="email", by_associate=True)


def test_a_login_finds_the_surviving_customer_after_a_merge(customer, associate):
    user = f.UserFactory()
    duplicate = f.CustomerFactory(user=user)
    services.customer_merge(source=duplicate, target=customer, associate=associate)
    assert selectors.customer_for_user(user=user) == customer
    assert Interaction.objects.filter(customer=customer, kind="account").exists()
