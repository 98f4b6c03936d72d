"""Every storefront page renders in Persian: the translation tags' syntax holds when a
right-to-left language is active (English runs through the page tests of each app).

The language is set three ways (active in the test thread, ``Accept-Language`` and URLs
reversed under it) so the test reads the same with or without LocaleMiddleware and
language-prefixed URLs."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from customers import services as customer_services
from customers.unsubscribe import unsubscribe_token
from orders.models import Order
from tests import factories as f
from tests.shop_data import make_shop

pytestmark = pytest.mark.django_db

ADDRESS = {"line1": "1 Capitol Ave", "city": "Springfield", "region": "IL", "postcode": "62701"}
CARD = {
    "card_number": "4242 4242 4242 4242",
    "card_name": "Ana Shopper",
    "card_expiry": "12/40",
    "card_cvc": "123",
}
PERSIAN = {"HTTP_ACCEPT_LANGUAGE": "fa"}
CATEGORY_NAMES = {"th": "เสื้อ", "fa": "بالاپوش", "fil": "Mga pang-itaas", "vi": "Áo"}


@pytest.fixture
def persian_shopper(client):
    return shopper_pages(client, "fa")


def shopper_pages(client, language):
    """A member with a store, a cart line, an order placed at checkout, a list and a
    return, and every storefront URL reversed in ``language``."""
    spoken = {"HTTP_ACCEPT_LANGUAGE": language}
    shop = make_shop()
    # The merchandiser named the category in this language too (the admin's name_<lang>).
    if language in CATEGORY_NAMES:
        setattr(shop.category, f"name_{language}", CATEGORY_NAMES[language])
        shop.category.save()
    user = f.UserFactory(email="ana@example.com")
    customer = f.CustomerFactory(user=user, email=user.email, first_name="Ana")
    client.force_login(user)
    client.post("/stores/choose/", {"location": shop.stores["springfield"].pk})
    with translation.override(language):
        client.post(reverse("orders:cart-add"), {"variant": shop.variant().pk, "quantity": 1})
        checkout = reverse("orders:checkout")
        cart_page = client.get(reverse("orders:cart"), **spoken)
        checkout_page = client.get(checkout, **spoken)
        placed = client.post(
            checkout, {"fulfilment": "ship", "payment": "card", **CARD, **ADDRESS}, **spoken
        )
    assert cart_page.status_code == 200 and checkout_page.status_code == 200
    assert placed.status_code == 302, placed.content.decode()[:500]
    order = Order.objects.get(customer=customer)
    # A new cart, so the cart and checkout pages show a line, not the empty state.
    with translation.override(language):
        client.post(
            reverse("orders:cart-add"), {"variant": shop.variant().pk, "quantity": 1}, **spoken
        )
    shopping_list = f.ListFactory(customer=customer, name="Weekend")
    f.ListItemFactory(list=shopping_list, variant=shop.variant(), added_by_name="Maya")
    token = customer_services.list_share(shopping_list=shopping_list)
    return_request = f.ReturnFactory(order=order)
    f.ReturnLineFactory(return_request=return_request, order_line=order.lines.first())
    unsubscribe = unsubscribe_token(customer_id=customer.pk)
    with translation.override(language):
        urls = {
            "home": reverse("catalog:home"),
            "category": reverse("catalog:category", args=[shop.category.slug]),
            "product": reverse("catalog:product", args=[shop.product.slug]),
            "search": reverse("catalog:search") + "?q=linen",
            "search nothing": reverse("catalog:search") + "?q=zzzz",
            "stores": reverse("stores:list"),
            "cart": reverse("orders:cart"),
            "checkout": checkout,
            "confirmation": placed["Location"],
            "account": reverse("customers:account"),
            "orders": reverse("orders:account-orders"),
            "order": reverse("orders:account-order-detail", args=[order.number]),
            "lists": reverse("customers:lists"),
            "list": reverse("customers:list-detail", args=[shopping_list.pk]),
            "shared list": reverse("customers:list-shared", args=[token]),
            "profile": reverse("customers:profile"),
            "returns": reverse("returns:list"),
            "return": reverse("returns:detail", args=[return_request.pk]),
            "return start": reverse("returns:start", args=[order.number]),
            "unsubscribe": reverse("customers:unsubscribe", args=[unsubscribe]),
            "not found": reverse("catalog:product", args=["no-such-product"]),
        }
    return client, urls


def test_every_storefront_page_renders_in_persian(persian_shopper):
    client, urls = persian_shopper
    broken = {}
    with translation.override("fa"):
        for page, url in urls.items():
            response = client.get(url, follow=True, **PERSIAN)
            expected = 404 if page == "not found" else 200
            if response.status_code != expected or "</html>" not in response.content.decode():
                broken[page] = response.status_code
    assert not broken


@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password"])
def test_account_pages_render_in_persian(client, db, name):
    with translation.override("fa"):
        response = client.get(reverse(name), **PERSIAN)
    assert response.status_code == 200
    # allauth's own Persian catalogue labels the form: the language really is active.
    assert "ایمیل" in response.content.decode()
