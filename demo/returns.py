"""Returns of fulfilled orders: in any store that accepts returns (BORIS: often not the
store or channel it was bought in) or by post to a warehouse, in every state from
"started online" to refunded. Refunds go back to the original payment (an orders.Refund)
or to store credit; loyalty points are reversed; each return is on the timeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from customers.models import Channel, Interaction, LoyaltyEntry, StoreCreditEntry
from demo.randomness import token_for, weighted
from demo.rows import Row
from demo.world import DemoWorld, LocationRow
from omni import stored_text
from omni.money import ZERO, currency, money_param, to_money
from orders.models import Order, OrderLine, Payment, Refund
from returns.models import Return, ReturnLine

REASON_ODDS = (
    (ReturnLine.Reason.TOO_SMALL, 0.25), (ReturnLine.Reason.TOO_LARGE, 0.25),
    (ReturnLine.Reason.CHANGED_MIND, 0.2), (ReturnLine.Reason.NOT_AS_DESCRIBED, 0.1),
    (ReturnLine.Reason.DAMAGED, 0.08), (ReturnLine.Reason.WRONG_ITEM, 0.04),
    (ReturnLine.Reason.OTHER, 0.08),
)  # fmt: skip
STATUS_ODDS = (
    (Return.Status.REFUNDED, 0.72), (Return.Status.CLOSED, 0.1),
    (Return.Status.RECEIVED, 0.1), (Return.Status.REQUESTED, 0.08),
)  # fmt: skip
CONDITION_ODDS = (
    (ReturnLine.Condition.A, 0.7), (ReturnLine.Condition.B, 0.2), (ReturnLine.Condition.C, 0.1),
)  # fmt: skip
MIN_AGE_DAYS = 10  # only orders old enough to have arrived and been tried on


@dataclass
class EligibleOrder:
    id: int
    number: str
    customer_id: int
    channel: str
    location_id: int | None
    placed_at: dt.datetime
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal


def _disposition(rng, condition: str, received_at: LocationRow) -> str:
    if condition == ReturnLine.Condition.C:
        return ReturnLine.Disposition.WRITE_OFF
    if condition == ReturnLine.Condition.B:
        return rng.choice((ReturnLine.Disposition.INSPECT, ReturnLine.Disposition.TO_WAREHOUSE))
    if received_at.is_store and rng.random() < 0.2:
        return ReturnLine.Disposition.TO_WAREHOUSE  # not in this store's range
    return ReturnLine.Disposition.RESTOCK


class _ReturnDesk:
    def __init__(self, world: DemoWorld) -> None:
        self.world = world
        self.counter = 100_000
        self.location_by_id = {loc.id: loc for loc in world.locations}
        self.warehouses = [loc for loc in world.locations if not loc.is_store]
        self.return_stores = [loc for loc in world.locations if loc.accepts_returns]

    def write(self, chosen: list[EligibleOrder]) -> None:
        world = self.world
        ids = [order.id for order in chosen]
        lines_by_order: dict[int, list[OrderLine]] = {}
        for line in OrderLine.objects.filter(order_id__in=ids, is_final_sale=False).order_by("id"):
            lines_by_order.setdefault(line.order_id, []).append(line)
        payment_by_order: dict[int, Payment] = {}
        for payment in Payment.objects.filter(
            order_id__in=ids, status=Payment.Status.CAPTURED
        ).order_by("id"):
            payment_by_order.setdefault(payment.order_id, payment)

        plans = []
        for order in chosen:
            lines = lines_by_order.get(order.id)
            if lines:
                plans.append(self._plan(order, lines, payment_by_order.get(order.id)))
        returns = world.insert(Return, [ret for ret, *_ in plans], "returns", ids=True)

        return_lines, refunds, credits, loyalty, timeline, paid = [], [], [], [], [], []
        for saved, (_, lines, order, payment, net) in zip(returns, plans, strict=True):
            for line in lines:
                line["return_request_id"] = saved["id"]
            return_lines += lines
            customer = world.customers[world.customer_index_by_id[order.customer_id]]
            refunded = saved["status"] in (Return.Status.REFUNDED, Return.Status.CLOSED)
            amount, refunded_at = saved["refund_total"], saved["refunded_at"]
            note = f"Return {saved['number']}"
            reference = {"reference_type": "returns.return", "reference_id": str(saved["id"])}
            if refunded and saved["refund_method"] == Return.RefundMethod.STORE_CREDIT:
                credits.append(
                    dict(
                        customer_id=order.customer_id,
                        amount=amount,
                        currency=currency(),
                        reason=StoreCreditEntry.Reason.RETURN_REFUND,
                        note=note,
                        location_id=saved["location_id"],
                        created_at=refunded_at,
                        **reference,
                    )
                )
            elif refunded and payment is not None:
                refunds.append(
                    dict(
                        payment_id=payment.pk,
                        amount=amount,
                        status=Refund.Status.SUCCEEDED,
                        provider_reference=f"re_{token_for(world.rng('refund', note), 9)}",
                        reason=note,
                        created_at=refunded_at,
                        **reference,
                    )
                )
                payment.status = (
                    Payment.Status.REFUNDED
                    if amount >= payment.amount
                    else Payment.Status.PARTIALLY_REFUNDED
                )
                paid.append(payment)
            points = world.market.points_for(net)
            if refunded and customer.is_member and points:
                loyalty.append(
                    dict(
                        customer_id=order.customer_id,
                        points=-points,
                        reason=LoyaltyEntry.Reason.RETURN,
                        note=note,
                        location_id=saved["location_id"],
                        created_at=refunded_at,
                        **reference,
                    )
                )
            timeline.append(self._timeline(saved, order, len(lines)))
        world.insert(ReturnLine, return_lines, "return lines")
        world.insert(Refund, refunds, "refunds")
        world.insert(StoreCreditEntry, credits, "store credit entries")
        world.insert(LoyaltyEntry, loyalty, "loyalty entries")
        world.insert(Interaction, timeline, "interactions")
        Payment.objects.bulk_update(paid, ["status"], batch_size=1000)

    def _plan(self, order: EligibleOrder, lines: list[OrderLine], payment: Payment | None):
        world = self.world
        rng = world.rng("return-plan", order.number)
        customer = world.customers[world.customer_index_by_id[order.customer_id]]
        area = world.locations[customer.area_index]
        home = world.locations[customer.home_index] if customer.home_index is not None else area

        if order.channel == Channel.STORE or rng.random() < 0.6:
            method = Return.Method.IN_STORE
            bought_at = self.location_by_id.get(order.location_id)
            if bought_at is not None and bought_at.accepts_returns and rng.random() < 0.7:
                location = bought_at
            else:
                location = home if home.accepts_returns else rng.choice(self.return_stores)
        else:
            method = Return.Method.BY_POST
            location = world.nearest(area.index, self.warehouses)
        status = weighted(rng, STATUS_ODDS)
        if method == Return.Method.IN_STORE and status == Return.Status.REQUESTED:
            status = Return.Status.RECEIVED  # a return at the counter is received there and then
        refunded = status in (Return.Status.REFUNDED, Return.Status.CLOSED)

        now = world.now
        override = None
        if status in (Return.Status.REQUESTED, Return.Status.RECEIVED):
            requested_at = now - dt.timedelta(days=rng.uniform(0.5, 5))
        elif (
            method == Return.Method.IN_STORE
            and now - order.placed_at > dt.timedelta(days=45)
            and rng.random() < 0.05
        ):
            # Past the 30-day window: an associate made an exception (and said why).
            requested_at = order.placed_at + dt.timedelta(days=rng.uniform(31, 38))
            override = world.market.override_reason
        else:
            latest = (now - order.placed_at).total_seconds() / 86400 - 1
            requested_at = order.placed_at + dt.timedelta(days=rng.uniform(3, min(25, latest)))
        if method == Return.Method.IN_STORE:
            received_at = requested_at
        else:
            received_at = min(requested_at + dt.timedelta(days=rng.uniform(2, 5)), now)
        refunded_at = min(received_at + dt.timedelta(hours=rng.uniform(0, 24)), now)

        staff = world.associates_at(location.index) if location.is_store else []
        associate = staff[0] if staff else None
        # What a line gives back: its price less its share of the discount, plus its sales
        # tax (VAT is inside the price already).
        discount_share = order.discount_total / order.subtotal if order.subtotal else ZERO
        taxable = order.subtotal - order.discount_total
        tax_rate = order.tax_total / taxable if taxable and world.market.us_sales_tax else ZERO

        wanted = weighted(rng, ((1, 0.75), (2, 0.2), (3, 0.05)))
        picked = rng.sample(lines, min(wanted, len(lines)))
        return_lines, net_total, refund_total = [], ZERO, ZERO
        for line in sorted(picked, key=lambda ln: ln.pk):
            quantity = rng.randint(1, line.quantity)
            net = line.unit_price * quantity * (1 - discount_share)
            amount = to_money(net * (1 + tax_rate)) if refunded else ZERO
            condition = ""
            disposition = ""
            if status != Return.Status.REQUESTED:
                condition = weighted(rng, CONDITION_ODDS)
                if refunded or rng.random() < 0.5:
                    disposition = _disposition(rng, condition, location)
            return_lines.append(
                dict(
                    order_line_id=line.pk, quantity=quantity, reason=weighted(rng, REASON_ODDS),
                    condition=condition, disposition=disposition, refund_amount=amount,
                )
            )  # fmt: skip
            net_total += net
            refund_total += amount
        excess = refund_total - payment.amount if payment is not None else ZERO
        if excess > 0:  # rounding per line can pass what was paid by a cent: never refund more
            return_lines[-1]["refund_amount"] -= excess
            refund_total -= excess

        store_credit = method == Return.Method.IN_STORE and rng.random() < 0.25
        self.counter += 1
        ret = dict(
            number=f"R{self.counter}",
            order_id=order.id,
            customer_id=order.customer_id,
            channel=Channel.STORE if method == Return.Method.IN_STORE else Channel.WEB,
            method=method,
            location_id=location.id,
            associate_id=associate.id if associate else None,
            status=status,
            refund_method=(
                Return.RefundMethod.STORE_CREDIT if store_credit else Return.RefundMethod.ORIGINAL
            ),
            refund_total=refund_total,
            policy_override_by_id=associate.id if override and associate else None,
            policy_override_reason=override if override and associate else "",
            requested_at=requested_at,
            received_at=received_at if status != Return.Status.REQUESTED else None,
            refunded_at=refunded_at if refunded else None,
            created_at=requested_at,
        )
        return ret, return_lines, order, payment, net_total

    def _timeline(self, saved: Row, order: EligibleOrder, items: int) -> Row:
        location = self.location_by_id[saved["location_id"]]
        amount = money_param(saved["refund_total"])
        if saved["status"] == Return.Status.REQUESTED:
            summary = stored_text.text(
                "return.requested",
                number=saved["number"],
                order=order.number,
                count=items,
                amount=amount,
                method=saved["method"],
            )
        elif saved["refunded_at"] is not None:
            key = (
                "return.received_store_credit"
                if saved["refund_method"] == "store_credit"
                else "return.received_original"
            )
            summary = stored_text.text(
                key,
                count=items,
                order=order.number,
                location=location.name,
                number=saved["number"],
                amount=amount,
            )
        else:
            summary = stored_text.text(
                "return.received_original",
                count=items,
                order=order.number,
                location=location.name,
                number=saved["number"],
                amount=amount,
            )
        return dict(
            customer_id=order.customer_id,
            kind=Interaction.Kind.RETURN,
            channel=saved["channel"],
            location_id=saved["location_id"],
            associate_id=saved["associate_id"],
            **summary.columns(),
            detail={"number": saved["number"], "order": order.number, "status": saved["status"]},
            subject_type="returns.return",
            subject_id=str(saved["id"]),
            occurred_at=saved["received_at"] or saved["requested_at"],
        )


def returns_create(world: DemoWorld) -> None:
    """Walk fulfilled orders in id order (bounded batches); a fixed share, decided by each
    order's number, comes back."""
    desk = _ReturnDesk(world)
    eligible = (
        Order.objects.filter(
            status=Order.Status.FULFILLED,
            placed_at__lte=world.now - dt.timedelta(days=MIN_AGE_DAYS),
        )
        .exclude(channel=Channel.MARKETPLACE)  # the marketplace handles its own returns
        .order_by("id")
    )
    fields = ("id", "number", "customer_id", "channel", "location_id", "placed_at", "subtotal",
              "discount_total", "tax_total")  # fmt: skip
    last_id = 0
    progress = world.progress(None, total=eligible.count(), desc="returns")
    while True:
        batch = [
            EligibleOrder(*row)
            for row in eligible.filter(id__gt=last_id).values_list(*fields)[:5000]
        ]
        if not batch:
            break
        last_id = batch[-1].id
        progress.update(len(batch))
        chosen = [
            order
            for order in batch
            if world.rng("return", order.number).random() < world.scale.return_rate
        ]
        with transaction.atomic():
            desk.write(chosen)
    progress.close()
