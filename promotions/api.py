"""API: promotions (read) and checking a code against a basket before the sale
(``POST /api/v1/vouchers/validate/``): the same pricing function as the checkout
(``orders.services.order_totals``), so a POS shows the shopper what the order will give."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, serializers
from rest_framework.decorators import action

from catalog.models import Category, Product, Variant
from catalog.surface import variant_ids_for_lines
from customers.models import Channel, Customer
from omni.api.viewsets import ApiViewSet, IdField, ListModelMixin, RetrieveModelMixin
from omni.models import ApiScope
from orders import selectors as order_selectors
from orders import services as order_services
from promotions.models import Promotion
from stores.models import Location

MAX_LINES = 100


class PromotionSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="public_label", read_only=True)
    product_ids = serializers.SerializerMethodField()
    variant_ids = serializers.SerializerMethodField()
    category_ids = serializers.SerializerMethodField()
    store_codes = serializers.SerializerMethodField()

    class Meta:
        model = Promotion
        fields = [
            "id",
            "name",
            "label",
            "trigger",
            "benefit",
            "value",
            "buy_quantity",
            "get_quantity",
            "product_ids",
            "variant_ids",
            "category_ids",
            "min_quantity",
            "min_amount",
            "first_order_only",
            "marketing_consent_only",
            "loyalty_members_only",
            "channels",
            "store_codes",
            "starts_on",
            "ends_on",
            "priority",
            "stacking",
            "limit_per_customer",
            "is_active",
            "updated_at",
        ]
        read_only_fields = fields

    def get_product_ids(self, obj) -> list[int]:
        return sorted(p.pk for p in obj.products.all())

    def get_variant_ids(self, obj) -> list[int]:
        return sorted(v.pk for v in obj.variants.all())

    def get_category_ids(self, obj) -> list[int]:
        return sorted(c.pk for c in obj.categories.all())

    def get_store_codes(self, obj) -> list[str]:
        return sorted(s.code for s in obj.stores.all())


class PromotionFilter(serializers.Serializer):
    updated_since = serializers.DateTimeField(required=False)
    active = serializers.BooleanField(required=False, default=None, allow_null=True)


class ValidateLineSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=100, help_text="SKU or barcode")
    quantity = serializers.IntegerField(min_value=1, max_value=999)


class VoucherValidateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.STORE)
    location = serializers.CharField(
        max_length=20, required=False, help_text="Code of the store the sale is made in"
    )
    customer_id = IdField(required=False)
    lines = ValidateLineSerializer(many=True, allow_empty=False, max_length=MAX_LINES)


@extend_schema_view(
    list=extend_schema(summary="List promotions", parameters=[PromotionFilter]),
    retrieve=extend_schema(summary="A promotion"),
)
class PromotionViewSet(ListModelMixin, RetrieveModelMixin, ApiViewSet):
    serializer_class = PromotionSerializer
    filter_serializer_class = PromotionFilter
    http_method_names = ["get", "head"]
    required_scopes = {"list": ApiScope.PROMOTIONS_READ, "retrieve": ApiScope.PROMOTIONS_READ}

    def get_queryset(self):
        return Promotion.objects.prefetch_related(
            Prefetch("products", queryset=Product.objects.only("pk")),
            Prefetch("variants", queryset=Variant.objects.only("pk")),
            Prefetch("categories", queryset=Category.objects.only("pk")),
            Prefetch("stores", queryset=Location.objects.only("pk", "code")),
        )

    def apply_filters(self, queryset, filters):
        if filters.get("active") is not None:
            queryset = queryset.filter(is_active=filters["active"])
        return queryset


class VoucherValidateResultSerializer(serializers.Serializer):
    code = serializers.CharField()
    valid = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)
    kind = serializers.CharField(allow_blank=True)
    discount = serializers.DecimalField(max_digits=18, decimal_places=2)
    currency = serializers.CharField()


class VoucherViewSet(ApiViewSet):
    serializer_class = VoucherValidateResultSerializer
    http_method_names = ["post"]
    required_scopes = {"validate": ApiScope.PROMOTIONS_READ}

    def get_queryset(self):
        return Promotion.objects.none()

    @extend_schema(
        summary="Check a discount code against a basket",
        description=(
            "Prices the basket with the code through the checkout's own pricing function "
            "and says whether the code applies (`valid`), what it takes off (`discount`), "
            "or why not (`reason`, localised by Accept-Language; `kind`: unknown, expired, "
            "not_started, exhausted, channel, store, customer, minimum, not_applicable, "
            "not_combinable). Changes nothing."
        ),
        request=VoucherValidateSerializer,
        responses={200: VoucherValidateResultSerializer},
    )
    @action(detail=False, methods=["post"])
    def validate(self, request):
        data = self.input(VoucherValidateSerializer)
        location = None
        if data.get("location"):
            location = Location.objects.filter(code=data["location"]).first()
            if location is None:
                raise exceptions.ValidationError(
                    {
                        "location": [
                            exceptions.ErrorDetail(
                                _("Unknown location “%(code)s”.") % {"code": data["location"]},
                                "unknown_location",
                            )
                        ]
                    }
                )
        customer = None
        if "customer_id" in data:
            customer = Customer.objects.filter(pk=data["customer_id"], is_active=True).first()
            if customer is None:
                raise exceptions.ValidationError(
                    {"customer_id": [exceptions.ErrorDetail(_("No such customer."), "unknown")]}
                )
        found = variant_ids_for_lines(data["lines"])
        wanted: dict[int, int] = {}
        for line in data["lines"]:
            wanted[found[line["sku"]]] = wanted.get(found[line["sku"]], 0) + line["quantity"]
        variants = {v.pk: v for v in order_selectors.variants_priced(variant_ids=wanted)}
        lines = [
            order_services.TaxableLine(
                unit_price=variants[pk].price_amount,
                quantity=qty,
                tax_class=variants[pk].product.category.tax_class,
                key=pk,
                variant_id=pk,
                product_id=variants[pk].product_id,
                category_id=variants[pk].product.category_id,
            )
            for pk, qty in wanted.items()
            if pk in variants and variants[pk].price_amount is not None
        ]
        totals = order_services.order_totals(
            lines=lines,
            ships=False,
            channel=data["channel"],
            location=location,
            codes=[data["code"]],
            customer=order_services.customer_facts(customer),
        )
        typed = data["code"].strip().upper()
        refused = next((r for r in totals.rejected if r.code == typed), None)
        given = sum((a.amount for a in totals.applied if a.code == typed), 0)
        applies = refused is None and typed in totals.accepted_codes
        result = {
            "code": typed,
            "valid": applies,
            "reason": refused.reason if refused else "",
            "kind": refused.kind if refused else "",
            "discount": given if applies else 0,
            "currency": totals.currency,
        }
        return self.output(result)
