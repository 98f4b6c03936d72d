"""The one API error body, made by the one exception handler.

Every failure — bad input, a business rule, authentication, permissions, throttling, an
unknown URL — answers with the same shape::

    {"type": "validation_error", "code": "invalid", "detail": "Some fields are not valid.",
     "errors": [{"field": "lines[2].quantity", "code": "min_value", "message": "..."}],
     "details": {}}

``type`` is the family (validation_error, domain_error, authentication_error,
permission_denied, not_found, throttled, ...), ``code`` is stable and machine-readable
(``insufficient_stock``, ``return_window_expired``, ``insufficient_scope``), ``detail`` is
for people, ``errors`` names fields by their path in the request body, and ``details``
carries what a domain error knows (the short lines, the refusals).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core import exceptions as django_exceptions
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from omni.errors import DomainError

logger = logging.getLogger(__name__)

TYPE_FOR_EXCEPTION: list[tuple[type[Exception], str]] = [
    (exceptions.ValidationError, "validation_error"),
    (exceptions.ParseError, "parse_error"),
    (exceptions.AuthenticationFailed, "authentication_error"),
    (exceptions.NotAuthenticated, "authentication_error"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "throttled"),
]


class ApiError(exceptions.APIException):
    """An error the API layer itself raises with a chosen status, type and code (e.g. a
    reused idempotency key, a batch with failing rows)."""

    def __init__(
        self,
        detail: str,
        *,
        code: str,
        status_code: int,
        type: str = "domain_error",
        errors: list[dict[str, str | None]] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail, code)
        self.status_code = status_code
        self.type = type
        self.code = code
        self.errors = errors or []
        self.details = details or {}


def error_body(
    *,
    type: str,
    code: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "type": type,
        "code": code,
        "detail": detail,
        "errors": errors or [],
        "details": details or {},
    }


class LenientJSONEncoder(DjangoJSONEncoder):
    """Django's encoder (dates, Decimals, UUIDs), and anything else as its text."""

    def default(self, o: Any) -> Any:
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def _json_safe(value: Any) -> Any:
    """Domain errors carry Decimals, dates and ids; the body must be plain JSON."""
    try:
        return json.loads(json.dumps(value, cls=LenientJSONEncoder))
    except ValueError:
        return str(value)


def _join(path: str, key: Any) -> str:
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        return f"{path}[{key}]"
    if key in ("non_field_errors", "__all__"):
        return path
    return f"{path}.{key}" if path else str(key)


def flatten_errors(detail: Any, path: str = "") -> list[dict[str, Any]]:
    """DRF's nested error detail as a flat list, each with the field's path in the body
    ("lines[2].quantity"; None for errors about the whole body)."""
    found: list[dict[str, Any]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            found += flatten_errors(value, _join(path, key))
    elif isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            for item in detail:
                found += flatten_errors(item, path)
        else:
            for index, item in enumerate(detail):
                found += flatten_errors(item, _join(path, index))
    elif detail:
        found.append(
            {
                "field": path or None,
                "code": getattr(detail, "code", None) or "invalid",
                "message": str(detail),
            }
        )
    return found


def _domain_status(error: DomainError) -> int:
    code = getattr(error, "http_status", 409)
    return code if isinstance(code, int) and 400 <= code <= 599 else 409


def _domain_response(error: DomainError) -> Response:
    details = _json_safe(error.details or {})
    if not isinstance(details, dict):
        details = {"value": details}
    field = details.get("field") if isinstance(details.get("field"), str) else None
    errors = [{"field": field, "code": error.code, "message": error.message}] if field else []
    return Response(
        error_body(
            type="domain_error",
            code=error.code,
            detail=error.message,
            errors=errors,
            details=details,
        ),
        status=_domain_status(error),
    )


def _code_of(exc: exceptions.APIException, fallback: str) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    return fallback


def _api_exception_response(exc: exceptions.APIException) -> Response:
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(max(int(exc.wait + 0.999), 1))
    if isinstance(exc, ApiError):
        body = error_body(
            type=exc.type,
            code=exc.code,
            detail=str(exc.detail),
            errors=exc.errors,
            details=_json_safe(exc.details),
        )
        return Response(body, status=exc.status_code, headers=headers)
    family = next((t for cls, t in TYPE_FOR_EXCEPTION if isinstance(exc, cls)), "error")
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        body = error_body(
            type="validation_error",
            code="invalid",
            detail=(
                errors[0]["message"]
                if len(errors) == 1 and errors[0]["field"] is None
                else _("Some fields are not valid; see errors.")
            ),
            errors=errors,
        )
        return Response(body, status=status.HTTP_400_BAD_REQUEST, headers=headers)
    default = exc.default_code if isinstance(exc.default_code, str) else "error"
    body = error_body(type=family, code=_code_of(exc, default), detail=str(exc.detail))
    return Response(body, status=exc.status_code, headers=headers)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every exception a view lets out becomes the
    one error body. Domain errors keep their own status (409/422/404/400...) and code; a
    bug is still a 500, but in the same shape (and logged with its traceback)."""
    if isinstance(exc, DomainError):
        return _domain_response(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, django_exceptions.PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, django_exceptions.ValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    if isinstance(exc, exceptions.APIException):
        return _api_exception_response(exc)
    if isinstance(exc, IntegrityError):
        # A constraint caught a race the service did not foresee: a conflict, not a crash.
        logger.warning("api: integrity error answered as 409: %r", exc)
        return Response(
            error_body(
                type="domain_error",
                code="conflict",
                detail=_("The request conflicts with the current state; retry it."),
            ),
            status=status.HTTP_409_CONFLICT,
        )
    logger.exception("api: unhandled error", exc_info=exc)
    return Response(
        error_body(type="server_error", code="server_error", detail=_("Something went wrong.")),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


# --- the error body in the OpenAPI schema (the "Error" component) -------------------------

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every failure answers with this body.",
    "required": ["type", "code", "detail", "errors", "details"],
    "properties": {
        "type": {
            "type": "string",
            "description": "validation_error, domain_error, authentication_error, "
            "permission_denied, not_found, throttled, ...",
        },
        "code": {
            "type": "string",
            "description": "Stable and machine-readable: invalid, insufficient_stock, "
            "return_window_expired, insufficient_scope, location_not_allowed, ...",
        },
        "detail": {"type": "string", "description": "For people"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {
                    "field": {
                        "type": "string",
                        "nullable": True,
                        "description": 'Path in the request, e.g. "lines[2].quantity"',
                    },
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
        "details": {
            "type": "object",
            "additionalProperties": {},
            "description": "What a domain error knows (the short lines, the refusals...)",
        },
    },
}
