"""No input is a 500 (issue 12): every page and endpoint, enumerated from the URLconf, the
admin registry and the OpenAPI schema (so a new one is covered without touching this
file), is called with hostile free text — a NUL byte, other control characters, a
10,000-character string, characters that mean something to SQL, regexes and HTML — in its
path, its query string and its form fields; every API write gets JSON nested 3,000 levels
deep, a string with NUL and a 2 MB body. The answer is a normal page or a clear 4xx, never
a 5xx.
"""

from __future__ import annotations

import inspect
import json
import re
from urllib.parse import quote, urlencode

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

from omni.models import ApiScope
from tests import factories as f
from tests.api.conftest import Caller
from tests.shop_data import make_shop

pytestmark = pytest.mark.django_db

NUL = "a\x00b"
CONTROL = "tee\x01\x1b[31m\x7f"
LONG = "x" * 10_000
# These pass the input guard, so they reach the views themselves: one long word, and
# as many words as a search box takes.
ALMOST_LONG = "x" * 4000
MANY_WORDS = " ".join(["linen"] * 32)
TRICKY = "%_\\'\"<script>*(?[ 🙂 ﷺ\t\n"

PAYLOADS = {
    "nul": NUL,
    "control": CONTROL,
    "long": LONG,
    "almost_long": ALMOST_LONG,
    "many_words": MANY_WORDS,
    "tricky": TRICKY,
}
REFUSED = {"nul", "control", "long"}

# Query and form names every surface uses for free text, plus the ones each view's own
# module reads (found in its source below).
COMMON_NAMES = (
    "q",
    "code",
    "number",
    "email",
    "phone",
    "sku",
    "barcode",
    "search",
    "status",
    "store",
    "size",
    "colour",
    "sort",
    "page",
    "cursor",
    "next",
)
NAME_IN_SOURCE = re.compile(r"""request\.(?:GET|POST)\.get(?:list)?\(\s*["'](\w+)["']""")

# URLs whose job is to end the session or that serve binary assets: not free text.
SKIP_NAMES = {"account_logout", "api-docs", "api-schema"}


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if str(entry.pattern).startswith(("admin/", "api/v1/")):
                continue  # covered from the admin registry and the API schema
            yield from _patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def _names_read_by(callback) -> set[str]:
    module = inspect.getmodule(getattr(callback, "__wrapped__", callback))
    try:
        source = inspect.getsource(module) if module else ""
    except (OSError, TypeError):
        source = ""
    return set(NAME_IN_SOURCE.findall(source))


def site_urls() -> list[tuple[str, str, set[str]]]:
    """(route, url name, names the view reads) for every storefront, account and
    back-office URL."""
    found = []
    for route, entry in _patterns():
        if entry.name in SKIP_NAMES or "(?P<" in route or route.startswith("^"):
            continue
        found.append((route, entry.name or route, _names_read_by(entry.callback)))
    return found


SITE_URLS = site_urls()


def _fill(route: str, value: str, shop) -> str:
    """The route with its converters filled: real slugs, a missing id, and the payload for
    free-text segments."""

    def replace(match):
        converter = match.group(1) or "str"
        if converter == "int":
            return "999999"
        if converter == "slug":
            return shop.product.slug if "p/" in route else shop.category.slug
        return quote(value, safe="")

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", replace, route)


@pytest.fixture
def shop():
    return make_shop()


@pytest.fixture
def staff_client(client, shop):
    """An associate at Springfield who is also a superuser: every back-office screen and
    every admin page."""
    user = f.UserFactory(username="boss", is_staff=True, is_superuser=True)
    f.AssociateFactory(user=user, home_location=shop.stores["springfield"])
    client.force_login(user)
    return client


def _assert_no_server_error(response, what):
    assert response.status_code < 500, (what, response.status_code, response.content[:500])


def test_the_enumeration_finds_the_known_free_text_pages():
    routes = {route for route, _, _ in SITE_URLS}
    assert {
        "search/",
        "backoffice/customers/",
        "backoffice/stock/",
        "backoffice/pickups/",
    } <= routes
    assert len(SITE_URLS) > 40


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_page_is_a_server_error_for_any_text(staff_client, client, shop, payload):
    value = PAYLOADS[payload]
    anonymous = type(client)()
    for route, name, read in SITE_URLS:
        url = _fill(route, value, shop)
        query = urlencode({key: value for key in {*COMMON_NAMES, *read}})
        for caller in (staff_client, anonymous):
            response = caller.get(f"{url}?{query}")
            _assert_no_server_error(response, ("GET", name, payload))
            if payload in REFUSED:
                assert response.status_code in (400, 404), (name, response.status_code)
        form = {key: value for key in {*COMMON_NAMES, *read}}
        response = staff_client.post(url, form)
        _assert_no_server_error(response, ("POST", name, payload))
        if payload in REFUSED - {"long"}:
            assert response.status_code in (400, 404), (name, response.status_code)


@pytest.mark.parametrize("path", ["/search/", "/backoffice/customers/", "/backoffice/stock/"])
def test_a_nul_byte_is_a_clear_400(staff_client, path):
    response = staff_client.get(path, {"q": "shirt\x00"})
    assert response.status_code == 400
    assert "control characters" in response.content.decode()


def test_the_known_500s_are_400s(staff_client):
    for url in (
        "/search/?q=%00",
        "/backoffice/customers/?q=%00",
        "/backoffice/customers/?code=%00",
        "/backoffice/stock/?q=%00",
        "/backoffice/pickups/?code=%00",
    ):
        assert staff_client.get(url).status_code == 400, url


def test_a_search_of_hundreds_of_words_is_a_clear_400(staff_client):
    for url in ("/search/", "/admin/customers/customer/", "/backoffice/customers/"):
        response = staff_client.get(url, {"q": "linen " * 300})
        assert response.status_code == 400, url
        assert "at most 32 words" in response.content.decode()


def test_tab_and_newline_are_not_control_characters_a_user_did_not_mean(client, shop):
    assert client.get("/search/", {"q": "linen\tshirt\n"}).status_code == 200


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_admin_search_is_a_server_error(staff_client, shop, payload):
    searched = 0
    for model, model_admin in admin.site._registry.items():
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = staff_client.get(url, {"q": PAYLOADS[payload]})
        _assert_no_server_error(response, (url, payload))
        searched += bool(model_admin.search_fields)
    assert searched >= 10


# --- the API ----------------------------------------------------------------------------------


@pytest.fixture
def api(shop):
    from omni.api.services import api_key_create

    _, raw = api_key_create(
        name="fuzz", scopes=list(ApiScope.values), location_codes=(), rate_per_minute=10**6
    )
    caller = Caller()
    caller.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return caller


@pytest.fixture
def operations(client):
    document = json.loads(client.get("/api/schema/", HTTP_ACCEPT="application/json").content)
    found = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            found.append((path, method, query, operation))
    assert len(found) >= 30
    return found, document


def _api_path(path: str, value: str) -> str:
    return re.sub(r"\{\w+\}", lambda m: quote(value, safe="") if value else "1", path)


def _request_properties(operation, document) -> list[str]:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    ref = content.get("schema", {}).get("$ref", "")
    schema = document["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}) if ref else {}
    return list(schema.get("properties", {}))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_api_query_is_a_server_error(api, operations, payload):
    value = PAYLOADS[payload]
    found, _ = operations
    for path, method, query, _operation in found:
        if method != "get":
            continue
        response = api.get(_api_path(path, "1"), {name: value for name in {*query, *COMMON_NAMES}})
        _assert_no_server_error(response, (path, payload))
        if payload in REFUSED:
            assert response.status_code == 400, (path, response.status_code)
            assert response.json()["code"] in ("invalid_characters", "too_long")
        response = api.get(_api_path(path, value))
        _assert_no_server_error(response, (path, "in the path", payload))


def _deep(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(_deep(3000), id="object-3000-deep"),
        pytest.param("[" * 3000 + "]" * 3000, id="array-3000-deep"),
        pytest.param(_deep(40), id="object-40-deep"),
        pytest.param('{"lines": [{"sku": "a\\u0000b", "quantity": 1}]}', id="nul-escape"),
        pytest.param(json.dumps({"x": "y" * 2_000_000}), id="2mb"),
        pytest.param("{not json", id="not-json"),
        pytest.param('{"quantity": NaN}', id="nan"),
        pytest.param("", id="empty"),
    ],
)
def test_no_api_body_is_a_server_error(api, operations, body):
    found, _ = operations
    for path, method, _query, _operation in found:
        if method not in ("post", "put", "patch"):
            continue
        response = api.generic(
            method.upper(), _api_path(path, "1"), body, content_type="application/json"
        )
        _assert_no_server_error(response, (path, body[:40]))
        assert response.status_code in (400, 404), (path, response.status_code, response.content)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_api_field_is_a_server_error(api, operations, payload):
    value = PAYLOADS[payload]
    found, document = operations
    for path, method, _query, operation in found:
        if method not in ("post", "put", "patch"):
            continue
        fields = _request_properties(operation, document)
        response = api.generic(
            method.upper(),
            _api_path(path, "1"),
            json.dumps({name: value for name in fields}),
            content_type="application/json",
        )
        _assert_no_server_error(response, (path, payload))


def test_a_control_character_in_json_names_the_value(api):
    response = api.generic(
        "POST",
        "/api/v1/orders/",
        '{"lines": [{"sku": "a\\u0000b", "quantity": 1}]}',
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["type"], body["code"]) == ("parse_error", "invalid_characters")
    assert body["errors"][0]["field"] == "lines[0].sku"


@pytest.mark.parametrize("url", ["/api/v1/orders/", "/api/v1/stock/adjustments/"])
def test_deep_json_says_what_limit_it_broke(api, url):
    response = api.generic("POST", url, _deep(3000), content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "too_deep"
    assert "nested too deeply" in body["detail"]
