"""API: customers — lookup by email, phone or loyalty number, create (matched to the one
existing customer with that email or phone, else made), profile updates, consent, and the
timeline. Every write goes through ``customers.services``."""

from __future__ import annotations

import json

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from customers import selectors, services
from customers.models import Channel, ConsentState, ContactChannel, Customer, Interaction
from omni.api.idempotency import idempotent
from omni.api.viewsets import ApiViewSet, ListModelMixin, RetrieveModelMixin, UpdatedSinceFilter
from omni.models import ApiScope
from stores.models import Location

MAX_PREFERENCES_BYTES = 10_000


class ConsentSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ContactChannel.choices)
    state = serializers.ChoiceField(choices=ConsentState.choices)
    source = serializers.CharField()
    changed_at = serializers.DateTimeField()


class CustomerSerializer(serializers.ModelSerializer):
    # Blank when unknown, so a plain string in the schema (not format: email).
    email = serializers.CharField(read_only=True)
    home_store = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    consents = ConsentSerializer(many=True, help_text="Consent given per contact channel")

    class Meta:
        model = Customer
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "loyalty_number",
            "home_store",
            "birthday",
            "preferences",
            "source_channel",
            "language",
            "consents",
            "is_active",
            "merged_into_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CustomerFilter(UpdatedSinceFilter):
    pass


class CustomerLookupQuery(serializers.Serializer):
    email = serializers.CharField(max_length=254, required=False)
    phone = serializers.CharField(max_length=32, required=False)
    loyalty_number = serializers.CharField(max_length=20, required=False)
    q = serializers.CharField(max_length=100, required=False, help_text="A name, or any of those")

    def validate(self, attrs):
        given = [value for value in attrs.values() if value.strip()]
        if len(given) != 1:
            raise serializers.ValidationError(
                _("Give exactly one of email, phone, loyalty_number or q."), code="one_query"
            )
        return attrs


class CustomerLookupSerializer(serializers.Serializer):
    results = CustomerSerializer(many=True)


class StoreCodeField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        kwargs.setdefault("queryset", Location.objects.all())
        super().__init__(**kwargs)


class CustomerCreateSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    first_name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    home_store = StoreCodeField(required=False, allow_null=True, help_text="Store code")
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        default=settings.LANGUAGE_CODE,
        help_text="The language of the emails and receipts a new customer gets",
    )

    def validate(self, attrs):
        if not attrs["email"].strip() and not attrs["phone"].strip():
            raise serializers.ValidationError(
                {"email": [exceptions.ErrorDetail(_("Give an email or a phone."), "required")]}
            )
        return attrs


class CustomerUpdateSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=80, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=80, required=False, allow_blank=True)
    home_store = StoreCodeField(required=False, allow_null=True, help_text="Store code")
    birthday = serializers.DateField(required=False, allow_null=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    preferences = serializers.DictField(
        required=False, help_text="Colours, styles, fits: replaces the whole object"
    )

    def validate_preferences(self, value: dict) -> dict:
        text = json.dumps(value)
        if "\\u0000" in text:
            raise serializers.ValidationError(
                _("Text may not contain NUL characters."), "null_characters_not_allowed"
            )
        if len(text) > MAX_PREFERENCES_BYTES:
            raise serializers.ValidationError(
                _("At most %(count)s characters of preferences.")
                % {"count": MAX_PREFERENCES_BYTES},
                "max_length",
            )
        return value


class ConsentInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ContactChannel.choices)
    state = serializers.ChoiceField(choices=ConsentState.choices)


class TimelineQuery(serializers.Serializer):
    before = serializers.CharField(required=False, max_length=80, help_text="next_cursor")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200, default=25)


class InteractionSerializer(serializers.ModelSerializer):
    # In the request's language (Accept-Language); ``summary_key`` is stable across them.
    summary = serializers.CharField(source="summary_text", read_only=True)
    location = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    associate = serializers.CharField(
        source="associate.display_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Interaction
        fields = [
            "id",
            "kind",
            "channel",
            "summary",
            "summary_key",
            "summary_params",
            "location",
            "associate",
            "subject_type",
            "subject_id",
            "detail",
            "occurred_at",
        ]
        read_only_fields = fields


class TimelineSerializer(serializers.Serializer):
    next_cursor = serializers.CharField(allow_null=True)
    results = InteractionSerializer(many=True)


def _with_consents(customers: list[Customer]) -> list[Customer]:
    prefetch_related_objects(customers, "consents")
    return customers


@extend_schema_view(
    list=extend_schema(summary="List customers (for sync)", parameters=[CustomerFilter]),
    retrieve=extend_schema(summary="A customer"),
    lookup=extend_schema(
        summary="Find customers by email, phone, loyalty number or name",
        parameters=[CustomerLookupQuery],
        responses={200: CustomerLookupSerializer},
    ),
    create=extend_schema(
        summary="Create a customer, or match the existing one",
        description="The one customer with this email or phone is returned (200), blanks "
        "filled in; else a new customer is made (201). An email and a phone that belong to "
        "two different customers are refused (409 identity_conflict).",
        request=CustomerCreateSerializer,
        responses={200: CustomerSerializer, 201: CustomerSerializer},
    ),
    partial_update=extend_schema(
        summary="Update a customer's profile",
        request=CustomerUpdateSerializer,
        responses={200: CustomerSerializer},
    ),
    consent=extend_schema(
        summary="Set consent for a contact channel",
        description="marketing, one_to_one (from an associate only) or none; the change is "
        "kept in the consent history and on the timeline.",
        request=ConsentInputSerializer,
        responses={200: CustomerSerializer},
    ),
    timeline=extend_schema(
        summary="The customer's timeline, newest first",
        parameters=[TimelineQuery],
        responses={200: TimelineSerializer},
    ),
)
class CustomerViewSet(ListModelMixin, RetrieveModelMixin, ApiViewSet):
    serializer_class = CustomerSerializer
    filter_serializer_class = CustomerFilter
    http_method_names = ["get", "post", "patch", "head"]
    required_scopes = {
        "list": ApiScope.CUSTOMERS_READ,
        "retrieve": ApiScope.CUSTOMERS_READ,
        "lookup": ApiScope.CUSTOMERS_READ,
        "timeline": ApiScope.CUSTOMERS_READ,
        "create": ApiScope.CUSTOMERS_WRITE,
        "partial_update": ApiScope.CUSTOMERS_WRITE,
        "consent": ApiScope.CUSTOMERS_WRITE,
    }

    def get_queryset(self):
        return Customer.objects.select_related("home_store").prefetch_related("consents")

    def _fresh(self, customer: Customer) -> Customer:
        return self.get_queryset().get(pk=customer.pk)

    @action(detail=False, methods=["get"])
    def lookup(self, request):
        query = CustomerLookupQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        text = next(value for value in query.validated_data.values() if value.strip())
        found = _with_consents(selectors.customer_search(query=text))
        return Response({"results": CustomerSerializer(found, many=True).data})

    @idempotent
    def create(self, request):
        data = self.input(CustomerCreateSerializer)
        started = timezone.now()
        customer = services.customer_resolve(
            email=data["email"].strip(),
            phone=data["phone"].strip(),
            first_name=data["first_name"].strip(),
            last_name=data["last_name"].strip(),
            source=Channel.API,
            home_store=data.get("home_store"),
            language=data["language"],
        )
        created = customer.created_at >= started
        return self.output(
            self._fresh(customer),
            status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def partial_update(self, request, pk=None):
        customer = self.get_object()
        data = self.input(CustomerUpdateSerializer)
        customer = services.customer_update_profile(customer=customer, channel=Channel.API, **data)
        return self.output(self._fresh(customer))

    @action(detail=True, methods=["post"])
    @idempotent
    def consent(self, request, pk=None):
        customer = self.get_object()
        data = self.input(ConsentInputSerializer)
        services.consent_set(
            customer=customer, channel=data["channel"], state=data["state"], source=Channel.API
        )
        return self.output(self._fresh(customer))

    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        customer = self.get_object()
        query = TimelineQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = selectors.customer_timeline(
            customer=customer,
            before=query.validated_data.get("before"),
            limit=query.validated_data["limit"],
        )
        return Response(
            {
                "next_cursor": page.next_cursor,
                "results": InteractionSerializer(page.entries, many=True).data,
            }
        )
