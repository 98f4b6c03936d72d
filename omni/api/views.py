"""API: webhook subscriptions and their delivery log. A key manages its own
subscriptions (scope ``webhooks:manage``); staff see them all."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from omni.api import services
from omni.api.idempotency import idempotent
from omni.api.permissions import api_key_of
from omni.api.viewsets import ApiViewSet, ListModelMixin, RetrieveModelMixin, UpdatedSinceFilter
from omni.models import ApiScope, WebhookDelivery, WebhookEvent, WebhookSubscription

EVENT_CHOICES = [*WebhookEvent.values, "*"]


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_CHOICES))

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "description", "is_active", "created_at", "updated_at"]
        read_only_fields = fields


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(
        help_text="Signs every delivery (HMAC-SHA256); shown only in this response"
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookUrlField(serializers.URLField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not value.lower().startswith(("http://", "https://")):
            raise serializers.ValidationError(_("Use an http or https URL."), code="invalid")
        return value


class WebhookSubscriptionInputSerializer(serializers.Serializer):
    url = WebhookUrlField()
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_CHOICES),
        allow_empty=False,
        max_length=len(EVENT_CHOICES),
        help_text="Events to receive; * for all",
    )
    description = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class WebhookSubscriptionUpdateSerializer(serializers.Serializer):
    url = WebhookUrlField(required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_CHOICES),
        allow_empty=False,
        max_length=len(EVENT_CHOICES),
        required=False,
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "event_id",
            "attempt",
            "status",
            "response_status",
            "error",
            "duration_ms",
            "next_attempt_at",
            "created_at",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="List webhook subscriptions", parameters=[UpdatedSinceFilter]),
    retrieve=extend_schema(summary="A webhook subscription"),
    create=extend_schema(
        summary="Subscribe a URL to events",
        description="Deliveries are POSTed as JSON, signed: `X-Omni-Signature: sha256=<hex "
        'HMAC-SHA256 of "{X-Omni-Timestamp}.{body}" with the secret>`; retried with '
        "exponential backoff until a 2xx answer.",
        request=WebhookSubscriptionInputSerializer,
        responses={201: WebhookSubscriptionCreatedSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a subscription",
        request=WebhookSubscriptionUpdateSerializer,
        responses={200: WebhookSubscriptionSerializer},
    ),
    destroy=extend_schema(summary="Delete a subscription", responses={204: None}),
    deliveries=extend_schema(
        summary="The subscription's delivery log, newest first",
        responses={200: WebhookDeliverySerializer(many=True)},
    ),
)
class WebhookSubscriptionViewSet(ListModelMixin, RetrieveModelMixin, ApiViewSet):
    serializer_class = WebhookSubscriptionSerializer
    filter_serializer_class = UpdatedSinceFilter
    http_method_names = ["get", "post", "patch", "delete", "head"]
    required_scopes = {
        action: ApiScope.WEBHOOKS_MANAGE
        for action in (
            "list",
            "retrieve",
            "create",
            "partial_update",
            "destroy",
            "deliveries",
        )
    }

    def get_queryset(self):
        queryset = WebhookSubscription.objects.all()
        key = api_key_of(self.request)
        return queryset.filter(api_key=key) if key is not None else queryset

    @idempotent
    def create(self, request):
        data = self.input(WebhookSubscriptionInputSerializer)
        subscription = services.webhook_subscription_create(
            url=data["url"],
            events=data["events"],
            description=data["description"],
            api_key=api_key_of(request),
        )
        return self.output(
            subscription, WebhookSubscriptionCreatedSerializer, status_code=status.HTTP_201_CREATED
        )

    def partial_update(self, request, pk=None):
        subscription = self.get_object()
        data = self.input(WebhookSubscriptionUpdateSerializer)
        subscription = services.webhook_subscription_update(subscription=subscription, **data)
        return self.output(subscription)

    def destroy(self, request, pk=None):
        services.webhook_subscription_delete(subscription=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        subscription = self.get_object()
        self.ordering = ("id",)
        page = self.paginate_queryset(WebhookDelivery.objects.filter(subscription=subscription))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
