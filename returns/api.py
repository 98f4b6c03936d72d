"""API: returns taken at a location (a POS or a returns desk), through the same policy
engine and the same ``returns.services.return_receive`` as the back-office; a policy check
that writes nothing; reads for sync."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog.models import Variant
from omni.api.idempotency import idempotent
from omni.api.permissions import ensure_locations_allowed
from omni.api.viewsets import (
    ApiViewSet,
    IdField,
    ListModelMixin,
    RetrieveModelMixin,
    UpdatedSinceFilter,
)
from omni.models import ApiScope
from omni.money import MONEY_DIGITS
from orders.models import Order
from orders.services import order_number_normalise
from returns import services
from returns.models import Return, ReturnLine
from stores.models import Associate, Location

MAX_LINES = 100
DISPOSITIONS = [d for d in ReturnLine.Disposition.values if d]
CONDITIONS = [c for c in ReturnLine.Condition.values if c]


class ReturnLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="order_line.sku")

    class Meta:
        model = ReturnLine
        fields = [
            "id",
            "order_line_id",
            "sku",
            "quantity",
            "reason",
            "condition",
            "disposition",
            "refund_amount",
        ]
        read_only_fields = fields


class ReturnSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number")
    location = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    lines = ReturnLineSerializer(many=True)

    class Meta:
        model = Return
        fields = [
            "id",
            "number",
            "order_id",
            "order_number",
            "customer_id",
            "channel",
            "method",
            "location",
            "associate_id",
            "status",
            "refund_method",
            "refund_total",
            "exchange_order_id",
            "requested_at",
            "received_at",
            "refunded_at",
            "lines",
            "updated_at",
        ]
        read_only_fields = fields


class ReturnLineInputSerializer(serializers.Serializer):
    order_line_id = IdField(required=False)
    sku = serializers.CharField(
        max_length=100, required=False, help_text="Instead of order_line_id, when unambiguous"
    )
    quantity = serializers.IntegerField(min_value=1, max_value=999)
    reason = serializers.ChoiceField(choices=ReturnLine.Reason.choices)

    def validate(self, attrs):
        if "order_line_id" not in attrs and not attrs.get("sku"):
            raise serializers.ValidationError(
                {
                    "order_line_id": [
                        exceptions.ErrorDetail(_("Give order_line_id or sku."), "required")
                    ]
                }
            )
        return attrs


class ReceivedLineInputSerializer(ReturnLineInputSerializer):
    condition = serializers.ChoiceField(
        choices=CONDITIONS, help_text="A resaleable, B open box, C damaged"
    )
    disposition = serializers.ChoiceField(
        choices=DISPOSITIONS,
        help_text="restock (here), to_warehouse, inspect (decide later), write_off",
    )


class ExchangeInputSerializer(serializers.Serializer):
    order_line_id = IdField(required=False)
    sku = serializers.CharField(max_length=100, required=False, help_text="The returned SKU")
    replacement_sku = serializers.CharField(max_length=100)

    def validate(self, attrs):
        if "order_line_id" not in attrs and not attrs.get("sku"):
            raise serializers.ValidationError(
                {
                    "order_line_id": [
                        exceptions.ErrorDetail(_("Give order_line_id or sku."), "required")
                    ]
                }
            )
        return attrs


class ReturnOrderRefSerializer(serializers.Serializer):
    order = serializers.CharField(max_length=20, help_text="Order number, e.g. S0001234")


class ReturnCreateSerializer(ReturnOrderRefSerializer):
    location = serializers.CharField(max_length=20, help_text="Code of the receiving location")
    associate = serializers.CharField(
        max_length=30, required=False, help_text="Employee code (a manager to override)"
    )
    lines = ReceivedLineInputSerializer(many=True, allow_empty=False, max_length=MAX_LINES)
    # An exchange at the till and a new gift card hand a card's code to the desk's screen
    # (shown once): not for the API.
    refund_method = serializers.ChoiceField(
        choices=[
            choice
            for choice in Return.RefundMethod.choices
            if choice[0] not in (Return.RefundMethod.TILL_EXCHANGE, Return.RefundMethod.GIFT_CARD)
        ]
    )
    exchange = ExchangeInputSerializer(many=True, required=False, max_length=MAX_LINES)
    override_reason = serializers.CharField(
        max_length=255, required=False, allow_blank=True, default=""
    )
    return_number = serializers.CharField(
        max_length=20, required=False, help_text="A return requested online, completed here"
    )


class PolicyCheckSerializer(ReturnOrderRefSerializer):
    lines = ReturnLineInputSerializer(many=True, allow_empty=False, max_length=MAX_LINES)


class RefusalSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    overridden = serializers.BooleanField()


class LineDecisionSerializer(serializers.Serializer):
    order_line_id = serializers.IntegerField(source="order_line.pk")
    sku = serializers.CharField(source="order_line.sku")
    quantity = serializers.IntegerField()
    allowed = serializers.BooleanField()
    refund_amount = serializers.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2)
    refusals = RefusalSerializer(many=True)


class PolicyDecisionSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    lines = LineDecisionSerializer(many=True)


class ReturnFilter(UpdatedSinceFilter):
    location = serializers.CharField(max_length=20, required=False, help_text="Location code")
    order = serializers.CharField(max_length=20, required=False, help_text="Order number")
    status = serializers.ChoiceField(choices=Return.Status.choices, required=False)


def _invalid(field: str, message: str, code: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({field: [exceptions.ErrorDetail(message, code=code)]})


def _order(number: str) -> Order:
    order = (
        Order.objects.filter(number=order_number_normalise(number))
        .prefetch_related("lines")
        .first()
    )
    if order is None:
        raise _invalid("order", _("No order “%(number)s”.") % {"number": number}, "unknown_order")
    return order


def _order_line_ids(order: Order, lines: list[dict[str, Any]], field: str = "lines") -> list[int]:
    """Each input line's order line id: given, or found by SKU on the order."""
    by_sku: dict[str, list[int]] = {}
    for line in order.lines.all():
        by_sku.setdefault(line.sku, []).append(line.pk)
    ids, errors = [], {}
    for index, line in enumerate(lines):
        if "order_line_id" in line:
            ids.append(line["order_line_id"])
            continue
        matches = by_sku.get(line["sku"], [])
        if len(matches) != 1:
            message = (
                _("“%(sku)s” is not on order %(number)s.")
                % {"sku": line["sku"], "number": order.number}
                if not matches
                else _("“%(sku)s” is on several lines: give order_line_id.") % {"sku": line["sku"]}
            )
            errors[index] = {"sku": [exceptions.ErrorDetail(message, "unknown_line")]}
            continue
        ids.append(matches[0])
    if errors:
        raise exceptions.ValidationError({field: errors})
    return ids


@extend_schema_view(
    list=extend_schema(summary="List returns (for sync)", parameters=[ReturnFilter]),
    retrieve=extend_schema(summary="A return with its lines"),
    create=extend_schema(
        summary="Take a return at a location",
        description=(
            "For an order from any channel, at a location that accepts returns: each line "
            "with reason, condition and disposition (restock here, to_warehouse, inspect, "
            "write_off), refunded to the original payment, as store credit or into an "
            "exchange. The one return policy decides (409 `return_window_expired`, "
            "`final_sale`, `quantity_exceeds_purchase`, `not_yet_received`); a manager's "
            "`override_reason` lets the window, a final sale or an undelivered item through."
        ),
        request=ReturnCreateSerializer,
        responses={201: ReturnSerializer},
    ),
    check=extend_schema(
        summary="Check the return policy (writes nothing)",
        request=PolicyCheckSerializer,
        responses={200: PolicyDecisionSerializer},
    ),
)
class ReturnViewSet(ListModelMixin, RetrieveModelMixin, ApiViewSet):
    serializer_class = ReturnSerializer
    filter_serializer_class = ReturnFilter
    http_method_names = ["get", "post", "head"]
    required_scopes = {
        "list": ApiScope.RETURNS_READ,
        "retrieve": ApiScope.RETURNS_READ,
        "check": ApiScope.RETURNS_READ,
        "create": ApiScope.RETURNS_WRITE,
    }

    def get_queryset(self):
        return Return.objects.select_related("order", "location").prefetch_related(
            Prefetch(
                "lines", queryset=ReturnLine.objects.select_related("order_line").order_by("pk")
            )
        )

    def apply_filters(self, queryset, filters):
        if filters.get("location"):
            queryset = queryset.filter(location__code=filters["location"])
        if filters.get("order"):
            queryset = queryset.filter(order__number=order_number_normalise(filters["order"]))
        if filters.get("status"):
            queryset = queryset.filter(status=filters["status"])
        return queryset

    @idempotent
    def create(self, request):
        data = self.input(ReturnCreateSerializer)
        ensure_locations_allowed(request, [data["location"]])
        location = Location.objects.filter(code=data["location"]).first()
        if location is None:
            raise _invalid(
                "location",
                _("Unknown location “%(code)s”.") % {"code": data["location"]},
                "unknown_location",
            )
        associate = None
        if data.get("associate"):
            associate = Associate.objects.filter(
                employee_code=data["associate"], is_active=True
            ).first()
            if associate is None:
                raise _invalid("associate", _("No such active associate."), "unknown_associate")
        order = _order(data["order"])
        line_ids = _order_line_ids(order, data["lines"])
        exchange = data.get("exchange") or []
        exchange_variants = []
        if exchange:
            exchange_ids = _order_line_ids(order, exchange, field="exchange")
            skus = {item["replacement_sku"] for item in exchange}
            variants = dict(Variant.objects.filter(sku__in=skus).values_list("sku", "pk"))
            errors = {
                index: {
                    "replacement_sku": [
                        exceptions.ErrorDetail(_("Unknown SKU."), "unknown_variant")
                    ]
                }
                for index, item in enumerate(exchange)
                if item["replacement_sku"] not in variants
            }
            if errors:
                raise exceptions.ValidationError({"exchange": errors})
            exchange_variants = [
                (line_id, variants[item["replacement_sku"]])
                for line_id, item in zip(exchange_ids, exchange, strict=True)
            ]
        existing = None
        if data.get("return_number"):
            existing = Return.objects.filter(
                number="".join(data["return_number"].split()).upper(), order=order
            ).first()
            if existing is None:
                raise _invalid(
                    "return_number", _("No such return for this order."), "unknown_return"
                )
        created = services.return_receive(
            order=order,
            location=location,
            associate=associate,
            lines=[
                (line_id, line["quantity"], line["reason"], line["condition"], line["disposition"])
                for line_id, line in zip(line_ids, data["lines"], strict=True)
            ],
            refund_method=data["refund_method"],
            exchange_variants=exchange_variants,
            override_reason=data["override_reason"],
            existing_return=existing,
        )
        return self.output(
            self.get_queryset().get(pk=created.pk), status_code=status.HTTP_201_CREATED
        )

    @action(detail=False, methods=["post"])
    @idempotent
    def check(self, request):
        data = self.input(PolicyCheckSerializer)
        order = _order(data["order"])
        line_ids = _order_line_ids(order, data["lines"])
        decision = services.return_policy_check(
            order=order,
            lines=[
                (line_id, line["quantity"])
                for line_id, line in zip(line_ids, data["lines"], strict=True)
            ],
        )
        body = {"allowed": decision.allowed, "lines": list(decision.lines)}
        return Response(PolicyDecisionSerializer(body).data)
