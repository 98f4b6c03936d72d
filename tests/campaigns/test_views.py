"""Back in stock through the surfaces only: the product page's form (guest and member), a
stock count through the API, the one alert email, its link opening the product with the
size and store chosen; the store's demand page in the back-office."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from campaigns.models import BackInStockRequest
from customers.surface import STORE_SESSION_KEY
from tests import factories as f
from tests.api.conftest import Caller
from tests.shop_data import make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return make_shop()


@pytest.fixture
def api(db):
    from omni.api.services import api_key_create
    from omni.models import ApiScope

    _key, raw = api_key_create(name="WMS", scopes=list(ApiScope.values), location_codes=[])
    caller = Caller()
    caller.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return caller


def _choose_store(client, store):
    session = client.session
    session[STORE_SESSION_KEY] = {"id": store.pk, "name": store.name}
    session.save()


def _product_url(product):
    return reverse("catalog:product", kwargs={"slug": product.slug})


def test_the_form_offers_the_sizes_not_on_the_shelf_of_my_store(client, shop):
    _choose_store(client, shop.stores["springfield"])
    linen, sweater = shop.products
    page = client.get(_product_url(sweater)).content.decode()
    assert 'id="stock-alert"' in page
    assert page.count('<option value="') == 3  # S, M, L: none at Springfield
    assert "At Springfield" in page
    # The linen shirt is on the shelf in every size and ships: nothing to ask for.
    assert 'id="stock-alert"' not in client.get(_product_url(linen)).content.decode()


def test_a_guest_asks_a_count_arrives_through_the_api_one_alert_opens_the_product(
    client, api, shop, django_capture_on_commit_callbacks
):
    spr = shop.stores["springfield"]
    sweater = shop.variant(shop.products[1], size="M")
    _choose_store(client, spr)
    url = _product_url(shop.products[1])
    response = client.post(
        reverse("campaigns:back-in-stock"),
        {"variant": sweater.pk, "where": "store", "contact": "guest@example.com", "next": url},
        follow=True,
    )
    assert "We will let you know once when M is at Springfield." in response.content.decode()
    request = BackInStockRequest.objects.get()
    assert (request.location, request.email, request.status) == (spr, "guest@example.com", "open")

    with django_capture_on_commit_callbacks(execute=True):
        counted = api.post(
            "/api/v1/stock/counts/",
            {"location": "SPR", "rows": [{"sku": sweater.sku, "counted": 2}]},
        )
    assert counted.status_code == 200
    [alert] = mail.outbox
    assert alert.to == ["guest@example.com"]
    assert "Springfield" in alert.subject

    # The link: Springfield becomes "my store" for the visit, the size is chosen.
    link = re.search(r"https?://\S+/back-in-stock/\S+/", alert.body).group(0)
    other = type(client)()
    opened = other.get(urlsplit(link).path, follow=True)
    assert opened.redirect_chain[-1][0] == f"{url}?variant={sweater.pk}"
    assert other.session[STORE_SESSION_KEY]["id"] == spr.pk
    page = opened.content.decode()
    assert f'value="{sweater.pk}" checked' in page
    assert "2 at Springfield — pick up today" in page

    # A second count: no second alert.
    with django_capture_on_commit_callbacks(execute=True):
        api.post(
            "/api/v1/stock/counts/",
            {"location": "SPR", "rows": [{"sku": sweater.sku, "counted": 6}]},
        )
    assert len(mail.outbox) == 1


def test_htmx_gets_the_answer_in_place_of_the_form(client, shop):
    _choose_store(client, shop.stores["springfield"])
    sweater = shop.variant(shop.products[1], size="L")
    body = {"variant": sweater.pk, "where": "store", "contact": "+1 217 555 0142"}
    done = client.post(reverse("campaigns:back-in-stock"), body, HTTP_HX_REQUEST="true")
    assert done.status_code == 200
    text = done.content.decode()
    assert 'id="stock-alert"' in text and "L is at Springfield" in text
    assert BackInStockRequest.objects.get().phone == "+12175550142"
    refused = client.post(
        reverse("campaigns:back-in-stock"), {**body, "contact": "12"}, HTTP_HX_REQUEST="true"
    )
    assert "Enter a valid" in refused.content.decode() and "Try again" in refused.content.decode()


def test_a_member_asks_without_typing_a_contact(client, shop):
    user = f.UserFactory()
    customer = f.CustomerFactory(user=user, email="ana@example.com")
    client.force_login(user)
    _choose_store(client, shop.stores["peoria"])
    sweater = shop.variant(shop.products[1], size="S")
    client.post(reverse("campaigns:back-in-stock"), {"variant": sweater.pk, "where": "online"})
    # The sweater ships from the warehouse: online it is already there, nothing recorded.
    assert not BackInStockRequest.objects.exists()
    client.post(reverse("campaigns:back-in-stock"), {"variant": sweater.pk, "where": "store"})
    request = BackInStockRequest.objects.get()
    assert request.customer == customer and request.email == ""
    assert request.location == shop.stores["peoria"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"variant": "x", "where": "store"}, "Please choose a size"),
        ({"variant": "999999", "where": "store"}, "Please choose a size"),
        ({"where": "store", "contact": "not-an-email@"}, "is not a valid email address"),
        ({"where": "store", "contact": ""}, "Enter an email address or a phone number."),
        ({"where": "moon"}, "Please choose a size"),
    ],
)
def test_bad_input_is_a_message_not_a_500(client, shop, data, message):
    _choose_store(client, shop.stores["springfield"])
    sweater = shop.variant(shop.products[1])
    body = {"variant": sweater.pk, **data}
    response = client.post(reverse("campaigns:back-in-stock"), body, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BackInStockRequest.objects.exists()


def test_a_tampered_link_goes_home(client):
    response = client.get(reverse("campaigns:back-in-stock-open", args=["12:forged"]))
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_demand_page_lists_my_store_only_with_flat_queries(
    client, shop, django_assert_max_num_queries
):
    from campaigns.services import back_in_stock_request

    spr, peo = shop.stores["springfield"], shop.stores["peoria"]
    associate = f.AssociateFactory(home_location=spr)
    associate.locations.add(spr)
    client.force_login(associate.user)
    sweater = shop.products[1]
    for n, size in enumerate(("S", "M", "M", "L")):
        back_in_stock_request(
            variant=shop.variant(sweater, size=size), location=spr, email=f"s{n}@example.com"
        )
    back_in_stock_request(
        variant=shop.variant(sweater, size="S"), location=peo, email="p@example.com"
    )
    client.get(reverse("backoffice:demand"))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("backoffice:demand")).content.decode()
    assert page.count('class="card ops-row demand-row"') == 3
    assert "2 shoppers waiting" in page and "1 shopper waiting" in page
