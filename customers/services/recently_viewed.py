"""Recently viewed products and categories ("continue where you left off")."""

from __future__ import annotations

from django.utils import timezone

from catalog.models import Category, Product
from customers.models import (
    Customer,
)


def recent_view_record(
    *, customer: Customer, product: Product | None = None, category: Category | None = None
) -> None:
    """Remember that the customer looked at a product and/or a category, on whatever
    device, so the home page can pick up where they left off on any other. One upsert
    per thing viewed (a row per (customer, thing), its time moved on), so a page view
    costs one statement and never a read; no lock needed, a concurrent view of the same
    thing just writes the same row."""
    from customers.models import RecentlyViewedCategory, RecentlyViewedProduct

    now = timezone.now()
    if product is not None:
        RecentlyViewedProduct.objects.bulk_create(
            [RecentlyViewedProduct(customer=customer, product=product, viewed_at=now)],
            update_conflicts=True,
            unique_fields=["customer", "product"],
            update_fields=["viewed_at"],
        )
    if category is not None:
        RecentlyViewedCategory.objects.bulk_create(
            [RecentlyViewedCategory(customer=customer, category=category, viewed_at=now)],
            update_conflicts=True,
            unique_fields=["customer", "category"],
            update_fields=["viewed_at"],
        )
