"""Cursor (keyset) pagination with a stable order.

Each list orders by a unique key — ``(updated_at, id)`` for resources an integration
syncs, ``id`` for append-only ledgers — and the cursor carries the last row's values of
that key, so the next page is ``WHERE (updated_at, id) > (…)``: an index range, however
deep the page, and no row is skipped or repeated when rows are added meanwhile. Combined
with ``updated_since`` a client syncs by following ``next`` until it is null and keeping
the last row's ``updated_at``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def _encode(values: Sequence[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, dt.datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _invalid_cursor() -> exceptions.ValidationError:
    return exceptions.ValidationError(
        {"cursor": [exceptions.ErrorDetail(_("This cursor is not valid."), code="invalid_cursor")]}
    )


class KeysetCursorPagination(BasePagination):
    """``?cursor=`` and ``?page_size=`` (1–200, default 50). Views set ``ordering`` to a
    tuple of fields ending in a unique one (ascending)."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    default_ordering: tuple[str, ...] = ("id",)

    def _ordering(self, view) -> tuple[str, ...]:
        return tuple(getattr(view, "ordering", None) or self.default_ordering)

    def _page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return DEFAULT_PAGE_SIZE
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        exceptions.ErrorDetail(
                            _("A whole number from 1 to %(max)d.") % {"max": MAX_PAGE_SIZE},
                            code="invalid",
                        )
                    ]
                }
            )
        return size

    def _decode(self, raw: str, ordering: tuple[str, ...], queryset: QuerySet) -> list[Any]:
        try:
            padded = raw + "=" * (-len(raw) % 4)
            values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        except (binascii.Error, ValueError, UnicodeError):
            raise _invalid_cursor() from None
        if not isinstance(values, list) or len(values) != len(ordering):
            raise _invalid_cursor()
        decoded = []
        for field, value in zip(ordering, values, strict=True):
            model_field = queryset.model._meta.get_field(field)
            if model_field.get_internal_type() == "DateTimeField":
                try:
                    parsed = parse_datetime(value) if isinstance(value, str) else None
                    parsed = parsed.astimezone(dt.UTC) if parsed and parsed.tzinfo else None
                except (ValueError, OverflowError):
                    parsed = None
                if parsed is None:
                    raise _invalid_cursor()
                decoded.append(parsed)
            elif isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63:
                decoded.append(value)
            else:
                raise _invalid_cursor()
        return decoded

    @staticmethod
    def _after(ordering: tuple[str, ...], values: list[Any]) -> Q:
        """Rows strictly after ``values`` in ``ordering``: (a > x) or (a = x and b > y)..."""
        condition = Q()
        for depth in range(len(ordering)):
            step = Q(**{f"{ordering[depth]}__gt": values[depth]})
            for field, value in zip(ordering[:depth], values[:depth], strict=True):
                step &= Q(**{field: value})
            condition |= step
        return condition

    def paginate_queryset(self, queryset, request, view=None):
        ordering = self._ordering(view)
        size = self._page_size(request)
        queryset = queryset.order_by(*ordering)
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor:
            queryset = queryset.filter(
                self._after(ordering, self._decode(cursor, ordering, queryset))
            )
        rows = list(queryset[: size + 1])
        self._has_next = len(rows) > size
        rows = rows[:size]
        self._next_cursor = (
            _encode([getattr(rows[-1], field) for field in ordering])
            if self._has_next and rows
            else None
        )
        self._request = request
        return rows

    def get_next_link(self) -> str | None:
        if not self._next_cursor:
            return None
        url = self._request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self._next_cursor)

    def get_paginated_response(self, data):
        return Response(
            {"next": self.get_next_link(), "next_cursor": self._next_cursor, "results": data}
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "next_cursor", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page; null on the last page",
                },
                "next_cursor": {"type": "string", "nullable": True},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The `next_cursor` of the previous page",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page, 1–{MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE})",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
