"""The base every API viewset builds on, and the read mixins they share.

A viewset names the scope of each action (``required_scopes``), its list ordering (a
unique key, see ``pagination``) and, for lists, a ``filter_serializer_class`` that
validates the query string (a bad filter is a 400 with the parameter named, never a 500).
Writes are plain actions: validate with a serializer, call one service, serialize.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.response import Response

from omni.api.authentication import ApiClient
from omni.api.errors import LenientJSONEncoder

# Primary keys are 64-bit: a larger number cannot name a row (and would be a database
# error, not a 404, if it reached a query).
ID_MAX = 2**63 - 1


class IdField(serializers.IntegerField):
    """A row's id in a body or a query string: 1 to 2^63 − 1."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


class UpdatedSinceFilter(serializers.Serializer):
    updated_since = serializers.DateTimeField(
        required=False, help_text="Only rows changed at or after this time (ISO 8601)"
    )


class ApiViewSet(viewsets.GenericViewSet):
    required_scopes: dict[str, str] = {}
    ordering: tuple[str, ...] = ("updated_at", "id")
    filter_serializer_class: type[serializers.Serializer] | None = None
    # No OPTIONS introspection: the OpenAPI schema documents every operation.
    metadata_class = None
    # Any path segment reaches the view, so a malformed id is the API's 404, not Django's.
    lookup_value_regex = r"[^/]+"

    def get_object(self):
        """The row named in the URL; a value that cannot name one (not a number for an id,
        out of range, a NUL byte) is 404 before it reaches the database."""
        value = str(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, ""))
        is_id = (self.lookup_url_kwarg or self.lookup_field) in ("pk", "id")
        if "\x00" in value or (
            is_id and not (value.isascii() and value.isdigit() and 0 < int(value) <= ID_MAX)
        ):
            raise exceptions.NotFound(_("Not found."))
        return super().get_object()

    # --- helpers for actions ------------------------------------------------------------

    def actor(self) -> str:
        """How ledgers and timelines name the caller ("api:Springfield POS")."""
        user = self.request.user
        if isinstance(user, ApiClient):
            return user.actor
        return f"staff:{user.get_username()}"[:120]

    def filters(self) -> dict[str, Any]:
        if self.filter_serializer_class is None:
            return {}
        serializer = self.filter_serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action != "list":
            return queryset
        filters = self.filters()
        if filters.get("updated_since") is not None:
            queryset = queryset.filter(updated_at__gte=filters["updated_since"])
        return self.apply_filters(queryset, filters)

    def apply_filters(self, queryset: QuerySet, filters: dict[str, Any]) -> QuerySet:
        return queryset

    def input(self, serializer_class: type[serializers.Serializer], **context) -> dict[str, Any]:
        serializer = serializer_class(
            data=self.request.data, context={"request": self.request, "view": self, **context}
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def output(self, instance, serializer_class=None, *, status_code: int = status.HTTP_200_OK):
        serializer_class = serializer_class or self.get_serializer_class()
        data = serializer_class(instance, context=self.get_serializer_context()).data
        return Response(data, status=status_code)


class ListModelMixin:
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)


def etag_of(data: Any) -> str:
    raw = json.dumps(data, sort_keys=True, cls=LenientJSONEncoder)
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


class RetrieveModelMixin:
    """GET one row with an ``ETag`` of its representation; ``If-None-Match`` with the
    same tag answers 304 without a body."""

    def retrieve(self, request, *args, **kwargs):
        data = self.get_serializer(self.get_object()).data
        etag = etag_of(data)
        wanted = {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}
        if etag in wanted or f"W/{etag}" in wanted:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(data, headers={"ETag": etag})


class QueryBooleanField(serializers.BooleanField):
    """A yes/no query parameter that is simply absent when not given (DRF's BooleanField
    reads a missing HTML-form field as False)."""

    default_empty_html = serializers.empty


class CommaSeparatedField(serializers.ListField):
    """``?sku=A,B,C`` as a list (also ``?sku=A&sku=B``), at most ``max_length`` values."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.CharField(max_length=100))
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)

    def get_value(self, dictionary):
        if hasattr(dictionary, "getlist"):
            raw = dictionary.getlist(self.field_name)
            if not raw:
                return serializers.empty
            return [part.strip() for item in raw for part in item.split(",") if part.strip()]
        return super().get_value(dictionary)
