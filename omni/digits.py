"""Native digits: a quantity, a postcode, a phone number, a pickup code or a card number
typed with Persian (۰-۹), Arabic-Indic (٠-٩) or Thai (๐-๙) digits means the same as with
ASCII digits, and is stored with ASCII digits.

One rule, applied at the input layer so every form and every API body gets it without a
field of its own: a value is a *code* when every character in it outside ASCII is a digit
(or an Arabic decimal or thousands separator), e.g. ``۱۲``, ``+۶۶ ๘๑ ๒๓๔ ๕๖๗๘``,
``PU-۴۸۲۱``; a code's digits become ASCII. Text with letters of another script (a note
written in Persian that mentions "۳ پیراهن") is left exactly as typed, and so are
passwords.

- ``NativeDigitsMiddleware`` (settings.MIDDLEWARE, after the input guard): the query
  string and form posts.
- ``omni.api.parsers.SafeJSONParser`` calls ``codes_normalised`` on JSON bodies.
- ``ascii_digits`` for anything else (a management command, an import).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict

# Arabic decimal and thousands separators (U+066B, U+066C) as typed on a Persian keyboard.
_SEPARATORS = {"\u066b": ".", "\u066c": ","}
# Fields never rewritten: a password is a secret exactly as typed.
_LEFT_ALONE = ("password", "csrfmiddlewaretoken")


def _ascii_digit(char: str) -> str | None:
    if char.isascii():
        return char
    if char in _SEPARATORS:
        return _SEPARATORS[char]
    value = unicodedata.decimal(char, None)
    return str(value) if value is not None else None


def ascii_digits(text: str) -> str:
    """Every decimal digit of any script in ``text`` as its ASCII digit (``۱۲۳`` → ``123``,
    ``๑๒`` → ``12``); everything else unchanged."""
    if text.isascii():
        return text
    return "".join(_ascii_digit(char) or char for char in text)


def code_normalised(text: str) -> str:
    """``text`` with ASCII digits when it is a code (nothing outside ASCII but digits and
    separators), else ``text`` unchanged."""
    if text.isascii():
        return text
    converted = [_ascii_digit(char) for char in text]
    if any(char is None for char in converted):
        return text  # letters of another script: free text, kept as typed
    return "".join(converted)  # type: ignore[arg-type]


def codes_normalised(value: Any) -> Any:
    """A parsed JSON body with every code string normalised (keys and structure kept)."""
    if isinstance(value, str):
        return code_normalised(value)
    if isinstance(value, list):
        return [codes_normalised(item) for item in value]
    if isinstance(value, dict):
        return {
            key: item if _left_alone(key) else codes_normalised(item) for key, item in value.items()
        }
    return value


def _left_alone(key: Any) -> bool:
    return isinstance(key, str) and any(word in key.lower() for word in _LEFT_ALONE)


def _query_dict_normalised(data: QueryDict) -> QueryDict | None:
    """A copy of ``data`` with its codes normalised, or None when nothing changes."""
    changed = False
    result = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        if _left_alone(key):
            result.setlist(key, values)
            continue
        new = [code_normalised(value) for value in values]
        changed = changed or new != values
        result.setlist(key, new)
    if not changed:
        return None
    result._mutable = False
    return result


FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class NativeDigitsMiddleware:
    """Native digits in the query string and in form posts become ASCII digits."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.META.get("QUERY_STRING"):
            normalised = _query_dict_normalised(request.GET)
            if normalised is not None:
                request.GET = normalised
        if request.method in ("POST", "PUT", "PATCH") and request.content_type in (
            FORM_CONTENT_TYPES
        ):
            normalised = _query_dict_normalised(request.POST)
            if normalised is not None:
                request.POST = normalised
        return self.get_response(request)
