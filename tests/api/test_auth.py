"""API keys: made in the admin and shown once, stored hashed, sent as Bearer; scopes and
location binding per action; staff sessions; per-key throttling with Retry-After; and the
guards that keep every endpoint scoped and every POST idempotent."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.urls import reverse

from omni.api.authentication import api_key_for
from omni.api.services import api_key_revoke
from omni.models import ApiKey, ApiScope
from project.api_urls import router
from tests import factories as f
from tests.api.conftest import Caller, error_of

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"


def bearer(raw: str) -> Caller:
    caller = Caller()
    caller.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return caller


def test_no_key_is_401_with_a_bearer_challenge(anonymous):
    response = anonymous.get(PRODUCTS)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = error_of(response)
    assert (body["type"], body["code"]) == ("authentication_error", "not_authenticated")


@pytest.mark.parametrize(
    "header",
    ["Bearer omni_nope_secret", "Bearer not-even-a-key", "Bearer", "Bearer a b", "Bearer \u00e9"],
)
def test_a_key_that_is_not_valid_is_401(api_key, header):
    api_key()
    caller = Caller()
    caller.credentials(HTTP_AUTHORIZATION=header.encode("utf-8").decode("latin-1"))
    response = caller.get(PRODUCTS)
    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_api_key"


def test_the_key_is_stored_only_as_its_hash_and_found_by_prefix(api_key):
    raw, key = api_key(scopes=[ApiScope.CATALOG_READ])
    assert raw.startswith(f"omni_{key.prefix}_")
    assert key.hashed_key == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiKey.objects.values().get(pk=key.pk))
    assert api_key_for(raw) == key
    # Same prefix, another secret: refused.
    assert api_key_for(f"omni_{key.prefix}_{'x' * 43}") is None


def test_a_revoked_or_inactive_key_stops_working(api_key):
    raw, key = api_key(scopes=[ApiScope.CATALOG_READ])
    assert bearer(raw).get(PRODUCTS).status_code == 200
    api_key_revoke(api_key=key)
    response = bearer(raw).get(PRODUCTS)
    assert response.status_code == 401
    assert key.revoked_at is not None


def test_using_a_key_records_when_it_was_last_used(api_key):
    raw, key = api_key(scopes=[ApiScope.CATALOG_READ])
    assert key.last_used_at is None
    bearer(raw).get(PRODUCTS)
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_a_key_without_the_scope_is_403_insufficient_scope(client_for):
    response = client_for(scopes=[ApiScope.STOCK_READ]).get(PRODUCTS)
    assert response.status_code == 403
    body = error_of(response)
    assert (body["type"], body["code"]) == ("permission_denied", "insufficient_scope")
    assert "catalog:read" in body["detail"]


def test_a_staff_session_may_use_the_api(staff):
    assert staff.get(PRODUCTS).status_code == 200


def test_a_session_that_is_not_staff_is_403(shopper_session):
    response = shopper_session.get(PRODUCTS)
    assert response.status_code == 403
    assert error_of(response)["code"] == "staff_only"


def test_a_staff_session_post_needs_the_csrf_token(db):
    caller = Caller(enforce_csrf_checks=True)
    caller.force_login(f.UserFactory(username="csrf-staff", is_staff=True))
    response = caller.post("/api/v1/customers/", {"email": "a@example.com"})
    assert response.status_code == 403
    assert "CSRF" in error_of(response)["detail"]


# --- throttling ------------------------------------------------------------------------------


def test_over_the_keys_rate_is_429_with_retry_after(client_for):
    caller = client_for(scopes=[ApiScope.CATALOG_READ], rate_per_minute=3)
    assert [caller.get(PRODUCTS).status_code for _ in range(3)] == [200, 200, 200]
    response = caller.get(PRODUCTS)
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert error_of(response)["type"] == "throttled"


def test_each_key_has_its_own_count(client_for):
    first = client_for(scopes=[ApiScope.CATALOG_READ], rate_per_minute=1)
    second = client_for(scopes=[ApiScope.CATALOG_READ], rate_per_minute=1)
    assert first.get(PRODUCTS).status_code == 200
    assert first.get(PRODUCTS).status_code == 429
    assert second.get(PRODUCTS).status_code == 200


def test_the_default_rate_comes_from_settings(client_for, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": "2/min", "staff": None, "anon": None},
    }
    caller = client_for(scopes=[ApiScope.CATALOG_READ])
    assert [caller.get(PRODUCTS).status_code for _ in range(3)] == [200, 200, 429]


# --- the error body for what is not an endpoint's own error ------------------------------


def test_unknown_resource_is_404_in_the_error_shape(api):
    response = api.get("/api/v1/products/999999/")
    assert response.status_code == 404
    assert error_of(response)["type"] == "not_found"


def test_malformed_json_is_400_parse_error(api):
    response = api.generic(
        "POST", "/api/v1/customers/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert error_of(response)["type"] == "parse_error"


def test_a_method_not_offered_is_405_in_the_error_shape(api):
    response = api.delete(PRODUCTS)
    assert response.status_code == 405
    assert error_of(response)["type"] == "method_not_allowed"


def test_a_form_body_is_415(api):
    response = api.generic(
        "POST", "/api/v1/customers/", "email=a@example.com", content_type="text/plain"
    )
    assert response.status_code == 415
    assert error_of(response)["type"] == "unsupported_media_type"


# --- guards over every route -------------------------------------------------------------------


def _api_routes():
    for url in router.urls:
        callback = url.callback
        actions = getattr(callback, "actions", {})
        yield url, callback.cls, actions


@pytest.mark.parametrize(
    ("route", "viewset", "actions"), list(_api_routes()), ids=lambda v: getattr(v, "name", "")
)
def test_every_action_of_every_route_names_its_scope(route, viewset, actions):
    for method, action in actions.items():
        assert viewset.required_scopes.get(action) in ApiScope.values, (viewset, method, action)


@pytest.mark.parametrize(
    ("route", "viewset", "actions"), list(_api_routes()), ids=lambda v: getattr(v, "name", "")
)
def test_every_post_honours_the_idempotency_key(route, viewset, actions):
    if "post" in actions:
        assert getattr(getattr(viewset, actions["post"]), "idempotent", False), viewset


def test_the_api_is_versioned_under_api_v1():
    assert reverse("api:product-list") == PRODUCTS
    assert reverse("api:stock-count") == "/api/v1/stock/counts/"


# --- keys in the admin ---------------------------------------------------------------------------


def test_staff_make_a_key_in_the_admin_and_see_it_once(admin_client, world):
    response = admin_client.post(
        reverse("admin:omni_apikey_add"),
        {
            "name": "Springfield POS",
            "scopes": [ApiScope.STOCK_WRITE, ApiScope.ORDERS_WRITE],
            "location_codes": "SPR",
            "rate_per_minute": "",
            "is_active": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    raw = re.search(r"(omni_\S+)", " ".join(shown)).group(1)
    key = ApiKey.objects.get(name="Springfield POS")
    assert key.hashed_key == hashlib.sha256(raw.encode()).hexdigest()
    assert key.location_codes == ["SPR"]
    assert key.scopes == [ApiScope.STOCK_WRITE, ApiScope.ORDERS_WRITE]
    # Shown once: the change page does not show it again.
    page = admin_client.get(reverse("admin:omni_apikey_change", args=[key.pk])).content.decode()
    assert raw not in page
    assert api_key_for(raw) == key


def test_the_admin_refuses_unknown_location_codes(admin_client, world):
    response = admin_client.post(
        reverse("admin:omni_apikey_add"),
        {"name": "Bad", "scopes": [ApiScope.STOCK_READ], "location_codes": "SPR, NOPE"},
    )
    assert response.status_code == 200
    assert "Unknown location codes: NOPE" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_revoke_action_in_the_admin(admin_client, api_key):
    raw, key = api_key(scopes=[ApiScope.CATALOG_READ])
    admin_client.post(
        reverse("admin:omni_apikey_changelist"),
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    key.refresh_from_db()
    assert not key.is_active and key.revoked_at is not None
    assert bearer(raw).get(PRODUCTS).status_code == 401


@pytest.mark.parametrize(
    "url",
    ["/api/v1/products/", "/api/v1/stock/", "/api/v1/orders/", "/api/v1/customers/lookup/?q=ana"],
)
def test_the_browsable_api_renders_for_staff(staff, world, url):
    response = staff.get(url, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "text/html" in response.headers["Content-Type"]


def test_an_unknown_endpoint_is_404_in_the_error_shape(api):
    response = api.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/orders/99999999999999999999999/",
        "/api/v1/orders/-1/",
        "/api/v1/orders/1.5/",
        "/api/v1/customers/%00/",
        "/api/v1/locations/SPR%00/",
        "/api/v1/orders/?customer=99999999999999999999999",
        "/api/v1/stock/?variant=99999999999999999999999",
        "/api/v1/products/?category=%00",
    ],
)
def test_values_no_row_can_have_are_4xx_never_500(api, url):
    response = api.get(url)
    assert response.status_code in (400, 404), response.content
    error_of(response)


def test_an_authorization_header_with_odd_bytes_is_401(db):
    caller = Caller()
    caller.credentials(HTTP_AUTHORIZATION="Bearer omni_a\x00b_secret")
    assert caller.get(PRODUCTS).status_code == 401


def test_an_idempotency_key_with_control_characters_is_400(api, world):
    response = api.post("/api/v1/customers/", {"email": "a@example.com"}, key="bad\x00key")
    assert response.status_code == 400
