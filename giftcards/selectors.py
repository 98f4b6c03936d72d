"""Reads of gift cards used by more than one surface."""

from __future__ import annotations

from django.db.models import QuerySet

from giftcards.models import GiftCard, GiftCardEntry, GiftCardProduct


def gift_card_entries(*, card: GiftCard, limit: int = 50) -> QuerySet[GiftCardEntry]:
    """The card's ledger, newest first."""
    return GiftCardEntry.objects.filter(card_id=card.pk).select_related("location")[:limit]


def gift_cards_for_reference(
    *, reference_type: str, reference_ids: list[str]
) -> QuerySet[GiftCard]:
    """The cards issued for these rows (an order's lines, a refund)."""
    return GiftCard.objects.filter(reference_type=reference_type, reference_id__in=reference_ids)


def gift_card_product_for_sale() -> GiftCardProduct | None:
    """The emailed gift card the storefront sells on ``/gift-cards/buy/`` (its variant
    active; the product itself may be unlisted), or None when the shop sells none."""
    return (
        GiftCardProduct.objects.filter(delivery=GiftCard.Delivery.EMAIL, variant__is_active=True)
        .select_related("variant__product")
        .order_by("pk")
        .first()
    )
