"""The storefront's cart and checkout through the views: adding and changing lines (with the
refusals said next to the line), the HTMX mini-cart, the guest cart merged at login, the
restore link, and checkout end to end — ship, pickup now, pickup by transfer, pay at
pickup, a declined card, the race for the last unit — then the confirmation page, which only
its buyer may see. Query budgets stay flat as lines and stores grow."""

import re

import pytest
from django.core import mail
from django.test import Client, override_settings

from inventory.models import Reservation
from orders import services
from orders.models import Cart, Order, Payment
from orders.selectors import order_status_token
from tests import factories as f
from tests.shop_data import add_product, grow, make_shop, refresh

pytestmark = pytest.mark.django_db

GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"
ADDRESS = {"line1": "1 Capitol Ave", "city": "Springfield", "region": "IL", "postcode": "62701"}
# What the shopper types beside the number (any name, a future expiry, any 3 digits).
CARD = {
    "card_number": GOOD_CARD,
    "card_name": "Ana Shopper",
    "card_expiry": "12/40",
    "card_cvc": "123",
}


@pytest.fixture
def shop(db):
    return make_shop()


def add(client, variant, quantity=1, **extra):
    data = {"variant": variant.pk, "quantity": quantity, "next": "/cart/"}
    return client.post("/cart/add/", data, **extra)


def open_cart(client) -> Cart | None:
    key = client.session.get("omni_cart_key")
    return Cart.objects.filter(session_key=key, status=Cart.Status.OPEN).first() if key else None


def choose_store(client, store):
    client.post("/stores/choose/", {"location": store.pk})


def guest_checkout(client, **fields):
    data = {
        "email": "ana@example.com",
        "first_name": "Ana",
        "last_name": "Shopper",
        "fulfilment": "ship",
        "payment": "card",
        **CARD,
        **ADDRESS,
    }
    data.update(fields)
    return client.post("/checkout/", data)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- cart -------------------------------------------------------------------------------


def test_guest_adds_to_cart_and_the_header_counts_it(client, shop):
    response = add(client, shop.variant(), quantity=2)
    assert response.status_code == 302 and response.url == "/cart/"
    page = client.get("/cart/")
    body = page.content.decode()
    assert "Linen Shirt" in body and "$98.00" in body
    assert re.search(r'class="minicart-count"[^>]*>2<', body)
    assert "Added Linen Shirt (Navy / M) to your cart." in body


def test_htmx_add_returns_the_minicart_and_a_trigger(client, shop):
    response = add(client, shop.variant(), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<a id="minicart"') and "<html" not in body
    assert re.search(r'class="minicart-count"[^>]*>1<', body)
    assert 'id="messages" hx-swap-oob="true"' in body and "Added Linen Shirt" in body
    assert "cart-changed" in response["HX-Trigger"]


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "Choose a quantity of at least 1."),
        ("-2", "Choose a quantity of at least 1."),
        ("21", "You can buy at most 20 of an item in one order."),
        ("two", "The quantity must be a whole number."),
    ],
)
def test_bad_quantities_are_refused_with_a_message(client, shop, quantity, message):
    response = client.post(
        "/cart/add/", {"variant": shop.variant().pk, "quantity": quantity}, follow=True
    )
    assert response.status_code == 200
    assert message in messages_of(response)
    assert open_cart(client) is None or not open_cart(client).lines.exists()


def test_more_than_can_be_sold_is_refused(client, shop):
    sweater = shop.variant(shop.products[1])  # 5 at the warehouse
    response = client.post("/cart/add/", {"variant": sweater.pk, "quantity": 6}, follow=True)
    assert any("Only 5 left" in m for m in messages_of(response))


def test_no_size_chosen_or_unknown_variant(client, shop):
    nothing = client.post("/cart/add/", {"quantity": 1, "next": "/p/x/"})
    assert nothing.url == "/p/x/"
    assert "Choose a size first." in messages_of(client.get("/cart/"))
    unknown = client.post("/cart/add/", {"variant": 999999}, follow=True)
    assert "Sorry, this item is no longer available." in messages_of(unknown)


def test_next_must_stay_on_this_site(client, shop):
    response = client.post(
        "/cart/add/", {"variant": shop.variant().pk, "next": "https://evil.example/"}
    )
    assert response.url == "/cart/"


def test_change_quantity_and_remove(client, shop):
    add(client, shop.variant())
    variant_id = shop.variant().pk
    assert client.post(f"/cart/line/{variant_id}/", {"quantity": 3}).status_code == 302
    assert open_cart(client).lines.get().quantity == 3
    client.post(f"/cart/line/{variant_id}/", {"quantity": 0})
    assert not open_cart(client).lines.exists()
    add(client, shop.variant())
    client.post(f"/cart/line/{variant_id}/remove/")
    assert not open_cart(client).lines.exists()
    assert "Your cart is empty" in client.get("/cart/").content.decode()


def test_a_refused_quantity_is_said_next_to_its_line(client, shop):
    sweater = shop.variant(shop.products[1])
    add(client, sweater)
    for quantity, message in (("9", "Only 5 left"), ("-1", "at least 1"), ("x", "whole number")):
        response = client.post(f"/cart/line/{sweater.pk}/", {"quantity": quantity})
        assert response.status_code == 400
        body = response.content.decode()
        assert f'id="err-{sweater.pk}"' in body and message in body
        assert 'aria-invalid="true"' in body
    assert open_cart(client).lines.get().quantity == 1


def test_htmx_quantity_change_returns_the_cart_fragment(client, shop):
    add(client, shop.variant())
    response = client.post(
        f"/cart/line/{shop.variant().pk}/", {"quantity": 2}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="cart"') and "<html" not in body
    assert 'id="minicart" class="minicart"' in body and 'hx-swap-oob="true"' in body
    assert "$98.00" in body and "cart-changed" in response["HX-Trigger"]


def test_guest_cart_is_merged_into_the_members_cart_at_login(client, shop):
    user = f.UserFactory(email="olivia@example.com", username="olivia")
    f.CustomerFactory(user=user, email=user.email)
    member_cart = services.cart_get_or_create(user=user)
    services.cart_add(cart=member_cart, variant_id=shop.variant(size="S").pk, quantity=1)
    add(client, shop.variant(size="M"), quantity=2)
    response = client.post(
        "/accounts/login/", {"login": "olivia@example.com", "password": "pass-word-123"}
    )
    assert response.status_code == 302
    body = client.get("/cart/").content.decode()
    assert re.search(r'class="minicart-count"[^>]*>3<', body)
    member_cart.refresh_from_db()
    assert sorted(member_cart.lines.values_list("variant__size", "quantity")) == [
        ("M", 2),
        ("S", 1),
    ]


def test_after_login_my_store_is_the_members_home_store_only_if_a_store(client, shop):
    from customers.surface import STORE_SESSION_KEY

    springfield = shop.stores["springfield"]
    for home, expected in (
        (springfield, {"id": springfield.pk, "name": springfield.name}),
        (f.WarehouseFactory(), None),
    ):
        user = f.UserFactory()
        f.CustomerFactory(user=user, email=user.email, home_store=home)
        browser = Client()
        browser.post("/accounts/login/", {"login": user.email, "password": "pass-word-123"})
        browser.get("/cart/")
        assert browser.session.get(STORE_SESSION_KEY) == expected


# --- restore links ----------------------------------------------------------------------


def test_restore_link_rebuilds_the_cart_on_this_device(client, shop):
    cart = services.cart_get_or_create(session_key="other-device")
    services.cart_add(cart=cart, variant_id=shop.variant().pk, quantity=2)
    token = services.cart_restore_token(cart)
    response = client.get(f"/cart/restore/{token}/", follow=True)
    assert response.redirect_chain[-1][0] == "/cart/"
    assert "Welcome back" in response.content.decode()
    assert open_cart(client).lines.get().quantity == 2


def test_tampered_restore_link_is_a_clear_400(client, shop):
    cart = services.cart_get_or_create(session_key="other-device")
    token = services.cart_restore_token(cart)
    response = client.get(f"/cart/restore/{token[:-2]}xx/")
    assert response.status_code == 400
    assert "This link isn’t valid" in response.content.decode()


@override_settings(OMNI_CART_RESTORE_MAX_AGE_DAYS=-1)
def test_expired_restore_link_is_a_clear_410(client, shop):
    cart = services.cart_get_or_create(session_key="other-device")
    response = client.get(f"/cart/restore/{services.cart_restore_token(cart)}/")
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()


def test_restore_link_of_a_bought_cart_is_410(client, shop):
    add(client, shop.variant())
    cart = open_cart(client)
    assert guest_checkout(client).status_code == 302
    response = Client().get(f"/cart/restore/{services.cart_restore_token(cart)}/")
    assert response.status_code == 410
    assert "Already checked out" in response.content.decode()


# --- checkout ---------------------------------------------------------------------------


def test_checkout_with_an_empty_cart_goes_back_to_the_cart(client, shop):
    response = client.get("/checkout/")
    assert response.status_code == 302 and response.url == "/cart/"


def test_checkout_page_offers_pickup_where_everything_can_be_ready(client, shop):
    choose_store(client, shop.stores["springfield"])
    add(client, shop.variant())
    response = client.get("/checkout/")
    assert response.status_code == 200
    options = response.context["pickup_options"]
    assert options[0].location == shop.stores["springfield"] and options[0].ready_now
    assert options[0].ready_label in ("today", "tomorrow")
    assert response.context["selected_store"] == shop.stores["springfield"].pk
    body = response.content.decode()
    assert "4242 4242 4242 4242" in body  # the test provider documents its cards
    # The opt-ins are there, unticked.
    for name in ("marketing_email", "marketing_sms"):
        assert f'<input type="checkbox" name="{name}">' in body


def test_guest_checkout_ship_to_an_address(client, shop, django_capture_on_commit_callbacks):
    add(client, shop.variant(), quantity=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = guest_checkout(client)
    assert response.status_code == 302
    order = Order.objects.get()
    assert response.url == f"/checkout/done/{order.number}/"
    assert order.email == "ana@example.com" and order.shipping_address["city"] == "Springfield"
    assert order.fulfilments.get().kind == "ship"
    page = client.get(response.url)
    body = page.content.decode()
    assert order.number in body and "data:image/svg+xml" in body
    assert "Linen Shirt" in body and "$98.00" in body and "Delivery" in body
    assert re.search(r'class="minicart-count"[^>]*>0<', body)
    # The confirmation email went out with the order code.
    sent = [m for m in mail.outbox if order.number in m.subject + m.body]
    assert sent and "data:image/svg+xml" in sent[0].alternatives[0][0]


def test_pickup_today_at_my_store(client, shop):
    choose_store(client, shop.stores["springfield"])
    add(client, shop.variant())
    store = shop.stores["springfield"]
    response = guest_checkout(client, fulfilment="pickup", store=store.pk, line1="", city="")
    assert response.status_code == 302
    order = Order.objects.get()
    fulfilment = order.fulfilments.get()
    assert fulfilment.kind == "pickup" and fulfilment.location == store
    body = client.get(response.url).content.decode()
    assert "Pick up at Springfield" in body and "Ready from" in body
    # The receipt names the pickup, not a free delivery.
    receipt = body[body.index('class="card receipt"') :]
    assert re.search(r"Pickup · Springfield</span><span>No charge", receipt)
    assert "Delivery" not in receipt and "Free" not in receipt


def test_pickup_by_transfer_shows_and_keeps_the_later_date(client, shop):
    choose_store(client, shop.stores["springfield"])
    sweater = shop.variant(shop.products[1])  # only at the warehouse
    add(client, sweater)
    page = client.get("/checkout/")
    option = next(
        o for o in page.context["pickup_options"] if o.location == shop.stores["springfield"]
    )
    assert not option.ready_now and option.ready_label != "today"
    assert f"Ready {option.ready_label} (sent from another store)" in page.content.decode()
    response = guest_checkout(client, fulfilment="pickup", store=shop.stores["springfield"].pk)
    assert response.status_code == 302
    fulfilment = Order.objects.get().fulfilments.get()
    assert fulfilment.expected_ready_at.date() == option.ready_at.date()


def test_pay_at_pickup(client, shop):
    add(client, shop.variant())
    response = guest_checkout(
        client,
        fulfilment="pickup",
        store=shop.stores["springfield"].pk,
        payment="store",
        card_number="",
    )
    assert response.status_code == 302
    payment = Order.objects.get().payments.get()
    assert payment.provider == Payment.Provider.PAY_IN_STORE and payment.status == "pending"


@pytest.mark.parametrize("where", ["warehouse", "unknown"])
def test_pickup_where_pickup_is_not_offered_is_refused(client, shop, where):
    add(client, shop.variant())
    store_id = shop.warehouse.pk if where == "warehouse" else 999999
    response = guest_checkout(client, fulfilment="pickup", store=store_id)
    assert 400 <= response.status_code < 500
    assert 'role="alert"' in response.content.decode()
    assert not Order.objects.exists() and open_cart(client).lines.exists()


def test_pay_at_pickup_is_refused_for_a_delivery(client, shop):
    add(client, shop.variant())
    response = guest_checkout(client, payment="store", card_number="")
    assert response.status_code == 400
    assert "Pay at pickup is only for pickups." in response.content.decode()
    assert not Order.objects.exists()


def test_missing_fields_are_said_next_to_them(client, shop):
    add(client, shop.variant())
    response = guest_checkout(client, email="", line1="", card_number="")
    assert response.status_code == 400
    body = response.content.decode()
    for field, text in (
        ("email", "Enter your email"),
        ("line1", "Street address is required"),
        ("card_number", "Enter your card number"),
    ):
        assert f'id="id_{field}_error"' in body and text in body
        assert f'aria-describedby="id_{field}_error"' in body
    assert not Order.objects.exists()


def test_a_declined_card_keeps_the_cart_and_reserves_nothing(client, shop):
    add(client, shop.variant(), quantity=2)
    response = guest_checkout(client, card_number=DECLINED_CARD)
    assert response.status_code == 402
    assert "declined" in response.content.decode().lower()
    assert not Order.objects.exists()
    assert not Reservation.objects.filter(status=Reservation.Status.ACTIVE).exists()
    cart = open_cart(client)
    assert cart.status == Cart.Status.OPEN and cart.lines.get().quantity == 2
    # And the form kept what was typed.
    assert 'value="1 Capitol Ave"' in response.content.decode()


def test_an_invalid_card_number_is_refused(client, shop):
    add(client, shop.variant())
    response = guest_checkout(client, card_number="1234")
    assert response.status_code == 422
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "words", "status"),
    [
        ({"card_name": " "}, "card_name", "Enter the name on the card", 400),
        ({"card_expiry": "13/30"}, "card_expiry", "Enter the expiry date as MM/YY", 422),
        ({"card_expiry": "soon"}, "card_expiry", "Enter the expiry date as MM/YY", 422),
        ({"card_expiry": "01/20"}, "card_expiry", "Your card has expired", 402),
        ({"card_cvc": "12"}, "card_cvc", "3 or 4 digit security code", 422),
        ({"card_cvc": "000"}, "card_cvc", "security code (CVC) is not right", 402),
        ({"card_cvc": ""}, "card_cvc", "3 or 4 digit security code", 400),
    ],
)
def test_card_name_expiry_and_cvc_are_checked_and_said_once_next_to_them(
    client, shop, fields, field, words, status
):
    add(client, shop.variant())
    response = guest_checkout(client, **fields)
    assert response.status_code == status
    body = response.content.decode()
    assert f'id="id_{field}_error"' in body and f'aria-describedby="id_{field}_error"' in body
    assert body.count(words) == 1, body.count(words)
    assert not Order.objects.exists()


def test_checkout_page_has_the_card_fields(client, shop):
    add(client, shop.variant())
    body = client.get("/checkout/").content.decode()
    for name, autocomplete in (
        ("card_number", "cc-number"),
        ("card_name", "cc-name"),
        ("card_expiry", "cc-exp"),
        ("card_cvc", "cc-csc"),
    ):
        assert f'name="{name}"' in body and f'autocomplete="{autocomplete}"' in body


def test_the_race_for_the_last_unit_names_the_item_for_the_loser(client, shop):
    last = add_product(shop, "Last Scarf", sizes=("M",), warehouse=1)
    refresh(shop)
    variant = last.variants.get()
    winner, loser = Client(), Client()
    add(winner, variant)
    add(loser, variant)  # both carts hold the same last unit
    assert guest_checkout(winner).status_code == 302
    response = guest_checkout(loser, email="ben@example.com")
    assert response.status_code == 409
    assert "Last Scarf (Navy / M)" in response.content.decode()
    assert Order.objects.count() == 1
    assert open_cart(loser).status == Cart.Status.OPEN


def test_member_checks_out_with_their_account(client, shop):
    user = f.UserFactory(email="olivia@example.com")
    customer = f.CustomerFactory(user=user, email=user.email, first_name="Olivia")
    client.force_login(user)
    add(client, shop.variant())
    page = client.get("/checkout/")
    assert "Ordering as <strong>olivia@example.com" in page.content.decode()
    assert page.context["form"]["first_name"].value() == "Olivia"
    response = client.post(
        "/checkout/",
        {"fulfilment": "ship", "payment": "card", **CARD, **ADDRESS},
    )
    assert response.status_code == 302
    assert Order.objects.get().customer == customer


def test_opt_ins_are_only_recorded_when_ticked(client, shop):
    from customers.models import Consent

    add(client, shop.variant())
    guest_checkout(client)
    assert not Consent.objects.filter(state="marketing").exists()
    add(client, shop.variant())
    guest_checkout(
        client,
        email="ben@example.com",
        marketing_email="on",
        marketing_sms="on",
        phone="2175550123",
    )
    states = dict(
        Consent.objects.filter(customer__email="ben@example.com").values_list("channel", "state")
    )
    assert states == {"email": "marketing", "sms": "marketing"}


# --- confirmation -----------------------------------------------------------------------


def test_confirmation_is_only_for_the_buyer(client, shop):
    add(client, shop.variant())
    url = guest_checkout(client).url
    assert client.get(url).status_code == 200
    assert Client().get(url).status_code == 404
    assert client.get("/checkout/done/W9999999/").status_code == 404
    stranger = Client()
    stranger.force_login(f.UserFactory())
    assert stranger.get(url).status_code == 404


def test_a_member_sees_their_confirmation_on_another_device(client, shop):
    user = f.UserFactory()
    f.CustomerFactory(user=user, email=user.email)
    client.force_login(user)
    add(client, shop.variant())
    url = client.post(
        "/checkout/", {"fulfilment": "ship", "payment": "card", **CARD, **ADDRESS}
    ).url
    other = Client()
    other.force_login(user)
    assert other.get(url).status_code == 200


# --- query budgets ----------------------------------------------------------------------


def _fill_cart(client, shop, *, larger: bool) -> None:
    """One line; or, ``larger``, one per product of a shop with more products and stores."""
    add(client, shop.variant())
    if larger:
        grow(shop, products=8, more_stores=5)
        for product in shop.products[2:]:
            add(client, product.variants.first(), quantity=1)


@pytest.mark.parametrize("larger", [False, True])
def test_cart_and_checkout_query_counts_are_flat(
    client, shop, larger, django_assert_max_num_queries
):
    choose_store(client, shop.stores["springfield"])
    _fill_cart(client, shop, larger=larger)
    with django_assert_max_num_queries(8):
        assert client.get("/cart/").status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get("/checkout/").status_code == 200
    with django_assert_max_num_queries(14):
        add(client, shop.variant(size="S"))
    with django_assert_max_num_queries(6):
        assert client.get("/stores/").status_code == 200


# --- thumbnails on the shopper's line rows ------------------------------------------------


def test_cart_and_order_pages_show_each_line_in_the_colour_bought(client, shop, tmp_path, settings):
    from catalog.services import product_image_create
    from tests.catalog.test_images import picture

    settings.MEDIA_ROOT = tmp_path
    variant = shop.variant()
    product = variant.product
    product_image_create(product=product, upload=picture(name="other.png"), colour="Other")
    mine = product_image_create(
        product=product, upload=picture(name="mine.png"), colour=variant.colour, position=1
    )
    stem = mine.image.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    user = f.UserFactory(email="olivia@example.com")
    f.CustomerFactory(user=user, email=user.email, first_name="Olivia")
    client.force_login(user)
    add(client, variant)

    cart = client.get("/cart/").content.decode()
    line = cart[cart.index('class="cart-line') :]
    assert f"{stem}-80w.webp 80w" in line[:3000]

    done = client.post("/checkout/", {"fulfilment": "ship", "payment": "card", **CARD, **ADDRESS})
    order = Order.objects.get()
    receipt = client.get(done.url).content.decode()
    assert f"{stem}-80w.webp 80w" in receipt[receipt.index('class="summary-lines"') :]
    detail = client.get(f"/account/orders/{order.number}/").content.decode()
    assert f"{stem}-80w.webp 80w" in detail
    listing = client.get("/account/orders/").content.decode()
    assert f"{stem}-80w.webp 80w" in listing


# --- the header's mini-cart -------------------------------------------------------------


def _mini_cart(client):
    return client.get("/cart/mini/", HTTP_HX_REQUEST="true")


def test_the_mini_cart_lists_each_line_with_its_thumbnail_price_and_the_subtotal(
    client, shop, tmp_path, settings
):
    from catalog.services import product_image_create
    from tests.catalog.test_images import picture

    settings.MEDIA_ROOT = tmp_path
    variant = shop.variant()
    image = product_image_create(product=variant.product, upload=picture(), colour=variant.colour)
    stem = image.image.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    add(client, variant, quantity=2)

    # Every page's header: the count link still goes to the cart (no JavaScript needed),
    # beside the empty panel the script fills.
    page = client.get("/").content.decode()
    assert '<a id="minicart" class="minicart" href="/cart/"' in page
    assert 'id="mini-cart-panel"' in page and 'data-url="/cart/mini/"' in page

    response = _mini_cart(client)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    line = body[body.index('class="mini-cart-line"') :]
    assert f"{stem}-80w.webp 80w" in line and "Linen Shirt" in line and "Navy / M" in line
    assert "2 × $49.00" in line and "$98.00" in line
    assert re.search(r"Subtotal \(2 items\)</span><strong>\$98.00</strong>", body)
    assert 'href="/cart/"' in body and 'href="/checkout/"' in body


def test_the_mini_cart_without_htmx_is_the_cart_and_empty_says_so(client, shop):
    response = client.get("/cart/mini/")
    assert response.status_code == 302 and response.url == "/cart/"
    body = _mini_cart(client).content.decode()
    assert "Your cart is empty." in body and 'href="/checkout/"' not in body
    assert "sessionid" not in client.cookies  # a guest's look wrote nothing


def test_a_members_mini_cart_makes_no_cart(client, shop):
    user = f.UserFactory()
    client.force_login(user)
    assert "Your cart is empty." in _mini_cart(client).content.decode()
    assert not Cart.objects.filter(user=user).exists()


@pytest.mark.parametrize("larger", [False, True])
def test_the_mini_cart_query_count_is_flat(client, shop, larger, django_assert_max_num_queries):
    _fill_cart(client, shop, larger=larger)
    with django_assert_max_num_queries(6):
        body = _mini_cart(client).content.decode()
    assert body.count('class="mini-cart-line"') == (1 + len(shop.products[2:]) if larger else 1)


# --- a guest's order-status link ------------------------------------------------------


def _link_from(message) -> str:
    return re.search(r"View your order: (\S+)", message.body).group(1)


def test_a_guests_email_link_opens_their_order_without_a_login(
    client, shop, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://127.0.0.1:8123"
    add(client, shop.variant())
    with django_capture_on_commit_callbacks(execute=True):
        guest_checkout(client)
    order = Order.objects.get()
    link = _link_from(mail.outbox[-1])
    assert link.startswith("http://127.0.0.1:8123/orders/status/")
    assert "/account/" not in link
    html = mail.outbox[-1].alternatives[0][0]
    assert link in html
    path = link.removeprefix(settings.SITE_URL)
    page = Client().get(path)  # another device, nobody logged in
    assert page.status_code == 200
    body = page.content.decode()
    assert f"Your order {order.number}" in body and "Linen Shirt" in body
    # The confirmation points the guest at the same page (signed anew, so its timestamp
    # may differ from the email's by a second).
    confirmation = client.get(f"/checkout/done/{order.number}/").content.decode()
    status_link = re.search(rf'href="(/orders/status/{order.number}:[^"]+)"', confirmation)
    assert status_link, "no order-status link on the confirmation"
    assert Client().get(status_link.group(1)).status_code == 200


def test_a_tampered_or_unknown_order_link_is_not_found(client, shop):
    add(client, shop.variant())
    guest_checkout(client)
    order = Order.objects.get()
    token = order_status_token(order)
    number, stamp, signature = token.split(":")
    other = "W" + str(int(number[1:]) + 1)
    for bad in (f"{other}:{stamp}:{signature}", token[:-2] + "xx", "garbage"):
        assert Client().get(f"/orders/status/{bad}/").status_code == 404, bad


def test_an_expired_order_link_says_so_and_offers_to_log_in(client, shop, settings):
    add(client, shop.variant())
    guest_checkout(client)
    order = Order.objects.get()
    token = order_status_token(order)
    settings.OMNI_ORDER_LINK_MAX_AGE_DAYS = -1  # every link is already too old
    page = Client().get(f"/orders/status/{token}/")
    assert page.status_code == 410
    body = page.content.decode()
    assert "has expired" in body and "/accounts/login/" in body
    assert "Linen Shirt" not in body


def test_a_members_email_links_to_their_account(shop, django_capture_on_commit_callbacks):
    user = f.UserFactory()
    f.CustomerFactory(user=user, email=user.email)
    member = Client()
    member.force_login(user)
    add(member, shop.variant())
    with django_capture_on_commit_callbacks(execute=True):
        member.post(
            "/checkout/",
            {"fulfilment": "ship", "payment": "card", **CARD, **ADDRESS},
        )
    order = Order.objects.get()
    assert _link_from(mail.outbox[-1]).endswith(f"/account/orders/{order.number}/")
