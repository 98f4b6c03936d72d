"""The back-office pickup queue (BOPIS) and the endless aisle, through their URLs as an
associate on a tablet uses them: data made through the real checkout, every step through
``orders.services``, refusals shown in place, other stores' pickups not found, and query
counts that do not grow with the queue."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from customers.models import Channel
from inventory.models import Stock
from omni.models import OutboxMessage
from orders import services
from orders.models import Fulfilment, Order, Payment
from stores.models import Associate
from tests import factories as f
from tests.orders.helpers import GOOD_CARD, make_variant, place, receive

# --- fixtures -------------------------------------------------------------------------


@pytest.fixture
def store(places):
    return places["springfield"]


@pytest.fixture
def associate(store):
    return f.AssociateFactory(home_location=store, display_name="Luis")


@pytest.fixture
def other_associate(places):
    return f.AssociateFactory(home_location=places["peoria"], display_name="Pia")


@pytest.fixture
def desk(client, associate):
    client.force_login(associate.user)
    return client


def make_pickup(variant, store, shopper, quantity=1, payment=None, extra_lines=()):
    receive(variant, store, quantity + 5)
    order = place(
        [(variant.pk, quantity), *extra_lines],
        fulfilment=services.PickupAt(store_id=store.pk),
        contact=shopper,
        payment=payment,
    )
    return order, order.fulfilments.get(kind=Fulfilment.Kind.PICKUP)


def act(client, fulfilment, action, *, htmx=False, **data):
    url = reverse("backoffice:pickup-action", args=[fulfilment.pk])
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(url, {"action": action, "status": fulfilment.status, **data}, **headers)


# --- permissions ----------------------------------------------------------------------


@pytest.mark.django_db
class TestPickupPermissions:
    def test_anonymous_goes_to_login(self, client, store):
        response = client.get(reverse("backoffice:pickup-queue"))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]

    def test_shopper_is_refused(self, client, store):
        client.force_login(f.UserFactory())
        assert client.get(reverse("backoffice:pickup-queue")).status_code == 403
        assert client.get(reverse("backoffice:aisle")).status_code == 403

    def test_another_stores_pickup_is_not_found(
        self, client, other_associate, variant, store, shopper
    ):
        _, pickup = make_pickup(variant, store, shopper)
        client.force_login(other_associate.user)
        assert client.get(reverse("backoffice:pickup-detail", args=[pickup.pk])).status_code == 404
        response = act(client, pickup, "start_picking")
        assert response.status_code == 404
        pickup.refresh_from_db()
        assert pickup.status == Fulfilment.Status.PLACED

    def test_another_stores_pickup_is_not_in_the_queue(
        self, client, other_associate, variant, store, shopper
    ):
        order, _ = make_pickup(variant, store, shopper)
        client.force_login(other_associate.user)
        page = client.get(reverse("backoffice:pickup-queue")).content.decode()
        assert order.number not in page

    def test_action_needs_post(self, desk, variant, store, shopper):
        _, pickup = make_pickup(variant, store, shopper)
        url = reverse("backoffice:pickup-action", args=[pickup.pk])
        assert desk.get(url).status_code == 405


# --- the queue ------------------------------------------------------------------------


@pytest.mark.django_db
class TestPickupQueue:
    def test_tabs_show_this_stores_pickups_by_status(self, desk, variant, store, shopper):
        order, pickup = make_pickup(variant, store, shopper)
        page = desk.get(reverse("backoffice:pickup-queue")).content.decode()
        assert order.number in page
        assert f'id="pickup-row-{pickup.pk}"' in page
        assert "Start picking" in page
        ready_tab = desk.get(reverse("backoffice:pickup-queue") + "?tab=ready").content.decode()
        assert order.number not in ready_tab

    def test_htmx_tab_is_the_fragment(self, desk, variant, store, shopper):
        make_pickup(variant, store, shopper)
        response = desk.get(
            reverse("backoffice:pickup-queue") + "?tab=placed", HTTP_HX_REQUEST="true"
        )
        body = response.content.decode()
        assert 'id="pickup-queue"' in body
        assert "<html" not in body

    def test_scan_opens_the_pickup(self, desk, variant, store, shopper):
        order, pickup = make_pickup(variant, store, shopper)
        code = " " + order.number.lower() + " "
        response = desk.get(reverse("backoffice:pickup-queue"), {"code": code})
        assert response.status_code == 302
        assert response["Location"] == reverse("backoffice:pickup-detail", args=[pickup.pk])

    def test_scan_of_another_stores_pickup_says_where_it_is(self, desk, variant, places, shopper):
        order, _ = make_pickup(variant, places["peoria"], shopper)
        response = desk.get(reverse("backoffice:pickup-queue"), {"code": order.number})
        assert response.status_code == 200
        assert "is for pickup at Peoria, not at Springfield" in response.content.decode()

    def test_scan_of_unknown_code(self, desk, store):
        response = desk.get(reverse("backoffice:pickup-queue"), {"code": "W9999999"})
        assert "No pickup has the order code" in response.content.decode()

    def test_item_arriving_by_transfer_shows_expected_date(
        self, desk, variant, store, places, shopper
    ):
        receive(variant, places["warehouse"], 5)
        order = place(
            [(variant.pk, 1)], fulfilment=services.PickupAt(store_id=store.pk), contact=shopper
        )
        pickup = order.fulfilments.get()
        assert pickup.expected_ready_at is not None
        page = desk.get(reverse("backoffice:pickup-queue")).content.decode()
        assert "Arriving by transfer from Indianapolis · expected" in page
        detail = desk.get(reverse("backoffice:pickup-detail", args=[pickup.pk])).content.decode()
        assert "arriving by transfer from Indianapolis" in detail
        # Made ready before the units arrive: refused with where they come from.
        response = act(desk, pickup, "ready", htmx=True)
        assert "still on their way from Indianapolis" in response.content.decode()

    def test_items_already_here_are_not_arriving_by_transfer(self, desk, variant, store, shopper):
        make_pickup(variant, store, shopper)
        page = desk.get(reverse("backoffice:pickup-queue")).content.decode()
        assert "Arriving by transfer" not in page

    def test_pay_at_pickup_shows_what_to_take(self, desk, variant, store, shopper):
        order, pickup = make_pickup(
            variant, store, shopper, payment=services.PaymentChoice.pay_in_store()
        )
        page = desk.get(reverse("backoffice:pickup-queue")).content.decode()
        assert "Pay at pickup: $52.06" in page
        services.fulfilment_ready(fulfilment=pickup)
        act(desk, Fulfilment.objects.get(pk=pickup.pk), "collect", code=order.number)
        assert order.payments.get().status == Payment.Status.CAPTURED
        page = desk.get(reverse("backoffice:pickup-queue") + "?tab=collected").content.decode()
        assert "Pay at pickup" not in page

    def test_ready_tab_shows_the_hold_deadline(self, desk, variant, store, shopper):
        _, pickup = make_pickup(variant, store, shopper)
        services.fulfilment_ready(fulfilment=pickup)
        page = desk.get(reverse("backoffice:pickup-queue") + "?tab=ready").content.decode()
        assert "Held until" in page
        assert "pickups_expire" in page


# --- moving a pickup ------------------------------------------------------------------


@pytest.mark.django_db
class TestPickupActions:
    def test_placed_to_collected_with_htmx_rows(self, desk, associate, variant, store, shopper):
        order, pickup = make_pickup(variant, store, shopper)
        response = act(desk, pickup, "start_picking", htmx=True)
        assert response.status_code == 200
        assert f'id="pickup-row-{pickup.pk}"' in response.content.decode()
        assert "<html" not in response.content.decode()
        pickup.refresh_from_db()
        assert pickup.status == Fulfilment.Status.PICKING

        response = act(desk, pickup, "ready", htmx=True)
        assert "the shopper has been told" in response.content.decode()
        pickup.refresh_from_db()
        assert pickup.status == Fulfilment.Status.READY
        assert OutboxMessage.objects.filter(
            topic="email.pickup_ready", dedupe_key__endswith=f":{pickup.pk}"
        ).exists()

        response = act(desk, pickup, "collect", htmx=True, code=order.number.lower())
        assert "collected" in response.content.decode()
        pickup.refresh_from_db()
        assert pickup.status == Fulfilment.Status.COLLECTED
        assert Stock.objects.get(variant=variant, location=store).on_hand == 5

    def test_wrong_order_code_is_refused_in_place(self, desk, variant, store, shopper):
        _, pickup = make_pickup(variant, store, shopper)
        services.fulfilment_ready(fulfilment=pickup)
        response = act(desk, pickup, "collect", htmx=True, code="W9999999")
        body = response.content.decode()
        assert response.status_code == 200
        assert body.count("does not match this order") == 1  # under the code box only
        assert 'aria-invalid="true"' in body
        pickup.refresh_from_db()
        assert pickup.status == Fulfilment.Status.READY

    def test_a_step_updates_the_tab_counts_out_of_band(self, desk, variant, store, shopper):
        _, first = make_pickup(variant, store, shopper)
        make_pickup(variant, store, shopper)
        response = act(desk, first, "start_picking", htmx=True)
        body = response.content.decode()
        counts = dict(re.findall(r'id="pickup-count-(\w+)" hx-swap-oob="true">(\d+)<', body))
        assert counts == {
            "placed": "1",
            "picking": "1",
            "ready": "0",
            "collected": "0",
            "closed": "0",
        }

    def test_collecting_a_pickup_that_is_not_ready(self, desk, variant, store, shopper):
        order, pickup = make_pickup(variant, store, shopper)
        response = act(desk, pickup, "collect", code=order.number)
        assert response.status_code == 302
        page = desk.get(response["Location"]).content.decode()
        assert "This pickup is not ready yet." in page
        pickup.refresh_from_db()
        assert pickup.status == Fulfilment.Status.PLACED

    def test_stale_form_after_a_colleague_moved_it(self, desk, variant, store, shopper):
        _, pickup = make_pickup(variant, store, shopper)
        seen = pickup.status
        services.fulfilment_start_picking(fulfilment=Fulfilment.objects.get(pk=pickup.pk))
        response = desk.post(
            reverse("backoffice:pickup-action", args=[pickup.pk]),
            {"action": "start_picking", "status": seen},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200
        assert "already moved on" in response.content.decode()
        assert Fulfilment.objects.get(pk=pickup.pk).status == Fulfilment.Status.PICKING

    def test_unknown_action(self, desk, variant, store, shopper):
        _, pickup = make_pickup(variant, store, shopper)
        response = act(desk, pickup, "teleport", htmx=True)
        assert "Choose what to do" in response.content.decode()

    def test_partial_pickup_of_some_lines(self, desk, variant, store, shopper):
        other = make_variant("20.00", size="L")
        receive(other, store, 3)
        order, pickup = make_pickup(
            variant, store, shopper, quantity=2, extra_lines=[(other.pk, 1)]
        )
        services.fulfilment_ready(fulfilment=pickup)
        lines = {line.variant_id: line for line in order.lines.all()}
        response = desk.post(
            reverse("backoffice:pickup-action", args=[pickup.pk]),
            {
                "action": "collect",
                "status": "ready",
                "partial": "1",
                "code": order.number,
                f"qty-{lines[variant.pk].pk}": "1",
                f"qty-{lines[other.pk].pk}": "0",
            },
        )
        assert response.status_code == 302
        pickup.refresh_from_db()
        assert pickup.status == Fulfilment.Status.PARTIALLY_COLLECTED
        taken = {line.order_line.variant_id: line.quantity_collected for line in pickup.lines.all()}
        assert taken == {variant.pk: 1, other.pk: 0}

    def test_partial_pickup_with_too_many_units(self, desk, variant, store, shopper):
        order, pickup = make_pickup(variant, store, shopper, quantity=1)
        services.fulfilment_ready(fulfilment=pickup)
        line = order.lines.get()
        response = desk.post(
            reverse("backoffice:pickup-action", args=[pickup.pk]),
            {
                "action": "collect",
                "status": "ready",
                "partial": "1",
                "code": order.number,
                f"qty-{line.pk}": "5",
            },
            follow=True,
        )
        assert "Between 0 and 1" in response.content.decode()
        assert Fulfilment.objects.get(pk=pickup.pk).status == Fulfilment.Status.READY

    def test_partial_pickup_with_garbage_quantity(self, desk, variant, store, shopper):
        order, pickup = make_pickup(variant, store, shopper, quantity=1)
        services.fulfilment_ready(fulfilment=pickup)
        line = order.lines.get()
        response = desk.post(
            reverse("backoffice:pickup-action", args=[pickup.pk]),
            {
                "action": "collect",
                "status": "ready",
                "partial": "1",
                "code": order.number,
                f"qty-{line.pk}": "lots",
            },
            follow=True,
        )
        assert "Enter how many" in response.content.decode()
        assert Fulfilment.objects.get(pk=pickup.pk).status == Fulfilment.Status.READY

    def test_next_cannot_leave_the_site(self, desk, variant, store, shopper):
        _, pickup = make_pickup(variant, store, shopper)
        response = act(desk, pickup, "start_picking", next="https://evil.example/")
        assert response["Location"] == reverse("backoffice:pickup-detail", args=[pickup.pk])


# --- query counts ---------------------------------------------------------------------


def _many_pickups(variant, store, shopper, count):
    receive(variant, store, count * 2 + 5)
    for _ in range(count):
        place([(variant.pk, 1)], fulfilment=services.PickupAt(store_id=store.pk), contact=shopper)


@pytest.mark.django_db
class TestPickupQueryCounts:
    @pytest.mark.parametrize("count", [1, 8])
    def test_queue(self, desk, variant, store, shopper, count, django_assert_max_num_queries):
        _many_pickups(variant, store, shopper, count)
        # 4 to know who and where, 1 count per status, 3 for the rows and payments, 1
        # for transfers on their way, 3 to remember the store on a first visit.
        with django_assert_max_num_queries(12):
            response = desk.get(reverse("backoffice:pickup-queue"))
        assert response.content.decode().count('class="card ops-row') == count

    @pytest.mark.parametrize("lines", [1, 6])
    def test_detail(self, desk, store, shopper, lines, django_assert_max_num_queries):
        variants = [make_variant("10.00") for _ in range(lines)]
        for v in variants:
            receive(v, store, 3)
        order = place(
            [(v.pk, 1) for v in variants],
            fulfilment=services.PickupAt(store_id=store.pk),
            contact=shopper,
        )
        pickup = order.fulfilments.get()
        with django_assert_max_num_queries(11):
            response = desk.get(reverse("backoffice:pickup-detail", args=[pickup.pk]))
        assert response.status_code == 200


# --- endless aisle --------------------------------------------------------------------


@pytest.mark.django_db
class TestAisle:
    def test_search_shows_availability_here_and_elsewhere(
        self, desk, store, places, django_assert_max_num_queries
    ):
        wanted = make_variant("60.00", size="S", colour="Rust")
        wanted.product.name = "Corduroy Overshirt"
        wanted.product.save()
        receive(wanted, places["peoria"], 4)
        response = desk.get(reverse("backoffice:aisle"), {"q": "corduroy"})
        page = response.content.decode()
        assert "Corduroy Overshirt" in page
        assert "Here: <strong>0</strong>" in page
        assert "Peoria 4" in page

    def test_search_lists_the_nearest_elsewhere_first_and_only_what_can_be_sold(
        self, desk, store, places, django_assert_max_num_queries
    ):
        wanted = make_variant("60.00", size="S")
        wanted.product.name = "Waxed Jacket"
        wanted.product.save()
        unpriced = f.VariantFactory(product=wanted.product, size="M")
        receive(wanted, places["chicago"], 2)
        receive(wanted, places["peoria"], 1)
        receive(unpriced, store, 5)
        desk.get(reverse("backoffice:aisle"), {"q": "waxed"})
        with django_assert_max_num_queries(12):
            page = desk.get(reverse("backoffice:aisle"), {"q": "waxed"}).content.decode()
        assert "Elsewhere: Peoria 1, Chicago 2" in page  # Peoria is nearer Springfield
        assert wanted.sku in page and unpriced.sku not in page

    def test_htmx_search_is_the_results_fragment(self, desk, store):
        wanted = make_variant("15.00", size="M")
        receive(wanted, store, 2)
        response = desk.get(
            reverse("backoffice:aisle"),
            {"q": wanted.sku, "part": "results"},
            HTTP_HX_REQUEST="true",
        )
        body = response.content.decode()
        assert 'id="aisle-results"' in body and "<html" not in body
        assert wanted.sku in body and "Here: <strong>2</strong>" in body

    def _add(self, desk, variant, quantity=1):
        return desk.post(
            reverse("backoffice:aisle"),
            {"action": "add", "variant": variant.pk, "quantity": quantity},
        )

    def test_ship_to_customer_paid_by_card(self, desk, associate, variant, store, places):
        receive(variant, places["warehouse"], 5)
        assert self._add(desk, variant, 2).status_code == 302
        response = desk.post(
            reverse("backoffice:aisle"),
            {
                "action": "place",
                "email": "zoe@example.com",
                "first_name": "Zoe",
                "last_name": "Walk-in",
                "fulfilment": "ship",
                "line1": "5 Elm St",
                "city": "Springfield",
                "postcode": "62701",
                "country": "US",
                "payment": "card",
                "card_number": GOOD_CARD,
            },
        )
        assert response.status_code == 302
        order = Order.objects.get()
        assert response["Location"] == reverse("backoffice:aisle-done", args=[order.number])
        assert order.channel == Channel.STORE
        assert order.location == store
        assert order.associate == associate
        assert order.email == "zoe@example.com"
        assert order.fulfilments.get().kind == Fulfilment.Kind.SHIP
        done = desk.get(response["Location"]).content.decode()
        assert order.number in done
        assert "data:image/svg+xml;base64," in done
        # the basket is empty for the next customer
        assert "No items yet" in desk.get(reverse("backoffice:aisle")).content.decode()

    def test_pickup_later_pay_at_pickup_for_an_attached_customer(
        self, desk, variant, store, places
    ):
        customer = f.CustomerFactory(email="kim@example.com")
        receive(variant, places["peoria"], 3)
        self._add(desk, variant)
        desk.post(reverse("backoffice:aisle"), {"action": "customer", "customer": customer.pk})
        response = desk.post(
            reverse("backoffice:aisle"),
            {
                "action": "place",
                "fulfilment": "pickup",
                "pickup_store": places["peoria"].pk,
                "payment": "pay_at_pickup",
            },
        )
        assert response.status_code == 302
        order = Order.objects.get()
        assert order.customer == customer
        assert order.fulfilments.get().location == places["peoria"]
        assert order.payments.get().provider == Payment.Provider.PAY_IN_STORE

    def test_declined_card_writes_nothing(self, desk, variant, places):
        receive(variant, places["warehouse"], 5)
        self._add(desk, variant)
        response = desk.post(
            reverse("backoffice:aisle"),
            {
                "action": "place",
                "email": "zoe@example.com",
                "fulfilment": "ship",
                "line1": "5 Elm St",
                "city": "Springfield",
                "postcode": "62701",
                "payment": "card",
                "card_number": "4000 0000 0000 0002",
            },
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert body.count("Your card was declined.") == 1
        # Beside the button (after the fields), not in the page's messages at the top.
        assert body.index("Your card was declined.") > body.index('name="card_number"')
        assert not Order.objects.exists()
        assert Stock.objects.get(variant=variant, location=places["warehouse"]).reserved == 0

    def test_an_attached_customers_last_address_is_prefilled(self, desk, variant, places):
        receive(variant, places["warehouse"], 5)
        customer = f.CustomerFactory(email="kim@example.com", first_name="Kim", last_name="Lee")
        f.OrderFactory(
            customer=customer,
            shipping_address={
                "name": "Kim Lee",
                "line1": "9 Oak Rd",
                "city": "Peoria",
                "postcode": "61602",
                "country": "US",
            },
        )
        self._add(desk, variant)
        desk.post(reverse("backoffice:aisle"), {"action": "customer", "customer": customer.pk})
        body = desk.get(reverse("backoffice:aisle")).content.decode()
        for value in ("9 Oak Rd", "Peoria", "61602", "Kim Lee"):
            assert f'value="{value}"' in body, value
        assert "their last delivery address" in body

    def test_each_fulfilment_shows_only_its_fields(self, desk, variant, places):
        body = desk.get(reverse("backoffice:aisle")).content.decode()
        # The sections the stylesheet hides by the chosen radio.
        assert re.search(r'class="for-pickup">.*?name="pickup_store"', body, re.S)
        assert re.search(r'class="for-ship ops-address">.*?name="line1"', body, re.S)
        assert re.search(r'class="for-card">.*?name="card_number"', body, re.S)
        css = (settings_static() / "css" / "backoffice.css").read_text()
        assert "input[name=fulfilment][value=pickup]:checked) .for-ship" in css
        assert "input[name=fulfilment][value=ship]:checked) .for-pickup" in css

    def test_prices_carry_their_currency(self, desk, variant, places):
        receive(variant, places["warehouse"], 5)
        self._add(desk, variant, 2)
        body = desk.get(reverse("backoffice:aisle")).content.decode()
        assert "Subtotal $98.00" in body

    def test_insufficient_stock_writes_nothing(self, desk, variant, places):
        receive(variant, places["warehouse"], 1)
        self._add(desk, variant, 3)
        response = desk.post(
            reverse("backoffice:aisle"),
            {
                "action": "place",
                "email": "zoe@example.com",
                "fulfilment": "ship",
                "line1": "5 Elm St",
                "city": "Springfield",
                "postcode": "62701",
                "payment": "card",
                "card_number": GOOD_CARD,
            },
        )
        assert response.status_code == 200
        assert "Only 1 left" in response.content.decode()
        assert not Order.objects.exists()

    def test_missing_details_are_shown_next_to_fields(self, desk, variant, places):
        receive(variant, places["warehouse"], 1)
        self._add(desk, variant)
        response = desk.post(
            reverse("backoffice:aisle"),
            {"action": "place", "fulfilment": "ship", "payment": "pay_at_pickup"},
        )
        page = response.content.decode()
        assert "Attach a customer, or enter their email or phone." in page
        assert "Street address is required." in page
        assert "Pay at pickup is only for a pickup." in page
        assert not Order.objects.exists()

    def test_a_ship_order_without_an_address_says_so_beside_the_button(self, desk, variant, places):
        receive(variant, places["warehouse"], 1)
        self._add(desk, variant)
        response = desk.post(
            reverse("backoffice:aisle"),
            {
                "action": "place",
                "email": "zoe@example.com",
                "fulfilment": "ship",
                "payment": "card",
                "card_number": GOOD_CARD,
            },
        )
        assert response.status_code == 200
        body = response.content.decode()
        start = body.index('class="card ops-checkout"')
        checkout = body[start : body.index("</form>", start)]
        # The element just before the submit button, inside the checkout form.
        beside = re.search(
            r'<p class="message error" role="alert" id="place-error">(.*?)</p>'
            r'\s*<button type="submit"',
            checkout,
            re.S,
        )
        assert beside, "no error beside the Place order button"
        assert "Check the 4 fields marked above:" in beside.group(1)
        for field, label in (
            ("line1", "Street address"),
            ("city", "City"),
            ("region", "State"),
            ("postcode", "ZIP code"),
        ):
            assert f'<a href="#id_{field}">{label}</a>' in beside.group(1)
            assert f'id="id_{field}"' in checkout
        assert body.count('id="place-error"') == 1
        # Each message once, by its field (not repeated beside the button or at the top).
        for message in ("Street address is required.", "City is required.", "State is required."):
            assert body.count(message) == 1
        assert not Order.objects.exists()

    def test_bad_basket_input(self, desk, store):
        response = desk.post(
            reverse("backoffice:aisle"), {"action": "add", "variant": "x"}, follow=True
        )
        assert "Choose an item" in response.content.decode()
        response = desk.post(
            reverse("backoffice:aisle"), {"action": "add", "variant": 999999}, follow=True
        )
        assert "not sold any more" in response.content.decode()
        response = desk.post(
            reverse("backoffice:aisle"),
            {"action": "place", "fulfilment": "ship", "payment": "card"},
        )
        assert "Add at least one item first." in response.content.decode()

    def test_confirmation_of_another_stores_order_is_not_found(self, client, variant, places):
        receive(variant, places["warehouse"], 2)
        order = place([(variant.pk, 1)], channel=Channel.STORE, location=places["peoria"])
        stranger = f.AssociateFactory(home_location=places["chicago"])
        client.force_login(stranger.user)
        assert client.get(reverse("backoffice:aisle-done", args=[order.number])).status_code == 404
        assert client.get(reverse("backoffice:aisle-done", args=["W404"])).status_code == 404

    @pytest.mark.parametrize("count", [1, 8])
    def test_query_count(self, desk, store, places, count, django_assert_max_num_queries):
        for i in range(count):
            v = make_variant("30.00", size=f"S{i}")
            v.product.name = "Wool Scarf"
            v.product.save()
            receive(v, places["peoria"], 2)
            receive(v, places["chicago"], 1)
            self._add(desk, v)
        with django_assert_max_num_queries(11):
            response = desk.get(reverse("backoffice:aisle"), {"q": "wool", "cq": "ana"})
        assert response.content.decode().count("ops-result") == count


@pytest.mark.django_db
def test_manager_sees_the_same_queue(client, variant, store, shopper):
    manager = f.AssociateFactory(home_location=store, role=Associate.Role.MANAGER)
    order, _ = make_pickup(variant, store, shopper)
    client.force_login(manager.user)
    assert order.number in client.get(reverse("backoffice:pickup-queue")).content.decode()


@pytest.mark.django_db
def test_a_pickup_row_shows_each_lines_thumbnail(desk, variant, store, shopper, tmp_path, settings):
    from tests.catalog.test_images import picture

    settings.MEDIA_ROOT = tmp_path
    from catalog.services import product_image_create

    image = product_image_create(product=variant.product, upload=picture(), colour=variant.colour)
    order, _ = make_pickup(variant, store, shopper)
    page = desk.get(reverse("backoffice:pickup-queue")).content.decode()
    row = page[page.index(order.number) :]
    assert (
        "-80w.webp 80w" in row[:4000] and image.image.name.rsplit(".", 1)[0].split("/")[-1] in row
    )


def settings_static():
    from django.conf import settings

    return settings.BASE_DIR / "static"


@pytest.mark.django_db
def test_the_header_names_the_associate_and_offers_switch_user_and_log_out(desk, store):
    page = desk.get(reverse("backoffice:pickup-queue") + "?tab=ready").content.decode()
    assert "Luis" in page
    assert "Switch user" in page and "Log out" in page
    assert 'value="/accounts/login/?next=/backoffice/pickups/%3Ftab%3Dready"' in page
    response = desk.post(
        reverse("account_logout"), {"next": "/accounts/login/?next=/backoffice/pickups/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/backoffice/pickups/"
    assert desk.get(reverse("backoffice:pickup-queue")).status_code == 302  # logged out


@pytest.mark.django_db
class TestAisleTenders:
    """The endless aisle takes a gift card (and the attached customer's points or credit)
    before the payment chosen; alone when it covers the order."""

    FORM = {
        "action": "place",
        "email": "zoe@example.com",
        "first_name": "Zoe",
        "fulfilment": "ship",
        "line1": "5 Elm St",
        "city": "Springfield",
        "region": "IL",
        "postcode": "62701",
        "country": "US",
        "payment": "card",
    }

    def _issue(self, amount):
        from giftcards import services as gift_cards
        from giftcards.models import GiftCard

        return gift_cards.gift_card_issue(
            amount=Decimal(amount), source=GiftCard.Source.ISSUED, reason="Test"
        )

    def _add(self, desk, variant):
        desk.post(reverse("backoffice:aisle"), {"action": "add", "variant": variant.pk})

    def test_a_gift_card_and_a_card(self, desk, variant, places):
        receive(variant, places["warehouse"], 5)
        issued = self._issue("20.00")
        self._add(desk, variant)
        response = desk.post(
            reverse("backoffice:aisle"),
            {**self.FORM, "gift_card_code": issued.code, "card_number": GOOD_CARD},
        )
        assert response.status_code == 302
        paid = {p.provider: p.amount for p in Order.objects.get().payments.all()}
        assert paid["gift_card"] == Decimal("20.00") and paid["test"] > 0

    def test_a_gift_card_alone_and_one_that_falls_short(self, desk, variant, places):
        receive(variant, places["warehouse"], 5)
        self._add(desk, variant)
        short = self._issue("10.00")
        response = desk.post(
            reverse("backoffice:aisle"), {**self.FORM, "gift_card_code": short.code}
        )
        assert response.status_code != 302
        assert "still to pay" in response.content.decode()
        assert not Order.objects.exists()
        enough = self._issue("200.00")
        response = desk.post(
            reverse("backoffice:aisle"), {**self.FORM, "gift_card_code": enough.code}
        )
        assert response.status_code == 302
        assert [p.provider for p in Order.objects.get().payments.all()] == ["gift_card"]

    def test_an_unknown_code_is_said_beside_the_field(self, desk, variant, places):
        receive(variant, places["warehouse"], 5)
        self._add(desk, variant)
        response = desk.post(
            reverse("backoffice:aisle"),
            {**self.FORM, "gift_card_code": "NOPE-NOPE-NOPE-NOPE", "card_number": GOOD_CARD},
        )
        assert "We could not find a gift card with this code" in response.content.decode()
        assert not Order.objects.exists()
