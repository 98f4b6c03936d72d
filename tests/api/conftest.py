"""Fixtures for the API tests: keys made through the real service, clients that send
them, and a small real retailer (stores with distances, priced variants, stock received
through inventory's services, an associate at each store)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from inventory import services as inventory
from omni.api.services import api_key_create
from omni.models import ApiScope
from stores.services import location_distances_rebuild
from tests import factories as f

ALL_SCOPES = list(ApiScope.values)

TOWNS = {
    "springfield": (Decimal("39.781700"), Decimal("-89.650100"), "62701"),
    "peoria": (Decimal("40.693600"), Decimal("-89.589000"), "61602"),
    "chicago": (Decimal("41.878100"), Decimal("-87.629800"), "60601"),
    "indianapolis": (Decimal("39.768400"), Decimal("-86.158100"), "46204"),
}


def at_town(factory, town, **kwargs):
    lat, lon, postcode = TOWNS[town]
    return factory(
        name=town.title(),
        city=town.title(),
        latitude=lat,
        longitude=lon,
        postcode=postcode,
        **kwargs,
    )


def priced_variant(price: str = "49.00", **kwargs):
    variant = f.VariantFactory(**kwargs)
    f.PriceFactory(variant=variant, amount=Decimal(price))
    return variant


def receive(variant, location, quantity: int) -> None:
    inventory.stock_receive(variant_id=variant.pk, location_id=location.pk, quantity=quantity)


class Caller(APIClient):
    """An API client that sends JSON and an optional Idempotency-Key."""

    def post(self, path, data=None, *, key: str | None = None, **extra):
        if key is not None:
            extra["HTTP_IDEMPOTENCY_KEY"] = key
        return super().post(path, data, format="json", **extra)

    def patch(self, path, data=None, **extra):
        return super().patch(path, data, format="json", **extra)


@pytest.fixture
def api_key(db):
    """``api_key(scopes=[...], locations=[...])`` → (raw key, ApiKey)."""

    def make(scopes=ALL_SCOPES, locations=(), **kwargs):
        key, raw = api_key_create(
            name=kwargs.pop("name", "Test integration"),
            scopes=scopes,
            location_codes=locations,
            **kwargs,
        )
        return raw, key

    return make


@pytest.fixture
def client_for(api_key):
    """``client_for(scopes=..., locations=...)`` → a client sending that key."""

    def make(scopes=ALL_SCOPES, locations=(), **kwargs):
        raw, _ = api_key(scopes=scopes, locations=locations, **kwargs)
        caller = Caller()
        caller.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return caller

    return make


@pytest.fixture
def api(client_for):
    """A client with a key that has every scope and every location."""
    return client_for()


@pytest.fixture
def anonymous(db):
    return Caller()


@pytest.fixture
def staff(db):
    caller = Caller()
    caller.force_login(f.UserFactory(username="staffer", is_staff=True))
    return caller


@pytest.fixture
def shopper_session(db):
    """A logged-in user who is not staff (a shopper): no API by session."""
    caller = Caller()
    caller.force_login(f.UserFactory(username="shopper"))
    return caller


@pytest.fixture
def world(db):
    """Springfield (SPR) and Peoria (PEO) stores, Chicago (CHI) store that ships, the
    Indianapolis warehouse (IND); two priced variants of one product with stock; an
    associate at Springfield (employee code E-SPR) and a manager (E-MGR)."""
    spots = {
        "spr": at_town(f.LocationFactory, "springfield", code="SPR"),
        "peo": at_town(f.LocationFactory, "peoria", code="PEO"),
        "chi": at_town(f.LocationFactory, "chicago", code="CHI", ships_online_orders=True),
        "ind": at_town(f.WarehouseFactory, "indianapolis", code="IND"),
    }
    location_distances_rebuild()
    product = f.ProductFactory(name="Linen Shirt")
    navy = priced_variant("49.00", product=product, sku="SHIRT-NAVY-M", barcode="0012345678905")
    white = priced_variant("59.00", product=product, sku="SHIRT-WHITE-M", colour="White")
    receive(navy, spots["spr"], 5)
    receive(navy, spots["peo"], 3)
    receive(navy, spots["ind"], 20)
    receive(white, spots["spr"], 2)
    associate = f.AssociateFactory(home_location=spots["spr"], employee_code="E-SPR")
    manager = f.AssociateFactory(home_location=spots["spr"], employee_code="E-MGR", role="manager")
    return {
        **spots,
        "product": product,
        "navy": navy,
        "white": white,
        "associate": associate,
        "manager": manager,
    }


def error_of(response) -> dict:
    """The one error body, checked for its shape."""
    body = response.json()
    assert set(body) == {"type", "code", "detail", "errors", "details"}, body
    assert isinstance(body["errors"], list)
    return body


def call(caller, method: str, url: str, data=None):
    if method == "get":
        return caller.get(url, data or {})
    return getattr(caller, method)(url, data)


def assert_permission_matrix(
    *,
    method: str,
    url: str,
    scope: str,
    client_for,
    anonymous,
    staff,
    data=None,
    ok: int = 200,
    other_store: int | None = None,
    other_store_code: str = "PEO",
    fresh=None,
):
    """No key → 401; a key without ``scope`` → 403 insufficient_scope; a key with only
    ``scope`` bound to another store → ``other_store`` (403 location_not_allowed for
    writes that move that store's things, ``ok`` for reads); a staff session → ``ok``.
    ``fresh`` (callable) returns new (url, data) for calls that can only succeed once."""
    fresh = fresh or (lambda: (url, data))

    response = call(anonymous, method, *fresh())
    assert response.status_code == 401, response.content
    assert error_of(response)["code"] == "not_authenticated"

    others = [s for s in ApiScope.values if s != scope]
    response = call(client_for(scopes=others), method, *fresh())
    assert response.status_code == 403, response.content
    assert error_of(response)["code"] == "insufficient_scope"

    response = call(client_for(scopes=[scope], locations=[other_store_code]), method, *fresh())
    expected = other_store if other_store is not None else ok
    assert response.status_code == expected, response.content
    if expected == 403:
        assert error_of(response)["code"] == "location_not_allowed"

    response = call(staff, method, *fresh())
    assert response.status_code == ok, response.content
    return response
