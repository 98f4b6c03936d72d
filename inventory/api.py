"""API: stock levels and the ledger (read), adjustments and counts (write), and
nearest-store availability — every write through ``inventory.services``, every read
through ``inventory.selectors`` (the same reads the product page and the back-office use).

Counts come from a POS or a WMS in batches of up to 1,000 rows, applied all or nothing:
SKUs and location codes are resolved in two queries for the whole batch, then
``inventory.services.stock_cycle_count_many`` checks every row and applies them in one
locking read (stock primary-key order: overlapping batches cannot deadlock), one UPDATE
and one insert of movements. One failing row rejects the batch and every failing row is
reported with its path (``rows[17].counted``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext, ngettext
from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog.models import Variant
from inventory import selectors, services
from inventory.errors import CountRejected, UnknownLocation, UnknownVariant
from inventory.models import Stock, StockMovement
from omni.api.errors import ApiError, flatten_errors
from omni.api.idempotency import idempotent
from omni.api.permissions import ensure_locations_allowed
from omni.api.viewsets import (
    ApiViewSet,
    CommaSeparatedField,
    IdField,
    ListModelMixin,
    UpdatedSinceFilter,
)
from omni.models import ApiScope
from stores import selectors as store_selectors
from stores.models import Location

MAX_COUNT_ROWS = 1000
MAX_QUANTITY = 1_000_000
RECEIVE = "receive"
ADJUST_REASONS = sorted([RECEIVE, *services.ADJUST_REASONS])


def _field_error(field: str, message: str, code: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({field: [exceptions.ErrorDetail(message, code=code)]})


# --- stock levels -----------------------------------------------------------------------------


class StockSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="variant.sku")
    product_id = serializers.IntegerField(source="variant.product_id")
    location = serializers.CharField(source="location.code", help_text="Location code")
    salable = serializers.IntegerField(
        help_text="What may still be promised: on hand − reserved − safety stock, at least 0"
    )

    class Meta:
        model = Stock
        fields = [
            "id",
            "variant_id",
            "sku",
            "product_id",
            "location",
            "on_hand",
            "reserved",
            "salable",
            "safety_stock",
            "updated_at",
        ]
        read_only_fields = fields


class StockFilter(UpdatedSinceFilter):
    sku = CommaSeparatedField(required=False, help_text="One or more SKUs, comma-separated")
    location = CommaSeparatedField(
        required=False, child=serializers.CharField(max_length=20), help_text="Location codes"
    )
    variant = IdField(required=False, help_text="Variant id")
    product = IdField(required=False, help_text="Product id")


class MovementSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="variant.sku")
    location = serializers.CharField(source="location.code")

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "variant_id",
            "sku",
            "location",
            "delta",
            "on_hand_after",
            "reason",
            "note",
            "actor",
            "reference_type",
            "reference_id",
            "created_at",
        ]
        read_only_fields = fields


class MovementFilter(serializers.Serializer):
    sku = CommaSeparatedField(required=False)
    location = CommaSeparatedField(required=False, child=serializers.CharField(max_length=20))
    created_since = serializers.DateTimeField(required=False)


class AdjustmentSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=100, help_text="SKU or barcode")
    location = serializers.CharField(max_length=20, help_text="Location code")
    delta = serializers.IntegerField(
        min_value=-MAX_QUANTITY,
        max_value=MAX_QUANTITY,
        help_text="Units added (positive) or taken away (negative)",
    )
    reason = serializers.ChoiceField(
        choices=ADJUST_REASONS,
        help_text="receive (goods in), count, damage, theft, correction, write_off "
        "(damage, theft and write-off only take away)",
    )
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    reference = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="Your document number (delivery note, count sheet)",
    )

    def validate_delta(self, value: int) -> int:
        if value == 0:
            raise serializers.ValidationError(
                gettext("Change stock by at least one unit."), code="zero"
            )
        return value

    def validate(self, attrs):
        if attrs["reason"] == RECEIVE and attrs["delta"] < 0:
            raise _field_error(
                "delta", gettext("A receipt adds stock: use a positive delta."), "sign"
            )
        return attrs


class CountRowSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=100, help_text="SKU or barcode")
    location = serializers.CharField(
        max_length=20, required=False, help_text="Location code (default: the batch's)"
    )
    counted = serializers.IntegerField(
        min_value=0, max_value=MAX_QUANTITY, help_text="Units on the shelf"
    )


class CountBatchSerializer(serializers.Serializer):
    location = serializers.CharField(
        max_length=20, required=False, help_text="Location code of every row that names none"
    )
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    rows = CountRowSerializer(many=True, allow_empty=False, max_length=MAX_COUNT_ROWS)


class CountResultRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Index of the row in the request")
    sku = serializers.CharField()
    location = serializers.CharField()
    movement_id = serializers.IntegerField()
    delta = serializers.IntegerField()
    on_hand = serializers.IntegerField()


class CountResultSerializer(serializers.Serializer):
    rows = serializers.IntegerField(help_text="Rows in the batch")
    changed = serializers.IntegerField(help_text="Rows whose on-hand changed")
    unchanged = serializers.IntegerField(help_text="Rows that matched the system already")
    movements = CountResultRowSerializer(many=True)


def _resolve_rows(rows: list[dict[str, Any]], default_location: str | None):
    """Variant and location ids of every row, in two queries for the whole batch; the
    per-row errors of what does not resolve (unknown SKU or location, a row twice)."""
    codes = {row["sku"] for row in rows}
    variants: dict[str, int] = {}
    for pk, sku, barcode in Variant.objects.filter(
        Q(sku__in=codes) | Q(barcode__in=codes)
    ).values_list("pk", "sku", "barcode"):
        variants[sku] = pk
        if barcode:
            variants.setdefault(barcode, pk)
    location_codes = {row.get("location") or default_location for row in rows} - {None}
    locations = dict(Location.objects.filter(code__in=location_codes).values_list("code", "pk"))
    errors: dict[int, dict[str, list]] = defaultdict(dict)
    resolved: list[tuple[int, int, int, dict]] = []
    seen: dict[tuple[int, int], int] = {}
    for index, row in enumerate(rows):
        code = row.get("location") or default_location
        variant_id = variants.get(row["sku"])
        location_id = locations.get(code) if code else None
        if variant_id is None:
            errors[index]["sku"] = [
                exceptions.ErrorDetail(
                    gettext("Unknown SKU “%(sku)s”.") % {"sku": row["sku"]}, code="unknown_variant"
                )
            ]
        if code is None:
            errors[index]["location"] = [
                exceptions.ErrorDetail(
                    gettext("Name the location (here or for the batch)."), "required"
                )
            ]
        elif location_id is None:
            errors[index]["location"] = [
                exceptions.ErrorDetail(
                    gettext("Unknown location “%(code)s”.") % {"code": code},
                    code="unknown_location",
                )
            ]
        if variant_id is None or location_id is None:
            continue
        if (variant_id, location_id) in seen:
            errors[index]["sku"] = [
                exceptions.ErrorDetail(
                    gettext("Counted twice (also row %(row)s).")
                    % {"row": seen[(variant_id, location_id)]},
                    code="duplicate_row",
                )
            ]
            continue
        seen[(variant_id, location_id)] = index
        resolved.append((index, variant_id, location_id, {**row, "location": code}))
    return resolved, dict(errors)


@extend_schema_view(
    list=extend_schema(
        summary="Stock per variant and location",
        description="On hand, reserved and salable (what the web may still promise).",
        parameters=[StockFilter],
    ),
)
class StockViewSet(ListModelMixin, ApiViewSet):
    serializer_class = StockSerializer
    filter_serializer_class = StockFilter
    required_scopes = {
        "list": ApiScope.STOCK_READ,
        "movements": ApiScope.STOCK_READ,
        "adjust": ApiScope.STOCK_WRITE,
        "count": ApiScope.STOCK_WRITE,
    }

    def get_queryset(self):
        return selectors.stock_list()

    def apply_filters(self, queryset, filters):
        if filters.get("sku"):
            queryset = queryset.filter(variant__sku__in=filters["sku"])
        if filters.get("location"):
            queryset = queryset.filter(location__code__in=filters["location"])
        if filters.get("variant"):
            queryset = queryset.filter(variant_id=filters["variant"])
        if filters.get("product"):
            queryset = queryset.filter(variant__product_id=filters["product"])
        return queryset

    @extend_schema(
        summary="The stock ledger",
        description="Every change of on-hand, oldest first (append-only; page with `next`).",
        parameters=[MovementFilter],
        responses={200: MovementSerializer(many=True)},
    )
    @action(detail=False, methods=["get"])
    def movements(self, request):
        filters = MovementFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        queryset = selectors.stock_movements()
        if values.get("sku"):
            queryset = queryset.filter(variant__sku__in=values["sku"])
        if values.get("location"):
            queryset = queryset.filter(location__code__in=values["location"])
        if values.get("created_since"):
            queryset = queryset.filter(created_at__gte=values["created_since"])
        self.ordering = ("id",)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(MovementSerializer(page, many=True).data)

    @extend_schema(
        summary="Adjust stock (append-only, with a reason)",
        description="Goods received, or a correction for a reason. Writes one ledger row. "
        "A key bound to locations may only adjust those.",
        request=AdjustmentSerializer,
        responses={201: MovementSerializer},
    )
    @action(detail=False, methods=["post"], url_path="adjustments")
    @idempotent
    def adjust(self, request):
        data = self.input(AdjustmentSerializer)
        ensure_locations_allowed(request, [data["location"]])
        try:
            variant_id = selectors.variant_id_for_sku(sku=data["sku"])
        except UnknownVariant:
            raise _field_error(
                "sku", gettext("Unknown SKU “%(sku)s”.") % {"sku": data["sku"]}, "unknown_variant"
            ) from None
        try:
            location_id = selectors.location_id_for_code(code=data["location"])
        except UnknownLocation:
            raise _field_error(
                "location",
                gettext("Unknown location “%(code)s”.") % {"code": data["location"]},
                "unknown_location",
            ) from None
        common = {
            "variant_id": variant_id,
            "location_id": location_id,
            "note": data["note"],
            "actor": self.actor(),
            "reference": ("api.reference", data["reference"]) if data["reference"] else None,
        }
        if data["reason"] == RECEIVE:
            entry = services.stock_receive(quantity=data["delta"], **common)
        else:
            entry = services.stock_adjust(delta=data["delta"], reason=data["reason"], **common)
        entry = selectors.stock_movements().get(pk=entry.pk)
        return Response(MovementSerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Apply a stock count (up to 1,000 rows, all or nothing)",
        description=(
            "Absolute on-hand figures counted by a POS or a WMS. Each row sets on-hand to "
            "`counted` and writes the difference to the ledger (reason cycle_count). The "
            "batch is applied in one transaction: if any row fails (unknown SKU, fewer "
            "units than are reserved...), nothing is applied and every failing row is "
            "listed in `errors` with its path, e.g. `rows[17].sku`."
        ),
        request=CountBatchSerializer,
        responses={200: CountResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="counts")
    @idempotent
    def count(self, request):
        data = self.input(CountBatchSerializer)
        rows = data["rows"]
        default_location = data.get("location")
        ensure_locations_allowed(
            request, {row.get("location") or default_location for row in rows} - {None}
        )
        resolved, errors = _resolve_rows(rows, default_location)
        if errors:
            raise exceptions.ValidationError({"rows": errors})
        # One batch service call: one locking read in stock primary-key order, one UPDATE,
        # one insert of movements; every failing row reported, nothing applied.
        try:
            movements = services.stock_cycle_count_many(
                rows=[
                    services.CountLine(variant_id, location_id, row["counted"])
                    for _, variant_id, location_id, row in resolved
                ],
                actor=self.actor(),
                note=data["note"] or "Count received through the API",
            )
        except CountRejected as rejected:
            failures = {
                resolved[position][0]: {
                    "counted": [exceptions.ErrorDetail(error["message"], code=error["code"])]
                }
                for position, error in rejected.details["rows"].items()
            }
            raise ApiError(
                rejected.message,
                code=rejected.code,
                status_code=status.HTTP_409_CONFLICT,
                errors=flatten_errors({"rows": dict(sorted(failures.items()))}),
            ) from None
        applied = [
            {
                "row": index,
                "sku": row["sku"],
                "location": row["location"],
                "movement_id": entry.pk,
                "delta": entry.delta,
                "on_hand": entry.on_hand_after,
            }
            for (index, _, _, row), entry in zip(resolved, movements, strict=True)
            if entry is not None
        ]
        applied.sort(key=lambda item: item["row"])
        result = {
            "rows": len(rows),
            "changed": len(applied),
            "unchanged": len(rows) - len(applied),
            "movements": applied,
        }
        return Response(CountResultSerializer(result).data)


# --- availability -----------------------------------------------------------------------------


class AvailabilityQuery(serializers.Serializer):
    sku = CommaSeparatedField(max_length=50, help_text="SKUs or barcodes, comma-separated")
    store = serializers.CharField(max_length=20, required=False, help_text="Store code")
    postcode = serializers.CharField(
        max_length=20,
        required=False,
        help_text="Postcode in `country` (the shop's country by default): 10110, 1000, 1193653471",
    )
    country = serializers.CharField(
        min_length=2,
        max_length=2,
        required=False,
        help_text="ISO 3166-1 alpha-2 country of the postcode; default: the shop's country",
    )
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False
    )

    def validate(self, attrs):
        point = ("latitude" in attrs) + ("longitude" in attrs)
        given = ("store" in attrs) + ("postcode" in attrs) + (point == 2)
        if point == 1:
            raise serializers.ValidationError(
                gettext("Give both latitude and longitude."), code="incomplete_point"
            )
        if given != 1:
            raise serializers.ValidationError(
                gettext("Give exactly one of: store, postcode, or latitude and longitude."),
                code="one_origin",
            )
        return attrs


class NearbySerializer(serializers.Serializer):
    location = serializers.CharField(source="location.code", help_text="Location code")
    name = serializers.CharField(source="location.name")
    quantity = serializers.IntegerField()
    distance_km = serializers.DecimalField(max_digits=8, decimal_places=2)


class VariantAvailabilitySerializer(serializers.Serializer):
    sku = serializers.CharField()
    variant_id = serializers.IntegerField()
    here = serializers.IntegerField(help_text="Salable units at the store")
    low_stock = serializers.BooleanField(help_text="Only a few left at the store")
    nearby = NearbySerializer(many=True, help_text="The nearest other locations that have it")


class StoreRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    distance_km = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True, help_text="From the point asked about"
    )


# One object (the store and a row per SKU), not a list, though it answers the list route.
@extend_schema_serializer(many=False)
class AvailabilitySerializer(serializers.Serializer):
    store = StoreRefSerializer()
    results = VariantAvailabilitySerializer(many=True)


def _store_for(query: dict[str, Any]) -> tuple[Location, Any]:
    if "store" in query:
        store = Location.objects.filter(
            code=query["store"], kind=Location.Kind.STORE, is_active=True
        ).first()
        if store is None:
            raise _field_error(
                "store",
                gettext("No open store “%(code)s”.") % {"code": query["store"]},
                "unknown_location",
            )
        return store, None
    if "postcode" in query:
        nearest = store_selectors.locations_nearest_to_postcode(
            postcode=query["postcode"],
            country=query.get("country") or None,
            kind=Location.Kind.STORE,
            limit=1,
        )
        if nearest is None:
            raise _field_error("postcode", gettext("Unknown postcode."), "unknown_postcode")
    else:
        nearest = store_selectors.locations_nearest_to_point(
            latitude=query["latitude"],
            longitude=query["longitude"],
            kind=Location.Kind.STORE,
            limit=1,
        )
    if not nearest:
        raise exceptions.NotFound(gettext("There is no open store."))
    return nearest[0].location, nearest[0].distance_km


@extend_schema_view(
    list=extend_schema(
        summary="Nearest-store availability of SKUs",
        description=(
            "For a store (or the store nearest a postcode or a point): salable units there "
            "and the nearest other locations that have each SKU, with distances — the same "
            "precomputed read the product page uses (refreshed shortly after each stock "
            "change)."
        ),
        parameters=[AvailabilityQuery],
        responses={200: AvailabilitySerializer},
    )
)
class AvailabilityViewSet(ApiViewSet):
    required_scopes = {"list": ApiScope.STOCK_READ}
    pagination_class = None

    def list(self, request):
        query = AvailabilityQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        store, distance = _store_for(values)
        codes = values["sku"]
        variants = {
            code: variant
            for variant in Variant.objects.filter(Q(sku__in=codes) | Q(barcode__in=codes)).only(
                "pk", "sku", "barcode", "product_id"
            )
            for code in (variant.sku, variant.barcode)
            if code in codes
        }
        unknown = [code for code in codes if code not in variants]
        if unknown:
            raise _field_error(
                "sku",
                ngettext("Unknown SKU: %(skus)s.", "Unknown SKUs: %(skus)s.", len(unknown))
                % {"skus": ", ".join(unknown)},
                "unknown_variant",
            )
        per_product = {
            product_id: selectors.availability_for_product(product_id=product_id, store_id=store.pk)
            for product_id in sorted({v.product_id for v in variants.values()})
        }
        results = []
        for code in dict.fromkeys(codes):
            variant = variants[code]
            found = per_product[variant.product_id].for_variant(variant.pk)
            results.append(
                {
                    "sku": variant.sku,
                    "variant_id": variant.pk,
                    "here": found.here,
                    "low_stock": found.low_stock,
                    "nearby": [
                        {
                            "location": source.location,
                            "quantity": source.quantity,
                            "distance_km": source.distance_km,
                        }
                        for source in found.nearby
                    ],
                }
            )
        body = {
            "store": {"code": store.code, "name": store.name, "distance_km": distance},
            "results": results,
        }
        return Response(AvailabilitySerializer(body).data)
