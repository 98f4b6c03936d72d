"""Promotions made for tests through the models' own rules (full_clean) and the
promotions services."""

from __future__ import annotations

from decimal import Decimal

from promotions.models import Promotion
from promotions.services import voucher_create


def promotion(*, categories=(), products=(), variants=(), stores=(), **fields) -> Promotion:
    fields.setdefault("name", "Offer")
    if "value" in fields:
        fields["value"] = Decimal(str(fields["value"]))
    p = Promotion(**fields)
    p.full_clean()
    p.save()
    p.categories.set(categories)
    p.products.set(products)
    p.variants.set(variants)
    p.stores.set(stores)
    return p


def code_for(p: Promotion, code: str, usage_limit: int | None = None):
    return voucher_create(promotion=p, code=code, usage_limit=usage_limit)
