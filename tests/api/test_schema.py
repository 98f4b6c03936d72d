"""The OpenAPI schema: valid (drf-spectacular's own validation, warnings as failures),
every operation documented with the error body, the Bearer scheme and Idempotency-Key on
POSTs; the docs page served without a CDN; and Schemathesis against the live WSGI app with
an all-scopes key: no 5xx and every response conforms to the schema."""

from __future__ import annotations

import io

import pytest
import schemathesis
import yaml
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from omni.models import ApiScope
from project.wsgi import application
from tests.api.conftest import ALL_SCOPES

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 25


@pytest.fixture
def schema_document(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_schema_validates_without_warnings():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "openapi: 3" in out.getvalue()


# Called by a payment provider, which signs its body instead of holding an API key.
SIGNED_NOT_KEYED = {"/api/v1/payments/qr/callback/"}


def test_every_operation_is_documented_with_the_error_body(schema_document):
    operations = [
        (path, method, operation)
        for path, methods in schema_document["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(operations) >= 30
    assert "Error" in schema_document["components"]["schemas"]
    assert schema_document["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema_document["components"]["securitySchemes"]["ApiKey"]["description"],
    }
    for path, method, operation in operations:
        assert path.startswith("/api/v1/"), path
        assert operation.get("summary"), (method, path)
        if path in SIGNED_NOT_KEYED:
            assert not operation.get("security"), (method, path)
        else:
            assert {"ApiKey": []} in operation["security"], (method, path)
        for status in ("400", "401", "403", "404", "409", "422", "429"):
            content = operation["responses"][status]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (method, path)
        if method == "post":
            names = {p["name"] for p in operation.get("parameters", [])}
            assert "Idempotency-Key" in names, path


def test_order_create_documents_its_retry_answer(schema_document):
    create = schema_document["paths"]["/api/v1/orders/"]["post"]
    ok, created = create["responses"]["200"], create["responses"]["201"]
    for response in (ok, created):
        order = response["content"]["application/json"]["schema"]
        assert order == {"$ref": "#/components/schemas/Order"}
    assert "already existed" in ok["description"]
    assert "external_reference" in create["description"] and "200" in create["description"]


def test_list_operations_document_cursor_pagination(schema_document):
    products = schema_document["paths"]["/api/v1/products/"]["get"]
    names = {p["name"] for p in products["parameters"]}
    assert {"cursor", "page_size", "updated_since"} <= names


def test_the_docs_are_served_from_our_own_static_files(client):
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower() and "unpkg" not in page and "jsdelivr" not in page
    assert "/static/drf_spectacular_sidecar/" in page


# --- Schemathesis ----------------------------------------------------------------------------


@pytest.fixture
def seeded(world, api_key):
    """Data for the operations to find, and a key with every scope and a high rate."""
    from tests import factories as f

    raw, _ = api_key(scopes=ALL_SCOPES, name="schemathesis", rate_per_minute=1_000_000)
    f.OrderLineFactory(order=f.OrderFactory(location=world["spr"]))
    f.FulfilmentLineFactory()
    f.ReturnLineFactory()
    f.CustomerFactory()
    assert ApiScope.values
    return raw


# Loaded at collection: generating the schema reads no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def keep_the_test_connection():
    """Schemathesis calls the real WSGI app, whose request_finished signal would close the
    test's database connection (and its transaction) on PostgreSQL; Django's own test
    client unhooks it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, seeded, keep_the_test_connection):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {seeded}"},
        checks=[
            not_a_server_error,
            response_schema_conformance,
            status_code_conformance,
            content_type_conformance,
        ],
    )
