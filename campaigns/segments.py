"""Segment rules: a small JSON rule set over the one model, compiled to ONE queryset of
customers (subqueries and EXISTS, no per-customer Python).

Rules (every key optional; all of them must hold):

- ``channel``: ``"web"`` (bought only online), ``"store"`` (only in a store), ``"both"``
- ``spend_min`` / ``spend_max``: money spent (order totals, cancelled orders left out) in
  the last ``spend_days`` days (default 365), in the market's currency, as decimal text
- ``last_purchase_after`` / ``last_purchase_before``: ISO dates of the latest order
- ``home_stores``: location ids
- ``size_group`` + ``size``: a size in a group (``SizePreference``); a group alone: any
- ``email_consent``: ``"marketing"``, ``"one_to_one"`` or ``"none"`` (a customer without
  a consent row has none)
- ``languages``: language codes
- ``loyalty_points_min``: the loyalty balance at least this
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db.models import (
    DecimalField,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from campaigns.errors import SegmentRulesInvalid
from catalog.models import Category
from customers.models import (
    Channel,
    Consent,
    ConsentState,
    ContactChannel,
    Customer,
    LoyaltyEntry,
    SizePreference,
)
from orders.models import Order

CHANNELS = ("web", "store", "both")
KNOWN = {
    "channel",
    "spend_min",
    "spend_max",
    "spend_days",
    "last_purchase_after",
    "last_purchase_before",
    "home_stores",
    "size_group",
    "size",
    "email_consent",
    "languages",
    "loyalty_points_min",
}


def _bad(field: str, message: str) -> SegmentRulesInvalid:
    return SegmentRulesInvalid(message, field=field)


def _decimal(rules: dict, key: str) -> Decimal | None:
    value = rules.get(key)
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise _bad(key, gettext("Enter an amount.")) from None
    if not amount.is_finite() or amount < 0 or amount > Decimal("9999999999"):
        raise _bad(key, gettext("Enter an amount.")) from None
    return amount


def _int(rules: dict, key: str, *, minimum: int = 0) -> int | None:
    value = rules.get(key)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise _bad(key, gettext("Enter a whole number.")) from None
    if number < minimum or number > 10**9:
        raise _bad(key, gettext("Enter a whole number.")) from None
    return number


def _date(rules: dict, key: str) -> dt.date | None:
    value = rules.get(key)
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _bad(key, gettext("Enter a valid date.")) from None


def rules_clean(rules: Any) -> dict[str, Any]:
    """The rules as stored: validated, empty values dropped. Raises SegmentRulesInvalid
    naming the rule (``field``)."""
    if not isinstance(rules, dict):
        raise _bad("rules", gettext("These segment rules are not valid."))
    unknown = sorted(set(rules) - KNOWN)
    if unknown:
        raise _bad(unknown[0], gettext("Unknown rule “%(rule)s”.") % {"rule": unknown[0]})
    clean: dict[str, Any] = {}
    if rules.get("channel"):
        if rules["channel"] not in CHANNELS:
            raise _bad("channel", gettext("Choose web, store or both."))
        clean["channel"] = rules["channel"]
    for key in ("spend_min", "spend_max"):
        amount = _decimal(rules, key)
        if amount is not None:
            clean[key] = str(amount)
    if (
        "spend_min" in clean
        and "spend_max" in clean
        and Decimal(clean["spend_min"]) > Decimal(clean["spend_max"])
    ):
        raise _bad("spend_max", gettext("The most must not be below the least."))
    days = _int(rules, "spend_days", minimum=1)
    if days is not None:
        clean["spend_days"] = days
    for key in ("last_purchase_after", "last_purchase_before"):
        day = _date(rules, key)
        if day is not None:
            clean[key] = day.isoformat()
    stores = rules.get("home_stores") or []
    if stores:
        if not isinstance(stores, list) or not all(str(s).isdigit() for s in stores):
            raise _bad("home_stores", gettext("Choose stores from the list."))
        clean["home_stores"] = sorted({int(s) for s in stores})
    if rules.get("size_group"):
        if rules["size_group"] not in Category.SizeGroup.values:
            raise _bad("size_group", gettext("Choose a size group from the list."))
        clean["size_group"] = rules["size_group"]
    if rules.get("size"):
        if "size_group" not in clean:
            raise _bad("size_group", gettext("Choose the size group of this size."))
        clean["size"] = str(rules["size"]).strip()[:20]
    if rules.get("email_consent"):
        if rules["email_consent"] not in ConsentState.values:
            raise _bad("email_consent", gettext("Choose a consent state from the list."))
        clean["email_consent"] = rules["email_consent"]
    languages = rules.get("languages") or []
    if languages:
        codes = {code for code, _name in settings.LANGUAGES}
        if not isinstance(languages, list) or not set(languages) <= codes:
            raise _bad("languages", gettext("Choose languages from the list."))
        clean["languages"] = sorted(set(languages))
    points = _int(rules, "loyalty_points_min")
    if points is not None:
        clean["loyalty_points_min"] = points
    return clean


def _orders_of_customer() -> QuerySet:
    return Order.objects.filter(customer_id=OuterRef("pk")).exclude(status=Order.Status.CANCELLED)


def segment_customers(rules: dict[str, Any], *, now: dt.datetime | None = None) -> QuerySet:
    """The customers the rules select: one queryset (subqueries, no loop), active and
    not merged away. Raises SegmentRulesInvalid for rules that do not validate."""
    rules = rules_clean(rules)
    now = now or timezone.now()
    qs = Customer.objects.filter(is_active=True, merged_into__isnull=True)
    orders = _orders_of_customer()
    if rules.get("channel"):
        in_store = Exists(orders.filter(channel=Channel.STORE))
        online = Exists(orders.exclude(channel=Channel.STORE))
        qs = {
            "web": qs.filter(online).exclude(in_store),
            "store": qs.filter(in_store).exclude(online),
            "both": qs.filter(in_store).filter(online),
        }[rules["channel"]]
    if "spend_min" in rules or "spend_max" in rules:
        since = now - dt.timedelta(days=rules.get("spend_days", 365))
        spent = (
            orders.filter(placed_at__gte=since, currency=settings.OMNI_CURRENCY)
            .order_by()
            .values("customer_id")
            .annotate(total_spent=Sum("total"))
            .values("total_spent")
        )
        qs = qs.annotate(
            segment_spend=Coalesce(
                Subquery(spent, output_field=DecimalField(max_digits=14, decimal_places=2)),
                Decimal("0"),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            )
        )
        if "spend_min" in rules:
            qs = qs.filter(segment_spend__gte=Decimal(rules["spend_min"]))
        if "spend_max" in rules:
            qs = qs.filter(segment_spend__lte=Decimal(rules["spend_max"]))
    if "last_purchase_after" in rules or "last_purchase_before" in rules:
        latest = orders.order_by().values("customer_id").annotate(m=Max("placed_at")).values("m")
        qs = qs.annotate(segment_last=Subquery(latest))
        zone = timezone.get_current_timezone()
        if "last_purchase_after" in rules:
            day = dt.date.fromisoformat(rules["last_purchase_after"]) + dt.timedelta(days=1)
            qs = qs.filter(segment_last__gte=dt.datetime.combine(day, dt.time.min, zone))
        if "last_purchase_before" in rules:
            day = dt.date.fromisoformat(rules["last_purchase_before"])
            qs = qs.filter(segment_last__lt=dt.datetime.combine(day, dt.time.min, zone))
    if rules.get("home_stores"):
        qs = qs.filter(home_store_id__in=rules["home_stores"])
    if rules.get("size_group"):
        sizes = SizePreference.objects.filter(
            customer_id=OuterRef("pk"), size_group=rules["size_group"]
        )
        if rules.get("size"):
            sizes = sizes.filter(size__iexact=rules["size"])
        qs = qs.filter(Exists(sizes))
    if rules.get("email_consent"):
        consent = Consent.objects.filter(customer_id=OuterRef("pk"), channel=ContactChannel.EMAIL)
        if rules["email_consent"] == ConsentState.NONE:
            qs = qs.exclude(Exists(consent.exclude(state=ConsentState.NONE)))
        else:
            qs = qs.filter(Exists(consent.filter(state=rules["email_consent"])))
    if rules.get("languages"):
        qs = qs.filter(language__in=rules["languages"])
    if "loyalty_points_min" in rules:
        points = (
            LoyaltyEntry.objects.filter(customer_id=OuterRef("pk"))
            .order_by()
            .values("customer_id")
            .annotate(p=Sum("points"))
            .values("p")
        )
        qs = qs.annotate(
            segment_points=Coalesce(Subquery(points, output_field=IntegerField()), 0)
        ).filter(segment_points__gte=rules["loyalty_points_min"])
    return qs


def marketing_email_allowed() -> Q:
    """Customers with marketing consent on email and an address to send to."""
    consent = Consent.objects.filter(
        customer_id=OuterRef("pk"), channel=ContactChannel.EMAIL, state=ConsentState.MARKETING
    )
    return Q(Exists(consent)) & ~Q(email="")


def segment_count(rules: dict[str, Any]) -> tuple[int, int]:
    """(members, members a newsletter may go to: marketing email consent). 2 queries."""
    qs = segment_customers(rules)
    return qs.count(), qs.filter(marketing_email_allowed()).count()
