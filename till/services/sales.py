"""A sale at the till: the basket priced by the one pricing function, then placed as an
order of channel ``store`` carried out at once (``orders.services.order_place`` with a
``CarryOut``: stock sold at this store through inventory, loyalty earned, sizes learned,
the customer's timeline written) and paid by tenders in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Variant
from customers.models import Channel, Customer
from omni.money import ZERO, currency, to_money
from orders import selectors as order_selectors
from orders.errors import InsufficientStock
from orders.services import CarryOut, Contact, OrderRequest, PaymentChoice, order_place
from orders.services.totals import (
    ManualDiscount,
    TaxableLine,
    Totals,
    customer_facts,
    order_totals,
)
from stores.models import Associate, Location
from till import selectors
from till.errors import ManagerRequired, ShiftNotOpen, TenderInvalid, TillInputInvalid
from till.models import ParkedSale, Register, Shift, TillSale
from till.services.tendering import CASH, Tender, tenders_check, tenders_take

MAX_LINE_QUANTITY = 99


@dataclass(frozen=True)
class QuoteLine:
    variant: Variant
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    # Units this store can sell off its floor; below ``quantity``: warn.
    here: int

    @property
    def short(self) -> bool:
        return self.quantity > self.here


@dataclass(frozen=True)
class Quote:
    lines: tuple[QuoteLine, ...]
    totals: Totals

    @property
    def due(self) -> Decimal:
        return self.totals.total

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)


def sale_quote(
    *,
    location: Location,
    lines: Mapping[int, int],
    codes: Sequence[str] = (),
    customer: Customer | None = None,
    manual_discount: ManualDiscount | None = None,
) -> Quote:
    """The basket's lines with their prices, tax and what this store holds, and the
    totals, from ``order_totals`` (the same figures the order will store): this store's
    automatic offers, the ``codes`` typed, the customer's facts for offers that ask, and
    a ``manual_discount`` (raises ManualDiscountInvalid over the bound). Lines whose
    variant can no longer be sold are left out. Queries flat in the basket size."""
    variants = order_selectors.variants_sellable(variant_ids=lines) if lines else {}
    here = selectors.on_hand_here(location_id=location.pk, variant_ids=variants) if variants else {}
    wanted = [(variants[v], q) for v, q in lines.items() if v in variants]
    code = next((v.price_currency for v, _q in wanted if v.price_currency), currency())
    totals = order_totals(
        lines=[
            TaxableLine(
                unit_price=to_money(v.price_amount, code),
                quantity=q,
                tax_class=v.product.category.tax_class,
                key=v.pk,
            )
            for v, q in wanted
        ],
        ships=False,
        tax_region=location.region,
        channel=Channel.STORE,
        location=location,
        codes=tuple(codes),
        customer=customer_facts(customer) if customer is not None else None,
        manual_discount=manual_discount,
    )
    quoted = []
    for variant, quantity in wanted:
        priced = totals.line_for(variant.pk)
        quoted.append(
            QuoteLine(
                variant=variant,
                quantity=quantity,
                unit_price=to_money(variant.price_amount, code),
                line_total=priced.line_total,
                tax_rate=priced.tax_rate,
                tax_amount=priced.tax_amount,
                here=here.get(variant.pk, 0),
            )
        )
    return Quote(lines=tuple(quoted), totals=totals)


def manager_may_oversell() -> bool:
    """``OMNI_TILL_MANAGER_OVERSELL``: a manager may complete a sale whose quantity is
    above what the store holds (kept as a flagged sale for a stock count)."""
    return bool(getattr(settings, "OMNI_TILL_MANAGER_OVERSELL", False))


def _clean_lines(lines: Sequence[tuple[int, int]] | Mapping[int, int]) -> dict[int, int]:
    pairs = lines.items() if isinstance(lines, Mapping) else lines
    merged: dict[int, int] = {}
    for variant_id, quantity in pairs:
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise TillInputInvalid(_("Each quantity must be a whole number of at least 1."))
        merged[int(variant_id)] = merged.get(int(variant_id), 0) + quantity
        if merged[int(variant_id)] > MAX_LINE_QUANTITY:
            raise TillInputInvalid(_("That is more units than one sale can take."))
    if not merged:
        raise TillInputInvalid(_("Add at least one item first."), field="lines")
    return merged


def _key_clean(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > 64 or not all(c.isalnum() or c in "-_:" for c in key):
        raise TillInputInvalid(_("The sale has no valid key."), field="idempotency_key")
    return key


def sale_complete(
    *,
    shift: Shift,
    associate: Associate,
    lines: Sequence[tuple[int, int]] | Mapping[int, int],
    tenders: Sequence[Tender],
    idempotency_key: str,
    customer: Customer | None = None,
    contact: Contact | None = None,
    offline: bool = False,
    rung_up_at: dt.datetime | None = None,
    oversell: bool = False,
    external_reference: str = "",
    codes: Sequence[str] = (),
    manual_discount=None,
) -> TillSale:
    """Ring up a sale on ``shift`` (open, at its register's store): the order (channel
    store, carry-out, this store, this associate), paid by ``tenders``; the TillSale.

    Idempotent by ``idempotency_key``: posting the same sale again (a double tap, the
    offline queue replaying) returns the sale the first call made and takes nothing. The
    order's ``external_reference`` is ``till:<key>`` unless an integration gives its own
    (the API: a retry by reference finds the same sale).

    Stock short at this store: refused with InsufficientStock ("Only 1 left of ..."),
    unless the sale was rung up ``offline`` (the goods already left with the customer) or a
    manager completes it with ``oversell`` where ``OMNI_TILL_MANAGER_OVERSELL`` allows:
    then the sale is kept, flagged for the manager with its basket and its cash, and no
    order is placed until the stock is counted (``sale_flagged_settle``).

    One transaction; locks the shift row (a close waits for the sale), then what
    ``order_place`` locks. Raises ShiftNotOpen, TillInputInvalid, TenderInvalid (cash
    below due ``tender_short``), PaymentDeclined/PaymentFailed (nothing taken, the sale
    stays open), InsufficientStock, ManagerRequired (oversell by a non-manager)."""
    key = _key_clean(idempotency_key)
    wanted = _clean_lines(lines)
    existing = TillSale.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    if oversell and not (associate.is_manager and manager_may_oversell()):
        raise ManagerRequired(_("Only a manager can sell more than the store holds."))
    register = shift.register
    location = register.location
    with transaction.atomic():
        locked = Shift.objects.select_for_update().get(pk=shift.pk)
        if not locked.is_open:
            raise ShiftNotOpen(_("This shift is closed; open a new one to sell."))
        existing = TillSale.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
        if customer is None and (contact is None or not (contact.email or contact.phone)):
            customer = _walk_in(register)
        request = OrderRequest(
            channel=Channel.STORE,
            location=location,
            associate=associate,
            lines=tuple(wanted.items()),
            payment=PaymentChoice.tendered(),
            fulfilment=CarryOut(),
            customer=customer,
            contact=contact,
            external_reference=external_reference or f"till:{key}",
            # Offers (orders.services: the one pricing function) apply the codes and a
            # manual discount; automatic promotions apply by themselves.
            codes=tuple(codes),
            manual_discount=manual_discount,
        )
        try:
            with transaction.atomic():
                placement = order_place(request)
                order = placement.order
                if not placement.created:
                    sale = TillSale.objects.filter(order=order).first()
                    if sale is not None:
                        return sale
                    # An order made outside the till under this reference: never pay twice.
                    raise TillInputInvalid(
                        _("An order with this reference exists already: %(number)s.")
                        % {"number": order.number},
                        field="external_reference",
                        code="duplicate_reference",
                    )
                tendered = tenders_take(order=order, tenders=tenders)
        except InsufficientStock:
            if not (offline or oversell):
                raise
            return _sale_flag(locked, associate, wanted, tenders, key, rung_up_at, location)
        except TenderInvalid:
            # Offline, the cash was taken at the price the till had cached: a price
            # changed since is the manager's to settle, never a lost sale.
            if not offline:
                raise
            return _sale_flag(
                locked, associate, wanted, tenders, key, rung_up_at, location, short_paid=True
            )
        return TillSale.objects.create(
            shift=locked,
            order=order,
            associate=associate,
            idempotency_key=key,
            offline=offline,
            rung_up_at=rung_up_at or timezone.now(),
            total=order.total,
            cash_tendered=tendered.cash_tendered,
            change_due=tendered.change_due,
        )


def _walk_in(register) -> Customer:
    """The register's walk-in customer, made the first time (locks the register)."""
    locked = type(register).objects.select_for_update().get(pk=register.pk)
    if locked.walk_in_customer_id is None:
        locked.walk_in_customer = Customer.objects.create(
            first_name=_("Walk-in"),
            last_name=locked.name,
            is_active=False,
            source_channel=Channel.STORE,
            home_store=locked.location,
        )
        locked.save(update_fields=["walk_in_customer", "updated_at"])
    register.walk_in_customer_id = locked.walk_in_customer_id
    return locked.walk_in_customer


def _sale_flag(
    shift, associate, wanted, tenders, key, rung_up_at, location, short_paid: bool = False
) -> TillSale:
    """Keep a sale the stock could not cover: its basket, its quote and its cash. Only
    cash is accepted here (the offline till takes only cash)."""
    quote = sale_quote(location=location, lines=wanted)
    due = quote.due
    code = quote.totals.currency
    if not short_paid:
        tenders_check(tenders=tenders, due=due, currency=code)
    cash = sum((to_money(t.amount, code) for t in tenders if t.kind == CASH), ZERO)
    if cash != sum((to_money(t.amount, code) for t in tenders), ZERO):
        raise TillInputInvalid(_("A sale kept for the manager is paid in cash only."))
    return TillSale.objects.create(
        shift=shift,
        associate=associate,
        status=TillSale.Status.FLAGGED,
        idempotency_key=key,
        offline=True,
        rung_up_at=rung_up_at or timezone.now(),
        total=min(due, cash),
        cash_tendered=cash,
        change_due=max(cash - due, ZERO),
        basket={"lines": [[v, q] for v, q in wanted.items()]},
        note=_("The cash taken offline is below today's price.")
        if short_paid
        else _("Stock ran out before this sale was posted."),
    )


@transaction.atomic
def sale_flagged_resolve(*, sale: TillSale, associate: Associate, note: str = "") -> TillSale:
    """A manager has dealt with a flagged sale (stock counted and adjusted, the order
    rung up again or written off): it leaves the queue. Raises ManagerRequired."""
    if not associate.is_manager:
        raise ManagerRequired()
    sale = TillSale.objects.select_for_update().get(pk=sale.pk)
    if sale.status != TillSale.Status.FLAGGED:
        return sale
    sale.status = TillSale.Status.RESOLVED
    sale.note = (" ".join((note or "").split()) or sale.note)[:255]
    sale.save(update_fields=["status", "note"])
    return sale


@transaction.atomic
def sale_flagged_place(*, sale: TillSale, associate: Associate) -> TillSale:
    """Once the stock is counted and adjusted, a manager places the order of a flagged
    sale: its basket, carried out at its store on its shift (the cash it was paid is its
    tender), so the customer's record, loyalty and stock catch up. Locks the sale. Raises
    ManagerRequired, InsufficientStock (still short: count and adjust first), TenderInvalid
    (the cash taken is below today's price: settle it by hand with "Resolved")."""
    if not associate.is_manager:
        raise ManagerRequired()
    sale = (
        TillSale.objects.select_for_update(of=("self",))
        .select_related("shift__register__location")
        .get(pk=sale.pk)
    )
    if sale.status != TillSale.Status.FLAGGED:
        return sale
    register = sale.shift.register
    placement = order_place(
        OrderRequest(
            channel=Channel.STORE,
            location=register.location,
            associate=sale.associate,
            lines=tuple((int(v), int(q)) for v, q in sale.basket.get("lines", [])),
            payment=PaymentChoice.tendered(),
            fulfilment=CarryOut(),
            customer=_walk_in(register),
            external_reference=f"till:{sale.idempotency_key}",
        )
    )
    order = placement.order
    if placement.created:
        tenders_take(order=order, tenders=[Tender(kind=CASH, amount=sale.cash_tendered)])
    sale.order = order
    sale.status = TillSale.Status.RESOLVED
    sale.total = order.total
    sale.note = _("Placed by %(manager)s once the stock was counted.") % {
        "manager": associate.display_name
    }
    sale.save(update_fields=["order", "status", "total", "note"])
    return sale


def sale_park(
    *,
    register: Register,
    associate: Associate,
    lines: Mapping[str, int],
    customer_id: int | None = None,
    label: str = "",
) -> ParkedSale:
    """Put a basket aside on the register (resumed later by anyone at the register)."""
    return ParkedSale.objects.create(
        register=register,
        associate=associate,
        customer_id=customer_id,
        lines={str(k): int(v) for k, v in lines.items()},
        label=" ".join((label or "").split())[:60],
    )


@transaction.atomic
def sale_unpark(*, register: Register, parked_id: int) -> ParkedSale:
    """Take a parked basket back (it leaves the parked list). Locks it, so two tablets
    cannot both resume it. Raises TillInputInvalid when it is gone."""
    parked = ParkedSale.objects.select_for_update().filter(pk=parked_id, register=register).first()
    if parked is None:
        raise TillInputInvalid(_("That parked sale is no longer there."))
    parked.delete()
    return parked
