"""Storefront browsing through the views: home (new in, continue where you left off),
category listings with filters, sort and paging, search (words, SKU, barcode), the product
page (variant picker, size profile, availability at my store and nearby) and the query
budgets, which must not grow with the data."""

from decimal import Decimal

import pytest
from django.test import override_settings

from catalog.models import Price
from customers.models import RecentlyViewedCategory, RecentlyViewedProduct
from tests import factories as f
from tests.shop_data import add_product, grow, make_shop, refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    return make_shop()


def choose_store(client, store):
    return client.post("/stores/choose/", {"location": store.pk, "next": "/"})


@pytest.fixture
def member(db):
    user = f.UserFactory(email="olivia@example.com")
    customer = f.CustomerFactory(user=user, email=user.email)
    return user, customer


# --- an anonymous GET writes nothing ----------------------------------------------------------


def test_an_anonymous_product_or_category_view_writes_nothing(client, shop):
    """A crawler without cookies: no session row, no INSERT/UPDATE of any kind; the
    recently viewed list travels in a signed cookie instead."""
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    crawler = type(client)()
    with CaptureQueriesContext(connection) as queries:
        product = crawler.get(f"/p/{shop.products[1].slug}/")
        listing = crawler.get("/c/tops/")
    assert product.status_code == listing.status_code == 200
    writes = [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert not Session.objects.exists()
    assert "sessionid" not in listing.cookies and "omni_recent" in listing.cookies


def test_a_tampered_recently_viewed_cookie_is_ignored(client, shop):
    client.get(f"/p/{shop.products[1].slug}/")
    value = client.cookies["omni_recent"].value
    client.cookies["omni_recent"] = value.replace(str(shop.products[1].pk), str(shop.product.pk), 1)
    body = client.get("/").content.decode()
    assert "Continue where you left off" not in body


# --- home -------------------------------------------------------------------------------


def test_home_shows_new_in_and_the_footer_links_to_every_surface(client, shop):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "New in" in body and "Linen Shirt" in body and "Wool Sweater" in body
    assert "/admin/" in body and "/api/docs/" in body and "/backoffice/" in body
    assert "Choose your store" in body


def test_home_continues_where_a_guest_left_off(client, shop):
    client.get(f"/p/{shop.products[1].slug}/")
    client.get("/c/tops/")
    body = client.get("/").content.decode()
    assert "Continue where you left off" in body
    recent = body.split("Continue where you left off")[1].split("New in")[0]
    assert "Wool Sweater" in recent and "Tops" in recent and "Linen Shirt" not in recent


def test_a_members_recent_views_follow_them_to_another_device(client, shop, member):
    user, customer = member
    client.force_login(user)
    client.get(f"/p/{shop.product.slug}/")
    client.get(f"/p/{shop.product.slug}/")  # a second view moves the same row
    client.get("/c/tops/")
    assert RecentlyViewedProduct.objects.filter(customer=customer).count() == 1
    assert RecentlyViewedCategory.objects.filter(customer=customer).count() == 1

    other_device = client.__class__()
    other_device.force_login(user)
    recent = other_device.get("/").content.decode().split("Continue where you left off")[1]
    assert "Linen Shirt" in recent.split("New in")[0]


def test_home_with_no_products_says_so(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "Nothing new yet" in response.content.decode()


# --- category listing -------------------------------------------------------------------


def test_category_lists_priced_active_products(client, shop):
    hidden = add_product(shop, "Retired Shirt")
    hidden.is_active = False
    hidden.save()
    unpriced = add_product(shop, "Unpriced Shirt")
    Price.objects.filter(variant__product=unpriced).delete()
    body = client.get("/c/tops/").content.decode()
    assert "Linen Shirt" in body and "Wool Sweater" in body
    assert "Retired Shirt" not in body and "Unpriced Shirt" not in body
    assert "2 products" in body


def test_unknown_or_inactive_category_is_404(client, shop):
    assert client.get("/c/no-such-thing/").status_code == 404
    f.CategoryFactory(slug="hidden", is_active=False)
    assert client.get("/c/hidden/").status_code == 404


def test_listing_filters_by_size_colour_and_price(client, shop):
    add_product(shop, "Sand Shirt", price="19.00", colours=("Sand",), sizes=("XL",), warehouse=1)
    names = lambda r: [p.name for p in r.context["page"].object_list]  # noqa: E731
    assert names(client.get("/c/tops/?size=XL")) == ["Sand Shirt"]
    assert names(client.get("/c/tops/?colour=Navy&sort=name")) == ["Linen Shirt", "Wool Sweater"]
    # One variant must have both the size and the colour.
    assert names(client.get("/c/tops/?colour=Navy&size=XL")) == []
    assert names(client.get("/c/tops/?min=40&max=60")) == ["Linen Shirt"]
    # Nonsense is ignored, never a 500.
    response = client.get("/c/tops/?min=abc&max=-3&size=ZZZ&sort=bogus&page=999")
    assert response.status_code == 200
    assert response.context["sort"] == "new"


HUGE_OR_BAD_PRICES = ("1E+999999999", "-1E+999999999", "NaN", "Infinity", "1e-999", "0.001")


def _price_filter_is_ignored(client, value):
    everything = [p.name for p in client.get("/c/tops/").context["page"].object_list]
    for param in ("min", "max"):
        response = client.get(f"/c/tops/?{param}={value}")
        assert response.status_code == 200
        assert response.context[f"price_{param}"] is None
        assert [p.name for p in response.context["page"].object_list] == everything


@pytest.mark.parametrize("value", HUGE_OR_BAD_PRICES)
def test_a_price_filter_a_price_cannot_be_is_ignored(client, shop, value):
    _price_filter_is_ignored(client, value)


@pytest.mark.postgres
@pytest.mark.parametrize("value", HUGE_OR_BAD_PRICES)
def test_a_price_filter_a_price_cannot_be_is_ignored_on_postgres(client, shop, value):
    # PostgreSQL is where an out-of-range numeric would fail (a 500), so check it there.
    _price_filter_is_ignored(client, value)


def test_listing_in_stock_at_my_store(client, shop):
    choose_store(client, shop.stores["springfield"])
    response = client.get("/c/tops/?instock=1")
    assert [p.name for p in response.context["page"].object_list] == ["Linen Shirt"]
    assert "In stock at Springfield" in response.content.decode()


def test_listing_sorts_by_price(client, shop):
    add_product(shop, "Cheap Tee", price="9.00", warehouse=1)
    asc = client.get("/c/tops/?sort=price_asc").context["page"].object_list
    desc = client.get("/c/tops/?sort=price_desc").context["page"].object_list
    assert [p.min_price for p in asc] == sorted(p.min_price for p in asc)
    assert desc[0].name == "Wool Sweater"


def test_listing_paginates(client, shop):
    for n in range(25):
        add_product(shop, f"Tee {n}", sizes=("M",))
    first = client.get("/c/tops/")
    assert len(first.context["page"].object_list) == 24
    assert 'rel="next"' in first.content.decode()
    second = client.get("/c/tops/?page=2")
    assert len(second.context["page"].object_list) == 3


def test_listing_htmx_gets_only_the_results_fragment(client, shop):
    response = client.get("/c/tops/?size=M", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results"')
    assert "<html" not in body and "Linen Shirt" in body


# --- search -----------------------------------------------------------------------------


def test_search_by_words(client, shop):
    response = client.get("/search/?q=linen")
    assert [p.name for p in response.context["page"].object_list] == ["Linen Shirt"]


def test_search_by_exact_sku_or_barcode_opens_the_product(client, shop):
    variant = shop.variant(size="L")
    by_sku = client.get(f"/search/?q={variant.sku.lower()}")
    assert by_sku.status_code == 302
    assert by_sku.url == f"/p/{shop.product.slug}/?variant={variant.pk}"
    by_barcode = client.get(f"/search/?q={variant.barcode}")
    assert by_barcode.url == f"/p/{shop.product.slug}/?variant={variant.pk}"
    # The product page then has that size chosen.
    page = client.get(by_barcode.url)
    assert page.context["selected"].pk == variant.pk


def test_search_by_partial_sku_lists_the_product(client, shop):
    prefix = shop.variant().sku[:6]
    names = [p.name for p in client.get(f"/search/?q={prefix}").context["page"].object_list]
    assert "Linen Shirt" in names


def test_search_with_no_match_or_no_query(client, shop):
    assert "No products match" in client.get("/search/?q=zebra").content.decode()
    empty = client.get("/search/")
    assert empty.status_code == 200 and empty.context["page"] is None


# --- product page -----------------------------------------------------------------------


def test_unknown_or_inactive_product_is_404(client, shop):
    assert client.get("/p/nope/").status_code == 404
    shop.product.is_active = False
    shop.product.save()
    assert client.get(f"/p/{shop.product.slug}/").status_code == 404


def test_product_page_without_a_store_shows_shipping_and_a_placeholder(client, shop):
    body = client.get(f"/p/{shop.product.slug}/").content.decode()
    assert "Linen Shirt" in body and "$49.00" in body
    assert "Image coming soon" in body
    assert "Ships in 3 days" in body
    assert "Choose your store" in body
    assert 'name="variant"' in body and "Add to cart" in body


def test_product_page_availability_at_my_store(client, shop):
    choose_store(client, shop.stores["springfield"])
    body = client.get(f"/p/{shop.product.slug}/").content.decode()
    assert "My store:</span> <strong>Springfield" in body
    assert "3 at Springfield — pick up today" in body
    # 3 is the low-stock threshold by default.
    assert "Only 3 left" in body


def test_product_page_names_the_nearest_store_when_not_at_mine(client, shop):
    choose_store(client, shop.stores["peoria"])
    body = client.get(f"/p/{shop.product.slug}/").content.decode()
    assert "Not at Peoria — 3 at Springfield (" in body


@override_settings(OMNI_LOW_STOCK_THRESHOLD=1)
def test_product_page_only_n_left_follows_the_threshold(client, shop):
    choose_store(client, shop.stores["springfield"])
    body = client.get(f"/p/{shop.product.slug}/").content.decode()
    assert "Only 3 left" not in body and "3 at Springfield" in body


def test_size_is_preselected_from_the_size_profile(client, shop, member):
    user, customer = member
    f.SizePreferenceFactory(customer=customer, size_group="tops", size="L")
    client.force_login(user)
    response = client.get(f"/p/{shop.product.slug}/")
    assert response.context["selected"].size == "L"
    assert "your usual: L" in response.content.decode()
    # A guest has nothing preselected when there is more than one size.
    client.logout()
    assert client.get(f"/p/{shop.product.slug}/").context["selected"] is None


def test_colour_links_switch_the_sizes_shown(client, shop):
    product = add_product(shop, "Two Tone", colours=("Navy", "Sand"), warehouse=2)
    refresh(shop)
    response = client.get(f"/p/{product.slug}/?colour=Sand")
    assert response.context["colour"] == "Sand"
    assert {o.variant.colour for o in response.context["options"]} == {"Sand"}
    # An unknown colour falls back to the first one.
    assert client.get(f"/p/{product.slug}/?colour=Pink").context["colour"] == "Navy"


def test_promotion_shows_the_was_price(client, shop):
    variant = shop.variant(size="M")
    f.PriceFactory(variant=variant, amount=Decimal("39.00"), compare_at_amount=Decimal("49.00"))
    response = client.get(f"/p/{shop.product.slug}/?variant={variant.pk}")
    body = response.content.decode()
    assert '<s class="muted">$49.00</s>' in body and "$39.00" in body


def test_product_page_renders_add_to_list_only_when_the_endpoint_exists(client, shop):
    from django.urls import NoReverseMatch, reverse

    body = client.get(f"/p/{shop.product.slug}/").content.decode()
    try:
        url = reverse("customers:list-add")
    except NoReverseMatch:
        assert "Add to list" not in body
    else:
        assert f'action="{url}"' in body and 'name="product"' in body


# --- query budgets ----------------------------------------------------------------------


def _member_with_store(client, shop, member):
    user, customer = member
    f.SizePreferenceFactory(customer=customer, size_group="tops", size="M")
    client.force_login(user)
    choose_store(client, shop.stores["springfield"])
    client.get(f"/p/{shop.product.slug}/")  # recent views exist
    return user


@pytest.mark.parametrize("larger", [False, True])
def test_browse_query_counts_are_flat(client, shop, member, larger, django_assert_max_num_queries):
    _member_with_store(client, shop, member)
    if larger:
        grow(shop, products=14, more_stores=4)
        for p in shop.products[2:10]:
            client.get(f"/p/{p.slug}/")
    product = shop.products[-1]
    with django_assert_max_num_queries(10):
        assert client.get("/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/c/tops/?sort=price_asc&instock=1&size=M").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/c/tops/").status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(f"/p/{product.slug}/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/search/?q=shirt").status_code == 200


@pytest.mark.parametrize("larger", [False, True])
def test_guest_browse_query_counts_are_flat(client, shop, larger, django_assert_max_num_queries):
    choose_store(client, shop.stores["springfield"])
    if larger:
        grow(shop, products=14, more_stores=4)
    with django_assert_max_num_queries(8):
        client.get("/")
    with django_assert_max_num_queries(12):
        client.get("/c/tops/?instock=1")
    with django_assert_max_num_queries(12):
        client.get(f"/p/{shop.products[-1].slug}/")


# --- the pages read customers and inventory directly --------------------------------------


def test_catalog_pages_show_the_shoppers_store_size_stock_and_recent_views(client, shop, member):
    """The storefront reads the shopper (customers) and stock (inventory) itself: a
    member's store, size, the units at the store, and their recent views, all on the
    pages with every app installed."""
    user, customer = member
    f.SizePreferenceFactory(customer=customer, size_group="tops", size="L")
    client.force_login(user)
    choose_store(client, shop.stores["springfield"])
    listing = client.get("/c/tops/?instock=1")
    assert listing.context["in_stock"] is True
    assert [p.name for p in listing.context["page"].object_list] == ["Linen Shirt"]
    page = client.get(f"/p/{shop.product.slug}/")
    body = page.content.decode()
    assert page.context["store"].name == "Springfield"
    assert page.context["selected"].size == "L"
    assert "3 at Springfield — pick up today" in body
    assert RecentlyViewedProduct.objects.filter(customer=customer, product=shop.product).exists()
    assert RecentlyViewedCategory.objects.filter(customer=customer).count() == 1
    home = client.get("/").content.decode()
    assert "Linen Shirt" in home.split("Continue where you left off")[1]


# --- filters in size order, clear all, related products --------------------------------


def test_size_filters_are_in_size_order_whatever_the_variant_positions(client, shop):
    # Positions per product put 30 before XS and L before S: the filter still reads in order.
    add_product(shop, "Chinos", sizes=("34", "30", "28", "32"), warehouse=1)
    add_product(shop, "Tee", sizes=("XL", "L", "XS", "XXL", "M"), warehouse=1)
    add_product(shop, "Scarf", sizes=("One size",), warehouse=1)
    sizes = client.get("/c/tops/").context["sizes"]
    assert sizes == ["XS", "S", "M", "L", "XL", "XXL", "28", "30", "32", "34", "One size"]
    body = client.get("/c/tops/").content.decode()
    assert body.index('value="XS"') < body.index('value="S"') < body.index('value="28"')


def test_clear_all_and_the_count_show_with_a_filter_on(client, shop):
    body = client.get("/c/tops/").content.decode()
    assert "Clear all" not in body
    body = client.get("/c/tops/?size=M&colour=Navy&sort=price_asc").content.decode()
    assert '<a class="clear-all" href="/c/tops/?sort=price_asc">Clear all</a>' in body
    assert '<span class="badge ok">2</span>' in body  # two filters on
    assert "product" in body.split('class="muted small results-count"')[1][:40]
    # The panel is a drawer the shopper opens; it does not open by itself over the results.
    assert '<details class="filter-panel">' in body


def test_product_page_shows_the_related_products_that_can_be_sold(client, shop):
    shirt, sweater = shop.products
    scarf = add_product(shop, "Silk Scarf", warehouse=1)
    retired = add_product(shop, "Retired Belt", warehouse=1)
    retired.is_active = False
    retired.save()
    unpriced = add_product(shop, "Unpriced Cap", warehouse=1)
    Price.objects.filter(variant__product=unpriced).delete()
    shirt.related_products.add(sweater, scarf, retired, unpriced)
    body = client.get(f"/p/{shirt.slug}/").content.decode()
    related = body.split('id="related-h"')[1]
    assert "Wool Sweater" in related and "Silk Scarf" in related
    assert "Retired Belt" not in related and "Unpriced Cap" not in related
    lonely = add_product(shop, "Plain Socks", warehouse=1)
    assert "Goes well with" not in client.get(f"/p/{lonely.slug}/").content.decode()


@pytest.mark.parametrize("related", [1, 8])
def test_related_products_keep_the_product_page_in_budget(
    client, shop, member, related, django_assert_max_num_queries
):
    _member_with_store(client, shop, member)
    grow(shop, products=related + 1, more_stores=2)
    product = shop.products[0]
    product.related_products.add(*shop.products[1 : related + 1])
    with django_assert_max_num_queries(15):
        response = client.get(f"/p/{product.slug}/")
    assert len(response.context["related"]) == min(related, 4)
