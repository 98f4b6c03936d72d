"""Starting a return from the shopper's account: only returnable lines are offered, the
store's policy (window, final sale, quantity) refuses next to the line and creates
nothing, the return code is shown, and another shopper's order or return is not found."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from returns.models import Return
from tests import factories as f
from tests.returns.conftest import LineSpec

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(db):
    user = f.UserFactory(username="ana", email="ana@example.com")
    return f.CustomerFactory(user=user, first_name="Ana", email="ana@example.com")


@pytest.fixture
def member_client(client, member):
    client.force_login(member.user)
    return client


@pytest.fixture
def order(make_order, member):
    """Two lines delivered 3 days ago: a shirt (2 bought) and a final-sale scarf."""
    return make_order(
        customer=member,
        lines=[LineSpec(price=Decimal("30.00"), quantity=2), LineSpec(final_sale=True)],
    )


def _start(client, order, data):
    return client.post(reverse("returns:start", args=[order.number]), data)


def test_start_page_offers_returnable_lines_and_explains_the_rest(member_client, order):
    shirt, scarf = order.lines.order_by("pk")
    response = member_client.get(reverse("returns:start", args=[order.number]))
    assert response.status_code == 200
    text = response.content.decode()
    assert f'name="qty_{shirt.pk}"' in text
    assert f'name="qty_{scarf.pk}"' not in text
    assert "was a final sale" in text
    assert '<option value="2" selected>2</option>' in text and '<option value="3"' not in text


def test_return_at_a_store_shows_the_return_code(member_client, order, places):
    shirt = order.lines.order_by("pk").first()
    response = _start(
        member_client,
        order,
        {
            f"qty_{shirt.pk}": "1",
            f"reason_{shirt.pk}": "too_small",
            f"note_{shirt.pk}": "A size up please",
            "method": "in_store",
            "location": places.springfield.pk,
        },
    )
    created = Return.objects.get(order=order)
    assert response.status_code == 302
    assert response["Location"] == reverse("returns:detail", args=[created.pk])
    assert created.status == Return.Status.REQUESTED
    assert created.location == places.springfield and created.method == "in_store"
    line = created.lines.get()
    assert (line.order_line, line.quantity, line.reason, line.reason_note) == (
        shirt,
        1,
        "too_small",
        "A size up please",
    )
    detail = member_client.get(response["Location"])
    text = detail.content.decode()
    assert created.number in text
    assert 'src="data:image/svg+xml;base64,' in text
    assert "Springfield" in text and "$30.00" in text


def test_return_by_post(member_client, order):
    shirt = order.lines.order_by("pk").first()
    response = _start(
        member_client,
        order,
        {f"qty_{shirt.pk}": "2", f"reason_{shirt.pk}": "changed_mind", "method": "by_post"},
    )
    assert response.status_code == 302
    created = Return.objects.get(order=order)
    assert created.method == "by_post" and created.location is None
    assert created.lines.get().quantity == 2


def _assert_refused_next_to(response, line, message):
    """The refusal is shown inside that line's block, not only somewhere on the page."""
    assert response.status_code == 400
    text = response.content.decode()
    start = text.index(f'id="line-{line.pk}"')
    following = text.find("card return-line", start)
    assert message in text[start : following if following != -1 else len(text)]


def test_more_than_bought_is_refused_next_to_the_line(member_client, order, places):
    shirt = order.lines.order_by("pk").first()
    response = _start(
        member_client,
        order,
        {
            f"qty_{shirt.pk}": "3",
            f"reason_{shirt.pk}": "too_small",
            "method": "in_store",
            "location": places.springfield.pk,
        },
    )
    _assert_refused_next_to(response, shirt, "Only 2 of")
    assert not Return.objects.exists()


def test_final_sale_is_refused_even_when_posted(member_client, order, places):
    scarf = order.lines.order_by("pk").last()
    response = _start(
        member_client,
        order,
        {
            f"qty_{scarf.pk}": "1",
            f"reason_{scarf.pk}": "too_small",
            "method": "in_store",
            "location": places.springfield.pk,
        },
    )
    _assert_refused_next_to(response, scarf, "was a final sale")
    assert not Return.objects.exists()


def test_after_the_window_nothing_is_offered_and_a_post_is_refused(
    member_client, member, make_order, places
):
    late = make_order(customer=member, days_ago=90)
    line = late.lines.get()
    page = member_client.get(reverse("returns:start", args=[late.number])).content.decode()
    assert "return window" in page and f'name="qty_{line.pk}"' not in page
    response = _start(
        member_client,
        late,
        {f"qty_{line.pk}": "1", f"reason_{line.pk}": "too_small", "method": "by_post"},
    )
    _assert_refused_next_to(response, line, "return window")
    assert not Return.objects.exists()


def test_already_returned_units_cannot_come_back_twice(member_client, order, places):
    shirt = order.lines.order_by("pk").first()
    data = {
        f"qty_{shirt.pk}": "2",
        f"reason_{shirt.pk}": "too_small",
        "method": "by_post",
    }
    assert _start(member_client, order, data).status_code == 302
    response = _start(member_client, order, {**data, f"qty_{shirt.pk}": "1"})
    _assert_refused_next_to(response, shirt, "has already been returned")
    assert Return.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose at least one item to return."),
        ({"qty": "1", "reason": ""}, "Tell us why you are returning it."),
        ({"qty": "x", "reason": "too_small"}, "Choose how many to return."),
        ({"qty": "1", "reason": "too_small", "location": ""}, "Choose the store"),
        ({"qty": "1", "reason": "too_small", "location": "chicago"}, "Choose the store"),
        ({"qty": "1", "reason": "too_small", "method": "drone"}, "Choose how you will send"),
    ],
)
def test_bad_input_is_a_clear_message_and_creates_nothing(
    member_client, order, places, data, message
):
    shirt = order.lines.order_by("pk").first()
    post = {"method": data.get("method", "in_store"), "location": places.springfield.pk}
    if "qty" in data:
        post[f"qty_{shirt.pk}"] = data["qty"]
        post[f"reason_{shirt.pk}"] = data["reason"]
    if "location" in data:
        post["location"] = places.chicago.pk if data["location"] == "chicago" else ""
    response = _start(member_client, order, post)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Return.objects.exists()


def test_another_shoppers_order_and_return_are_not_found(member_client, make_order, places):
    theirs = make_order()
    line = theirs.lines.get()
    url = reverse("returns:start", args=[theirs.number])
    assert member_client.get(url).status_code == 404
    data = {f"qty_{line.pk}": "1", f"reason_{line.pk}": "too_small", "method": "by_post"}
    assert member_client.post(url, data).status_code == 404
    their_return = f.ReturnFactory(order=theirs)
    assert member_client.get(reverse("returns:detail", args=[their_return.pk])).status_code == 404
    response = member_client.post(reverse("returns:cancel", args=[their_return.pk]))
    assert response.status_code == 404
    assert Return.objects.get(pk=their_return.pk).status == Return.Status.REQUESTED
    assert Return.objects.count() == 1


def test_order_page_shows_its_returns_and_the_way_to_start_one(member_client, order, places):
    """The order page shows the order's returns panel (``returns.selectors``)."""
    url = reverse("orders:account-order-detail", args=[order.number])
    text = member_client.get(url).content.decode()
    assert reverse("returns:start", args=[order.number]) in text
    shirt = order.lines.order_by("pk").first()
    _start(
        member_client,
        order,
        {f"qty_{shirt.pk}": "2", f"reason_{shirt.pk}": "changed_mind", "method": "by_post"},
    )
    made = Return.objects.get(order=order)
    text = member_client.get(url).content.decode()
    assert made.number in text and reverse("returns:detail", args=[made.pk]) in text
    # Both shirts are on their way back and the scarf was a final sale: nothing is left.
    assert reverse("returns:start", args=[order.number]) not in text


def test_account_home_shows_the_latest_returns_after_orders_and_lists(member_client, order):
    """The account home shows the latest returns after orders and lists."""
    made = f.ReturnFactory(order=order)
    text = member_client.get(reverse("customers:account")).content.decode()
    assert made.number in text and reverse("returns:list") in text
    assert text.index('id="recent-orders"') < text.index('id="your-lists"')
    assert text.index('id="your-lists"') < text.index('id="your-returns"')


def test_anonymous_is_sent_to_log_in(client, order):
    for url in (
        reverse("returns:start", args=[order.number]),
        reverse("returns:list"),
        reverse("returns:detail", args=[1]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_returns_list_and_cancel(member_client, order):
    shirt = order.lines.order_by("pk").first()
    _start(
        member_client,
        order,
        {f"qty_{shirt.pk}": "1", f"reason_{shirt.pk}": "too_large", "method": "by_post"},
    )
    created = Return.objects.get()
    listing = member_client.get(reverse("returns:list")).content.decode()
    assert created.number in listing and order.number in listing
    response = member_client.post(reverse("returns:cancel", args=[created.pk]), follow=True)
    assert f"Return {created.number} cancelled." in response.content.decode()
    created.refresh_from_db()
    assert created.status == Return.Status.CANCELLED
    # Cancelled: its units can be returned again, and there is nothing left to cancel.
    assert (
        f'name="qty_{shirt.pk}"'
        in member_client.get(reverse("returns:start", args=[order.number])).content.decode()
    )
    assert (
        b"Cancel this return"
        not in member_client.get(reverse("returns:detail", args=[created.pk])).content
    )


def test_a_received_return_cannot_be_cancelled_online(member_client, member, order, places):
    received = f.ReturnFactory(
        order=order, status=Return.Status.RECEIVED, location=places.springfield
    )
    response = member_client.post(reverse("returns:cancel", args=[received.pk]), follow=True)
    assert "can no longer be cancelled" in response.content.decode()
    received.refresh_from_db()
    assert received.status == Return.Status.RECEIVED


@pytest.mark.parametrize("lines", [1, 8])
def test_start_and_detail_query_counts_are_flat(
    member_client, member, make_order, places, django_assert_max_num_queries, lines
):
    order = make_order(customer=member, lines=[LineSpec() for _ in range(lines)])
    with django_assert_max_num_queries(16):
        assert member_client.get(reverse("returns:start", args=[order.number])).status_code == 200
    data = {"method": "by_post"}
    for line in order.lines.all():
        data[f"qty_{line.pk}"] = "1"
        data[f"reason_{line.pk}"] = "too_small"
    assert _start(member_client, order, data).status_code == 302
    created = Return.objects.get()
    with django_assert_max_num_queries(8):
        assert member_client.get(reverse("returns:detail", args=[created.pk])).status_code == 200
    for _ in range(lines):
        f.ReturnFactory(order=order, customer=member)
    with django_assert_max_num_queries(8):
        assert member_client.get(reverse("returns:list")).status_code == 200


def test_the_store_chosen_in_the_session_is_preselected_over_the_home_store(
    member_client, member, order, places
):
    from customers.surface import STORE_SESSION_KEY

    member.home_store = places.springfield
    member.save(update_fields=["home_store"])
    url = reverse("returns:start", args=[order.number])

    def selected(response):
        # Only the drop-off store's select (a quantity select has options 1, 2, ... too).
        text = response.content.decode()
        text = text[text.index('<select id="location"') :]
        text = text[: text.index("</select>")]
        stores = (places.springfield, places.peoria, places.chicago)
        return [s.pk for s in stores if f'<option value="{s.pk}" selected>' in text]

    # No store chosen yet: "my store" falls back to the home store.
    assert selected(member_client.get(url)) == [places.springfield.pk]

    session = member_client.session
    session[STORE_SESSION_KEY] = {"id": places.peoria.pk, "name": places.peoria.name}
    session.save()
    assert selected(member_client.get(url)) == [places.peoria.pk]

    # A store that does not take returns is not offered, so nothing is preselected.
    session[STORE_SESSION_KEY] = {"id": places.chicago.pk, "name": places.chicago.name}
    session.save()
    assert selected(member_client.get(url)) == []


def test_a_return_shows_each_line_with_its_thumbnail(
    member_client, member, make_order, tmp_path, settings
):
    from catalog.services import product_image_create
    from tests.catalog.test_images import picture

    settings.MEDIA_ROOT = tmp_path
    order = make_order(customer=member, lines=[LineSpec()])
    line = order.lines.get()
    image = product_image_create(product=line.variant.product, upload=picture(), colour=line.colour)
    data = {"method": "by_post", f"qty_{line.pk}": "1", f"reason_{line.pk}": "too_small"}
    assert _start(member_client, order, data).status_code == 302
    page = member_client.get(reverse("returns:detail", args=[Return.objects.get().pk]))
    stem = image.image.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    assert f"{stem}-80w.webp 80w" in page.content.decode()


def _pictured(line) -> str:
    """Give the line's product an image in the colour bought; the thumbnail's file stem."""
    from catalog.services import product_image_create
    from tests.catalog.test_images import picture

    image = product_image_create(product=line.variant.product, upload=picture(), colour=line.colour)
    return image.image.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def test_the_return_form_and_the_returns_list_show_each_lines_thumbnail(
    member_client, member, order, tmp_path, settings, django_assert_max_num_queries
):
    settings.MEDIA_ROOT = tmp_path
    shirt, scarf = order.lines.order_by("pk")  # the scarf is a final sale: refused
    stems = {line.pk: _pictured(line) for line in (shirt, scarf)}
    page = member_client.get(reverse("returns:start", args=[order.number])).content.decode()
    for line in (shirt, scarf):
        row = page[page.index(f'id="line-{line.pk}"') :]
        assert f"{stems[line.pk]}-80w.webp 80w" in row[:1500], line
    data = {"method": "by_post", f"qty_{shirt.pk}": "1", f"reason_{shirt.pk}": "too_small"}
    assert _start(member_client, order, data).status_code == 302
    with django_assert_max_num_queries(12):
        listing = member_client.get(reverse("returns:list")).content.decode()
    row = listing[listing.index('class="card row-link"') :]
    assert f"{stems[shirt.pk]}-80w.webp 80w" in row[:1500]


def test_a_one_item_order_is_offered_in_full_and_submits_as_rendered(
    member_client, make_order, member, places
):
    order = make_order(customer=member, lines=[LineSpec(price=Decimal("30.00"), quantity=1)])
    line = order.lines.get()
    page = member_client.get(reverse("returns:start", args=[order.number])).content.decode()
    assert '<option value="1" selected>1</option>' in page
    assert "$30.00 each" in page
    response = _start(
        member_client,
        order,
        {
            f"qty_{line.pk}": "1",  # the rendered default, untouched
            f"reason_{line.pk}": "too_small",
            "method": "by_post",
        },
    )
    assert response.status_code == 302
    assert Return.objects.get().lines.get().quantity == 1


def test_every_line_defaults_to_what_can_still_come_back(member_client, order):
    shirt = order.lines.order_by("pk").first()
    page = member_client.get(reverse("returns:start", args=[order.number])).content.decode()
    assert re.search(rf'name="qty_{shirt.pk}".*?<option value="2" selected>2</option>', page)
