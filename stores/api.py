"""API: locations (stores and warehouses), looked up by their code."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from omni.api.viewsets import (
    ApiViewSet,
    ListModelMixin,
    QueryBooleanField,
    RetrieveModelMixin,
    UpdatedSinceFilter,
)
from omni.models import ApiScope
from stores.models import Location


class LocationSerializer(serializers.ModelSerializer):
    # Blank when unknown, so a plain string in the schema (not format: email).
    email = serializers.CharField(read_only=True)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6)
    opening_hours = serializers.DictField(
        child=serializers.ListField(child=serializers.ListField(child=serializers.CharField())),
        help_text='Open intervals per weekday: {"mon": [["09:00", "19:00"]], "sun": []}',
    )

    class Meta:
        model = Location
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "address_line1",
            "address_line2",
            "city",
            "region",
            "postcode",
            "country",
            "latitude",
            "longitude",
            "timezone",
            "phone",
            "email",
            "opening_hours",
            "ships_online_orders",
            "offers_pickup",
            "accepts_returns",
            "is_active",
            "updated_at",
        ]
        read_only_fields = fields


class LocationFilter(UpdatedSinceFilter):
    kind = serializers.ChoiceField(choices=Location.Kind.choices, required=False)
    offers_pickup = QueryBooleanField(required=False)
    accepts_returns = QueryBooleanField(required=False)
    ships_online_orders = QueryBooleanField(required=False)


@extend_schema_view(
    list=extend_schema(
        summary="List locations",
        description="Stores and warehouses, inactive ones included (for sync).",
        parameters=[LocationFilter],
    ),
    retrieve=extend_schema(
        summary="A location by its code",
        parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH)],
    ),
)
class LocationViewSet(ListModelMixin, RetrieveModelMixin, ApiViewSet):
    serializer_class = LocationSerializer
    filter_serializer_class = LocationFilter
    lookup_field = "code"
    required_scopes = {"list": ApiScope.LOCATIONS_READ, "retrieve": ApiScope.LOCATIONS_READ}

    def get_queryset(self):
        return Location.objects.all()

    def apply_filters(self, queryset, filters):
        if filters.get("kind"):
            queryset = queryset.filter(kind=filters["kind"])
        for flag in ("offers_pickup", "accepts_returns", "ships_online_orders"):
            if filters.get(flag) is not None:
                queryset = queryset.filter(**{flag: filters[flag]})
        return queryset
