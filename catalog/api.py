"""API: products and variants — reads (with the price in force now, the same in every
channel), a variant by SKU or barcode, and writes (scope ``catalog:write``) through
``catalog.services``: create a product with its variants and prices in one POST
(idempotent), change a product or a variant with PATCH, set a price."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog import services
from catalog.models import Category, Price, Product, Variant
from catalog.slugs import slug_validate
from omni.api.idempotency import idempotent
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
from omni.money import MONEY_DIGITS, MinorUnitsValidator


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
    amount = serializers.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2)
    compare_at_amount = serializers.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=2, allow_null=True
    )
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
    # The market charges its rate of this class (standard, reduced, zero).
    tax_class = serializers.ChoiceField(choices=Category.TaxClass.choices, read_only=True)


class ProductTranslationSerializer(serializers.Serializer):
    """A product's name and description in one language; null (or blank, on input):
    none, so the default language's (English) text shows."""

    name = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    description = serializers.CharField(
        max_length=20000, required=False, allow_blank=True, allow_null=True
    )


class TranslationsField(serializers.DictField):
    """``{"th": {"name": ..., "description": ...}, "fa": {...}}``: the languages of
    ``LANGUAGES`` other than the default (English, which is ``name``/``description``)."""

    child = ProductTranslationSerializer()

    def to_internal_value(self, data):
        if isinstance(data, dict):
            others = services.translation_languages()
            unknown = {
                str(code): [
                    _("Not one of the shop's other languages: %(languages)s.")
                    % {"languages": ", ".join(others)}
                ]
                for code in data
                if code not in others
            }
            if unknown:
                raise serializers.ValidationError(unknown, code="invalid")
        values = super().to_internal_value(data)
        return {code: {k: v or "" for k, v in fields.items()} for code, fields in values.items()}


def product_translations(product: Product) -> dict[str, dict[str, str | None]]:
    return {
        code: {field: getattr(product, f"{field}_{code}", None) or None for field in TRANSLATED}
        for code in services.translation_languages()
    }


TRANSLATED = ("name", "description")
TRANSLATIONS_HELP = (
    "Name and description per language other than the default "
    f"({settings.LANGUAGE_CODE}): keys are language codes."
)


class ProductSerializer(serializers.ModelSerializer):
    """``name`` and ``description`` are in the request's ``Accept-Language`` (the default
    language's text where that one has none); ``translations`` has every language's own."""

    category = CategoryRefSerializer()
    variants = VariantSerializer(many=True)
    translations = serializers.SerializerMethodField(help_text=TRANSLATIONS_HELP)

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
            "translations",
            "variants",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(TranslationsField(help_text=TRANSLATIONS_HELP))
    def get_translations(self, product: Product) -> dict:
        return product_translations(product)


# --- writes -----------------------------------------------------------------------------------

MAX_VARIANTS_PER_PRODUCT = 100
POSITION_MAX = 2**31 - 1


class PriceInputSerializer(serializers.Serializer):
    # In the install's currency (the price book's): a fraction of a dong or rial is refused.
    amount = serializers.DecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=2,
        min_value=Decimal("0"),
        validators=[MinorUnitsValidator()],
    )
    compare_at_amount = serializers.DecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=2,
        min_value=Decimal("0"),
        validators=[MinorUnitsValidator()],
        required=False,
        allow_null=True,
        help_text='The "was" price of a promotion (higher than amount)',
    )
    valid_from = serializers.DateTimeField(required=False, help_text="Default: now")
    valid_until = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Empty: the new base price"
    )

    def validate(self, attrs):
        compare_at = attrs.get("compare_at_amount")
        if compare_at is not None and compare_at <= attrs["amount"]:
            raise serializers.ValidationError(
                {"compare_at_amount": [_("Must be higher than the amount.")]}, code="invalid"
            )
        start, end = attrs.get("valid_from"), attrs.get("valid_until")
        if end is not None and end <= (start or timezone.now()):
            raise serializers.ValidationError(
                {"valid_until": [_("Must be after the price starts.")]}, code="invalid"
            )
        return attrs


class _VariantFieldsSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=40)
    barcode = serializers.CharField(max_length=32, required=False, allow_null=True)
    size = serializers.CharField(max_length=20, required=False, allow_blank=True)
    colour = serializers.CharField(max_length=40, required=False, allow_blank=True)
    colour_hex = serializers.RegexField(
        r"^(#[0-9A-Fa-f]{6})?$", max_length=7, required=False, allow_blank=True
    )
    position = serializers.IntegerField(min_value=0, max_value=POSITION_MAX, required=False)
    is_active = serializers.BooleanField(required=False)
    price = PriceInputSerializer(required=False)


class NestedVariantInputSerializer(_VariantFieldsSerializer):
    """A variant made with its product."""


class VariantCreateSerializer(_VariantFieldsSerializer):
    product = IdField(help_text="Product id")

    def validate_product(self, value: int) -> Product:
        product = Product.objects.filter(pk=value).first()
        if product is None:
            raise serializers.ValidationError(_("No such product."), code="does_not_exist")
        return product


class VariantUpdateSerializer(_VariantFieldsSerializer):
    sku = serializers.CharField(max_length=40, required=False)


def _category(slug: str) -> Category:
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        raise serializers.ValidationError(_("No such category."), code="does_not_exist")
    return category


class ProductCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, help_text="In the default language")
    slug = serializers.CharField(
        max_length=220, required=False, validators=[slug_validate], help_text="Default: from name"
    )
    category = serializers.CharField(max_length=140, help_text="Category slug")
    brand = serializers.CharField(max_length=100, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    is_active = serializers.BooleanField(required=False)
    is_final_sale = serializers.BooleanField(required=False)
    translations = TranslationsField(required=False, help_text=TRANSLATIONS_HELP)
    variants = NestedVariantInputSerializer(
        many=True, required=False, max_length=MAX_VARIANTS_PER_PRODUCT
    )

    def validate_category(self, value: str) -> Category:
        return _category(value)

    def validate_variants(self, variants: list[dict]) -> list[dict]:
        """SKUs and barcodes must be new and not repeat in the request (one query), so a
        clash is reported at its path (``variants[2].sku``) before anything is written."""
        errors: dict[int, dict[str, list]] = {}
        for field in ("sku", "barcode"):
            values = [v.get(field) for v in variants]
            taken = set(
                Variant.objects.filter(**{f"{field}__in": [x for x in values if x]}).values_list(
                    field, flat=True
                )
            )
            seen: set[str] = set()
            for index, value in enumerate(values):
                if not value:
                    continue
                if value in taken or value in seen:
                    errors.setdefault(index, {})[field] = [
                        exceptions.ErrorDetail(
                            _("“%(value)s” is already used.") % {"value": value}, code="duplicate"
                        )
                    ]
                seen.add(value)
        if errors:
            raise serializers.ValidationError(
                [errors.get(i, {}) for i in range(len(variants))], code="duplicate"
            )
        return variants


class ProductUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=200, required=False, help_text="In the default language"
    )
    slug = serializers.CharField(max_length=220, required=False, validators=[slug_validate])
    category = serializers.CharField(max_length=140, required=False, help_text="Category slug")
    brand = serializers.CharField(max_length=100, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    is_active = serializers.BooleanField(required=False)
    is_final_sale = serializers.BooleanField(required=False)
    translations = TranslationsField(
        required=False, help_text=TRANSLATIONS_HELP + " Languages left out are unchanged."
    )

    def validate_category(self, value: str) -> Category:
        return _category(value)


# --- filters ----------------------------------------------------------------------------------


class ProductFilter(UpdatedSinceFilter):
    category = serializers.CharField(required=False, max_length=140, help_text="Category slug")
    is_active = QueryBooleanField(required=False)
    slug = serializers.CharField(required=False, max_length=220)


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
    create=extend_schema(
        summary="Create a product, with its variants and prices",
        description="All or nothing: a SKU or barcode already used (or repeated in the "
        "request) is reported at its path, e.g. `variants[2].sku`.",
        request=ProductCreateSerializer,
        responses={201: ProductSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a product",
        description="`is_active` puts the product (all its variants) on sale or takes it "
        "off; nearest-store availability follows.",
        request=ProductUpdateSerializer,
        responses={200: ProductSerializer},
    ),
)
class ProductViewSet(ListModelMixin, RetrieveModelMixin, ApiViewSet):
    serializer_class = ProductSerializer
    filter_serializer_class = ProductFilter
    http_method_names = ["get", "post", "patch", "head"]
    required_scopes = {
        "list": ApiScope.CATALOG_READ,
        "retrieve": ApiScope.CATALOG_READ,
        "create": ApiScope.CATALOG_WRITE,
        "partial_update": ApiScope.CATALOG_WRITE,
    }

    def _fresh(self, product: Product) -> Product:
        return self.get_queryset().get(pk=product.pk)

    @idempotent
    def create(self, request):
        data = self.input(ProductCreateSerializer)
        product = services.product_create(**data)
        return self.output(self._fresh(product), status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        product = self.get_object()
        data = self.input(ProductUpdateSerializer)
        product = services.product_update(product=product, **data)
        return self.output(self._fresh(product))

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
    create=extend_schema(
        summary="Create a variant (SKU) of a product, with its price",
        request=VariantCreateSerializer,
        responses={201: VariantSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a variant, or set its price",
        description="`price` adds a row to the one price book: without `valid_until` it "
        "is the new base price from `valid_from` (default now); with it, a promotion for "
        "that window. `is_active` puts the SKU on sale or takes it off.",
        request=VariantUpdateSerializer,
        responses={200: VariantSerializer},
    ),
)
class VariantViewSet(ListModelMixin, RetrieveModelMixin, ApiViewSet):
    serializer_class = VariantSerializer
    filter_serializer_class = VariantFilter
    http_method_names = ["get", "post", "patch", "head"]
    required_scopes = {
        "list": ApiScope.CATALOG_READ,
        "retrieve": ApiScope.CATALOG_READ,
        "lookup": ApiScope.CATALOG_READ,
        "create": ApiScope.CATALOG_WRITE,
        "partial_update": ApiScope.CATALOG_WRITE,
    }

    def get_queryset(self):
        return variants_with_price()

    def _fresh(self, variant: Variant) -> Variant:
        return self.get_queryset().get(pk=variant.pk)

    @idempotent
    def create(self, request):
        data = self.input(VariantCreateSerializer)
        variant = services.variant_create(**data)
        return self.output(self._fresh(variant), status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        variant = self.get_object()
        data = self.input(VariantUpdateSerializer)
        variant = services.variant_update(variant=variant, **data)
        return self.output(self._fresh(variant))

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
            raise exceptions.NotFound(
                _("No variant has the SKU or barcode “%(code)s”.") % {"code": code}
            )
        return Response(VariantSerializer(variant).data)
