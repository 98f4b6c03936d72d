"""Back-office stock lookup: scan or search, see stock here and at the nearest places (with
distances), and request a transfer to this store."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inventory.models import Reservation, Stock, Transfer
from tests import factories as f

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def store():
    return f.LocationFactory(name="Springfield", code="SPR")


@pytest.fixture
def near_store(store):
    near = f.LocationFactory(name="Peoria", code="PEO")
    f.LocationDistanceFactory(origin=store, destination=near, distance_km=Decimal("110.00"))
    return near


@pytest.fixture
def warehouse(store):
    wh = f.WarehouseFactory(name="Central DC", code="DC1")
    f.LocationDistanceFactory(origin=store, destination=wh, distance_km=Decimal("290.00"))
    return wh


@pytest.fixture
def associate(store):
    return f.AssociateFactory(home_location=store, display_name="Maya")


@pytest.fixture
def bo(client, associate):
    client.force_login(associate.user)
    return client


@pytest.fixture
def shirt(store, near_store, warehouse):
    product = f.ProductFactory(name="Oxford shirt")
    small = f.VariantFactory(product=product, size="S", sku="OX-S", barcode="400000000101")
    medium = f.VariantFactory(product=product, size="M", sku="OX-M", barcode="400000000102")
    f.StockFactory(variant=small, location=store, on_hand=3)
    f.StockFactory(variant=medium, location=store, on_hand=0)
    f.StockFactory(variant=medium, location=near_store, on_hand=2)
    f.StockFactory(variant=medium, location=warehouse, on_hand=40)
    return product


URL = "backoffice:stock-lookup"


@pytest.mark.parametrize("query", ["ox-m", "400000000102", "oxford"])
def test_lookup_by_sku_barcode_or_name_shows_stock_here_and_nearby(bo, shirt, query):
    response = bo.get(reverse(URL), {"q": query})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Oxford shirt" in page and "OX-S" in page and "OX-M" in page
    assert "3 here" in page and "none here" in page
    # 110 km and 290 km, in miles: a US shop's distance unit.
    assert "Peoria" in page and "68 mi" in page and "Central DC" in page and "180 mi" in page
    # The nearest place comes first.
    assert page.index("Peoria") < page.index("Central DC")


def test_a_scanned_sku_is_marked_among_its_sizes(bo, shirt):
    page = bo.get(reverse(URL), {"q": "OX-M"}).content.decode()
    assert page.count("is-scanned") == 1 and "OX-M · scanned" in page


def test_live_search_returns_only_the_results(bo, shirt):
    page = bo.get(reverse(URL), {"q": "oxford"}, **HX).content.decode()
    assert 'id="stock-results"' in page and "<html" not in page


def test_nothing_found_says_so(bo, shirt):
    page = bo.get(reverse(URL), {"q": "no such thing"}).content.decode()
    assert "Nothing matches" in page


def test_inactive_locations_and_products_are_not_offered(bo, store, shirt, near_store):
    near_store.is_active = False
    near_store.save()
    page = bo.get(reverse(URL), {"q": "oxford"}).content.decode()
    assert "Peoria" not in page
    retired = f.VariantFactory(product__name="Old coat", product__is_active=False, sku="OLD-1")
    f.StockFactory(variant=retired, location=store)
    assert "Old coat" not in bo.get(reverse(URL), {"q": "OLD-1"}).content.decode()


def test_requesting_a_transfer_brings_units_to_this_store(bo, shirt, store, warehouse, associate):
    medium = shirt.variants.get(size="M")
    response = bo.post(
        reverse("backoffice:stock-transfer"),
        {"q": "oxford", "variant": medium.pk, "source": warehouse.pk, "quantity": 4},
    )
    assert response.status_code == 302 and response["Location"].endswith("?q=oxford")
    transfer = Transfer.objects.get()
    assert (transfer.source, transfer.destination, transfer.requested_by) == (
        warehouse,
        store,
        associate,
    )
    assert [(line.variant, line.quantity) for line in transfer.lines.all()] == [(medium, 4)]
    assert Stock.objects.get(variant=medium, location=warehouse).reserved == 4
    page = bo.get(response["Location"]).content.decode()
    assert f"Transfer #{transfer.pk} requested: 4 units to Springfield" in page
    # The expected day as the language writes it (English: "Thursday, December 3").
    expected = timezone.localtime(transfer.expected_at)
    assert f"expected {expected:%A}, {expected:%B} {expected.day}." in page


@pytest.mark.parametrize(
    "quantity, message",
    [
        ("0", "Ask for at least 1 unit."),
        ("-3", "Ask for at least 1 unit."),
        ("two", "The quantity must be a whole number."),
        ("", "Say how many units to bring here."),
        ("500", "Ask for at most 99 units at a time."),
    ],
)
def test_a_bad_quantity_is_a_clear_message_and_nothing_moves(
    bo, shirt, warehouse, quantity, message
):
    medium = shirt.variants.get(size="M")
    response = bo.post(
        reverse("backoffice:stock-transfer"),
        {"q": "oxford", "variant": medium.pk, "source": warehouse.pk, "quantity": quantity},
        **HX,
    )
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert 'id="stock-results"' in page  # the results are still there to try again
    assert not Transfer.objects.exists() and not Reservation.objects.exists()


def test_asking_for_more_than_the_source_has_is_refused(bo, shirt, near_store):
    medium = shirt.variants.get(size="M")
    response = bo.post(
        reverse("backoffice:stock-transfer"),
        {"q": "oxford", "variant": medium.pk, "source": near_store.pk, "quantity": 5},
        follow=True,
    )
    page = response.content.decode()
    assert 'class="message error"' in page and "Not enough" in page
    assert not Transfer.objects.exists()
    assert Stock.objects.get(variant=medium, location=near_store).reserved == 0


def test_a_transfer_from_this_store_to_itself_is_refused(bo, shirt, store):
    small = shirt.variants.get(size="S")
    response = bo.post(
        reverse("backoffice:stock-transfer"),
        {"variant": small.pk, "source": store.pk, "quantity": 1},
        follow=True,
    )
    assert "That is this store" in response.content.decode()
    assert not Transfer.objects.exists()


def test_an_unknown_variant_or_source_is_a_message_not_a_500(bo, shirt, warehouse):
    medium = shirt.variants.get(size="M")
    for data in (
        {"variant": 999999, "source": warehouse.pk, "quantity": 1},
        {"variant": medium.pk, "source": 999999, "quantity": 1},
        {"variant": "x", "source": warehouse.pk, "quantity": 1},
    ):
        response = bo.post(reverse("backoffice:stock-transfer"), data, follow=True)
        assert response.status_code == 200
        assert 'class="message error"' in response.content.decode()
    assert not Transfer.objects.exists()


def test_transfers_always_go_to_the_store_the_associate_works_for(
    client, shirt, near_store, warehouse
):
    """An associate of another store looking at the same product asks for it there."""
    peoria_associate = f.AssociateFactory(home_location=near_store)
    client.force_login(peoria_associate.user)
    medium = shirt.variants.get(size="M")
    client.post(
        reverse("backoffice:stock-transfer"),
        {"variant": medium.pk, "source": warehouse.pk, "quantity": 1, "destination": 1},
    )
    assert Transfer.objects.get().destination == near_store


def test_stock_lookup_queries_stay_flat_with_more_sizes_and_locations(
    bo, store, shirt, django_assert_max_num_queries
):
    url = reverse(URL) + "?q=oxford"

    def count():
        bo.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert bo.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    places = [f.LocationFactory() for _ in range(6)] + [f.WarehouseFactory() for _ in range(3)]
    for place in places:
        f.LocationDistanceFactory(origin=store, destination=place)
    for size in ("L", "XL", "XXL", "3XL"):
        variant = f.VariantFactory(product=shirt, size=size)
        for place in places:
            f.StockFactory(variant=variant, location=place, on_hand=5)
    f.ProductFactory(name="Oxford shirt, slim")
    with django_assert_max_num_queries(small):
        bo.get(url)
    large = count()
    assert large == small and large <= 10
