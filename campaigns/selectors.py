"""Reads of campaigns used by more than one surface."""

from __future__ import annotations

from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from campaigns.models import BackInStockRequest


def demand_for_location(*, location_id: int) -> QuerySet:
    """The open, unexpired back-in-stock requests at one store, one row per size: the
    variant's product, size, colour and SKU, how many asked, since when. One query
    (grouped), most asked first."""
    return (
        BackInStockRequest.objects.filter(
            location_id=location_id,
            status=BackInStockRequest.Status.OPEN,
            expires_at__gt=timezone.now(),
        )
        .values(
            "variant_id",
            "variant__sku",
            "variant__size",
            "variant__colour",
            "variant__product__name",
            "variant__product__slug",
        )
        .annotate(waiting=Count("pk"), since=Min("created_at"))
        .order_by("-waiting", "since", "variant_id")
    )
