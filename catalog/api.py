"""API: products and variants (read), a variant by SKU or barcode. Prices come from the one
price book (the price in force now), the same in every channel."""

from __future__ import annotations

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog.models import Price, Product, Variant
from omni.api.viewsets import (
    ApiViewSet,
    CommaSeparatedField,
    IdField,
    ListModelMixin,
    QueryBooleanField,
    RetrieveModelMixin,
    UpdatedSinceFilter,
)
from omni.models import ApiScope


def _current_price(field: str, ref: str = "pk") -> Subquery:
    return Subquery(
        Price.objects.current()
        .filter(variant_id=OuterRef(ref))
        .order_by("-valid_from")
        .values(field)[:1]
    )


def variants_with_price(queryset: QuerySet[Variant] | None = None) -> QuerySet[Variant]:
    """Variants annotated with the price in force: price_amount, price_compare_at,
    price_currency (None without a current price)."""
    queryset = queryset if queryset is not None else Variant.objects.all()
    return queryset.annotate(
        price_amount=_current_price("amount"),
        price_compare_at=_current_price("compare_at_amount"),
        price_currency=_current_price("currency"),
    )


# --- serializers ------------------------------------------------------------------------------


class PriceSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    compare_at_amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    currency = serializers.CharField()


class VariantSerializer(serializers.ModelSerializer):
    product_id = serializers.IntegerField()
    price = serializers.SerializerMethodField()

    class Meta:
        model = Variant
        fields = [
            "id",
            "product_id",
            "sku",
            "barcode",
            "size",
            "colour",
            "colour_hex",
            "position",
            "is_active",
            "price",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PriceSerializer(allow_null=True))
    def get_price(self, variant: Variant) -> dict | None:
        amount = getattr(variant, "price_amount", None)
        if amount is None:
            return None
        return PriceSerializer(
            {
                "amount": amount,
                "compare_at_amount": variant.price_compare_at,
                "currency": variant.price_currency,
            }
        ).data


class CategoryRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class ProductSerializer(serializers.ModelSerializer):
    category = CategoryRefSerializer()
    variants = VariantSerializer(many=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "slug",
            "name",
            "brand",
            "description",
            "category",
            "is_active",
            "is_final_sale",
            "variants",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- filters ----------------------------------------------------------------------------------


class ProductFilter(UpdatedSinceFilter):
    category = serializers.SlugField(required=False, help_text="Category slug")
    is_active = QueryBooleanField(required=False)
    slug = serializers.SlugField(required=False)


class VariantFilter(UpdatedSinceFilter):
    sku = CommaSeparatedField(required=False, help_text="One or more SKUs, comma-separated")
    barcode = CommaSeparatedField(required=False, help_text="One or more barcodes")
    product = IdField(required=False, help_text="Product id")
    is_active = QueryBooleanField(required=False)


class VariantLookupQuery(serializers.Serializer):
    code = serializers.CharField(max_length=100, help_text="A SKU or a barcode, as scanned")


# --- viewsets ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List products with their variants", parameters=[ProductFilter]),
    retrieve=extend_schema(summary="A product with its variants"),
)
class ProductViewSet(ListModelMixin, RetrieveModelMixin, ApiViewSet):
    serializer_class = ProductSerializer
    filter_serializer_class = ProductFilter
    required_scopes = {"list": ApiScope.CATALOG_READ, "retrieve": ApiScope.CATALOG_READ}

    def get_queryset(self):
        variants = variants_with_price(Variant.objects.order_by("position", "id"))
        return Product.objects.select_related("category").prefetch_related(
            Prefetch("variants", queryset=variants)
        )

    def apply_filters(self, queryset, filters):
        if filters.get("category"):
            queryset = queryset.filter(category__slug=filters["category"])
        if filters.get("slug"):
            queryset = queryset.filter(slug=filters["slug"])
        if filters.get("is_active") is not None:
            queryset = queryset.filter(is_active=filters["is_active"])
        return queryset


@extend_schema_view(
    list=extend_schema(summary="List variants (SKUs)", parameters=[VariantFilter]),
    retrieve=extend_schema(summary="A variant"),
    lookup=extend_schema(
        summary="A variant by SKU or barcode",
        description="What a scanner read: matched against SKUs and barcodes.",
        parameters=[VariantLookupQuery],
        responses={200: VariantSerializer},
    ),
)
class VariantViewSet(ListModelMixin, RetrieveModelMixin, ApiViewSet):
    serializer_class = VariantSerializer
    filter_serializer_class = VariantFilter
    required_scopes = {
        "list": ApiScope.CATALOG_READ,
        "retrieve": ApiScope.CATALOG_READ,
        "lookup": ApiScope.CATALOG_READ,
    }

    def get_queryset(self):
        return variants_with_price()

    def apply_filters(self, queryset, filters):
        if filters.get("sku"):
            queryset = queryset.filter(sku__in=filters["sku"])
        if filters.get("barcode"):
            queryset = queryset.filter(barcode__in=filters["barcode"])
        if filters.get("product"):
            queryset = queryset.filter(product_id=filters["product"])
        if filters.get("is_active") is not None:
            queryset = queryset.filter(is_active=filters["is_active"])
        return queryset

    @action(detail=False, methods=["get"])
    def lookup(self, request):
        query = VariantLookupQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        code = query.validated_data["code"].strip()
        variant = self.get_queryset().filter(Q(sku=code) | Q(barcode=code)).first()
        if variant is None:
            raise exceptions.NotFound(f"No variant has the SKU or barcode “{code}”.")
        return Response(VariantSerializer(variant).data)
