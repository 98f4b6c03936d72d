"""API: transfers between locations, for a WMS or a store system — list (filters: from,
to, state, ``updated_since``), request, ship (with the units actually sent) and receive
(with the units received and damaged per line). Every write is one
``inventory.services`` call; every POST honours ``Idempotency-Key``.

Scopes: ``stock:read`` to list and read, ``stock:write`` to request, ship and receive.
A key bound to locations acts only for them: it may request a transfer to or from its
locations, ship only from them (a key bound to the destination cannot ship) and receive
only at them (a key bound to the source cannot receive) — 403 ``location_not_allowed``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action

from catalog.surface import variant_ids_for_lines
from inventory import services
from inventory.models import Transfer, TransferLine
from omni.api.idempotency import idempotent
from omni.api.permissions import allowed_location_codes, ensure_locations_allowed
from omni.api.viewsets import (
    ApiViewSet,
    CommaSeparatedField,
    ListModelMixin,
    RetrieveModelMixin,
    UpdatedSinceFilter,
)
from omni.models import ApiScope
from stores.models import Location

MAX_LINES = 200
MAX_QUANTITY = 100_000


class TransferLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="variant.sku")
    requested = serializers.IntegerField(source="quantity")
    shipped = serializers.IntegerField(source="quantity_shipped")
    received = serializers.IntegerField(source="quantity_received")
    damaged = serializers.IntegerField(source="quantity_damaged")
    in_transit = serializers.IntegerField(help_text="Shipped, neither received nor damaged yet")

    class Meta:
        model = TransferLine
        fields = ["variant_id", "sku", "requested", "shipped", "received", "damaged", "in_transit"]
        read_only_fields = fields


class TransferSerializer(serializers.ModelSerializer):
    number = serializers.CharField(help_text="Printed on the packing slip, encoded in its QR code")
    source = serializers.CharField(source="source.code", help_text="Location code")
    destination = serializers.CharField(source="destination.code", help_text="Location code")
    state = serializers.CharField(source="status")
    lines = TransferLineSerializer(many=True)

    class Meta:
        model = Transfer
        fields = [
            "id",
            "number",
            "source",
            "destination",
            "state",
            "expected_at",
            "note",
            "reference_type",
            "reference_id",
            "cancel_reason",
            "created_at",
            "shipped_at",
            "received_at",
            "cancelled_at",
            "updated_at",
            "lines",
        ]
        read_only_fields = fields


class TransferFilter(UpdatedSinceFilter):
    # ``from`` is a Python keyword: the field is declared below under its query name.
    to = CommaSeparatedField(
        required=False, child=serializers.CharField(max_length=20), help_text="Destination codes"
    )
    state = serializers.ChoiceField(choices=Transfer.Status.choices, required=False)


TransferFilter._declared_fields["from"] = CommaSeparatedField(
    required=False, child=serializers.CharField(max_length=20), help_text="Source codes"
)


class TransferLineInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=100, help_text="SKU or barcode")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class TransferRequestSerializer(serializers.Serializer):
    source = serializers.CharField(max_length=20, help_text="Location code sending")
    destination = serializers.CharField(max_length=20, help_text="Location code receiving")
    lines = TransferLineInputSerializer(many=True, allow_empty=False, max_length=MAX_LINES)
    expected_at = serializers.DateTimeField(required=False)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class TransferShipLineSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=100)
    quantity = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY)


class TransferShipSerializer(serializers.Serializer):
    lines = TransferShipLineSerializer(
        many=True,
        required=False,
        max_length=MAX_LINES,
        help_text="What went in the box; omitted: everything requested. A line not named ships 0.",
    )


class TransferReceiveLineSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=100)
    received = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY, default=0)
    damaged = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY, default=0)


class TransferReceiveSerializer(serializers.Serializer):
    lines = TransferReceiveLineSerializer(
        many=True,
        required=False,
        max_length=MAX_LINES,
        help_text="What arrived; omitted: everything in transit, in good order. Units "
        "neither received nor damaged stay in transit.",
    )


def _invalid(field: str, message: str, code: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({field: [exceptions.ErrorDetail(message, code=code)]})


def _location_id(code: str, field: str) -> int:
    found = Location.objects.filter(code=code).values_list("pk", flat=True).first()
    if found is None:
        raise _invalid(
            field, gettext("Unknown location “%(code)s”.") % {"code": code}, "unknown_location"
        )
    return found


def _variant_ids(lines: list[dict[str, Any]]) -> dict[str, int]:
    return variant_ids_for_lines(lines)


@extend_schema_view(
    list=extend_schema(
        summary="List transfers (a WMS's or a store's queue)",
        description="Filter by `from` / `to` (location codes), `state`, `updated_since`; "
        "page with `next`, oldest change first.",
        parameters=[TransferFilter],
    ),
    retrieve=extend_schema(summary="A transfer with its lines"),
    create=extend_schema(
        summary="Request a transfer",
        description="The units are held at the source at once, so they cannot be sold "
        "before they leave (409 `insufficient_stock` naming every short line otherwise). "
        "A key bound to locations must be bound to the source or the destination.",
        request=TransferRequestSerializer,
        responses={201: TransferSerializer},
    ),
    ship=extend_schema(
        summary="Ship a transfer (from the source)",
        description="The units sent leave the source's stock (`transfer_out` ledger rows); "
        "fewer than requested is allowed, more is 400 `invalid_quantity`; a transfer not "
        "requested any more (shipped, cancelled) is 409 `invalid_transition`. Sends the "
        "`transfer.shipped` webhook. A key must be bound to the source.",
        request=TransferShipSerializer,
        responses={200: TransferSerializer},
    ),
    receive=extend_schema(
        summary="Receive a transfer (at the destination)",
        description="Units received land in the destination's stock (`transfer_in`); "
        "damaged ones are written off (recorded on the line, never in stock); the rest "
        "stays in transit and the transfer `shipped` until a later receipt. More than is "
        "in transit is 400 `invalid_quantity`; received already is 409 "
        "`invalid_transition`. Sends `transfer.received`. A key must be bound to the "
        "destination.",
        request=TransferReceiveSerializer,
        responses={200: TransferSerializer},
    ),
)
class TransferViewSet(ListModelMixin, RetrieveModelMixin, ApiViewSet):
    serializer_class = TransferSerializer
    filter_serializer_class = TransferFilter
    required_scopes = {
        "list": ApiScope.STOCK_READ,
        "retrieve": ApiScope.STOCK_READ,
        "create": ApiScope.STOCK_WRITE,
        "ship": ApiScope.STOCK_WRITE,
        "receive": ApiScope.STOCK_WRITE,
    }

    def get_queryset(self):
        return Transfer.objects.select_related("source", "destination").prefetch_related(
            Prefetch(
                "lines", queryset=TransferLine.objects.select_related("variant").order_by("pk")
            )
        )

    def apply_filters(self, queryset, filters):
        if filters.get("from"):
            queryset = queryset.filter(source__code__in=filters["from"])
        if filters.get("to"):
            queryset = queryset.filter(destination__code__in=filters["to"])
        if filters.get("state"):
            queryset = queryset.filter(status=filters["state"])
        return queryset

    def _fresh(self, transfer_id: int):
        return self.output(self.get_queryset().get(pk=transfer_id))

    @idempotent
    def create(self, request):
        data = self.input(TransferRequestSerializer)
        allowed = allowed_location_codes(request)
        if allowed is not None and not {data["source"], data["destination"]} & allowed:
            ensure_locations_allowed(request, [data["source"]])
        source_id = _location_id(data["source"], "source")
        destination_id = _location_id(data["destination"], "destination")
        variants = _variant_ids(data["lines"])
        transfer = services.transfer_request(
            source_id=source_id,
            destination_id=destination_id,
            lines=[(variants[line["sku"]], line["quantity"]) for line in data["lines"]],
            expected_at=data.get("expected_at"),
            note=data["note"] or f"Requested by {self.actor()}",
        )
        response = self._fresh(transfer.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @action(detail=True, methods=["post"])
    @idempotent
    def ship(self, request, pk=None):
        transfer = self.get_object()
        ensure_locations_allowed(request, [transfer.source.code])
        data = self.input(TransferShipSerializer)
        shipped = None
        if "lines" in data:
            variants = _variant_ids(data["lines"])
            shipped = {variants[line["sku"]]: line["quantity"] for line in data["lines"]}
        services.transfer_ship(transfer_id=transfer.pk, shipped=shipped, actor=self.actor())
        return self._fresh(transfer.pk)

    @action(detail=True, methods=["post"])
    @idempotent
    def receive(self, request, pk=None):
        transfer = self.get_object()
        ensure_locations_allowed(request, [transfer.destination.code])
        data = self.input(TransferReceiveSerializer)
        received = damaged = None
        if "lines" in data:
            variants = _variant_ids(data["lines"])
            received = {variants[line["sku"]]: line["received"] for line in data["lines"]}
            damaged = {variants[line["sku"]]: line["damaged"] for line in data["lines"]}
        services.transfer_receive(
            transfer_id=transfer.pk, received=received, damaged=damaged, actor=self.actor()
        )
        return self._fresh(transfer.pk)
