"""API: the numbers' daily rollups, read-only, for a BI tool (scope ``reports:read``).

Each endpoint lists rollup rows of a range of local days (``from``, ``to``; at most 366
days, the last 30 by default), optionally of one location (``location``: its code;
``online`` for online orders no store takes part in) and one channel, in a stable order (the row id)
with the API's cursor pagination — the rows are the same the dashboards add up, so a BI
tool's totals match the screens. Money is a decimal string with its currency.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from customers.models import Channel
from omni.api.viewsets import ApiViewSet, ListModelMixin
from omni.models import ApiScope
from reporting.models import DailyAssociate, DailyCategory, DailyReturnReason, DailyRollup
from reporting.selectors import ADDITIVE

MAX_DAYS = 366
ONLINE = "online"


class RangeFilter(serializers.Serializer):
    # "from" is a Python keyword: the field is named in ``to_internal_value``.
    to = serializers.DateField(required=False, help_text="Last local day (default: today)")
    location = serializers.CharField(
        required=False, max_length=20, help_text="A location's code, or 'online'"
    )
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(
            required=False, help_text="First local day (default: 29 days before 'to')"
        )
        return fields

    def validate(self, data):
        end = data.get("to") or timezone.localdate()
        start = data.get("from") or end - dt.timedelta(days=29)
        if end < start:
            raise serializers.ValidationError({"to": _("The last day is before the first.")})
        if (end - start).days + 1 > MAX_DAYS:
            raise serializers.ValidationError(
                {"from": _("Ask for at most %(days)s days.") % {"days": MAX_DAYS}}
            )
        data["from"], data["to"] = start, end
        return data


class _Rows(ListModelMixin, ApiViewSet):
    filter_serializer_class = RangeFilter
    # Keyset pagination over the row id: a stable order while rows are appended (a
    # recomputed day gets new ids, so re-read a range after a rebuild).
    ordering = ("id",)
    with_channel = True

    def apply_filters(self, queryset: QuerySet, filters) -> QuerySet:
        queryset = queryset.filter(day__gte=filters["from"], day__lte=filters["to"])
        code = filters.get("location")
        if code == ONLINE:
            queryset = queryset.filter(location__isnull=True)
        elif code:
            queryset = queryset.filter(location__code=code)
        if filters.get("channel") and self.with_channel:
            queryset = queryset.filter(channel=filters["channel"])
        return queryset


def _code(row) -> str | None:
    return row.location.code if row.location_id else None


MONEY = {"max_digits": 18, "decimal_places": 2}


class SalesRowSerializer(serializers.ModelSerializer):
    location = serializers.SerializerMethodField(help_text="Location code; null: online")
    sales = serializers.DecimalField(**MONEY)
    discounts = serializers.DecimalField(**MONEY)
    refunds = serializers.DecimalField(**MONEY)

    class Meta:
        model = DailyRollup
        # The day's key, then every additive figure the dashboard sums (one list).
        fields = ["day", "location", "channel", "currency", *ADDITIVE]
        read_only_fields = fields

    def get_location(self, row) -> str | None:
        return _code(row)


class ReturnReasonRowSerializer(serializers.ModelSerializer):
    location = serializers.SerializerMethodField(help_text="Location code")
    refunds = serializers.DecimalField(**MONEY)

    class Meta:
        model = DailyReturnReason
        fields = [
            "day",
            "location",
            "channel",
            "currency",
            "reason",
            "condition",
            "lines",
            "units",
            "refunds",
        ]
        read_only_fields = fields

    def get_location(self, row) -> str | None:
        return _code(row)


class CategoryRowSerializer(serializers.ModelSerializer):
    location = serializers.SerializerMethodField(help_text="Location code; null: online")
    category = serializers.CharField(source="category.slug", read_only=True)
    sales = serializers.DecimalField(**MONEY)
    refunds = serializers.DecimalField(**MONEY)

    class Meta:
        model = DailyCategory
        fields = [
            "day",
            "location",
            "channel",
            "currency",
            "category",
            "units_sold",
            "sales",
            "units_returned",
            "refunds",
        ]
        read_only_fields = fields

    def get_location(self, row) -> str | None:
        return _code(row)


class AssociateRowSerializer(serializers.ModelSerializer):
    location = serializers.SerializerMethodField(help_text="Location code; null: online")
    associate = serializers.CharField(source="associate.display_name", read_only=True)
    associate_code = serializers.CharField(
        source="associate.employee_code", read_only=True, allow_null=True
    )
    sales = serializers.DecimalField(**MONEY)

    class Meta:
        model = DailyAssociate
        fields = [
            "day",
            "location",
            "associate",
            "associate_code",
            "source",
            "currency",
            "count",
            "sales",
        ]
        read_only_fields = fields

    def get_location(self, row) -> str | None:
        return _code(row)


@extend_schema_view(
    list=extend_schema(
        summary="Daily sales, returns and pickups per location and channel",
        description=(
            "One row per (local day, location, channel, currency). Orders count on the day "
            "and at the store they were placed (an online pickup: the pickup store); "
            "returns where and when received, under the order's channel; pickups at the "
            "pickup store on the day they became ready, were collected or lapsed. Lead "
            "times are sums in seconds with their counts (average = sum / count)."
        ),
        parameters=[RangeFilter],
    )
)
class SalesReportViewSet(_Rows):
    serializer_class = SalesRowSerializer
    required_scopes = {"list": ApiScope.REPORTS_READ}

    def get_queryset(self):
        return DailyRollup.objects.select_related("location")


@extend_schema_view(
    list=extend_schema(
        summary="Daily returned lines per reason and condition grade",
        parameters=[RangeFilter],
    )
)
class ReturnsReportViewSet(_Rows):
    serializer_class = ReturnReasonRowSerializer
    required_scopes = {"list": ApiScope.REPORTS_READ}

    def get_queryset(self):
        return DailyReturnReason.objects.select_related("location")


@extend_schema_view(
    list=extend_schema(
        summary="Daily units sold and returned per product category",
        parameters=[RangeFilter],
    )
)
class CategoriesReportViewSet(_Rows):
    serializer_class = CategoryRowSerializer
    required_scopes = {"list": ApiScope.REPORTS_READ}

    def get_queryset(self):
        return DailyCategory.objects.select_related("location", "category")


@extend_schema_view(
    list=extend_schema(
        summary="Daily figures credited to associates",
        description=(
            "source: helped (an order they rang up or placed), client (an online order of "
            "a shopper whose associate they are), list (an online order of an item they "
            "put on the shopper's list before), followup (follow-ups done; count only). "
            "Each order is credited once."
        ),
        parameters=[RangeFilter],
    )
)
class AssociatesReportViewSet(_Rows):
    serializer_class = AssociateRowSerializer
    required_scopes = {"list": ApiScope.REPORTS_READ}
    with_channel = False

    def get_queryset(self):
        return DailyAssociate.objects.select_related("location", "associate")
