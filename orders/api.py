"""API: orders — list and sync, create from a POS or a marketplace (the same checkout as
the storefront: ``orders.services.order_place``), cancel — and fulfilments, whose status a
WMS or a store system moves through ``orders.services`` fulfilment steps.

A POS sale names its store (``location``), the associate who helped, the customer's
email or phone (matched to the one existing customer, else created, inside checkout),
the lines by SKU and the payment (``external``: already paid on the till). It is taken
home at once (``carry_out``): the units leave that store's stock in the same transaction.
``external_reference`` is the POS's or marketplace's own id, unique per channel: a POST
that repeats one is a retry, answered 200 with the order the first made (checkout's own
rule: ``order_place`` says whether it created the order), the first 201.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.surface import variant_ids_for_lines
from customers.models import Channel, Customer
from omni.addresses import AddressInvalid, address_normalise
from omni.api.idempotency import idempotent
from omni.api.permissions import allowed_location_codes, api_key_of, ensure_locations_allowed
from omni.api.viewsets import (
    ApiViewSet,
    CommaSeparatedField,
    IdField,
    ListModelMixin,
    RetrieveModelMixin,
    UpdatedSinceFilter,
)
from omni.models import ApiScope
from omni.phones import PhoneInvalid, phone_e164
from orders import services
from orders.errors import QrCallbackInvalid
from orders.models import (
    Fulfilment,
    FulfilmentLine,
    Order,
    OrderLine,
    OrderLineDiscount,
    Payment,
)
from orders.services.numbers import ORDER_CHANNELS
from stores.models import Associate, Location
from till import selectors as till_selectors
from till import services as till_services

MAX_LINES = 100
MAX_LINE_QUANTITY = 999
ORDER_CHANNEL_CHOICES = sorted(ORDER_CHANNELS)

# --- output -----------------------------------------------------------------------------------


class OrderLineDiscountSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLineDiscount
        fields = ["promotion_id", "voucher_id", "code", "label", "amount"]
        read_only_fields = fields


class OrderLineSerializer(serializers.ModelSerializer):
    discounts = OrderLineDiscountSerializer(many=True, read_only=True)

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "variant_id",
            "sku",
            "product_name",
            "size",
            "colour",
            "quantity",
            "unit_price",
            "line_total",
            "discount_total",
            "discounts",
            "tax_rate",
            "tax_amount",
            "is_final_sale",
        ]
        read_only_fields = fields


class FulfilmentLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = FulfilmentLine
        fields = ["order_line_id", "quantity", "quantity_collected"]
        read_only_fields = fields


class FulfilmentSerializer(serializers.ModelSerializer):
    location = serializers.CharField(source="location.code", help_text="Location code")
    order_number = serializers.CharField(source="order.number")
    tracking_url = serializers.CharField(
        read_only=True, help_text="The carrier's tracking page, when carrier and number are known"
    )
    lines = FulfilmentLineSerializer(many=True)

    class Meta:
        model = Fulfilment
        fields = [
            "id",
            "order_id",
            "order_number",
            "kind",
            "status",
            "location",
            "expected_ready_at",
            "ready_at",
            "hold_until",
            "shipped_at",
            "delivered_at",
            "collected_at",
            "tracking_number",
            "carrier",
            "tracking_url",
            "lines",
            "updated_at",
        ]
        read_only_fields = fields


class OrderFulfilmentSerializer(FulfilmentSerializer):
    class Meta(FulfilmentSerializer.Meta):
        fields = [f for f in FulfilmentSerializer.Meta.fields if f != "order_number"]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = [
            "id",
            "provider",
            "status",
            "amount",
            "currency",
            "card_last4",
            "provider_reference",
        ]
        read_only_fields = fields


class AssociateRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Associate
        fields = ["id", "display_name", "employee_code"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    # Blank when unknown, so a plain string in the schema (not format: email).
    email = serializers.CharField(read_only=True)
    location = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    associate = AssociateRefSerializer(allow_null=True)
    lines = OrderLineSerializer(many=True)
    fulfilments = OrderFulfilmentSerializer(many=True)
    payments = PaymentSerializer(many=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "channel",
            "status",
            "customer_id",
            "email",
            "phone",
            "location",
            "associate",
            "currency",
            "subtotal",
            "shipping_total",
            "discount_total",
            "tax_total",
            "prices_include_tax",
            "shipping_tax",
            "total",
            "shipping_address",
            "external_reference",
            "placed_at",
            "lines",
            "fulfilments",
            "payments",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


def orders_with_details():
    """Orders with everything the representation shows: 6 queries per page, whatever
    the number of orders, lines, their discounts, fulfilments or payments."""
    return Order.objects.select_related("location", "associate").prefetch_related(
        Prefetch(
            "lines",
            queryset=OrderLine.objects.order_by("pk").prefetch_related(
                Prefetch("discounts", queryset=OrderLineDiscount.objects.order_by("pk"))
            ),
        ),
        Prefetch(
            "fulfilments",
            queryset=Fulfilment.objects.select_related("location")
            .prefetch_related(Prefetch("lines", queryset=FulfilmentLine.objects.order_by("pk")))
            .order_by("pk"),
        ),
        Prefetch("payments", queryset=Payment.objects.order_by("pk")),
    )


# --- input ------------------------------------------------------------------------------------


def _phone_e164(value: str) -> str:
    """E.164 of a typed number (the shop's country unless +CC); a field error naming the
    form expected."""
    if not value.strip():
        return ""
    try:
        return phone_e164(value)
    except PhoneInvalid as exc:
        raise serializers.ValidationError(exc.message, code="invalid_phone") from None


class LineInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=100, help_text="SKU or barcode")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)


class CustomerIdentitySerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    phone = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        help_text="Any form; read in the shop's country unless it starts with +CC",
    )
    first_name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")

    def validate_phone(self, value: str) -> str:
        return _phone_e164(value)


class AddressSerializer(serializers.Serializer):
    """A delivery address in its country's parts (omni.addresses): which are required and
    what a postcode looks like depend on ``country`` (the shop's by default)."""

    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    line1 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    area = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="Subdistrict (TH), ward (VN), barangay (PH), neighbourhood (IR)",
    )
    city = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="Town or city; the district (amphoe, quận) in TH and VN",
    )
    region = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="State (US), province (TH, VN, PH, IR: changwat, tỉnh, ostan)",
    )
    postcode = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    country = serializers.CharField(
        max_length=2, required=False, allow_blank=True, default="", help_text="ISO 3166-1 alpha-2"
    )

    def validate(self, attrs):
        try:
            return address_normalise(attrs)
        except AddressInvalid as exc:
            raise serializers.ValidationError(
                {
                    field: [exceptions.ErrorDetail(message, "invalid_address")]
                    for field, message in exc.errors.items()
                }
            ) from None


class FulfilmentInputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=["carry_out", "ship", "pickup"],
        help_text="carry_out: taken home now from the store of the sale; ship: to the "
        "address; pickup: at the store",
    )
    address = AddressSerializer(required=False)
    store = serializers.CharField(max_length=20, required=False, help_text="Pickup store code")

    def validate(self, attrs):
        if attrs["type"] == "ship" and "address" not in attrs:
            raise serializers.ValidationError(
                {"address": [exceptions.ErrorDetail(_("A delivery needs an address."), "required")]}
            )
        if attrs["type"] == "pickup" and "store" not in attrs:
            raise serializers.ValidationError(
                {"store": [exceptions.ErrorDetail(_("Name the pickup store."), "required")]}
            )
        return attrs


class PaymentInputSerializer(serializers.Serializer):
    method = serializers.ChoiceField(
        choices=["external", "card", "pay_in_store", "store_credit", "qr", "cod"],
        help_text="external: already paid on the POS or marketplace; card: the test card "
        "provider; pay_in_store; store_credit; qr: a bank-app QR payment, pending until the "
        "provider's callback (POST /api/v1/payments/qr/callback/) or an associate confirms "
        "it (delivery or pickup); cod: cash on delivery, captured when the parcel is "
        "delivered (delivery only)",
    )
    reference = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    card_number = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default="", write_only=True
    )

    def validate(self, attrs):
        if attrs["method"] == "card" and not attrs["card_number"].strip():
            raise serializers.ValidationError(
                {"card_number": [exceptions.ErrorDetail(_("Give the card number."), "required")]}
            )
        return attrs


class ManualDiscountSerializer(serializers.Serializer):
    percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False
    )
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0, required=False)
    reason = serializers.CharField(max_length=120)

    def validate(self, attrs):
        if ("percent" in attrs) == ("amount" in attrs):
            raise serializers.ValidationError(
                {
                    "percent": [
                        exceptions.ErrorDetail(_("Give a percentage or an amount."), "invalid")
                    ]
                }
            )
        return attrs


# Tenders a till sale alone takes (on a register): the drawer's cash, a card present.
REGISTER_TENDERS = ("cash", "card", "qr")
LEDGER_TENDERS = ("gift_card", "loyalty_points", "store_credit")


class TenderInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        # The ledger tenders (orders.services.tenders) and the till's own kinds.
        choices=list(dict.fromkeys((*LEDGER_TENDERS, *till_services.tender_kinds()))),
        help_text="gift_card (with gift_card_code); loyalty_points and store_credit: the "
        "order's customer's; with `register` also cash (what was handed over, change given "
        "back), card (a card present, with card_number) and qr (a bank-app QR payment the "
        "POS saw arrive, with its reference)",
    )
    amount = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        min_value=Decimal("0.01"),
        help_text="The most this tender pays; omitted: as much as it can of what is left",
    )
    gift_card_code = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", write_only=True
    )
    card_number = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default="", write_only=True
    )

    reference = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        default="",
        help_text="qr: the reference the QR code carried (kept on the payment)",
    )

    def validate(self, attrs):
        if attrs["kind"] in REGISTER_TENDERS and attrs.get("amount") is None:
            raise serializers.ValidationError(
                {"amount": [exceptions.ErrorDetail(_("Give the amount."), "required")]}
            )
        if attrs["kind"] == "qr" and not attrs.get("reference", "").strip():
            raise serializers.ValidationError(
                {
                    "reference": [
                        exceptions.ErrorDetail(_("Give the QR payment's reference."), "required")
                    ]
                }
            )
        if attrs["kind"] == "gift_card" and not attrs["gift_card_code"].strip():
            raise serializers.ValidationError(
                {
                    "gift_card_code": [
                        exceptions.ErrorDetail(_("Give the gift card's code."), "required")
                    ]
                }
            )
        return attrs


class OrderCreateSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(
        choices=ORDER_CHANNEL_CHOICES, default=Channel.STORE, help_text="Where it was sold"
    )
    location = serializers.CharField(
        max_length=20, required=False, help_text="Code of the store the sale is made in"
    )
    associate = serializers.CharField(
        max_length=30, required=False, help_text="Employee code of the associate who helped"
    )
    customer_id = IdField(required=False)
    customer = CustomerIdentitySerializer(
        required=False, help_text="Matched by email, then phone, to the one customer; else made"
    )
    lines = LineInputSerializer(many=True, allow_empty=False, max_length=MAX_LINES)
    payment = PaymentInputSerializer(required=False)
    fulfilment = FulfilmentInputSerializer(required=False)
    external_reference = serializers.CharField(
        max_length=80, required=False, allow_blank=True, default=""
    )
    marketing_email_opt_in = serializers.BooleanField(required=False, default=False)
    register = serializers.CharField(
        max_length=20,
        required=False,
        help_text="A till sale: the code of the register at `location` (its open shift, or "
        "`shift`, takes the sale and its cash)",
    )
    shift = IdField(required=False, help_text="The open shift of `register` (default: its current)")
    tenders = TenderInputSerializer(
        many=True,
        required=False,
        allow_empty=False,
        max_length=10,
        help_text="Gift cards, points, store credit paying first (needs the tenders:redeem "
        "scope), `payment` paying what they leave; on a `register` (a till sale) also cash "
        "and card, which then pay it all",
    )
    codes = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        default=list,
        max_length=5,
        help_text="Discount codes typed at the till or the checkout (any case)",
    )
    manual_discount = ManualDiscountSerializer(
        required=False,
        help_text="A discount given by hand, with its reason: needs the orders:discount "
        "scope, at most OMNI_MAX_MANUAL_DISCOUNT_PERCENT of the basket",
    )

    def validate(self, attrs):
        at_register = any(t["kind"] in REGISTER_TENDERS for t in attrs.get("tenders") or ())
        if "register" in attrs or at_register:
            problems = {}
            if "register" not in attrs:
                problems["register"] = _(
                    "Cash, card and QR tenders are taken on a register: name it."
                )
            elif "tenders" not in attrs:
                problems["tenders"] = _("Say how the sale was paid.")
            if attrs.get("payment") is not None:
                problems["payment"] = _("Give tenders or a payment, not both.")
            if (attrs.get("fulfilment") or {}).get("type", "carry_out") != "carry_out":
                problems["fulfilment"] = _("A till sale is taken home now (carry_out).")
            if attrs["channel"] != Channel.STORE:
                problems["channel"] = _("A till sale is a store sale.")
            if not attrs.get("external_reference", "").strip():
                problems["external_reference"] = _("A till sale needs its external_reference.")
            if problems:
                raise serializers.ValidationError(
                    {k: [exceptions.ErrorDetail(v, "invalid")] for k, v in problems.items()}
                )
            if not (attrs.get("customer") or "customer_id" in attrs):
                attrs["customer"] = {}
        customer = attrs.get("customer") or {}
        if (
            "customer_id" not in attrs
            and "register" not in attrs
            and not (customer.get("email", "").strip() or customer.get("phone", "").strip())
        ):
            raise serializers.ValidationError(
                {
                    "customer": [
                        exceptions.ErrorDetail(
                            _("Give customer_id, or the customer's email or phone."), "required"
                        )
                    ]
                }
            )
        if attrs["channel"] == Channel.STORE and not attrs.get("location"):
            raise serializers.ValidationError(
                {
                    "location": [
                        exceptions.ErrorDetail(_("A store sale names its store."), "required")
                    ]
                }
            )
        return attrs


class OrderFilter(UpdatedSinceFilter):
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    status = serializers.ChoiceField(choices=Order.Status.choices, required=False)
    location = serializers.CharField(max_length=20, required=False, help_text="Location code")
    customer = IdField(required=False, help_text="Customer id")
    number = serializers.CharField(max_length=20, required=False)
    external_reference = serializers.CharField(max_length=80, required=False)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class FulfilmentFilter(UpdatedSinceFilter):
    location = CommaSeparatedField(
        required=False, child=serializers.CharField(max_length=20), help_text="Location codes"
    )
    status = serializers.ChoiceField(choices=Fulfilment.Status.choices, required=False)
    kind = serializers.ChoiceField(choices=Fulfilment.Kind.choices, required=False)


TRANSITIONS = ["picking", "packed", "ready", "shipped", "delivered", "collected", "cancelled"]


class FulfilmentStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=TRANSITIONS,
        help_text="picking (placed → picking), packed (a parcel waits for the carrier), ready "
        "(a pickup waits at the store), shipped, delivered, collected (the shopper took the "
        "pickup), cancelled",
    )
    associate = serializers.CharField(max_length=30, required=False, help_text="Employee code")
    tracking_number = serializers.CharField(
        max_length=60, required=False, allow_blank=True, default=""
    )
    carrier = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="shipped: a carrier key (OMNI_CARRIERS, e.g. ups) for the tracking link",
    )
    code = serializers.CharField(
        max_length=40, required=False, help_text="collected: the order number the shopper shows"
    )
    quantities = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=MAX_LINE_QUANTITY),
        required=False,
        help_text="collected or shipped, partly: {order_line_id: units}",
    )
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")

    def validate_quantities(self, value: Mapping[str, int]) -> dict[int, int]:
        try:
            return {int(key): count for key, count in value.items()}
        except ValueError:
            raise serializers.ValidationError(
                _("Keys are order line ids."), code="invalid"
            ) from None

    def validate(self, attrs):
        if attrs["status"] == "collected" and not attrs.get("code"):
            raise serializers.ValidationError(
                {"code": [exceptions.ErrorDetail(_("Give the order code shown."), "required")]}
            )
        return attrs


# --- resolving codes to rows ------------------------------------------------------------------


def _invalid(field: str, message: str, code: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({field: [exceptions.ErrorDetail(message, code=code)]})


def _location(code: str, field: str) -> Location:
    location = Location.objects.filter(code=code).first()
    if location is None:
        raise _invalid(
            field, _("Unknown location “%(code)s”.") % {"code": code}, "unknown_location"
        )
    return location


def _associate(code: str | None, field: str = "associate") -> Associate | None:
    if not code:
        return None
    associate = Associate.objects.filter(employee_code=code, is_active=True).first()
    if associate is None:
        raise _invalid(
            field, _("No active associate “%(code)s”.") % {"code": code}, "unknown_associate"
        )
    return associate


def _variant_lines(lines: list[dict[str, Any]]) -> list[tuple[int, int]]:
    found = variant_ids_for_lines(lines)
    return [(found[line["sku"]], line["quantity"]) for line in lines]


def _payment(data: dict[str, Any] | None) -> services.PaymentChoice:
    if data is None:
        return services.PaymentChoice.external()
    method = data["method"]
    if method == "card":
        return services.PaymentChoice.card(data["card_number"])
    if method == "pay_in_store":
        return services.PaymentChoice.pay_in_store()
    if method == "store_credit":
        return services.PaymentChoice.store_credit()
    if method == "qr":
        return services.PaymentChoice.qr()
    if method == "cod":
        return services.PaymentChoice.cash_on_delivery()
    return services.PaymentChoice.external(reference=data["reference"])


def _ledger_tenders_allowed(request, data: list[dict[str, Any]]) -> None:
    """Spending a gift card, points or store credit needs the ``tenders:redeem`` scope as
    well as ``orders:write`` (on a register too)."""
    if not any(item["kind"] in LEDGER_TENDERS for item in data):
        return
    key = api_key_of(request)
    if key is not None and not key.has_scope(ApiScope.TENDERS_REDEEM):
        raise exceptions.PermissionDenied(
            _("This API key does not have the “%(scope)s” scope.")
            % {"scope": ApiScope.TENDERS_REDEEM},
            code="insufficient_scope",
        )


def _tenders(request, data: list[dict[str, Any]]) -> list[services.Tender]:
    """The payload's tenders; spending a gift card, points or store credit needs the
    ``tenders:redeem`` scope as well as ``orders:write``."""
    if not data:
        return []
    key = api_key_of(request)
    if key is not None and not key.has_scope(ApiScope.TENDERS_REDEEM):
        raise exceptions.PermissionDenied(
            _("This API key does not have the “%(scope)s” scope.")
            % {"scope": ApiScope.TENDERS_REDEEM},
            code="insufficient_scope",
        )
    tenders = []
    for item in data:
        amount = item.get("amount")
        if item["kind"] == "gift_card":
            tenders.append(services.Tender.gift_card(item["gift_card_code"], amount=amount))
        elif item["kind"] == "loyalty_points":
            tenders.append(services.Tender.loyalty_points(amount=amount))
        else:
            tenders.append(services.Tender.store_credit(amount=amount))
    return tenders


def _fulfilment(data: dict[str, Any] | None) -> services.FulfilmentChoice:
    if data is None or data["type"] == "carry_out":
        return services.CarryOut()
    if data["type"] == "ship":
        return services.ShipTo(dict(data["address"]))
    store = _location(data["store"], "fulfilment.store")
    return services.PickupAt(store=store)


def _till_sale(
    data, location, associate, lines, customer, identity, *, manual_discount=None
) -> tuple[Order, bool]:
    """A POS sale posted with its register and tenders: the till's own sale service, so
    the shift's cash, the X/Z reports and the idempotency are the same as on the screen."""
    if location is None:
        raise _invalid("location", _("A till sale names its store."), "required")
    if any(t.get("amount") is None for t in data["tenders"]):
        raise _invalid("tenders", _("On a register, give each tender's amount."), "required")
    register = till_selectors.register_by_code(location=location, code=data["register"])
    if register is None:
        raise _invalid(
            "register",
            _("No register “%(code)s” at this store.") % {"code": data["register"]},
            "unknown_register",
        )
    shift = till_services.shift_current(register=register)
    if "shift" in data and (shift is None or shift.pk != data["shift"]):
        raise _invalid("shift", _("That shift is not open on this register."), "shift_not_open")
    if shift is None:
        raise _invalid("shift", _("Open a shift on this register first."), "shift_not_open")
    reference = data["external_reference"].strip()
    key = "api:" + hashlib.sha256(f"{data['channel']}:{reference}".encode()).hexdigest()[:40]
    existed = till_selectors.sale_exists(idempotency_key=key)
    sale = till_services.sale_complete(
        shift=shift,
        associate=associate or shift.opened_by,
        lines=lines,
        tenders=[
            till_services.Tender(
                kind=t["kind"],
                amount=t["amount"],
                card_number=t.get("card_number", ""),
                reference=(
                    t.get("reference", "") if t["kind"] == "qr" else t.get("gift_card_code", "")
                ).strip(),
            )
            for t in data["tenders"]
        ],
        idempotency_key=key,
        customer=customer,
        contact=services.Contact(
            email=identity.get("email", "").strip(),
            phone=identity.get("phone", "").strip(),
            first_name=identity.get("first_name", "").strip(),
            last_name=identity.get("last_name", "").strip(),
        ),
        external_reference=reference,
        codes=tuple(data.get("codes") or ()),
        manual_discount=manual_discount,
    )
    if sale.order_id is None:  # pragma: no cover - only offline or a manager's oversell
        raise _invalid("lines", _("Not enough stock."), "insufficient_stock")
    return sale.order, not existed


@extend_schema_view(
    list=extend_schema(
        summary="List orders (filters, updated_since for sync)", parameters=[OrderFilter]
    ),
    retrieve=extend_schema(summary="An order with lines, fulfilments and payments"),
    create=extend_schema(
        summary="Create an order from a POS or a marketplace",
        description=(
            "The storefront's checkout, for an integration. A store sale (`channel: store`) "
            "names its `location`, is taken home at once (`fulfilment.type: carry_out`, the "
            "default) and takes its units from that store's stock; the payment defaults to "
            "`external` (paid on the till). The customer is matched by email, then phone, "
            "to the one existing customer, else created.\n\n"
            "**Idempotent by `external_reference`** (unique per channel): the first POST "
            "creates the order and answers 201; any later POST in the same channel with the "
            "same `external_reference` creates nothing, takes no stock and no payment, and "
            "answers 200 with the order the first one made (its body is not compared, so a "
            "retry may resend the same request). An `Idempotency-Key` header as well "
            "replays the first response byte for byte, 201 included. "
            "A key bound to locations names its `location`, may hold a pickup only at one "
            "of them (else 403 `location_not_allowed`) and takes stock only from them "
            "(shipments and transfers for a pickup; a shortage there is 409 "
            "`insufficient_stock`).\n\n"
            "**Tenders**: `tenders` (gift cards by `gift_card_code`, the customer's "
            "`loyalty_points` and `store_credit`, each with an optional most `amount`) pay "
            "first, in order; `payment` pays what they leave (without `payment`, nothing "
            "may be left: 402 `amount_remaining` with `details.remaining`). A short gift "
            "card pays what it has. All or nothing: a refusal takes nothing from any "
            "tender. Needs the `tenders:redeem` scope besides `orders:write`."
        ),
        request=OrderCreateSerializer,
        responses={
            201: OpenApiResponse(OrderSerializer, description="The order was created."),
            200: OpenApiResponse(
                OrderSerializer,
                description="An order with this `external_reference` already existed in "
                "the channel: that order, unchanged.",
            ),
        },
    ),
    cancel=extend_schema(
        summary="Cancel what has not left yet",
        request=CancelSerializer,
        responses={200: OrderSerializer},
    ),
)
class OrderViewSet(ListModelMixin, RetrieveModelMixin, ApiViewSet):
    serializer_class = OrderSerializer
    filter_serializer_class = OrderFilter
    http_method_names = ["get", "post", "head"]
    required_scopes = {
        "list": ApiScope.ORDERS_READ,
        "retrieve": ApiScope.ORDERS_READ,
        "create": ApiScope.ORDERS_WRITE,
        "cancel": ApiScope.ORDERS_WRITE,
    }

    def get_queryset(self):
        return orders_with_details()

    def apply_filters(self, queryset, filters):
        simple = {
            "channel": "channel",
            "status": "status",
            "location": "location__code",
            "customer": "customer_id",
            "external_reference": "external_reference",
        }
        for name, lookup in simple.items():
            if filters.get(name):
                queryset = queryset.filter(**{lookup: filters[name]})
        if filters.get("number"):
            queryset = queryset.filter(number=services.order_number_normalise(filters["number"]))
        return queryset

    @idempotent
    def create(self, request):
        data = self.input(OrderCreateSerializer)
        channel = data["channel"]
        codes = [data["location"]] if data.get("location") else []
        allowed = allowed_location_codes(request)
        if allowed is not None and not codes:
            raise exceptions.PermissionDenied(
                _("This API key sells from its own locations only: name the location."),
                code="location_not_allowed",
            )
        ensure_locations_allowed(request, codes)
        fulfilment = data.get("fulfilment") or {}
        if fulfilment.get("type") == "pickup":
            # A key bound to store A may not hold stock for a pickup at store B.
            ensure_locations_allowed(request, [fulfilment["store"]])
        location = _location(data["location"], "location") if codes else None
        # ...nor ship from, or transfer in from, a location it is not bound to.
        sources = (
            None
            if allowed is None
            else list(Location.objects.filter(code__in=allowed).values_list("pk", flat=True))
        )
        associate = _associate(data.get("associate"))
        lines = _variant_lines(data["lines"])
        customer = None
        if "customer_id" in data:
            customer = Customer.objects.filter(pk=data["customer_id"], is_active=True).first()
            if customer is None:
                raise _invalid("customer_id", _("No such customer."), "unknown_customer")
        reference = data["external_reference"].strip()
        identity = data.get("customer") or {}
        manual = data.get("manual_discount")
        if manual is not None:
            key = api_key_of(request)
            if key is not None and not key.has_scope(ApiScope.ORDERS_DISCOUNT):
                raise exceptions.PermissionDenied(
                    _("This API key does not have the “%(scope)s” scope.")
                    % {"scope": ApiScope.ORDERS_DISCOUNT},
                    code="insufficient_scope",
                )
            manual = services.ManualDiscount(
                reason=manual["reason"], percent=manual.get("percent"), amount=manual.get("amount")
            )
        if "register" in data:
            _ledger_tenders_allowed(request, data.get("tenders") or [])
            order, created = _till_sale(
                data, location, associate, lines, customer, identity, manual_discount=manual
            )
            return self.output(
                self.get_queryset().get(pk=order.pk),
                status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            )
        tenders = _tenders(request, data.get("tenders") or [])
        payment = _payment(data.get("payment"))
        if tenders and data.get("payment") is None:
            # Tenders alone: nothing is recorded as paid elsewhere unless it is said so.
            payment = services.PaymentChoice.tenders_only()
        placement = services.order_place(
            services.OrderRequest.api(
                channel=channel,
                lines=lines,
                fulfilment=_fulfilment(data.get("fulfilment")),
                payment=payment,
                external_reference=reference,
                customer=customer,
                contact=services.Contact(
                    email=identity.get("email", "").strip(),
                    phone=identity.get("phone", "").strip(),
                    first_name=identity.get("first_name", "").strip(),
                    last_name=identity.get("last_name", "").strip(),
                ),
                location=location,
                associate=associate,
                marketing_email_opt_in=data["marketing_email_opt_in"],
                source_location_ids=sources,
                codes=data["codes"],
                manual_discount=manual,
                tenders=tenders,
            )
        )
        order = placement.order
        if not placement.created and order.location_id is not None:
            # A retry is answered with the order it made, never with another store's.
            ensure_locations_allowed(request, [order.location.code])
        return self.output(
            self.get_queryset().get(pk=order.pk),
            status_code=status.HTTP_201_CREATED if placement.created else status.HTTP_200_OK,
        )

    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request, pk=None):
        order = self.get_object()
        if allowed_location_codes(request) is not None:
            ensure_locations_allowed(request, [f.location.code for f in order.fulfilments.all()])
        data = self.input(CancelSerializer)
        services.order_cancel(order=order, reason=data["reason"])
        return self.output(self.get_queryset().get(pk=order.pk))


@extend_schema_view(
    list=extend_schema(
        summary="List fulfilments (a WMS's or a store's queue)", parameters=[FulfilmentFilter]
    ),
    retrieve=extend_schema(summary="A fulfilment"),
    transition=extend_schema(
        summary="Move a fulfilment to its next status",
        description=(
            "placed → picking → packed → shipped → delivered for a shipment (shipped with "
            "`quantities` sends part of it, the rest follows as a new shipment); placed → "
            "picking → ready → collected for a pickup; cancelled while not left. Each step is the "
            "back-office's own (stock committed or released, the shopper told, refunds). A "
            "step the status does not allow is 409 `invalid_transition`. A key bound to "
            "locations may only move their fulfilments."
        ),
        request=FulfilmentStatusSerializer,
        responses={200: FulfilmentSerializer},
    ),
)
class FulfilmentViewSet(ListModelMixin, RetrieveModelMixin, ApiViewSet):
    serializer_class = FulfilmentSerializer
    filter_serializer_class = FulfilmentFilter
    required_scopes = {
        "list": ApiScope.ORDERS_READ,
        "retrieve": ApiScope.ORDERS_READ,
        "transition": ApiScope.ORDERS_WRITE,
    }

    def get_queryset(self):
        return Fulfilment.objects.select_related("location", "order").prefetch_related(
            Prefetch("lines", queryset=FulfilmentLine.objects.order_by("pk"))
        )

    def apply_filters(self, queryset, filters):
        if filters.get("location"):
            queryset = queryset.filter(location__code__in=filters["location"])
        if filters.get("status"):
            queryset = queryset.filter(status=filters["status"])
        if filters.get("kind"):
            queryset = queryset.filter(kind=filters["kind"])
        return queryset

    @action(detail=True, methods=["post"], url_path="status")
    @idempotent
    def transition(self, request, pk=None):
        fulfilment = self.get_object()
        ensure_locations_allowed(request, [fulfilment.location.code])
        data = self.input(FulfilmentStatusSerializer)
        associate = _associate(data.get("associate"))
        step = data["status"]
        if step == "picking":
            services.fulfilment_start_picking(fulfilment=fulfilment, associate=associate)
        elif step == "packed":
            services.fulfilment_pack(fulfilment=fulfilment, associate=associate)
        elif step == "ready":
            services.fulfilment_ready(fulfilment=fulfilment, associate=associate)
        elif step == "shipped":
            services.fulfilment_ship(
                fulfilment=fulfilment,
                tracking_number=data["tracking_number"],
                carrier=data["carrier"],
                quantities=data.get("quantities"),
                associate=associate,
            )
        elif step == "delivered":
            services.fulfilment_deliver(fulfilment=fulfilment)
        elif step == "collected":
            services.fulfilment_collect(
                fulfilment=fulfilment,
                code=data["code"],
                quantities=data.get("quantities"),
                associate=associate,
            )
        else:
            services.fulfilment_cancel(
                fulfilment=fulfilment, associate=associate, reason=data["reason"]
            )
        return self.output(self.get_queryset().get(pk=fulfilment.pk))


# --- QR payment confirmations ---------------------------------------------------------------


class QrCallbackSerializer(serializers.Serializer):
    reference = serializers.CharField(help_text="The payment's provider_reference")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="What was paid")
    currency = serializers.CharField(max_length=3, help_text="ISO 4217, e.g. THB")
    transaction_id = serializers.CharField(required=False, help_text="The bank's own id")


class QrCallbackResultSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="captured")
    order_number = serializers.CharField()
    payment_id = serializers.IntegerField()
    already_captured = serializers.BooleanField(
        help_text="True for a replayed callback: nothing was changed"
    )


class QrPaymentCallbackView(APIView):
    """The QR provider's confirmation that a code was paid (machine to machine: signed,
    not authenticated by an API key)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    # The body is read raw: the signature is over its exact bytes.
    parser_classes: list = []

    @extend_schema(
        summary="A QR payment was paid (provider callback)",
        description=(
            "Sent by the QR payment provider when the shopper's bank confirms the "
            "payment. The body is JSON `{reference, amount, currency, transaction_id}`; "
            "the header `X-Omni-Signature` is `sha256=` and the hex HMAC-SHA256 of the raw "
            "body with `OMNI_QR_CALLBACK_SECRET`. The payment is captured and the order "
            "goes ahead (confirmation email). **Idempotent**: a replay answers 200 with "
            "`already_captured: true` and changes nothing. 400 `bad_signature`, "
            "`malformed_callback`, `unknown_reference` or `amount_mismatch` (nothing "
            "written); 409 `payment_expired` when the code expired and the order was "
            "cancelled."
        ),
        request=QrCallbackSerializer,
        responses={200: QrCallbackResultSerializer},
        auth=[],
    )
    def post(self, request):
        try:
            if request.content_type.split(";")[0].strip() != "application/json":
                raise RawPostDataException
            body = request.body
        except RawPostDataException:
            raise QrCallbackInvalid(
                _('The callback body must be JSON with "reference" and "amount".'),
                code="malformed_callback",
            ) from None
        result = services.qr_callback_confirm(
            body=body, signature=request.headers.get("X-Omni-Signature", "")
        )
        payment = result.payment
        return Response(
            {
                "status": payment.status,
                "order_number": payment.order.number,
                "payment_id": payment.pk,
                "already_captured": not result.captured,
            }
        )
