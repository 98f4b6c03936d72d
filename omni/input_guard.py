"""Refuse input no person means to send, before any view sees it.

A NUL byte cannot be stored or compared by PostgreSQL (psycopg raises on it), and the
other C0 control characters are never typed into a search box or a form; left alone they
turned a search, a back-office lookup or an admin search into a 500. This middleware
answers such a request with a 400 and a clear message, once for every surface
(storefront, back-office, admin, API), so no view has to remember it:

- the path, every query-string key and value, and every form field (urlencoded and
  multipart; file contents are not read) may hold tab, line feed and carriage return but
  no other control character (U+0000–U+001F, U+007F);
- a query-string value is at most ``OMNI_MAX_QUERY_VALUE_LENGTH`` characters (search
  words, codes, cursors and filters are short; ten thousand characters is never a search);
- a search box (``q``) holds at most ``OMNI_MAX_SEARCH_WORDS`` words: the admin's search
  turns every word into its own OR over the search fields, so a few hundred words made
  one query that took seconds to plan.

JSON bodies are checked by the API's parser (``omni.api.parsers``), which also bounds
their depth and size. The API answers in its one error body; other surfaces get a small
page. This module is ground floor: it imports no domain app.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

# Tab, LF and CR are what a textarea legitimately sends; every other C0 control and DEL
# is refused.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def _max_query_value_length() -> int:
    return int(getattr(settings, "OMNI_MAX_QUERY_VALUE_LENGTH", 4096))


def _max_search_words() -> int:
    return int(getattr(settings, "OMNI_MAX_SEARCH_WORDS", 32))


def _first_bad_item(items: Iterable[tuple[str, list[str]]]) -> str | None:
    for key, values in items:
        if has_control_characters(key):
            return key
        for value in values:
            if has_control_characters(value):
                return key
    return None


def _too_long(items: Iterable[tuple[str, list[str]]], limit: int) -> str | None:
    for key, values in items:
        if len(key) > limit or any(len(value) > limit for value in values):
            return key
    return None


class InputGuardMiddleware:
    """Answer 400 for control characters in the path, the query string or form fields,
    and for an over-long query-string value."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self.refusal(request)
        if refusal is not None:
            code, message, field = refusal
            clean = CONTROL_CHARACTERS.sub("", field)[:50] if field is not None else None
            return refused(request, code, message, clean)
        return self.get_response(request)

    def refusal(self, request: HttpRequest) -> tuple[str, str, str | None] | None:
        """(code, message, field) for a request to refuse, else None."""
        if has_control_characters(request.path):
            return (
                "invalid_characters",
                _("The address contains control characters, which are not allowed."),
                None,
            )
        query = list(request.GET.lists())
        field = _first_bad_item(query)
        if field is not None:
            return (
                "invalid_characters",
                _("“%(field)s” contains control characters (such as NUL), which are not allowed.")
                % {"field": CONTROL_CHARACTERS.sub("", field)[:50]},
                field,
            )
        limit = _max_query_value_length()
        field = _too_long(query, limit)
        if field is not None:
            return (
                "too_long",
                _("“%(field)s” is too long: at most %(limit)s characters.")
                % {"field": CONTROL_CHARACTERS.sub("", field)[:50], "limit": limit},
                field,
            )
        words = _max_search_words()
        if any(len(value.split()) > words for value in request.GET.getlist("q")):
            return (
                "too_many_words",
                _("Search for at most %(words)s words at a time.") % {"words": words},
                "q",
            )
        if request.method in ("POST", "PUT", "PATCH") and request.content_type in (
            FORM_CONTENT_TYPES
        ):
            field = _first_bad_item(request.POST.lists())
            if field is not None:
                return (
                    "invalid_characters",
                    _(
                        "“%(field)s” contains control characters (such as NUL), "
                        "which are not allowed."
                    )
                    % {"field": CONTROL_CHARACTERS.sub("", field)[:50]},
                    field,
                )
        return None


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def refused(request: HttpRequest, code: str, message: str, field: str | None) -> HttpResponse:
    """The 400 answer: the API's one error body for ``/api/``, a small page elsewhere."""
    if _is_api(request):
        # The same shape as omni.api.errors.error_body (the API framework sits above the
        # ground floor, so the shape is written out here).
        return JsonResponse(
            {
                "type": "validation_error",
                "code": code,
                "detail": message,
                "errors": [{"field": field, "code": code, "message": message}] if field else [],
                "details": {},
            },
            status=400,
        )
    if request.headers.get("HX-Request") == "true":
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    return HttpResponse(
        render_to_string("400.html", {"message": message}, request=None),
        status=400,
    )
