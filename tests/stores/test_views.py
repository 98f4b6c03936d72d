"""The storefront store finder: stores by distance from a postcode or the browser's
location, opening hours and services, and choosing "my store" (session, header and the
member's home store)."""

import re

import pytest

from customers.models import Customer
from tests import factories as f
from tests.orders.helpers import at_town

pytestmark = pytest.mark.django_db


@pytest.fixture
def stores(db):
    return {
        "springfield": at_town(f.LocationFactory, "springfield", code="SPR"),
        "peoria": at_town(f.LocationFactory, "peoria", code="PEO"),
        "chicago": at_town(f.LocationFactory, "chicago", code="CHI", accepts_returns=False),
        "warehouse": at_town(f.WarehouseFactory, "indianapolis", code="IND"),
    }


def names(response):
    return [card.location.name for card in response.context["cards"]]


def test_lists_stores_only_with_hours_and_services(client, stores):
    response = client.get("/stores/")
    assert response.status_code == 200
    assert names(response) == ["Chicago", "Peoria", "Springfield"]
    body = response.content.decode()
    assert "Indianapolis" not in body
    # Times as the language writes them (English: "11 a.m."), not as stored ("11:00").
    assert "Opening hours" in body and "Sunday" in body and "11 a.m.–5 p.m." in body
    assert "Open today" in body
    chicago = next(c for c in response.context["cards"] if c.location.name == "Chicago")
    assert chicago.services == ("Pickup",)


def test_weekdays_and_opening_times_in_the_page_language(client, stores):
    """Thai: Thai weekday names and Thai's 24-hour times; nothing in English."""
    body = client.get("/th/stores/").content.decode()
    assert "อาทิตย์" in body and "Sunday" not in body  # Sunday
    assert "11:00–17:00" in body and "a.m." not in body


def test_sorted_by_distance_from_a_postcode(client, stores):
    response = client.get("/stores/?postcode=60601")  # Chicago
    assert names(response) == ["Chicago", "Peoria", "Springfield"]
    assert response.context["cards"][0].distance_km < 5
    # A US shop shows miles (current_market().distance_unit).
    assert re.search(r"\b\d+(\.\d)? mi\b", response.content.decode())
    assert " km<" not in response.content.decode()
    south = client.get("/stores/?postcode=62701")  # Springfield
    assert names(south)[0] == "Springfield"


def test_sorted_by_distance_from_the_browsers_location(client, stores):
    response = client.get("/stores/?lat=40.69&lng=-89.59")  # Peoria
    assert names(response)[0] == "Peoria"


def test_unknown_postcode_or_bad_coordinates_are_said_clearly(client, stores):
    response = client.get("/stores/?postcode=00000")
    assert response.status_code == 200
    assert "We don’t know the postcode" in response.content.decode()
    assert len(response.context["cards"]) == 3
    bad = client.get("/stores/?lat=200&lng=x")
    assert bad.status_code == 200 and "could not read that location" in bad.content.decode()


def test_choosing_a_store_shows_it_in_the_header_everywhere(client, stores):
    response = client.post(
        "/stores/choose/", {"location": stores["peoria"].pk, "next": "/c/nothing/"}
    )
    assert response.status_code == 302 and response.url == "/c/nothing/"
    for url in ("/", "/cart/", "/stores/"):
        assert "My store:</span> <strong>Peoria" in client.get(url).content.decode()


def test_a_members_choice_becomes_their_home_store(client, stores):
    user = f.UserFactory()
    customer = f.CustomerFactory(user=user, email=user.email)
    client.force_login(user)
    client.post("/stores/choose/", {"location": stores["chicago"].pk})
    customer.refresh_from_db()
    assert customer.home_store == stores["chicago"]
    # On another device the header shows it straight away.
    other = client.__class__()
    other.force_login(user)
    assert "My store:</span> <strong>Chicago" in other.get("/").content.decode()


def test_home_store_comes_back_at_login(client, stores):
    user = f.UserFactory(email="olivia@example.com")
    f.CustomerFactory(user=user, email=user.email, home_store=stores["springfield"])
    client.post("/accounts/login/", {"login": "olivia@example.com", "password": "pass-word-123"})
    # The first page after login shows the member's home store, and remembers it.
    assert "My store:</span> <strong>Springfield" in client.get("/").content.decode()
    assert client.session["omni_store"]["name"] == "Springfield"


@pytest.mark.parametrize("location", ["", "abc", "999999", "warehouse"])
def test_choosing_a_bad_store_is_refused(client, stores, location):
    if location == "warehouse":
        location = stores["warehouse"].pk
    response = client.post("/stores/choose/", {"location": location}, follow=True)
    assert "Please choose one of our open stores." in response.content.decode()
    assert "omni_store" not in client.session
    assert not Customer.objects.filter(home_store__isnull=False).exists()


def test_choose_is_post_only_and_next_stays_on_site(client, stores):
    assert client.get("/stores/choose/").status_code == 405
    response = client.post(
        "/stores/choose/", {"location": stores["peoria"].pk, "next": "https://evil.example/"}
    )
    assert response.url == "/stores/"


@pytest.mark.parametrize("more", [0, 20])
def test_store_list_query_count_is_flat(client, stores, more, django_assert_max_num_queries):
    for n in range(more):
        at_town(f.LocationFactory, "peoria", code=f"P{n:02d}")
    client.post("/stores/choose/", {"location": stores["peoria"].pk})
    with django_assert_max_num_queries(4):
        assert client.get("/stores/?postcode=60601").status_code == 200
