"""The API's one JSON parser: a body is at most ``OMNI_API_MAX_BODY_BYTES`` long, nested at
most ``OMNI_API_MAX_JSON_DEPTH`` levels, and holds no control character in a key or a
string (tab, LF and CR excepted). Anything else is a 400 ``parse_error`` that says which
limit it broke — never a RecursionError (a body nested 3,000 levels deep used to be a 500).
"""

from __future__ import annotations

import codecs
import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.parsers import JSONParser

from omni.api.errors import ApiError
from omni.digits import codes_normalised
from omni.input_guard import has_control_characters


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


class BodyRefused(ApiError):
    """A JSON body the API will not read: 400 ``parse_error`` with a stable code and, when
    one value is to blame, its path in the body ("lines[0].sku") in ``errors``."""

    def __init__(self, detail: str, code: str, *, field: str | None = None) -> None:
        super().__init__(
            detail,
            code=code,
            status_code=400,
            type="parse_error",
            errors=[{"field": field, "code": code, "message": detail}] if field else [],
        )


def _path(parent: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def json_checked(value: Any, *, max_depth: int) -> None:
    """Walk a parsed body without recursion; raise BodyRefused when it is deeper than
    ``max_depth`` or a key or string holds a control character."""
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        item, depth, path = stack.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                raise BodyRefused(
                    _("The JSON body is nested too deeply (at most %(max)d levels).")
                    % {"max": max_depth},
                    "too_deep",
                )
            if isinstance(item, dict):
                for key, child in item.items():
                    if has_control_characters(key):
                        raise BodyRefused(
                            _(
                                "A key in the JSON body contains control characters "
                                "(such as NUL), which are not allowed."
                            ),
                            "invalid_characters",
                            field=path or None,
                        )
                    stack.append((child, depth + 1, _path(path, key)))
            else:
                stack.extend(
                    (child, depth + 1, _path(path, index)) for index, child in enumerate(item)
                )
        elif isinstance(item, str) and has_control_characters(item):
            if path:
                message = _(
                    "“%(path)s” contains control characters (such as NUL), which are not allowed."
                ) % {"path": path}
            else:
                message = _(
                    "The body contains control characters (such as NUL), which are not allowed."
                )
            raise BodyRefused(
                message,
                "invalid_characters",
                field=path or None,
            )


class SafeJSONParser(JSONParser):
    """DRF's JSON parser with a size, depth and character check."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        max_bytes = _limit("OMNI_API_MAX_BODY_BYTES", 1_000_000)
        raw = stream.read(max_bytes + 1) if stream is not None else b""
        if len(raw) > max_bytes:
            raise BodyRefused(
                _("The JSON body is too large (at most %(max)d bytes).") % {"max": max_bytes},
                "too_large",
            )
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError):
            raise BodyRefused(_("The body is not valid UTF-8."), "parse_error") from None
        if not text.strip():
            raise BodyRefused(_("The JSON body is empty."), "parse_error")
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError:
            max_depth = _limit("OMNI_API_MAX_JSON_DEPTH", 32)
            raise BodyRefused(
                _("The JSON body is nested too deeply (at most %(max)d levels).")
                % {"max": max_depth},
                "too_deep",
            ) from None
        except ValueError as error:
            raise BodyRefused(
                _("The body is not valid JSON: %(error)s") % {"error": error}, "parse_error"
            ) from None
        json_checked(data, max_depth=_limit("OMNI_API_MAX_JSON_DEPTH", 32))
        # Native digits in quantities, phones and codes become ASCII (omni/digits.py).
        return codes_normalised(data)


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are not JSON, and no amount or quantity can be one.
    raise ValueError(f"{name} is not allowed")
