"""Offers through the screens: a code in the cart (HTMX and without JavaScript), refused
codes said beside the field with the cart unchanged, the checkout's code field and
summary, the endless aisle pricing the same basket the same way, badges on the product
page and listings. Query counts stay flat in the number of promotions and lines."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from orders.models import Cart, Order, OrderLineDiscount
from tests import factories as f
from tests.orders.test_views import add, guest_checkout, open_cart
from tests.promotions.helpers import code_for, promotion
from tests.shop_data import grow, make_shop

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def shop(db):
    return make_shop()


@pytest.fixture
def save10(shop):
    p = promotion(name="10% next visit", trigger="code", benefit="percent_off", value=10)
    code_for(p, "SAVE10")
    return p


def test_a_code_applied_in_the_cart_with_htmx(client, shop, save10):
    add(client, shop.variant(), quantity=2)
    response = client.post("/cart/code/", {"code": " save10 ", "next": "/cart/"}, **HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="cart"' in body and "SAVE10" in body and "10% next visit" in body
    assert open_cart(client).voucher_code == "SAVE10"
    page = client.get("/cart/").content.decode()
    assert "After discounts" in page


@pytest.mark.parametrize(
    ("make", "typed", "says"),
    [
        (None, "NOPE", "We do not know the code NOPE."),
        ("expired", "OLD", "This code expired on"),
        ("used", "GONE", "The code GONE has been used up."),
        ("store", "INSTORE", "This code is valid in store only."),
        ("minimum", "BIG", "This code needs a minimum of $1,000.00."),
    ],
)
def test_a_refused_code_is_said_beside_the_field_and_the_cart_is_unchanged(
    client, shop, make, typed, says
):
    import datetime as dt

    fields = {
        "expired": {"ends_on": dt.date(2020, 11, 30)},
        "store": {"channels": ["store"]},
        "minimum": {"min_amount": D("1000")},
        "used": {},
    }
    if make:
        p = promotion(name=typed, trigger="code", benefit="percent_off", value=10, **fields[make])
        voucher = code_for(p, typed, usage_limit=1)
        if make == "used":
            type(voucher).objects.filter(pk=voucher.pk).update(used_count=1)
    add(client, shop.variant())
    before = client.get("/cart/").content.decode()
    response = client.post(
        "/cart/code/", {"code": typed, "next": "/cart/"}, HTTP_ACCEPT_LANGUAGE="en", **HX
    )
    assert response.status_code == 200  # the fragment htmx swaps, the refusal in it
    body = response.content.decode()
    assert says in body
    assert 'aria-invalid="true"' in body
    assert open_cart(client).voucher_code == ""
    assert before.count("summary-row discount") == body.count("summary-row discount") == 0


def test_without_javascript_the_code_form_posts_and_comes_back(client, shop, save10):
    add(client, shop.variant())
    response = client.post("/cart/code/", {"code": "save10", "next": "/cart/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/cart/"
    assert "Code SAVE10 applied." in response.content.decode()
    refused = client.post("/cart/code/", {"code": "NOPE", "next": "/cart/"}, follow=True)
    assert "We do not know the code NOPE." in refused.content.decode()
    assert open_cart(client).voucher_code == "SAVE10"  # a refused code changes nothing
    removed = client.post("/cart/code/", {"remove": "1", "next": "/cart/"}, follow=True)
    assert "The code was taken off." in removed.content.decode()
    assert open_cart(client).voucher_code == ""


def test_checkout_with_a_code_stores_the_discount_per_line(client, shop, save10):
    variant = shop.variant()
    add(client, variant, quantity=2)
    client.post("/cart/code/", {"code": "SAVE10", "next": "/checkout/"})
    page = client.get("/checkout/").content.decode()
    assert 'id="order-summary"' in page and "10% next visit" in page
    response = guest_checkout(client)
    assert response.status_code == 302, response.content.decode()[:2000]
    order = Order.objects.get()
    line = order.lines.get()
    assert line.discount_total == (line.line_total * D("0.10")).quantize(D("0.01"))
    assert OrderLineDiscount.objects.get(order=order).code == "SAVE10"
    confirmation = client.get(response.url).content.decode()
    assert "10% next visit" in confirmation


def test_checkout_code_field_with_htmx_swaps_the_summary(client, shop, save10):
    add(client, shop.variant())
    response = client.post(
        "/cart/code/", {"code": "save10", "next": "/checkout/"}, follow=True, **HX
    )
    body = response.content.decode()
    assert 'id="order-summary"' in body and "SAVE10" in body


def test_the_aisle_prices_the_same_basket_the_same_way(client, shop, save10):
    store = shop.stores["springfield"]
    associate = f.AssociateFactory(home_location=store)
    promotion(name="Store weekend", benefit="percent_off", value=20, channels=["store"], priority=1)
    variant = shop.variant()
    client.force_login(associate.user)
    client.post(reverse("backoffice:aisle"), {"action": "add", "variant": variant.pk})
    refused = client.post(
        reverse("backoffice:aisle"), {"action": "code", "code": "nope"}, follow=True
    )
    assert "We do not know the code NOPE." in refused.content.decode()
    client.post(reverse("backoffice:aisle"), {"action": "code", "code": "save10"})
    page = client.get(reverse("backoffice:aisle"))
    totals = page.context["basket_totals"]
    assert [a.label for a in totals.applied] == ["Store weekend", "10% next visit"]
    price = totals.lines[0].line_total
    # 20% then 10% of what is left: 28% off.
    assert totals.discount == (price * D("0.20")).quantize(D("0.01")) + (
        (price - (price * D("0.20")).quantize(D("0.01"))) * D("0.10")
    ).quantize(D("0.01"))
    placed = client.post(
        reverse("backoffice:aisle"),
        {
            "action": "place",
            "email": "ana@example.com",
            "fulfilment": "pickup",
            "pickup_store": store.pk,
            "payment": "pay_at_pickup",
        },
    )
    order = Order.objects.get()
    assert placed.url == reverse("backoffice:aisle-done", args=[order.number])
    assert order.discount_total == totals.discount


def test_badges_on_the_product_page_and_the_listing(client, shop):
    variant = shop.variant()
    promotion(name="20% off knitwear", benefit="percent_off", value=20, categories=[shop.category])
    page = client.get(reverse("catalog:product", args=[variant.product.slug])).content.decode()
    assert "20% off knitwear" in page and "price-was" in page
    listing = client.get(reverse("catalog:category", args=[shop.category.slug])).content.decode()
    assert "20% off knitwear" in listing and "price-now" in listing


def _promotions(n, shop):
    for i in range(n):
        promotion(
            name=f"Offer {i}",
            benefit="percent_off",
            value=5,
            categories=[shop.category],
            stores=[shop.stores["springfield"]],
            channels=["web", "store"],
        )


def _count(client, url, django_assert_max_num_queries, budget):
    with django_assert_max_num_queries(budget) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_page_queries_are_flat_in_the_number_of_promotions(
    client, shop, django_assert_max_num_queries
):
    variant = shop.variant()
    add(client, variant)
    urls = {
        "/cart/": 9,
        reverse("catalog:product", args=[variant.product.slug]): 15,
        reverse("catalog:category", args=[shop.category.slug]): 12,
    }
    _promotions(10, shop)
    few = {url: _count(client, url, django_assert_max_num_queries, b) for url, b in urls.items()}
    _promotions(90, shop)
    many = {url: _count(client, url, django_assert_max_num_queries, b) for url, b in urls.items()}
    assert many == few


def test_cart_queries_are_flat_in_the_number_of_lines(client, shop, django_assert_max_num_queries):
    _promotions(3, shop)
    add(client, shop.variant())
    one = _count(client, "/cart/", django_assert_max_num_queries, 9)
    grow(shop, products=20)
    for product in shop.products[2:]:
        add(client, shop.variant(product))
    cart = Cart.objects.get(pk=open_cart(client).pk)
    assert cart.lines.count() >= 20
    assert _count(client, "/cart/", django_assert_max_num_queries, 9) == one
