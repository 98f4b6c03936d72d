"""OpenAPI pieces shared by every operation: the Bearer security scheme, the one error
body on every error status, and the Idempotency-Key header on every POST. Applied as a
drf-spectacular post-processing hook, so no operation can forget them."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from omni.api.errors import ERROR_SCHEMA
from omni.api.idempotency import HEADER, MAX_KEY_LENGTH

ERROR_REF = {"$ref": "#/components/schemas/Error"}

ERROR_STATUSES = {
    "400": "Invalid input: the fields at fault are listed in `errors`",
    "401": "No API key, or a key that is not valid (send `Authorization: Bearer <key>`)",
    "403": "The key lacks the scope (`insufficient_scope`) or may not act for that location "
    "(`location_not_allowed`)",
    "404": "Not found",
    "409": "A business rule refused the request (e.g. `insufficient_stock`), or a duplicate",
    "422": "A business rule refused the request (e.g. `idempotency_key_reused`)",
    "429": "Too many requests for this key: wait `Retry-After` seconds",
}


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "omni.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key made by staff in the admin: `Authorization: Bearer "
            "omni_…`. Each key has scopes (catalog:read, stock:write, ...) and may be "
            "bound to locations.",
        }


class StaffSessionAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "omni.api.authentication.StaffSessionAuthentication"
    name = "StaffSession"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


# Extra error statuses of particular operations (operationId → {status: description}).
EXTRA_ERRORS = {
    "orders_create": {
        "402": "The payment was declined (card_declined, insufficient_funds)",
        "502": "The payment provider failed (processing_error); retry later",
    },
}


def postprocess(result: dict, generator, request, public) -> dict:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            extra = EXTRA_ERRORS.get(operation.get("operationId", ""), {})
            for status, description in {**ERROR_STATUSES, **extra}.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": ERROR_REF}},
                    },
                )
            if method == "get" and path.endswith("}/"):
                responses.setdefault("304", {"description": "Not modified (If-None-Match)"})
            if method == "post":
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == HEADER for p in parameters):
                    parameters.append(
                        {
                            "in": "header",
                            "name": HEADER,
                            "required": False,
                            "description": "Any unique string: a retry with the same key "
                            "and body returns the first response without writing again.",
                            "schema": {
                                "type": "string",
                                "minLength": 1,
                                "maxLength": MAX_KEY_LENGTH,
                            },
                        }
                    )
    return result


def only_api_v1(endpoints):
    """Pre-processing hook: the schema documents the integrators' API only."""
    return [e for e in endpoints if e[0].startswith("/api/v1/")]
