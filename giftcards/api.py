"""``/api/v1/gift-cards/``: issue a card (``gift_cards:issue``; the code is in the 201
answer only) and check a balance by POSTing the code (``gift_cards:read``; never in a URL,
where it would end up in logs). Spending is an order's tender (``orders`` API,
``tenders`` in the payload)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from giftcards import services
from giftcards.models import GiftCard
from omni.api.idempotency import idempotent
from omni.api.viewsets import ApiViewSet
from omni.models import ApiScope


class GiftCardSerializer(serializers.ModelSerializer):
    """A card without its code: the last four characters, the balance, the status."""

    balance = serializers.SerializerMethodField()
    expired = serializers.SerializerMethodField()

    class Meta:
        model = GiftCard
        fields = [
            "id",
            "last4",
            "currency",
            "initial_amount",
            "balance",
            "status",
            "expired",
            "expires_at",
            "source",
            "delivery",
            "created_at",
        ]

    def get_balance(self, card) -> str:
        return str(services.gift_card_balance(card=card))

    def get_expired(self, card) -> bool:
        return card.is_expired()


class IssuedGiftCardSerializer(GiftCardSerializer):
    code = serializers.SerializerMethodField()

    class Meta(GiftCardSerializer.Meta):
        fields = [*GiftCardSerializer.Meta.fields, "code"]

    def get_code(self, card) -> str:
        return self.context.get("code", "")


class GiftCardIssueSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=Decimal("0.01"))
    reason = serializers.CharField(max_length=255)
    delivery = serializers.ChoiceField(
        choices=GiftCard.Delivery.choices, default=GiftCard.Delivery.PHYSICAL
    )
    recipient_email = serializers.EmailField(required=False, allow_blank=True, default="")
    recipient_name = serializers.CharField(
        max_length=120, required=False, allow_blank=True, default=""
    )
    message = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs["delivery"] == GiftCard.Delivery.EMAIL and not attrs["recipient_email"]:
            raise serializers.ValidationError(
                {"recipient_email": [_("An emailed card needs the recipient’s email.")]}
            )
        return attrs


class GiftCardBalanceSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40, write_only=True)


class GiftCardViewSet(ApiViewSet):
    serializer_class = GiftCardSerializer
    http_method_names = ["post"]
    required_scopes = {"create": ApiScope.GIFT_CARDS_ISSUE, "balance": ApiScope.GIFT_CARDS_READ}

    def get_queryset(self):
        return GiftCard.objects.all()

    @extend_schema(
        summary="Issue a gift card",
        description="Staff or an integration issues a card with a reason. The code is in "
        "this answer only (stored hashed); an emailed card's code also goes to the "
        "recipient. Amounts outside the market's bounds are 400 on `amount`. With an "
        "`Idempotency-Key` a retry gets the same card (its answer, code included, is kept "
        "for the key's 24 hours); without one every POST issues a new card.",
        request=GiftCardIssueSerializer,
        responses={201: IssuedGiftCardSerializer},
    )
    @idempotent
    def create(self, request):
        data = self.input(GiftCardIssueSerializer)
        issued = services.gift_card_issue(
            amount=data["amount"],
            source=GiftCard.Source.ISSUED,
            reason=f"{data['reason']} ({self.actor()})"[:255],
            issued_by=request.user if getattr(request.user, "pk", None) else None,
            delivery=data["delivery"],
            recipient_email=data["recipient_email"],
            recipient_name=data["recipient_name"],
            message=data["message"],
        )
        if data["delivery"] == GiftCard.Delivery.EMAIL:
            services.gift_card_code_send(card=issued.card, code=issued.code)
        return Response(
            IssuedGiftCardSerializer(issued.card, context={"code": issued.code}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Check a gift card's balance",
        description="POST the code (never in a URL). An unknown, disabled or expired card "
        "is 404 `gift_card_not_found` (one answer for all).",
        request=GiftCardBalanceSerializer,
        responses={200: GiftCardSerializer},
    )
    @action(detail=False, methods=["post"])
    @idempotent
    def balance(self, request):
        data = self.input(GiftCardBalanceSerializer)
        card = services.gift_card_find(code=data["code"])
        return self.output(card)
