"""What the database holds (nothing, this very demo, or something else), the counts the
seed reports, and the reset that deletes demo data.

No marker table is needed: a demo is recognised by its natural keys. The location codes
and two SKUs say which scale it is, two customers' emails (drawn from the seed) say which
seed, and the superuser, written last, says the run completed. Orders placed while
playing with the demo change counts but not these keys, so ``make demo`` stays re-runnable.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils.translation import gettext, ngettext

from catalog.models import Category, Price, Product, ProductImage, Variant
from customers.models import (
    Consent,
    ConsentChange,
    Customer,
    CustomerIdentity,
    CustomerNote,
    FollowUpTask,
    Interaction,
    List,
    ListItem,
    LoyaltyEntry,
    SizePreference,
    StoreCreditEntry,
)
from demo.catalog import product_specs
from demo.config import DemoScale
from demo.customers import customer_probe_emails
from demo.images import product_images_delete
from demo.markets import DemoMarket
from demo.staff import SUPERUSER_EMAIL, demo_users
from demo.stores import location_specs
from inventory.models import Reservation, Stock, StockMovement, Transfer
from orders.models import (
    Cart,
    CartLine,
    CartRecoveryStep,
    Fulfilment,
    FulfilmentLine,
    Order,
    OrderLine,
    Payment,
)
from orders.models import Refund as OrderRefund
from promotions.models import Promotion, Voucher
from returns.models import Return, ReturnLine
from stores.models import Associate, Location, LocationDistance
from till.models import Register, Shift, TillSale

User = get_user_model()

# A reset empties every table of these apps (and any table pointing at them)...
DOMAIN_APPS = (
    "catalog",
    "stores",
    "customers",
    "inventory",
    "promotions",
    "orders",
    "returns",
    "giftcards",
    "till",
)
# ...and omni's logs of what happened to their rows. API keys and webhook subscriptions
# are configuration, not demo data: they stay.
OMNI_HISTORY = ("outboxmessage", "emaillog", "idempotencyrecord", "webhookdelivery")

# What the seed reports, in report order: label → the table it counts.
COUNTED: dict[str, type[models.Model]] = {
    "locations": Location,
    "location distances": LocationDistance,
    "demo users": User,
    "associates": Associate,
    "categories": Category,
    "products": Product,
    "related product links": Product.related_products.through,
    "variants": Variant,
    "prices": Price,
    "product images": ProductImage,
    "customers": Customer,
    "customer identities": CustomerIdentity,
    "consents": Consent,
    "consent changes": ConsentChange,
    "customer notes": CustomerNote,
    "follow-up tasks": FollowUpTask,
    "lists": List,
    "list items": ListItem,
    "stock rows": Stock,
    "stock movements": StockMovement,
    "reservations": Reservation,
    "transfers": Transfer,
    "promotions": Promotion,
    "discount codes": Voucher,
    "orders": Order,
    "order lines": OrderLine,
    "fulfilments": Fulfilment,
    "fulfilment lines": FulfilmentLine,
    "payments": Payment,
    "returns": Return,
    "return lines": ReturnLine,
    "refunds": OrderRefund,
    "carts": Cart,
    "cart lines": CartLine,
    "cart recovery steps": CartRecoveryStep,
    "size preferences": SizePreference,
    "loyalty entries": LoyaltyEntry,
    "store credit entries": StoreCreditEntry,
    "interactions": Interaction,
    "registers": Register,
    "shifts": Shift,
    "till sales": TillSale,
}


def database_counts() -> dict[str, int]:
    counts = {}
    for label, model in COUNTED.items():
        queryset = model.objects.filter(demo_users()) if model is User else model.objects.all()
        counts[label] = queryset.count()
    return counts


class DemoState(enum.Enum):
    EMPTY = "empty"
    SEEDED = "seeded"  # this scale and seed, complete
    OTHER = "other"  # another scale or seed, an interrupted run, or data that is not ours


@dataclass(frozen=True)
class Inspection:
    state: DemoState
    reason: str = ""


def demo_inspect(scale: DemoScale, seed: int, market: DemoMarket | None = None) -> Inspection:
    """Which demo the database holds; another market's demo is "other" (its locations,
    SKUs and customers differ)."""
    holds_data = any(
        model.objects.exists() for model in (Location, Category, Product, Customer, Order, Stock)
    )
    if not holds_data:
        return Inspection(DemoState.EMPTY)
    codes = {spec.code for spec in location_specs(scale, seed, market)}
    present = set(Location.objects.filter(code__in=codes).values_list("code", flat=True))
    if present != codes:
        return Inspection(
            DemoState.OTHER,
            ngettext(
                "%(missing)s of its %(count)s location is missing",
                "%(missing)s of its %(count)s locations are missing",
                len(codes),
            )
            % {"missing": len(codes - present), "count": len(codes)},
        )
    specs = product_specs(scale, seed, market)
    skus = {specs[0].variants[0].sku, specs[-1].variants[-1].sku}
    if Variant.objects.filter(sku__in=skus).count() != len(skus):
        return Inspection(DemoState.OTHER, gettext("its catalog is not there"))
    emails = customer_probe_emails(scale, seed, market)
    if Customer.objects.filter(email__in=emails).values("email").distinct().count() != len(emails):
        return Inspection(DemoState.OTHER, gettext("its customers are not there (another --seed?)"))
    if not User.objects.filter(email=SUPERUSER_EMAIL, is_superuser=True).exists():
        return Inspection(
            DemoState.OTHER, gettext("an earlier run did not finish (no superuser yet)")
        )
    return Inspection(DemoState.SEEDED)


def demo_data_delete() -> None:
    """Empty every domain table, omni's logs about their rows, and anything pointing at
    them; restart their id sequences so a reseed gets the same ids; delete the demo users.
    Ledgers are append-only row by row: a reset is the one place that truncates them."""
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.app_label in DOMAIN_APPS
            or (model._meta.app_label == "omni" and model._meta.model_name in OMNI_HISTORY)
        }
    )
    with transaction.atomic():
        # Inside an outer transaction (a test), rows just inserted leave deferred foreign-key
        # checks pending, and PostgreSQL refuses to TRUNCATE under them: run them now.
        if connection.vendor == "postgresql":
            connection.check_constraints()
        statements = connection.ops.sql_flush(
            no_style(), tables, reset_sequences=True, allow_cascade=True
        )
        connection.ops.execute_sql_flush(statements)
        User.objects.filter(demo_users()).delete()
    product_images_delete()
