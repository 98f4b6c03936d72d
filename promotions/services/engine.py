"""The offer engine: pure (no query), so the web, the till, the API and the emails price
one basket the same way. ``basket_discounts`` takes the lines, the context (channel,
location, moment, customer facts) and the codes typed, with the offers already loaded
(``promotions.selectors.offer_book``: one load per request), and returns each line's
discounts with the promotion (and voucher) that gave them, free shipping, and a reason
per code that does not apply.

How offers combine (documented for merchandisers in docs/flows.md):

- each offer whose conditions hold is computed on what the lines still cost after the
  offers of higher ``priority`` (a discount never takes a line below zero);
- ``stackable`` offers all apply; of the ``best`` offers only the one giving the most;
- an ``exclusive`` offer applies alone; the engine picks, for the customer, whichever
  gives more: the best exclusive offer, or the stackable ones with the best ``best`` one;
- free shipping is not a discount on the lines: it applies whenever its conditions hold.

Amounts are rounded to the currency's minor units per line (``omni.money.to_money``), so
zero-decimal currencies (VND, IRR) come out in whole units; an amount spread over lines
(``order_amount_off``) is shared by largest remainder, so the parts sum to the whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from omni.calendars import format_date
from omni.money import ZERO, format_money, smallest_unit, to_money

HUNDRED = Decimal(100)

PERCENT_OFF = "percent_off"
AMOUNT_OFF = "amount_off"
FIXED_PRICE = "fixed_price"
BUY_X_GET_Y = "buy_x_get_y"
ORDER_AMOUNT_OFF = "order_amount_off"
FREE_SHIPPING = "free_shipping"

STACKABLE, BEST, EXCLUSIVE = "stackable", "best", "exclusive"


@dataclass(frozen=True)
class OfferRule:
    """A promotion as the engine reads it (built from a ``Promotion`` row by
    ``promotions.selectors``; tests build them directly). Empty id sets: no restriction."""

    id: int
    label: str
    benefit: str
    value: Decimal
    automatic: bool = True
    buy_quantity: int = 0
    get_quantity: int = 0
    product_ids: frozenset[int] = frozenset()
    variant_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    min_quantity: int = 0
    min_amount: Decimal = ZERO
    first_order_only: bool = False
    marketing_consent_only: bool = False
    loyalty_members_only: bool = False
    channels: frozenset[str] = frozenset()
    store_ids: frozenset[int] = frozenset()
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    priority: int = 0
    stacking: str = STACKABLE
    limit_per_customer: int | None = None

    @property
    def targets_all(self) -> bool:
        return not (self.product_ids or self.variant_ids or self.category_ids)

    def matches(self, line: PricedLine) -> bool:
        return (
            self.targets_all
            or line.variant_id in self.variant_ids
            or line.product_id in self.product_ids
            or line.category_id in self.category_ids
        )


@dataclass(frozen=True)
class VoucherInfo:
    """A code as the engine reads it: which offer it unlocks and how much use is left."""

    id: int
    code: str
    promotion_id: int
    usage_limit: int | None = None
    used_count: int = 0

    @property
    def exhausted(self) -> bool:
        return self.usage_limit is not None and self.used_count >= self.usage_limit


@dataclass(frozen=True)
class PricedLine:
    """A basket line: ``key`` (the caller's, e.g. a variant id), what it is (variant,
    product, category ids), the shelf ``unit_price`` and the ``quantity``."""

    key: object
    variant_id: int | None
    product_id: int | None
    category_id: int | None
    unit_price: Decimal
    quantity: int

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class PricingContext:
    """Where, when and for whom: the ``channel`` (customers.models.Channel values), the
    ``location`` (a stores Location or None online: its ``pk`` and ``timezone`` are read),
    ``now`` (aware), the ``time_zone`` used without a location (the market's), the
    ``currency``, and facts about the customer the caller knows (promotions cannot read
    orders): ``first_order``, ``marketing_consent``, ``loyalty_member``, and
    ``uses_by_promotion`` ({promotion id: times this customer already used it})."""

    channel: str
    now: dt.datetime
    currency: str
    time_zone: str
    location: object = None
    first_order: bool = False
    marketing_consent: bool = False
    loyalty_member: bool = False
    uses_by_promotion: Mapping[int, int] = field(default_factory=dict)

    @property
    def location_id(self) -> int | None:
        return getattr(self.location, "pk", None)

    @property
    def local_date(self) -> dt.date:
        zone = getattr(self.location, "timezone", "") or self.time_zone
        return self.now.astimezone(ZoneInfo(zone)).date()


@dataclass(frozen=True)
class LineDiscount:
    """``amount`` off line ``key``, given by ``promotion_id`` (through ``voucher_id`` when a
    code unlocked it); ``label`` is what the shopper reads."""

    key: object
    amount: Decimal
    label: str
    promotion_id: int | None
    voucher_id: int | None = None
    code: str = ""


@dataclass(frozen=True)
class CodeRejection:
    code: str
    reason: str
    # A stable machine word for the API: unknown, expired, not_started, exhausted,
    # not_applicable, channel, store, customer, minimum.
    kind: str


@dataclass(frozen=True)
class AppliedOffer:
    promotion_id: int
    label: str
    amount: Decimal
    voucher_id: int | None = None
    code: str = ""
    free_shipping: bool = False


@dataclass(frozen=True)
class BasketDiscounts:
    line_discounts: tuple[LineDiscount, ...] = ()
    free_shipping: AppliedOffer | None = None
    applied: tuple[AppliedOffer, ...] = ()
    rejected: tuple[CodeRejection, ...] = ()

    @property
    def total(self) -> Decimal:
        return sum((d.amount for d in self.line_discounts), ZERO)

    def for_line(self, key: object) -> tuple[LineDiscount, ...]:
        return tuple(d for d in self.line_discounts if d.key == key)

    def line_total(self, key: object) -> Decimal:
        return sum((d.amount for d in self.line_discounts if d.key == key), ZERO)

    @property
    def accepted_codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.code for a in self.applied if a.code))


class _Refused(Exception):
    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def _eligibility(rule: OfferRule, context: PricingContext) -> None:
    """Raises _Refused when the offer cannot apply here, now, for this customer."""
    today = context.local_date
    if rule.ends_on and today > rule.ends_on:
        raise _Refused(
            "expired", _("This code expired on %(date)s.") % {"date": format_date(rule.ends_on)}
        )
    if rule.starts_on and today < rule.starts_on:
        raise _Refused(
            "not_started",
            _("This code is valid from %(date)s.") % {"date": format_date(rule.starts_on)},
        )
    if rule.channels and context.channel not in rule.channels:
        if context.channel == "store":
            raise _Refused("channel", _("This code is not valid in store."))
        if "store" in rule.channels and len(rule.channels) == 1:
            raise _Refused("channel", _("This code is valid in store only."))
        raise _Refused("channel", _("This code is not valid here."))
    if rule.store_ids and context.location_id not in rule.store_ids:
        raise _Refused("store", _("This code is not valid in this store."))
    if rule.first_order_only and not context.first_order:
        raise _Refused("customer", _("This code is for a first order only."))
    if rule.marketing_consent_only and not context.marketing_consent:
        raise _Refused("customer", _("This code is for newsletter subscribers."))
    if rule.loyalty_members_only and not context.loyalty_member:
        raise _Refused("customer", _("This code is for loyalty members."))
    used = context.uses_by_promotion.get(rule.id, 0)
    if rule.limit_per_customer is not None and used >= rule.limit_per_customer:
        raise _Refused("exhausted", _("You have already used this offer."))


def offer_eligible(rule: OfferRule, context: PricingContext) -> bool:
    """Whether ``rule`` may apply in ``context`` (dates, channel, store, customer)."""
    try:
        _eligibility(rule, context)
    except _Refused:
        return False
    return True


def spread_amount(amount: Decimal, weights: Sequence[Decimal], code: str) -> list[Decimal]:
    """``amount`` (in minor units) shared in proportion to ``weights`` by largest
    remainder: the parts sum to ``amount`` exactly."""
    unit = smallest_unit(code)
    total_weight = sum(weights, ZERO)
    if not total_weight or not amount:
        return [ZERO for _ in weights]
    units = int(amount / unit)
    exact = [Decimal(units) * w / total_weight for w in weights]
    floors = [int(e) for e in exact]
    left = units - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (exact[i] - floors[i], -i), reverse=True)
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(n) * unit for n in floors]


def _offer_amounts(
    rule: OfferRule,
    lines: Sequence[PricedLine],
    remaining: Mapping[object, Decimal],
    code: str,
) -> dict[object, Decimal]:
    """What ``rule`` takes off each matching line (rounded; never more than what the line
    still costs). Empty when its minimums are not met."""
    matching = [line for line in lines if rule.matches(line) and remaining[line.key] > 0]
    quantity = sum(line.quantity for line in matching)
    amount = sum((line.amount for line in matching), ZERO)
    if not matching or quantity < rule.min_quantity or amount < rule.min_amount:
        return {}
    off: dict[object, Decimal] = {}
    if rule.benefit == PERCENT_OFF:
        for line in matching:
            off[line.key] = to_money(remaining[line.key] * rule.value / HUNDRED, code)
    elif rule.benefit == AMOUNT_OFF:
        for line in matching:
            off[line.key] = to_money(rule.value * line.quantity, code)
    elif rule.benefit == FIXED_PRICE:
        for line in matching:
            off[line.key] = to_money(line.amount - rule.value * line.quantity, code)
    elif rule.benefit == BUY_X_GET_Y:
        group = rule.buy_quantity + rule.get_quantity
        if group <= 0 or rule.get_quantity <= 0:
            return {}
        free_units = (quantity // group) * rule.get_quantity
        # The cheapest units are the ones given (or discounted).
        units = sorted(
            ((line.unit_price, i, line.key) for i, line in enumerate(matching)),
            key=lambda u: (u[0], u[1]),
        )
        for price, _i, key in units:
            if free_units <= 0:
                break
            line = next(x for x in matching if x.key == key)
            taken = min(free_units, line.quantity)
            free_units -= taken
            off[key] = off.get(key, ZERO) + to_money(price * taken * rule.value / HUNDRED, code)
    elif rule.benefit == ORDER_AMOUNT_OFF:
        shares = spread_amount(
            min(
                to_money(rule.value, code), to_money(sum(remaining[x.key] for x in matching), code)
            ),
            [remaining[line.key] for line in matching],
            code,
        )
        off = {line.key: share for line, share in zip(matching, shares, strict=True)}
    return {key: min(max(value, ZERO), remaining[key]) for key, value in off.items() if value > 0}


@dataclass
class _Option:
    discounts: list[LineDiscount] = field(default_factory=list)
    applied: list[AppliedOffer] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((d.amount for d in self.discounts), ZERO)


def _apply(
    rules: Sequence[tuple[OfferRule, VoucherInfo | None]],
    lines: Sequence[PricedLine],
    code: str,
) -> _Option:
    """The offers one after another (priority order), each on what is left."""
    remaining = {line.key: to_money(line.amount, code) for line in lines}
    option = _Option()
    for rule, voucher in rules:
        amounts = _offer_amounts(rule, lines, remaining, code)
        given = sum(amounts.values(), ZERO)
        if not given:
            continue
        for key, value in amounts.items():
            remaining[key] -= value
            option.discounts.append(
                LineDiscount(
                    key=key,
                    amount=value,
                    label=rule.label,
                    promotion_id=rule.id,
                    voucher_id=voucher.id if voucher else None,
                    code=voucher.code if voucher else "",
                )
            )
        option.applied.append(
            AppliedOffer(
                promotion_id=rule.id,
                label=rule.label,
                amount=given,
                voucher_id=voucher.id if voucher else None,
                code=voucher.code if voucher else "",
            )
        )
    return option


def _by_priority(item: tuple[OfferRule, VoucherInfo | None]) -> tuple:
    return (-item[0].priority, item[0].id)


def basket_discounts(
    *,
    lines: Sequence[PricedLine],
    context: PricingContext,
    rules: Iterable[OfferRule],
    codes: Sequence[str] = (),
    vouchers: Mapping[str, VoucherInfo] | None = None,
    rules_by_id: Mapping[int, OfferRule] | None = None,
) -> BasketDiscounts:
    """The discounts of ``lines`` in ``context``: the automatic ``rules`` that hold, and
    the offers ``codes`` unlock (``vouchers``: the known codes, upper-case → VoucherInfo;
    ``rules_by_id``: every loaded rule, code-only ones included). A code that does not
    apply is in ``rejected`` with the reason; it changes nothing else."""
    code = context.currency
    vouchers = vouchers or {}
    rules = list(rules)
    by_id = dict(rules_by_id or {r.id: r for r in rules})
    candidates: list[tuple[OfferRule, VoucherInfo | None]] = []
    rejected: list[CodeRejection] = []
    for rule in rules:
        if not rule.automatic:
            continue
        try:
            _eligibility(rule, context)
        except _Refused:
            continue
        candidates.append((rule, None))

    code_candidates: list[tuple[OfferRule, VoucherInfo]] = []
    for typed in dict.fromkeys(c.strip().upper() for c in codes if c and c.strip()):
        voucher = vouchers.get(typed)
        rule = by_id.get(voucher.promotion_id) if voucher else None
        if voucher is None or rule is None:
            rejected.append(
                CodeRejection(
                    typed, _("We do not know the code %(code)s.") % {"code": typed}, "unknown"
                )
            )
            continue
        if voucher.exhausted:
            rejected.append(
                CodeRejection(
                    typed, _("The code %(code)s has been used up.") % {"code": typed}, "exhausted"
                )
            )
            continue
        try:
            _eligibility(rule, context)
        except _Refused as refused:
            rejected.append(CodeRejection(typed, refused.reason, refused.kind))
            continue
        if any(c[0].id == rule.id for c in code_candidates):
            continue  # two codes of one promotion: it applies once
        code_candidates.append((rule, voucher))

    # Free shipping first: it does not compete with the line discounts.
    free_shipping = None
    for rule, voucher in [*candidates, *code_candidates]:
        if rule.benefit != FREE_SHIPPING or free_shipping is not None:
            continue
        matching = [line for line in lines if rule.matches(line)]
        quantity = sum(line.quantity for line in matching)
        amount = sum((line.amount for line in matching), ZERO)
        if matching and quantity >= rule.min_quantity and amount >= rule.min_amount:
            free_shipping = AppliedOffer(
                promotion_id=rule.id,
                label=rule.label,
                amount=ZERO,
                voucher_id=voucher.id if voucher else None,
                code=voucher.code if voucher else "",
                free_shipping=True,
            )
    everything = sorted(
        [c for c in [*candidates, *code_candidates] if c[0].benefit != FREE_SHIPPING],
        key=_by_priority,
    )

    # The options the customer could get; the one giving most wins.
    stackable = [c for c in everything if c[0].stacking == STACKABLE]
    bests = [c for c in everything if c[0].stacking == BEST]
    exclusives = [c for c in everything if c[0].stacking == EXCLUSIVE]
    options = []
    full = {line.key: to_money(line.amount, code) for line in lines}
    best_alone = [(b, sum(_offer_amounts(b[0], lines, full, code).values(), ZERO)) for b in bests]
    best_pick = max(best_alone, key=lambda x: x[1])[0] if best_alone else None
    combined = sorted([*stackable, *([best_pick] if best_pick else [])], key=_by_priority)
    options.append(_apply(combined, lines, code))
    # Only the exclusive offer giving most alone can beat the stackable set.
    if exclusives:
        alone = [
            (x, sum(_offer_amounts(x[0], lines, full, code).values(), ZERO)) for x in exclusives
        ]
        options.append(_apply([max(alone, key=lambda x: x[1])[0]], lines, code))
    # Ties go to the first option (the stackable set), then to the higher priority.
    chosen = options[0]
    for option in options[1:]:
        if option.total > chosen.total:
            chosen = option

    applied_ids = {a.promotion_id for a in chosen.applied}
    if free_shipping is not None:
        applied_ids.add(free_shipping.promotion_id)
    for rule, voucher in code_candidates:
        if rule.id in applied_ids:
            continue
        reason, kind = _not_applied_reason(rule, lines, context), "not_applicable"
        if reason is None:
            reason, kind = (
                _("The code %(code)s cannot be combined with a better offer in your cart.")
                % {"code": voucher.code},
                "not_combinable",
            )
        elif rule.min_amount:
            kind = "minimum"
        rejected.append(CodeRejection(voucher.code, reason, kind))
    return BasketDiscounts(
        line_discounts=tuple(chosen.discounts),
        free_shipping=free_shipping,
        applied=tuple(chosen.applied) + ((free_shipping,) if free_shipping else ()),
        rejected=tuple(rejected),
    )


def _not_applied_reason(
    rule: OfferRule, lines: Sequence[PricedLine], context: PricingContext
) -> str | None:
    """Why an eligible code's offer gave nothing; None when it would have (it lost to a
    better one)."""
    matching = [line for line in lines if rule.matches(line)]
    if not matching:
        return _("This code does not apply to the items in your cart.")
    amount = sum((line.amount for line in matching), ZERO)
    if amount < rule.min_amount:
        return _("This code needs a minimum of %(amount)s.") % {
            "amount": format_money(rule.min_amount, context.currency)
        }
    quantity = sum(line.quantity for line in matching)
    if quantity < max(rule.min_quantity, rule.buy_quantity + rule.get_quantity):
        needed = max(rule.min_quantity, rule.buy_quantity + rule.get_quantity)
        return ngettext(
            "This code needs %(count)s matching item.",
            "This code needs %(count)s matching items.",
            needed,
        ) % {"count": needed}
    if rule.benefit == FREE_SHIPPING:
        return None
    return None
