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


def customer_beside_basket(*, customer, location_id: int) -> dict:
    """What the till shows beside the basket for an attached customer: their usual sizes,
    the items of their lists that are on this store's floor now, and what waits in their
    online cart. Four queries."""
    from customers.models import ListItem, SizePreference
    from orders.selectors import carts_open_for_customer

    sizes = list(SizePreference.objects.filter(customer=customer).order_by("size_group"))
    here_now = list(
        ListItem.objects.filter(
            list__customer=customer,
            variant__isnull=False,
            variant__stock__location_id=location_id,
            variant__stock__on_hand__gt=F("variant__stock__reserved"),
        )
        .select_related("variant__product")
        .order_by("-pk")[:8]
    )
    cart_lines = [
        line for cart in carts_open_for_customer(customer=customer) for line in cart.lines.all()
    ]
    return {"sizes": sizes, "here_now": here_now, "cart_lines": cart_lines[:8]}


def offline_catalogue(*, location: Location) -> dict:
    """What the offline till needs to ring up a cash sale without the server: every
    sellable variant this store holds, by id, with barcode, SKU, name, price and tax rate
    (from the one pricing function), and the currency. Three queries."""
    from omni.money import currency, minor_units, to_money
    from orders.selectors import variants_priced
    from orders.services.totals import TaxableLine, order_totals

    ids = list(
        Stock.objects.filter(location=location, on_hand__gt=0).values_list("variant_id", flat=True)
    )
    variants = [
        v
        for v in variants_priced(variant_ids=ids)
        if v.is_active and v.product.is_active and v.price_amount is not None
    ]
    code = currency()
    totals = order_totals(
        lines=[
            TaxableLine(
                unit_price=to_money(v.price_amount, code),
                quantity=1,
                tax_class=v.product.category.tax_class,
                key=v.pk,
            )
            for v in variants
        ],
        ships=False,
        tax_region=location.region,
    )
    return {
        "currency": code,
        "minor_units": minor_units(code),
        "prices_include_tax": totals.prices_include_tax,
        "variants": [
            {
                "id": v.pk,
                "sku": v.sku,
                "barcode": v.barcode or "",
                "name": v.product.name,
                "size": v.size,
                "colour": v.colour,
                "price": str(to_money(v.price_amount, code)),
                "tax_rate": str(totals.line_for(v.pk).tax_rate),
            }
            for v in variants
        ],
    }


def register_by_code(*, location: Location, code: str) -> Register | None:
    return Register.objects.filter(
        location=location, code=(code or "").strip().upper(), is_active=True
    ).first()


def sale_exists(*, idempotency_key: str) -> bool:
    return TillSale.objects.filter(idempotency_key=idempotency_key).exists()
