"""Back-office clienteling screens: find a customer, the 360, outreach with consent, notes,
sizes, follow-ups, the customer's lists, the store's list queue and "my tasks today".

Data is made through factories and the real services; asserts are on what the associate
sees and what the shopper would see after."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers import services
from customers.errors import InvalidList, LocationNotAvailable
from customers.models import (
    ConsentState,
    ContactChannel,
    CustomerAccessLog,
    CustomerNote,
    FollowUpTask,
    Interaction,
    List,
    ListItem,
    SizePreference,
)
from customers.selectors import store_today
from inventory.models import Reservation, Stock
from orders import services as order_services
from tests import factories as f

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def store():
    return f.LocationFactory(name="Springfield", code="SPR")


@pytest.fixture
def other_store():
    return f.LocationFactory(name="Peoria", code="PEO")


@pytest.fixture
def associate(store):
    return f.AssociateFactory(home_location=store, display_name="Maya")


@pytest.fixture
def other_associate(other_store):
    return f.AssociateFactory(home_location=other_store, display_name="Luis")


@pytest.fixture
def customer():
    return f.CustomerFactory(
        first_name="Ana",
        last_name="Lima",
        email="ana@example.com",
        phone="+12125550200",
        loyalty_number="L000777111",
    )


@pytest.fixture
def bo(client, associate):
    client.force_login(associate.user)
    return client


def detail_url(customer):
    return reverse("backoffice:customer-detail", args=[customer.pk])


def assert_flat(client, url, small, django_assert_max_num_queries):
    """The page on larger data takes no more queries than on small data."""
    client.get(url)
    with django_assert_max_num_queries(small):
        assert client.get(url).status_code == 200


def count_queries(client, url, **extra):
    """Queries of one request, after a first one has settled the session (the location
    chosen on the first visit is saved once)."""
    client.get(url, **extra)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# --- search ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["Ana Lima", "lima", "ANA@example.com", "(212) 555-0200", "L000777111"]
)
def test_search_finds_a_customer_by_name_email_phone_and_loyalty_number(bo, customer, query):
    f.CustomerIdentityFactory(customer=customer, kind="email", value="ana@example.com")
    f.CustomerIdentityFactory(customer=customer, kind="phone", value="+12125550200")
    f.CustomerFactory(first_name="Bob", last_name="Stone")
    response = bo.get(reverse("backoffice:customer-search"), {"q": query})
    page = response.content.decode()
    assert response.status_code == 200
    assert detail_url(customer) in page
    assert "Bob" not in page


def test_search_finds_a_customer_by_the_number_of_an_order_in_any_channel(bo, customer):
    f.OrderFactory(customer=customer, number="S200345", channel="store")
    response = bo.get(reverse("backoffice:customer-search"), {"q": "s 200-345"})
    assert detail_url(customer) in response.content.decode()


def test_a_scanned_receipt_code_for_one_customer_opens_their_record(bo, customer):
    f.OrderFactory(customer=customer, number="W123456")
    response = bo.get(reverse("backoffice:customer-search"), {"code": "W123456"})
    assert response.status_code == 302 and response["Location"] == detail_url(customer)
    htmx = bo.get(reverse("backoffice:customer-search"), {"code": "W123456"}, **HX)
    assert htmx.status_code == 204 and htmx["HX-Redirect"] == detail_url(customer)


def test_live_search_returns_only_the_results_fragment(bo, customer):
    response = bo.get(reverse("backoffice:customer-search"), {"q": "Lima"}, **HX)
    page = response.content.decode()
    assert 'id="search-results"' in page and "<html" not in page
    assert detail_url(customer) in page


def test_a_search_that_matches_nobody_says_so(bo, customer):
    page = bo.get(reverse("backoffice:customer-search"), {"q": "zzzz"}).content.decode()
    assert "Nobody matches" in page
    unknown_scan = bo.get(reverse("backoffice:customer-search"), {"code": "W999999"})
    assert unknown_scan.status_code == 200 and "Nobody matches" in unknown_scan.content.decode()


def test_the_search_page_offers_a_scan_field_and_a_camera_button_hidden_by_default(bo):
    page = bo.get(reverse("backoffice:customer-search")).content.decode()
    assert 'name="code"' in page and "data-camera-scan hidden" in page


def test_search_queries_stay_flat_with_more_customers_and_orders(
    bo, customer, django_assert_max_num_queries
):
    url = reverse("backoffice:customer-search")
    f.OrderFactory(customer=customer, number="W900001")
    small = count_queries(bo, url + "?q=Lima")
    small_order = count_queries(bo, url + "?q=W900001")
    for _ in range(25):
        other = f.CustomerFactory(last_name="Lima")
        f.OrderFactory(customer=other)
    f.OrderFactory(customer=customer, number="W900002")
    assert_flat(bo, url + "?q=Lima", small, django_assert_max_num_queries)
    assert_flat(bo, url + "?q=W900001", small_order, django_assert_max_num_queries)
    assert count_queries(bo, url + "?q=Lima") == small
    assert count_queries(bo, url + "?q=W900001") == small_order
    assert max(small, small_order) <= 8


# --- the 360 --------------------------------------------------------------------------------


def test_the_360_shows_profile_consent_sizes_balances_lists_and_writes_the_access_log(
    bo, customer, associate, store
):
    f.ConsentFactory(customer=customer, channel=ContactChannel.EMAIL, state="one_to_one")
    f.SizePreferenceFactory(customer=customer, size_group="tops", size="M")
    f.LoyaltyEntryFactory(customer=customer, points=120)
    f.StoreCreditEntryFactory(customer=customer, amount="15.50")
    f.ListFactory(customer=customer, name="Wedding outfit")
    order = f.OrderFactory(customer=customer, number="W555001", channel="web")
    f.OrderLineFactory(order=order, product_name="Linen shirt", size="L")
    f.CartLineFactory(
        cart=f.CartFactory(
            customer=customer, last_activity_at=timezone.now() - dt.timedelta(days=2)
        ),
        variant=f.VariantFactory(product__name="Merino scarf"),
    )
    response = bo.get(detail_url(customer))
    page = response.content.decode()
    assert response.status_code == 200
    for text in ("Ana Lima", "One-to-one only", "120 pts", "$15.50", "Wedding outfit"):
        assert text in page
    assert "Linen shirt" in page and "W555001" in page  # purchases, from orders
    assert "Merino scarf" in page and "abandoned" in page  # the open cart
    log = CustomerAccessLog.objects.get()
    assert (log.customer, log.user, log.location, log.action) == (
        customer,
        associate.user,
        store,
        "view",
    )
    bo.get(detail_url(customer))
    assert CustomerAccessLog.objects.filter(customer=customer).count() == 2


def test_a_merged_duplicate_opens_the_surviving_record_and_unknown_ids_are_404(
    bo, customer, associate
):
    duplicate = f.CustomerFactory()
    services.customer_merge(source=duplicate, target=customer, associate=associate)
    response = bo.get(detail_url(duplicate))
    assert response.status_code == 302 and response["Location"] == detail_url(customer)
    assert bo.get(reverse("backoffice:customer-detail", args=[999999])).status_code == 404


def test_old_links_to_a_merged_duplicate_redirect_to_the_survivor(bo, customer, associate):
    duplicate = f.CustomerFactory()
    wishlist = f.ListFactory(customer=duplicate)
    services.customer_merge(source=duplicate, target=customer, associate=associate)
    timeline = bo.get(reverse("backoffice:customer-timeline", args=[duplicate.pk]), {"before": "x"})
    assert timeline.status_code == 302
    assert timeline["Location"] == (
        reverse("backoffice:customer-timeline", args=[customer.pk]) + "?before=x"
    )
    old_list = bo.get(reverse("backoffice:customer-list", args=[duplicate.pk, wishlist.pk]))
    assert old_list["Location"] == reverse(
        "backoffice:customer-list", args=[customer.pk, wishlist.pk]
    )
    assert bo.get(old_list["Location"]).status_code == 200  # the list moved with the merge


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("customer-note-add", {"body": "Prefers slim fits"}),
        ("customer-task-create", {"reason": "Call back", "due_on": "2030-01-01"}),
        ("customer-list-create", {"name": "Wedding", "kind": "shopping"}),
        ("customer-outreach", {"channel": "email"}),
        ("customer-size-set", {"size_group": "tops", "size": "M"}),
    ],
)
def test_actions_on_a_merged_duplicate_are_404_and_write_nothing(
    bo, customer, associate, name, data
):
    duplicate = f.CustomerFactory()
    services.customer_merge(source=duplicate, target=customer, associate=associate)
    before = Interaction.objects.count()
    assert bo.post(reverse(f"backoffice:{name}", args=[duplicate.pk]), data).status_code == 404
    assert (
        bo.post(reverse(f"backoffice:{name}", args=[duplicate.pk]), data, **HX).status_code == 404
    )
    assert Interaction.objects.count() == before
    assert not CustomerNote.objects.filter(customer=duplicate).exists()
    assert not FollowUpTask.objects.filter(customer=duplicate).exists()
    assert not List.objects.filter(customer=duplicate).exists()
    assert not SizePreference.objects.filter(customer=duplicate).exists()


def test_the_360_lists_show_item_counts(bo, customer):
    wishlist = f.ListFactory(customer=customer, name="Autumn")
    f.ListItemFactory(list=wishlist)
    f.ListItemFactory(list=wishlist)
    f.ListFactory(customer=customer, name="Empty one")
    page = bo.get(detail_url(customer)).content.decode()
    lists = page.split('id="lists"')[1].split("</section>")[0]
    assert "Autumn</strong>" in lists and "2 items" in lists and "0 items" in lists


def test_the_timeline_pages_older_entries_with_a_cursor(bo, customer):
    now = timezone.now()
    for n in range(40):
        f.InteractionFactory(
            customer=customer, summary=f"Entry {n:02d}", occurred_at=now - dt.timedelta(hours=n)
        )
    page = bo.get(detail_url(customer)).content.decode()
    assert "Entry 00" in page and "Entry 09" in page and "Entry 10" not in page
    assert 'id="timeline-more"' in page
    cursor = page.split("?before=")[1].split('"')[0]
    from urllib.parse import unquote

    older = bo.get(
        reverse("backoffice:customer-timeline", args=[customer.pk]),
        {"before": unquote(cursor)},
        **HX,
    ).content.decode()
    assert "Entry 10" in older and "Entry 19" in older
    assert "Entry 09" not in older and "Entry 20" not in older
    assert "<html" not in older and 'id="timeline-more"' in older
    bad = bo.get(reverse("backoffice:customer-timeline", args=[customer.pk]), {"before": "x"})
    assert bad.status_code == 404


def test_the_360_queries_stay_flat_with_more_history(
    bo, customer, store, django_assert_max_num_queries
):
    url = detail_url(customer)

    groups = iter(["tops", "shoes", "bottoms"])

    def add_history(n):
        for _ in range(n):
            f.InteractionFactory(customer=customer)
            order = f.OrderFactory(customer=customer)
            f.OrderLineFactory(order=order)
            shopping_list = f.ListFactory(customer=customer)
            item = f.ListItemFactory(list=shopping_list)
            f.StockFactory(variant=item.variant, location=store, on_hand=2)
            f.CustomerNoteFactory(customer=customer)
            f.FollowUpTaskFactory(customer=customer, location=store)
            group = next(groups, None)
            if group:
                f.SizePreferenceFactory(customer=customer, size_group=group)
            f.CartLineFactory(cart=f.CartFactory(customer=customer))

    add_history(1)
    small = count_queries(bo, url)
    add_history(12)
    assert_flat(bo, url, small, django_assert_max_num_queries)
    large = count_queries(bo, url)
    assert small == large
    assert large <= 30


def test_here_now_lists_their_sizes_in_stock_at_this_store(bo, customer, store, other_store):
    shirt = f.ProductFactory(name="Oxford shirt", category__size_group="tops")
    shirt_m = f.VariantFactory(product=shirt, size="M")
    shirt_l = f.VariantFactory(product=shirt, size="L")
    coat_s = f.VariantFactory(product__name="Rain coat", size="S")
    gone = f.VariantFactory(product__name="Sold-out scarf", size="")
    f.SizePreferenceFactory(customer=customer, size_group="tops", size="M")
    wishlist = f.ListFactory(customer=customer, name="Autumn")
    services.list_add_item(shopping_list=wishlist, product=shirt)  # no size chosen: their size M
    services.list_add_item(shopping_list=wishlist, product=coat_s.product, variant=coat_s)
    services.list_add_item(shopping_list=wishlist, product=gone.product, variant=gone)
    f.StockFactory(variant=shirt_m, location=store, on_hand=2)
    f.StockFactory(variant=shirt_l, location=store, on_hand=5)
    f.StockFactory(variant=coat_s, location=other_store, on_hand=5)  # not here
    f.StockFactory(variant=gone, location=store, on_hand=0)
    page = bo.get(detail_url(customer)).content.decode()
    here = page.split('id="here-now"')[1].split("</section>")[0]
    assert "Oxford shirt" in here and shirt_m.sku in here and shirt_l.sku not in here
    assert "Rain coat" not in here and "Sold-out scarf" not in here


def test_here_now_offers_only_what_this_store_can_still_sell(customer, store):
    """Units put aside (reserved) are not offered: the 360 reads inventory's salable
    units, on hand less reserved."""
    from customers.backoffice.record import here_now

    held = f.VariantFactory(product__name="Held boots")
    free = f.VariantFactory(product__name="Free boots")
    wishlist = f.ListFactory(customer=customer)
    for variant in (held, free):
        services.list_add_item(shopping_list=wishlist, product=variant.product, variant=variant)
    f.StockFactory(variant=held, location=store, on_hand=2, reserved=2)  # all put aside
    f.StockFactory(variant=free, location=store, on_hand=3, reserved=1)
    found = here_now(customer=customer, location=store)
    assert [(item.variant, item.salable) for item in found] == [(free, 2)]


# --- consent and outreach -------------------------------------------------------------------


def test_outreach_buttons_are_disabled_without_consent_and_the_service_refuses(bo, customer):
    f.ConsentFactory(customer=customer, channel=ContactChannel.EMAIL, state=ConsentState.NONE)
    page = bo.get(detail_url(customer)).content.decode()
    assert 'value="email" disabled' in page and 'value="sms" disabled' in page
    # A stale or hand-made post is refused by the service, not only by the button.
    url = reverse("backoffice:customer-outreach", args=[customer.pk])
    response = bo.post(url, {"channel": "email"}, follow=True)
    assert "has not agreed to be contacted by email" in response.content.decode()
    assert not Interaction.objects.filter(kind=Interaction.Kind.OUTREACH).exists()


@pytest.mark.parametrize("state", [ConsentState.ONE_TO_ONE, ConsentState.MARKETING])
def test_outreach_with_consent_is_recorded_on_the_timeline(bo, customer, associate, state):
    f.ConsentFactory(customer=customer, channel=ContactChannel.SMS, state=state)
    url = reverse("backoffice:customer-outreach", args=[customer.pk])
    response = bo.post(url, {"channel": "sms", "note": "Your blazer is in"}, **HX)
    page = response.content.decode()
    assert response.status_code == 200 and 'id="consent"' in page
    assert 'id="timeline" class="card" hx-swap-oob="true"' in page
    assert "Maya texted Ana: Your blazer is in" in page
    entry = Interaction.objects.get(kind=Interaction.Kind.OUTREACH)
    assert entry.associate == associate and entry.detail == {"contact_channel": "sms"}


def test_outreach_with_an_unknown_channel_is_a_form_error(bo, customer):
    url = reverse("backoffice:customer-outreach", args=[customer.pk])
    response = bo.post(url, {"channel": "pigeon"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_the_outreach_service_refuses_without_consent(customer, associate):
    from customers.errors import ConsentRequired, InvalidContact

    with pytest.raises(ConsentRequired):
        services.outreach_record(customer=customer, channel="phone", associate=associate)
    customer.phone = ""
    f.ConsentFactory(customer=customer, channel="phone", state=ConsentState.MARKETING)
    with pytest.raises(InvalidContact):
        services.outreach_record(customer=customer, channel="phone", associate=associate)


# --- notes, sizes ----------------------------------------------------------------------------


def test_an_associate_adds_and_pins_a_note(bo, customer, associate, store):
    url = reverse("backoffice:customer-note-add", args=[customer.pk])
    response = bo.post(url, {"body": "Prefers slim fits"})
    assert response.status_code == 302 and response["Location"].endswith("#notes")
    note = CustomerNote.objects.get()
    assert (note.author, note.location, note.is_pinned) == (associate, store, False)
    pin = reverse("backoffice:customer-note-pin", args=[customer.pk, note.pk])
    htmx = bo.post(pin, {"pinned": "1"}, **HX).content.decode()
    assert 'id="notes"' in htmx and "Pinned" in htmx and "Note pinned." in htmx
    assert CustomerNote.objects.get().is_pinned


def test_an_empty_note_is_an_error_next_to_the_field(bo, customer):
    url = reverse("backoffice:customer-note-add", args=[customer.pk])
    response = bo.post(url, {"body": "   "})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not CustomerNote.objects.exists()


def test_pinning_another_customers_note_is_404(bo, customer):
    note = f.CustomerNoteFactory()
    url = reverse("backoffice:customer-note-pin", args=[customer.pk, note.pk])
    assert bo.post(url, {"pinned": "1"}).status_code == 404


def test_an_associate_sets_a_size_by_hand(bo, customer):
    url = reverse("backoffice:customer-size-set", args=[customer.pk])
    page = bo.post(url, {"size_group": "shoes", "size": "38"}, **HX).content.decode()
    assert "Shoes size set to 38" in page
    pref = SizePreference.objects.get(customer=customer)
    assert (pref.size, pref.source) == ("38", SizePreference.Source.EDITED)
    bad = bo.post(url, {"size_group": "hats", "size": ""})
    assert bad.status_code == 400 and not SizePreference.objects.exclude(pk=pref.pk).exists()


# --- follow-up tasks ----------------------------------------------------------------------


def test_a_follow_up_is_created_at_the_store_the_associate_works_for(
    bo, customer, associate, store
):
    url = reverse("backoffice:customer-task-create", args=[customer.pk])
    due = timezone.localdate() + dt.timedelta(days=3)
    response = bo.post(
        url, {"reason": "Call when the 38 is back", "due_on": due.isoformat(), "assign_to_me": "on"}
    )
    assert response.status_code == 302
    task = FollowUpTask.objects.get()
    assert (task.location, task.assigned_to, task.due_on) == (store, associate, due)
    # The day in the associate's language (English: "Friday, March 6"), not "Fri 06 Mar".
    page = bo.get(response["Location"]).content.decode()
    assert f"Follow-up added for {due:%A}, {due:%B} {due.day}." in page


@pytest.mark.parametrize(
    "data", [{"reason": "", "due_on": "2030-01-01"}, {"reason": "x", "due_on": "not a date"}]
)
def test_a_follow_up_needs_a_reason_and_a_date(bo, customer, data):
    url = reverse("backoffice:customer-task-create", args=[customer.pk])
    assert bo.post(url, data).status_code == 400
    assert not FollowUpTask.objects.exists()


def test_the_service_refuses_a_task_at_a_store_the_associate_does_not_work_at(
    customer, associate, other_store, other_associate, store
):
    with pytest.raises(LocationNotAvailable):
        services.task_create(
            customer=customer,
            location=other_store,
            reason="x",
            due_on=timezone.localdate(),
            created_by=associate,
        )
    with pytest.raises(LocationNotAvailable):
        services.task_create(
            customer=customer,
            location=store,
            reason="x",
            due_on=timezone.localdate(),
            created_by=associate,
            assigned_to=other_associate,
        )
    task = f.FollowUpTaskFactory(customer=customer, location=other_store)
    with pytest.raises(LocationNotAvailable):
        services.task_complete(task=task, associate=associate)
    assert FollowUpTask.objects.get(pk=task.pk).status == FollowUpTask.Status.OPEN


def test_my_tasks_today_are_mine_or_unassigned_due_today_or_overdue_here(
    bo, customer, associate, store, other_store, other_associate
):
    today = store_today(location=store)  # the Tasks page reads "today" in the store's zone
    mine = f.FollowUpTaskFactory(
        customer=customer, location=store, assigned_to=associate, due_on=today, reason="Mine"
    )
    anyone = f.FollowUpTaskFactory(
        customer=customer, location=store, due_on=today - dt.timedelta(days=2), reason="Anyone"
    )
    f.FollowUpTaskFactory(location=store, due_on=today + dt.timedelta(days=1), reason="Later")
    colleague = f.AssociateFactory(home_location=store)
    f.FollowUpTaskFactory(location=store, assigned_to=colleague, due_on=today, reason="Theirs")
    f.FollowUpTaskFactory(location=other_store, due_on=today, reason="Elsewhere")
    done = f.FollowUpTaskFactory(location=store, due_on=today, reason="Finished")
    done.status = FollowUpTask.Status.DONE
    done.save()
    page = bo.get(reverse("backoffice:tasks")).content.decode()
    assert f'id="task-{mine.pk}"' in page and f'id="task-{anyone.pk}"' in page
    assert "overdue" in page
    for hidden in ("Later", "Theirs", "Elsewhere", "Finished"):
        assert hidden not in page


def test_completing_a_task_with_htmx_returns_its_row_done(bo, customer, associate, store):
    task = f.FollowUpTaskFactory(
        customer=customer, location=store, due_on=store_today(location=store)
    )
    url = reverse("backoffice:task-complete", args=[task.pk])
    page = bo.post(url, **HX).content.decode()
    assert f'id="task-{task.pk}"' in page and "Done" in page and "<html" not in page
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.DONE and task.assigned_to == associate
    cancel = bo.post(reverse("backoffice:task-cancel", args=[task.pk]), follow=True)
    assert "already done" in cancel.content.decode()  # a stale tap says what happened


def test_a_task_at_another_store_is_404(bo, other_store):
    task = f.FollowUpTaskFactory(location=other_store, due_on=store_today(location=other_store))
    for name in ("backoffice:task-complete", "backoffice:task-cancel"):
        assert bo.post(reverse(name, args=[task.pk])).status_code == 404
    assert FollowUpTask.objects.get(pk=task.pk).status == FollowUpTask.Status.OPEN


def test_tasks_page_queries_stay_flat(bo, store, associate, django_assert_max_num_queries):
    url = reverse("backoffice:tasks")
    f.FollowUpTaskFactory(location=store, due_on=store_today(location=store), assigned_to=associate)
    small = count_queries(bo, url)
    for _ in range(20):
        f.FollowUpTaskFactory(location=store, due_on=store_today(location=store))
    assert_flat(bo, url, small, django_assert_max_num_queries)
    large = count_queries(bo, url)
    assert large == small and large <= 8


# --- a customer's list, and the shopper seeing the associate's addition ------------------


def test_an_associate_adds_an_item_with_a_note_on_behalf_of_the_shopper(bo, customer, associate):
    wishlist = f.ListFactory(customer=customer, name="Autumn")
    variant = f.PriceFactory(variant__product__name="Linen blazer", variant__size="38").variant
    url = reverse("backoffice:customer-list-add", args=[customer.pk, wishlist.pk])
    response = bo.post(url, {"sku": variant.sku.lower(), "quantity": 1, "note": "Runs small"})
    assert response.status_code == 302
    item = ListItem.objects.get()
    assert (item.variant, item.note, item.added_by_name) == (variant, "Runs small", "Maya")
    page = bo.get(response["Location"]).content.decode()
    assert "Added by Maya" in page and "Runs small" in page and "Linen blazer" in page
    assert Interaction.objects.filter(kind=Interaction.Kind.LIST_CHANGE).exists()


def test_adding_an_unknown_sku_is_an_error_next_to_the_field(bo, customer):
    wishlist = f.ListFactory(customer=customer)
    url = reverse("backoffice:customer-list-add", args=[customer.pk, wishlist.pk])
    response = bo.post(url, {"sku": "NOPE", "quantity": 1})
    assert response.status_code == 400
    assert "No item on sale has the SKU or barcode" in response.content.decode()
    htmx = bo.post(url, {"sku": "NOPE", "quantity": 0}, **HX)
    assert htmx.status_code == 200 and 'id="list-body"' in htmx.content.decode()
    assert not ListItem.objects.exists()


def test_another_customers_list_is_404(bo, customer):
    theirs = f.ListFactory()
    url = reverse("backoffice:customer-list", args=[customer.pk, theirs.pk])
    assert bo.get(url).status_code == 404
    add = reverse("backoffice:customer-list-add", args=[customer.pk, theirs.pk])
    assert bo.post(add, {"sku": f.VariantFactory().sku, "quantity": 1}).status_code == 404


def test_the_list_page_finds_items_by_name(bo, customer):
    wishlist = f.ListFactory(customer=customer)
    variant = f.PriceFactory(variant__product__name="Cashmere beanie").variant
    unpriced = f.VariantFactory(product__name="Cashmere socks")
    url = reverse("backoffice:customer-list", args=[customer.pk, wishlist.pk])
    page = bo.get(url, {"find": "cashmere"}, **HX).content.decode()
    assert 'id="finder"' in page and f'data-fill-sku="{variant.sku}"' in page
    assert unpriced.sku not in page  # only what can be sold is offered


@pytest.mark.parametrize("unsellable", ["unpriced", "inactive", "product_off_sale"])
def test_an_unsellable_variant_cannot_be_added_to_a_list(bo, customer, unsellable):
    wishlist = f.ListFactory(customer=customer)
    variant = f.PriceFactory().variant
    if unsellable == "unpriced":
        variant.prices.all().delete()
    elif unsellable == "inactive":
        variant.is_active = False
        variant.save()
    else:
        variant.product.is_active = False
        variant.product.save()
    url = reverse("backoffice:customer-list-add", args=[customer.pk, wishlist.pk])
    response = bo.post(url, {"sku": variant.barcode, "quantity": 1})
    assert response.status_code == 400
    assert "No item on sale has the SKU or barcode" in response.content.decode()
    assert not ListItem.objects.exists()


def test_an_associate_creates_a_list_for_the_customer(bo, customer):
    url = reverse("backoffice:customer-list-create", args=[customer.pk])
    response = bo.post(url, {"name": "Wedding", "kind": "shopping"})
    created = List.objects.get(customer=customer)
    assert response["Location"] == reverse(
        "backoffice:customer-list", args=[customer.pk, created.pk]
    )
    assert bo.post(url, {"name": "", "kind": "wishlist"}).status_code == 400


# --- the store's queue of lists -----------------------------------------------------------


def _sent_list(customer, store, *stock, name="For Saturday"):
    """A list with one item per (variant, quantity, on hand here), sent to ``store``."""
    shopping_list = f.ListFactory(customer=customer, name=name)
    for variant, quantity, on_hand in stock:
        if on_hand is not None:
            f.StockFactory(variant=variant, location=store, on_hand=on_hand)
        services.list_add_item(
            shopping_list=shopping_list, product=variant.product, variant=variant, quantity=quantity
        )
    services.list_send_to_store(shopping_list=shopping_list, location=store)
    return shopping_list


def test_the_queue_shows_this_stores_lists_with_availability_here(bo, customer, store, other_store):
    shirt, shoes = f.VariantFactory(product__name="Shirt"), f.VariantFactory(product__name="Shoes")
    mine = _sent_list(customer, store, (shirt, 1, 4), (shoes, 2, 1))
    theirs = _sent_list(f.CustomerFactory(), other_store, (f.VariantFactory(), 1, 3), name="X")
    page = bo.get(reverse("backoffice:lists-queue")).content.decode()
    assert f'id="list-{mine.pk}"' in page and f'id="list-{theirs.pk}"' not in page
    assert "4 here" in page and "only 1 here" in page


def test_holding_a_list_reserves_its_items_here_and_marks_it_prepared(
    bo, customer, store, associate
):
    shirt = f.VariantFactory()
    shopping_list = _sent_list(customer, store, (shirt, 2, 3))
    page = bo.post(reverse("backoffice:list-hold", args=[shopping_list.pk]), **HX).content
    assert "Held 2 units for Ana Lima" in page.decode()
    hold = Reservation.objects.get()
    assert (hold.kind, hold.quantity, hold.stock.location) == (Reservation.Kind.VISIT, 2, store)
    shopping_list.refresh_from_db()
    assert shopping_list.store_status == List.StoreStatus.PREPARED


def test_holding_with_too_little_stock_names_what_is_short_and_holds_nothing(bo, customer, store):
    scarf = f.VariantFactory(product__name="Silk scarf", size="", colour="Red")
    shopping_list = _sent_list(customer, store, (scarf, 3, 1))
    response = bo.post(reverse("backoffice:list-hold", args=[shopping_list.pk]), follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Not enough in stock at Springfield" in page and "Silk scarf (Red) (1 of 3" in page
    assert not Reservation.objects.exists()
    assert Stock.objects.get(variant=scarf).reserved == 0


def test_the_list_moves_forward_and_a_stale_step_says_why(bo, customer, store):
    shopping_list = _sent_list(customer, store, (f.VariantFactory(), 1, 1))
    url = reverse("backoffice:list-status", args=[shopping_list.pk])
    assert "is visited" in bo.post(url, {"status": "visited"}, **HX).content.decode()
    stale = bo.post(url, {"status": "prepared"}, **HX).content.decode()
    assert "cannot be marked" in stale
    shopping_list.refresh_from_db()
    assert shopping_list.store_status == List.StoreStatus.VISITED


def test_another_stores_list_cannot_be_held_or_moved(bo, customer, other_store):
    theirs = _sent_list(customer, other_store, (f.VariantFactory(), 1, 5))
    assert bo.post(reverse("backoffice:list-hold", args=[theirs.pk])).status_code == 404
    status = reverse("backoffice:list-status", args=[theirs.pk])
    assert bo.post(status, {"status": "prepared"}).status_code == 404
    assert not Reservation.objects.exists()


@pytest.mark.parametrize("hours", ["0", "169", str(10**9), "abc", ""])
def test_holding_for_hours_out_of_bounds_is_a_message_not_a_500(bo, customer, store, hours):
    shopping_list = _sent_list(customer, store, (f.VariantFactory(), 1, 5))
    url = reverse("backoffice:list-hold", args=[shopping_list.pk])
    page = bo.post(url, {"hours": hours}, **HX)
    assert page.status_code == 200 and "Hold for between 1 and 168 hours." in page.content.decode()
    plain = bo.post(url, {"hours": hours}, follow=True)
    assert plain.status_code == 200 and "Hold for between 1 and 168" in plain.content.decode()
    assert not Reservation.objects.exists()


def test_holding_for_the_longest_allowed_hours_works(bo, customer, store):
    shopping_list = _sent_list(customer, store, (f.VariantFactory(), 1, 5))
    page = bo.post(reverse("backoffice:list-hold", args=[shopping_list.pk]), {"hours": "168"}, **HX)
    assert "for 168 hours" in page.content.decode()
    hold = Reservation.objects.get()
    assert dt.timedelta(hours=167) < hold.expires_at - timezone.now() <= dt.timedelta(hours=168)


@pytest.mark.parametrize("hours", [0, 169, 10**9, True])
def test_the_hold_service_caps_the_hours(customer, store, associate, hours):
    shopping_list = _sent_list(customer, store, (f.VariantFactory(), 1, 5))
    with pytest.raises(InvalidList) as raised:
        order_services.list_hold_for_visit(
            shopping_list=shopping_list, location=store, associate=associate, hours=hours
        )
    assert raised.value.details["field"] == "hours"
    assert not Reservation.objects.exists()


def test_the_hold_service_refuses_an_associate_of_another_store(customer, store, other_associate):
    shopping_list = _sent_list(customer, store, (f.VariantFactory(), 1, 5))
    with pytest.raises(LocationNotAvailable):
        order_services.list_hold_for_visit(
            shopping_list=shopping_list, location=store, associate=other_associate
        )
    with pytest.raises(LocationNotAvailable):
        services.list_set_store_status(
            shopping_list=shopping_list, status="prepared", associate=other_associate
        )


def test_the_queue_queries_stay_flat_with_more_lists_and_items(
    bo, store, django_assert_max_num_queries
):
    url = reverse("backoffice:lists-queue")
    _sent_list(f.CustomerFactory(), store, (f.VariantFactory(), 1, 2))
    small = count_queries(bo, url)
    for _ in range(8):
        _sent_list(
            f.CustomerFactory(),
            store,
            (f.VariantFactory(), 1, 2),
            (f.VariantFactory(), 2, 0),
            (f.VariantFactory(), 1, None),
        )
    assert_flat(bo, url, small, django_assert_max_num_queries)
    large = count_queries(bo, url)
    assert large == small and large <= 10
