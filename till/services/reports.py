"""X (so far) and Z (at close) reports of a shift: sales by tender, refunds, discounts,
by associate, and the cash the drawer should hold. A fixed number of aggregate queries,
whatever the number of sales."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from omni.money import ZERO, to_money
from orders.models import Payment, Refund
from till.models import CashMove, Shift, ShiftRefund, TillSale


@dataclass(frozen=True)
class AssociateLine:
    name: str
    sales: int
    total: Decimal


@dataclass(frozen=True)
class ShiftReport:
    shift: Shift
    final: bool  # a Z report (the shift is closed), else X
    generated_at: dt.datetime
    sales_count: int
    sales_total: Decimal
    discounts: Decimal
    tax: Decimal
    by_tender: dict[str, Decimal]
    refunds_total: Decimal
    refunds_by_tender: dict[str, Decimal]
    by_associate: tuple[AssociateLine, ...]
    flagged_count: int
    opening_float: Decimal
    cash_sales: Decimal
    cash_refunds: Decimal
    cash_in: Decimal
    cash_out: Decimal
    expected_cash: Decimal
    counted_cash: Decimal | None
    variance: Decimal | None

    @property
    def kind(self) -> str:
        return "Z" if self.final else "X"

    @property
    def net_total(self) -> Decimal:
        return self.sales_total - self.refunds_total


def _money(value) -> Decimal:
    return to_money(value or ZERO)


def shift_report(*, shift: Shift, until: dt.datetime | None = None) -> ShiftReport:
    """The shift's figures up to ``until`` (its close, or now). Refunds are those the
    returns desk paid out at this register (``shift_refunds_attach``): with two tills open
    a cash refund comes out of one drawer only. Seven queries."""
    final = shift.status == Shift.Status.CLOSED
    end = until or shift.closed_at or timezone.now()
    sales = TillSale.objects.filter(shift=shift)
    placed = sales.filter(order__isnull=False)
    figures = placed.aggregate(
        count=Count("pk"),
        total=Sum("order__total"),
        discounts=Sum("order__discount_total"),
        tax=Sum("order__tax_total"),
    )
    flagged = sales.filter(order__isnull=True).aggregate(count=Count("pk"), cash=Sum("total"))
    by_tender = {
        row["provider"]: _money(row["amount"])
        for row in Payment.objects.filter(order__till_sale__shift=shift)
        .values("provider")
        .annotate(amount=Sum("amount"))
        .order_by("provider")
    }
    if flagged["cash"]:
        by_tender[Payment.Provider.CASH] = by_tender.get(Payment.Provider.CASH, ZERO) + _money(
            flagged["cash"]
        )
    refunds = Refund.objects.filter(
        status=Refund.Status.SUCCEEDED,
        created_at__lte=end,
        pk__in=ShiftRefund.objects.filter(shift=shift).values("refund_id"),
    )
    refunds_by_tender = {
        row["payment__provider"]: _money(row["amount"])
        for row in refunds.values("payment__provider")
        .annotate(amount=Sum("amount"))
        .order_by("payment__provider")
    }
    by_associate = tuple(
        AssociateLine(name=row["associate__display_name"], sales=row["n"], total=_money(row["t"]))
        for row in sales.values("associate__display_name")
        .annotate(n=Count("pk"), t=Coalesce(Sum("order__total"), Sum("total")))
        .order_by("associate__display_name")
    )
    moves = CashMove.objects.filter(shift=shift).aggregate(
        cash_in=Sum("amount", filter=Q(amount__gt=0)),
        cash_out=Sum("amount", filter=Q(amount__lt=0)),
    )
    cash_sales = by_tender.get(Payment.Provider.CASH, ZERO)
    cash_refunds = refunds_by_tender.get(Payment.Provider.CASH, ZERO)
    cash_in, cash_out = _money(moves["cash_in"]), -_money(moves["cash_out"])
    expected = to_money(shift.opening_float + cash_sales - cash_refunds + cash_in - cash_out)
    return ShiftReport(
        shift=shift,
        final=final,
        generated_at=end,
        sales_count=figures["count"] or 0,
        sales_total=_money(figures["total"]) + _money(flagged["cash"]),
        discounts=_money(figures["discounts"]),
        tax=_money(figures["tax"]),
        by_tender=by_tender,
        refunds_total=sum(refunds_by_tender.values(), ZERO),
        refunds_by_tender=refunds_by_tender,
        by_associate=by_associate,
        flagged_count=flagged["count"] or 0,
        opening_float=_money(shift.opening_float),
        cash_sales=cash_sales,
        cash_refunds=cash_refunds,
        cash_in=cash_in,
        cash_out=cash_out,
        expected_cash=shift.expected_cash if final else expected,
        counted_cash=shift.counted_cash if final else None,
        variance=shift.variance if final else None,
    )
