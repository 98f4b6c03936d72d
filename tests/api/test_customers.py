"""Customers through the API: lookup by email, phone or loyalty number; create (matched to
the one existing customer, else made); profile; consent with its history; the timeline."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import ConsentChange, Customer, Interaction
from customers.services import customer_resolve
from omni.models import ApiScope
from tests import factories as f
from tests.api.conftest import assert_permission_matrix, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(db):
    customer = customer_resolve(
        email="ana@example.com", phone="(217) 555-0100", first_name="Ana", last_name="Lima"
    )
    Customer.objects.filter(pk=customer.pk).update(loyalty_number="L000000042")
    customer.refresh_from_db()
    return customer


@pytest.mark.parametrize(
    "params",
    [
        {"email": "ANA@example.com"},
        {"phone": "217-555-0100"},
        {"loyalty_number": "L000000042"},
        {"q": "ana lima"},
    ],
)
def test_lookup_by_email_phone_loyalty_or_name(api, ana, params):
    response = api.get("/api/v1/customers/lookup/", params)
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [ana.pk]


def test_lookup_needs_exactly_one_query(api):
    response = api.get("/api/v1/customers/lookup/", {"email": "a@b.c", "phone": "123"})
    assert response.status_code == 400
    assert error_of(response)["errors"][0]["code"] == "one_query"


def test_create_makes_a_new_customer(api, world):
    response = api.post(
        "/api/v1/customers/",
        {"email": "new@example.com", "first_name": "Noor", "home_store": "SPR"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["email"], body["home_store"], body["source_channel"]) == (
        "new@example.com",
        "SPR",
        "api",
    )


def test_create_matches_the_existing_customer_and_fills_blanks(api, db):
    existing = customer_resolve(email="ana@example.com")
    response = api.post(
        "/api/v1/customers/",
        {"email": "Ana@Example.com", "phone": "2175550100", "last_name": "Lima"},
    )
    assert response.status_code == 200
    assert response.json()["id"] == existing.pk
    assert response.json()["phone"] == "+12175550100"
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "field", "code"),
    [
        ({}, 400, "email", "required"),
        ({"email": "x" * 300}, 400, "email", "max_length"),
        ({"email": "not-an-email"}, 422, "email", "invalid_contact"),
        ({"phone": "12"}, 422, "phone", "invalid_contact"),
        ({"email": "a@example.com", "home_store": "NOPE"}, 400, "home_store", "does_not_exist"),
        ({"email": ["a@example.com"]}, 400, "email", "invalid"),
    ],
)
def test_create_validation(api, world, body, status, field, code):
    response = api.post("/api/v1/customers/", body)
    assert response.status_code == status, response.json()
    error = error_of(response)
    assert (error["errors"][0]["field"], error["errors"][0]["code"]) == (field, code)
    assert not Customer.objects.exists()


def test_email_and_phone_of_two_customers_is_409_identity_conflict(api, db):
    customer_resolve(email="one@example.com")
    customer_resolve(phone="+12175550199")
    response = api.post("/api/v1/customers/", {"email": "one@example.com", "phone": "+12175550199"})
    assert response.status_code == 409
    assert error_of(response)["code"] == "identity_conflict"


def test_update_profile_goes_on_the_timeline(api, ana, world):
    response = api.patch(
        f"/api/v1/customers/{ana.pk}/",
        {"first_name": "Ana Maria", "home_store": "PEO", "birthday": "1990-04-01"},
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["first_name"], response.json()["home_store"]) == ("Ana Maria", "PEO")
    entry = Interaction.objects.get(customer=ana, kind=Interaction.Kind.ACCOUNT)
    assert entry.channel == "api"


def test_update_with_a_warehouse_as_home_store_is_refused(api, ana, world):
    response = api.patch(f"/api/v1/customers/{ana.pk}/", {"home_store": "IND"})
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_profile"


def test_consent_is_set_with_history(api, ana):
    response = api.post(
        f"/api/v1/customers/{ana.pk}/consent/", {"channel": "sms", "state": "marketing"}
    )
    assert response.status_code == 200
    assert {c["channel"]: c["state"] for c in response.json()["consents"]} == {"sms": "marketing"}
    change = ConsentChange.objects.get(customer=ana)
    assert (change.channel, change.state, change.source) == ("sms", "marketing", "api")


def test_consent_validation(api, ana):
    response = api.post(f"/api/v1/customers/{ana.pk}/consent/", {"channel": "fax", "state": "yes"})
    assert response.status_code == 400
    assert {e["field"] for e in error_of(response)["errors"]} == {"channel", "state"}


def test_timeline_pages_newest_first(api, ana):
    for n in range(3):
        f.InteractionFactory(customer=ana, summary=f"Visit {n}")
    first = api.get(f"/api/v1/customers/{ana.pk}/timeline/", {"limit": 2}).json()
    assert [e["summary"] for e in first["results"]] == ["Visit 2", "Visit 1"]
    rest = api.get(
        f"/api/v1/customers/{ana.pk}/timeline/", {"limit": 2, "before": first["next_cursor"]}
    ).json()
    assert [e["summary"] for e in rest["results"]] == ["Visit 0"]
    assert rest["next_cursor"] is None


def test_unknown_customer_is_404(api, db):
    assert api.get("/api/v1/customers/999/").status_code == 404
    assert api.get("/api/v1/customers/abc/").status_code == 404
    assert api.patch("/api/v1/customers/999/", {"first_name": "X"}).status_code == 404


def test_customers_list_queries_do_not_grow(api):
    def queries(size):
        api.get("/api/v1/customers/", {"page_size": size})
        with CaptureQueriesContext(connection) as captured:
            api.get("/api/v1/customers/", {"page_size": size})
        return len(captured)

    for _ in range(5):
        f.ConsentFactory(customer=f.CustomerFactory(home_store=f.LocationFactory()))
    few = queries(5)
    for _ in range(45):
        f.ConsentFactory(customer=f.CustomerFactory(home_store=f.LocationFactory()))
    assert queries(50) == few


def test_permission_matrix_customers_read(client_for, anonymous, staff, ana):
    assert_permission_matrix(
        method="get",
        url="/api/v1/customers/lookup/",
        data={"email": "ana@example.com"},
        scope=ApiScope.CUSTOMERS_READ,
        client_for=client_for,
        anonymous=anonymous,
        staff=staff,
    )


def test_permission_matrix_customers_write(client_for, anonymous, staff, world):
    # Customers belong to no store: a store's key may create them.
    assert_permission_matrix(
        method="post",
        url="/api/v1/customers/",
        data={"email": "matrix@example.com"},
        scope=ApiScope.CUSTOMERS_WRITE,
        client_for=client_for,
        anonymous=anonymous,
        staff=staff,
        ok=200,
        other_store=201,
    )


def test_permission_matrix_consent(client_for, anonymous, staff, ana):
    assert_permission_matrix(
        method="post",
        url=f"/api/v1/customers/{ana.pk}/consent/",
        data={"channel": "email", "state": "one_to_one"},
        scope=ApiScope.CUSTOMERS_WRITE,
        client_for=client_for,
        anonymous=anonymous,
        staff=staff,
    )


@pytest.mark.parametrize(
    "preferences",
    [{"fit": "slim\u0000"}, {"notes": "x" * 20_000}],
)
def test_preferences_are_checked_before_the_database(api, ana, preferences):
    response = api.patch(f"/api/v1/customers/{ana.pk}/", {"preferences": preferences})
    assert response.status_code == 400
    # A NUL is refused by the JSON parser, which names the value's path in the body.
    assert error_of(response)["errors"][0]["field"].startswith("preferences")
