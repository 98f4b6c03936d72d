"""Reads of the promotions domain: the offer book (every promotion that may apply today,
loaded in a fixed number of queries whatever their number), codes and customer uses."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import CharField, Count, Q, Sum, Value
from django.utils import timezone

from omni.markets import current_market
from omni.money import ZERO, currency
from promotions.models import Promotion, Redemption, Voucher, normalise_code
from promotions.services.engine import (
    BasketDiscounts,
    OfferRule,
    PricedLine,
    PricingContext,
    VoucherInfo,
    basket_discounts,
    offer_eligible,
)

RULE_COLUMNS = (
    "pk",
    "name",
    "label",
    "trigger",
    "benefit",
    "value",
    "buy_quantity",
    "get_quantity",
    "min_quantity",
    "min_amount",
    "first_order_only",
    "marketing_consent_only",
    "loyalty_members_only",
    "channels",
    "starts_on",
    "ends_on",
    "priority",
    "stacking",
    "limit_per_customer",
)


def _rule(p: dict, products, variants, categories, stores) -> OfferRule:
    pk = p["pk"]
    return OfferRule(
        id=pk,
        label=p["label"] or p["name"],
        benefit=p["benefit"],
        value=p["value"],
        automatic=p["trigger"] == Promotion.Trigger.AUTOMATIC,
        buy_quantity=p["buy_quantity"],
        get_quantity=p["get_quantity"],
        product_ids=frozenset(products.get(pk, ())),
        variant_ids=frozenset(variants.get(pk, ())),
        category_ids=frozenset(categories.get(pk, ())),
        min_quantity=p["min_quantity"],
        min_amount=p["min_amount"],
        first_order_only=p["first_order_only"],
        marketing_consent_only=p["marketing_consent_only"],
        loyalty_members_only=p["loyalty_members_only"],
        channels=frozenset(p["channels"] or ()),
        store_ids=frozenset(stores.get(pk, ())),
        starts_on=p["starts_on"],
        ends_on=p["ends_on"],
        priority=p["priority"],
        stacking=p["stacking"],
        limit_per_customer=p["limit_per_customer"],
    )


@dataclass
class OfferBook:
    """The promotions that may apply, loaded once (a request, a bench run) and asked
    many times: a basket's discounts (``discounts``), a product's badge (``badge``)."""

    rules: tuple[OfferRule, ...]
    by_id: dict[int, OfferRule] = field(default_factory=dict)
    # Codes already looked up (None: unknown), so a request asks once.
    _vouchers: dict[str, VoucherInfo | None] = field(default_factory=dict)

    @property
    def asks_about_customers(self) -> bool:
        """Whether a rule reads the customer facts (else the caller need not look)."""
        return any(
            r.first_order_only or r.marketing_consent_only or r.loyalty_members_only
            for r in self.by_id.values()
        )

    @property
    def counts_uses(self) -> bool:
        return any(r.limit_per_customer is not None for r in self.by_id.values())

    def vouchers_for(self, codes: Iterable[str]) -> dict[str, VoucherInfo]:
        """The known codes among ``codes`` (one query for those not asked before)."""
        wanted = {normalise_code(c) for c in codes if c and c.strip()}
        missing = wanted - set(self._vouchers)
        if missing:
            for c in missing:
                self._vouchers[c] = None
            rows = Voucher.objects.filter(code__in=missing).values(
                "pk", "code", "promotion_id", "usage_limit", "used_count"
            )
            expired_ids = set()
            for row in rows:
                self._vouchers[row["code"]] = VoucherInfo(
                    id=row["pk"],
                    code=row["code"],
                    promotion_id=row["promotion_id"],
                    usage_limit=row["usage_limit"],
                    used_count=row["used_count"],
                )
                if row["promotion_id"] not in self.by_id:
                    expired_ids.add(row["promotion_id"])
            if expired_ids:
                # A code whose promotion ended long ago still explains itself.
                for rule in _rules(Promotion.objects.filter(pk__in=expired_ids)):
                    self.by_id[rule.id] = rule
        return {c: v for c in wanted if (v := self._vouchers.get(c)) is not None}

    def discounts(
        self, *, lines: Sequence[PricedLine], context: PricingContext, codes: Sequence[str] = ()
    ) -> BasketDiscounts:
        return basket_discounts(
            lines=lines,
            context=context,
            rules=self.rules,
            codes=codes,
            vouchers=self.vouchers_for(codes) if codes else {},
            rules_by_id=self.by_id,
        )

    def badge(
        self,
        *,
        product_id: int,
        category_id: int | None,
        unit_price: Decimal | None,
        context: PricingContext,
        variant_id: int | None = None,
    ) -> Badge | None:
        """What the shelf shows for one unit of a product: the price after the automatic
        offers that need no basket ("was/now"), or the label of one that needs more (buy
        2 get 1); None without an offer. The same engine as the basket."""
        if unit_price is None or not self.rules:
            return None
        line = PricedLine(
            key=0,
            variant_id=variant_id,
            product_id=product_id,
            category_id=category_id,
            unit_price=unit_price,
            quantity=1,
        )
        result = basket_discounts(lines=[line], context=context, rules=self.rules)
        if result.total > 0:
            return Badge(
                label=result.applied[0].label, was=unit_price, now=unit_price - result.total
            )
        for rule in self.rules:
            if (
                rule.automatic
                and rule.matches(line)
                and rule.benefit != "free_shipping"
                and offer_eligible(rule, context)
            ):
                return Badge(label=rule.label, was=None, now=None)
        return None


@dataclass(frozen=True)
class Badge:
    label: str
    was: Decimal | None
    now: Decimal | None


def _rules(promotions) -> list[OfferRule]:
    """Engine rules for ``promotions``: two queries (the rows; their products, variants,
    categories and stores in one UNION), none more per promotion."""
    # Plain rows, not model instances: a thousand promotions load in milliseconds.
    rows = list(promotions.values(*RULE_COLUMNS))
    if not rows:
        return []
    ids = [p["pk"] for p in rows]
    parts = [
        getattr(Promotion, name)
        .through.objects.filter(promotion_id__in=ids)
        .annotate(kind=Value(name, output_field=CharField()))
        .values_list("promotion_id", column, "kind")
        for name, column in _THROUGH_COLUMNS.items()
    ]
    related: dict[str, dict[int, set[int]]] = {name: defaultdict(set) for name in _THROUGH_COLUMNS}
    for promotion_id, other_id, kind in parts[0].union(*parts[1:], all=True):
        related[kind][promotion_id].add(other_id)
    return [
        _rule(p, related["products"], related["variants"], related["categories"], related["stores"])
        for p in rows
    ]


_THROUGH_COLUMNS = {
    "products": "product_id",
    "variants": "variant_id",
    "categories": "category_id",
    "stores": "location_id",
}


def offer_book(*, now: dt.datetime | None = None) -> OfferBook:
    """Every active promotion that has not ended (a day of slack for time zones ahead of
    the server's), as engine rules. Two queries whatever their number (one without
    any)."""
    today = (now or timezone.now()).date()
    active = Promotion.objects.filter(is_active=True).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today - dt.timedelta(days=1))
    )
    rules = _rules(active)
    return OfferBook(rules=tuple(rules), by_id={r.id: r for r in rules})


def pricing_context(
    *,
    channel: str,
    location=None,
    now: dt.datetime | None = None,
    first_order: bool = False,
    marketing_consent: bool = False,
    loyalty_member: bool = False,
    customer_id: int | None = None,
    code: str | None = None,
) -> PricingContext:
    """The engine's context, with the customer's past uses of each promotion (one query,
    only for a known customer)."""
    uses = {}
    if customer_id:
        uses = dict(
            Redemption.objects.filter(customer_id=customer_id)
            .values("promotion_id")
            .annotate(n=Count("pk"))
            .values_list("promotion_id", "n")
        )
    return PricingContext(
        channel=channel,
        location=location,
        now=now or timezone.now(),
        currency=code or currency(),
        time_zone=current_market().time_zone,
        first_order=first_order,
        marketing_consent=marketing_consent,
        loyalty_member=loyalty_member,
        uses_by_promotion=uses,
    )


@dataclass(frozen=True)
class PromotionUsage:
    promotion_id: int
    uses: int
    discount: Decimal
    revenue: Decimal


def promotion_usage(*, promotion_ids: Sequence[int]) -> dict[int, PromotionUsage]:
    """Uses, discount given and revenue (orders' totals) per promotion, in one query."""
    rows = (
        Redemption.objects.filter(promotion_id__in=promotion_ids)
        .values("promotion_id")
        .annotate(uses=Count("pk"), discount=Sum("discount"), revenue=Sum("order_total"))
    )
    return {
        r["promotion_id"]: PromotionUsage(
            r["promotion_id"], r["uses"], r["discount"] or ZERO, r["revenue"] or ZERO
        )
        for r in rows
    }
