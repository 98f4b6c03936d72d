"""Reads for the till's screens, the API and the reports."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, QuerySet

from inventory.models import Stock
from stores.models import Location
from till.models import ParkedSale, Register, Shift, TillSale


def registers_at(*, location: Location) -> list[Register]:
    return list(Register.objects.filter(location=location, is_active=True).order_by("code"))


def register_at(*, location: Location, register_id: int) -> Register | None:
    """The register only when it is at ``location`` (an associate acts for their stores)."""
    return Register.objects.filter(pk=register_id, location=location, is_active=True).first()


def shifts_of(*, register: Register, limit: int = 10) -> list[Shift]:
    return list(
        Shift.objects.filter(register=register)
        .select_related("opened_by", "closed_by")
        .order_by("-opened_at", "-pk")[:limit]
    )


def on_hand_here(*, location_id: int, variant_ids: Iterable[int]) -> dict[int, int]:
    """{variant_id: units the store can sell off its floor} (on hand − reserved for
    others, what ``inventory.services.stock_sell`` may take). One query."""
    rows = Stock.objects.filter(
        location_id=location_id, variant_id__in=list(variant_ids)
    ).values_list("variant_id", F("on_hand") - F("reserved"))
    return {variant_id: max(units, 0) for variant_id, units in rows}


def parked_at(*, register: Register) -> list[ParkedSale]:
    return list(
        ParkedSale.objects.filter(register=register).select_related("customer", "associate")
    )


def sales_flagged(*, location: Location) -> QuerySet[TillSale]:
    return (
        TillSale.objects.filter(status=TillSale.Status.FLAGGED, shift__register__location=location)
        .select_related("shift__register", "associate")
        .order_by("created_at", "pk")
    )


def sale_for_order(*, order_id: int) -> TillSale | None:
    return (
        TillSale.objects.filter(order_id=order_id)
        .select_related("shift__register", "associate")
        .first()
    )
