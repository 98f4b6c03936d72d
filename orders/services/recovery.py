"""Abandoned-cart recovery: the beat task ``orders.tasks.carts_recover`` calls
``carts_recover()``, which follows up open carts that have items, a known email and a
customer, idle past the next stage's delay (``OMNI_ABANDONED_CART_STAGES`` minutes after
the last change; every cart change restarts at stage 0, see ``services.carts``).

Selection: ``carts_recovery_due`` reads only due carts through the partial index
``cart_recovery_due_idx`` (open carts with ``recovery_due_at`` set), so a scan costs in
proportion to the carts that are due, not to all carts. Batches are loaded with a fixed
number of queries (lines and prices, consent, orders, pickups, outreach, stock, images).

Recovery stops, across channels, when since the cart went idle the shopper ordered on the
web (or any non-store channel), bought one of the same products in a store, collected a
pickup, was contacted by an associate (an ``outreach`` interaction), or emptied the cart;
and when their email consent is not marketing (one-to-one consent allows only the store's
follow-up task, never the email).

Each stage is done once: a ``CartRecoveryStep`` row per (cart, stage) and the EmailLog's
unique (kind, object, stage) make a second run a no-op; each cart is handled in its own
transaction holding its row lock taken with SKIP LOCKED, so two scans running at once
share the due carts instead of both emailing them. A stage more than one step overdue
(the workers were down) sends only the latest due stage, not a burst of emails.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext_lazy

from catalog.models import ProductImage
from customers.models import (
    Channel,
    Consent,
    ConsentState,
    ContactChannel,
    Customer,
    FollowUpTask,
    Interaction,
)
from customers.services import interaction_record, task_create
from customers.unsubscribe import unsubscribe_headers, unsubscribe_path
from inventory.models import NearestAvailability, low_stock_threshold
from omni import stored_text
from omni.email import absolute_url, email_send_once, email_sent_text, subject_values
from omni.money import currency, format_money_lazy, money_param, money_text, to_money
from orders import selectors
from orders.models import Cart, CartLine, CartRecoveryStep, Fulfilment, Order, OrderLine
from orders.services.carts import cart_recovery_stages, cart_restore_token, variant_label

logger = logging.getLogger(__name__)

# The follow-up the store gets for a cart left online, read in each associate's language.
TASK_REASONS = stored_text.register(
    {
        "task.cart_left": stored_text.Template(
            gettext_lazy(
                "Cart of %(total)s left online: %(items)s. Reach out if they'd like help or to "
                "hold the items."
            ),
            total=money_text,
        ),
        "task.cart_left_more": stored_text.Template(
            ngettext_lazy(
                "Cart of %(total)s left online: %(items)s and %(count)d more. Reach out if "
                "they'd like help or to hold the items.",
                "Cart of %(total)s left online: %(items)s and %(count)d more. Reach out if "
                "they'd like help or to hold the items.",
                "count",
            ),
            total=money_text,
        ),
    }
)

RECOVERY_EMAIL_KIND = "abandoned_cart"
HIGH_VALUE_ACTIONS = ("email", "task", "both")


class StopReason:
    """Why a cart's follow-up ended (logged and counted per scan)."""

    EMPTY = "emptied"
    ORDERED = "ordered"
    BOUGHT_IN_STORE = "bought_in_store"
    PICKED_UP = "picked_up"
    CONTACTED = "associate_contacted"
    NO_CONSENT = "no_consent"
    UNAVAILABLE = "items_unavailable"
    FINISHED = "no_more_stages"


@dataclass
class RecoveryRun:
    """What one scan did."""

    emailed: int = 0
    tasks: int = 0
    skipped: int = 0  # taken by a concurrent scan, or changed since it was read
    failed: int = 0  # an error (e.g. the mail server): left due, retried next scan
    stopped: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def stopped_total(self) -> int:
        return sum(self.stopped.values())


def high_value_threshold() -> Decimal:
    return to_money(str(getattr(settings, "OMNI_ABANDONED_CART_HIGH_VALUE", "300.00")))


def high_value_action() -> str:
    action = str(getattr(settings, "OMNI_ABANDONED_CART_HIGH_VALUE_ACTION", "both")).lower()
    return action if action in HIGH_VALUE_ACTIONS else "both"


def carts_recovery_due(*, now: dt.datetime) -> QuerySet[Cart]:
    """Open carts whose next recovery stage is due. Both predicates of the partial index
    ``cart_recovery_due_idx`` are spelled out so the planner uses it."""
    return Cart.objects.filter(
        status=Cart.Status.OPEN, recovery_due_at__isnull=False, recovery_due_at__lte=now
    ).order_by("recovery_due_at", "pk")


def carts_recover(
    *, now: dt.datetime | None = None, batch_size: int = 200, limit: int | None = None
) -> RecoveryRun:
    """Follow up every due cart, ``batch_size`` at a time (keyset order on the due time,
    so the scan ends even when a cart is left due). Safe to run twice at once. Returns
    what it did."""
    now = now or timezone.now()
    run = RecoveryRun()
    after: tuple[dt.datetime, int] | None = None
    done = 0
    while limit is None or done < limit:
        due = carts_recovery_due(now=now)
        if after is not None:
            due = due.filter(
                Q(recovery_due_at__gt=after[0]) | Q(recovery_due_at=after[0], pk__gt=after[1])
            )
        size = batch_size if limit is None else min(batch_size, limit - done)
        batch = list(due.select_related("customer__home_store", "store")[:size])
        if not batch:
            break
        after = (batch[-1].recovery_due_at, batch[-1].pk)
        _recover_batch(batch, now=now, run=run)
        done += len(batch)
        if len(batch) < size:
            break
    if run.emailed or run.tasks or run.stopped_total or run.failed:
        logger.info(
            "abandoned carts: %s emailed, %s tasks, stopped %s, %s skipped, %s failed",
            run.emailed,
            run.tasks,
            dict(run.stopped),
            run.skipped,
            run.failed,
        )
    return run


# --- one batch: the facts, read with a fixed number of queries ---------------------------


@dataclass
class _Facts:
    lines: dict[int, list[CartLine]]
    consent: dict[int, str]
    orders: dict[int, list[tuple[str, dt.datetime, int]]]  # customer: (channel, at, product)
    pickups: dict[int, list[dt.datetime]]
    outreach: dict[int, list[dt.datetime]]
    salable: dict[int, int]
    here: dict[tuple[int, int], int]  # (variant, store): units
    images: dict[int, ProductImage]
    has_steps: set[int]


def _facts(carts: list[Cart]) -> _Facts:
    cart_ids = [c.pk for c in carts]
    customer_ids = {c.customer_id for c in carts if c.customer_id}
    since = min(c.last_activity_at for c in carts)
    lines: dict[int, list[CartLine]] = defaultdict(list)
    for line in (
        CartLine.objects.filter(cart_id__in=cart_ids)
        .select_related("variant__product")
        .annotate(**selectors.price_annotations("variant_id"))
        .order_by("cart_id", "added_at", "pk")
    ):
        lines[line.cart_id].append(line)
    variant_ids = {line.variant_id for rows in lines.values() for line in rows}
    product_ids = {line.variant.product_id for rows in lines.values() for line in rows}
    consent = dict(
        Consent.objects.filter(
            customer_id__in=customer_ids, channel=ContactChannel.EMAIL
        ).values_list("customer_id", "state")
    )
    orders: dict[int, list[tuple[str, dt.datetime, int]]] = defaultdict(list)
    for customer_id, channel, placed_at, product_id in (
        OrderLine.objects.filter(order__customer_id__in=customer_ids, order__placed_at__gte=since)
        .exclude(order__status=Order.Status.CANCELLED)
        .values_list("order__customer_id", "order__channel", "order__placed_at", "variant__product")
    ):
        orders[customer_id].append((channel, placed_at, product_id))
    pickups: dict[int, list[dt.datetime]] = defaultdict(list)
    for customer_id, collected_at in Fulfilment.objects.filter(
        kind=Fulfilment.Kind.PICKUP,
        order__customer_id__in=customer_ids,
        collected_at__gte=since,
    ).values_list("order__customer_id", "collected_at"):
        pickups[customer_id].append(collected_at)
    outreach: dict[int, list[dt.datetime]] = defaultdict(list)
    for customer_id, occurred_at in Interaction.objects.filter(
        customer_id__in=customer_ids, kind=Interaction.Kind.OUTREACH, occurred_at__gte=since
    ).values_list("customer_id", "occurred_at"):
        outreach[customer_id].append(occurred_at)
    stores = {_store_of(c).pk for c in carts if _store_of(c) is not None}
    here = {
        (variant_id, store_id): quantity
        for variant_id, store_id, quantity in NearestAvailability.objects.filter(
            variant_id__in=variant_ids, store_id__in=stores, source_location_id=F("store_id")
        ).values_list("variant_id", "store_id", "quantity")
    }
    images: dict[int, ProductImage] = {}
    for image in ProductImage.objects.filter(product_id__in=product_ids).order_by(
        "product_id", "position", "pk"
    ):
        images.setdefault(image.product_id, image)
    return _Facts(
        lines=lines,
        consent=consent,
        orders=orders,
        pickups=pickups,
        outreach=outreach,
        salable=selectors.salable_for_sale(variant_ids=variant_ids) if variant_ids else {},
        here=here if stores and variant_ids else {},
        images=images,
        has_steps=set(
            CartRecoveryStep.objects.filter(cart_id__in=cart_ids).values_list("cart_id", flat=True)
        ),
    )


def _store_of(cart: Cart):
    """The shopper's store: their home store, else the store they shopped with last."""
    home = cart.customer.home_store if cart.customer_id else None
    return home or cart.store


def _sold(line: CartLine) -> bool:
    variant = line.variant
    return (
        getattr(line, "price_amount", None) is not None
        and variant.is_active
        and variant.product.is_active
    )


def _stop_reason(cart: Cart, facts: _Facts) -> str | None:
    """Why this cart must not be followed up any more, or None."""
    lines = facts.lines.get(cart.pk, [])
    if not lines:
        return StopReason.EMPTY
    if cart.customer_id is None:
        # Consent is held by a customer: an email nobody can be matched to has none.
        return StopReason.NO_CONSENT
    idle_since = cart.last_activity_at
    products = {line.variant.product_id for line in lines}
    for channel, placed_at, product_id in facts.orders.get(cart.customer_id, []):
        if placed_at < idle_since:
            continue
        if channel != Channel.STORE:
            return StopReason.ORDERED
        if product_id in products:
            return StopReason.BOUGHT_IN_STORE
    if any(at >= idle_since for at in facts.pickups.get(cart.customer_id, [])):
        return StopReason.PICKED_UP
    if any(at >= idle_since for at in facts.outreach.get(cart.customer_id, [])):
        return StopReason.CONTACTED
    if facts.consent.get(cart.customer_id, ConsentState.NONE) == ConsentState.NONE:
        return StopReason.NO_CONSENT
    if not any(_sold(line) for line in lines):
        return StopReason.UNAVAILABLE
    return None


def _stage_index(cart: Cart, now: dt.datetime, stages: list[int]) -> int:
    """The stage to do now (0-based): the latest one already due."""
    index = cart.recovery_stage
    while (
        index + 1 < len(stages)
        and cart.last_activity_at + dt.timedelta(minutes=stages[index + 1]) <= now
    ):
        index += 1
    return index


# --- one cart -----------------------------------------------------------------------------


def _recover_batch(carts: list[Cart], *, now: dt.datetime, run: RecoveryRun) -> None:
    facts = _facts(carts)
    stages = cart_recovery_stages()
    for cart in carts:
        try:
            with transaction.atomic():
                _recover_one(cart, facts=facts, now=now, stages=stages, run=run)
        except Exception:
            # The cart stays due and the next scan tries again (the step rolled back).
            run.failed += 1
            logger.exception("abandoned cart %s: follow-up failed", cart.pk)


def _recover_one(
    cart: Cart, *, facts: _Facts, now: dt.datetime, stages: list[int], run: RecoveryRun
) -> None:
    # Still due as read, and not being handled by a concurrent scan: any change to the
    # cart since it was read moved recovery_due_at, so the facts above still hold.
    locked = (
        Cart.objects.select_for_update(skip_locked=True)
        .filter(pk=cart.pk, status=Cart.Status.OPEN, recovery_due_at=cart.recovery_due_at)
        .first()
    )
    if locked is None:
        run.skipped += 1
        return
    reason = _stop_reason(cart, facts)
    index = _stage_index(cart, now, stages)
    if reason is None and index >= len(stages):
        reason = StopReason.FINISHED
    lines = [line for line in facts.lines[cart.pk] if _sold(line)]
    subtotal = sum((to_money(line.price_amount) * line.quantity for line in lines), Decimal(0))
    consent = facts.consent.get(cart.customer_id, ConsentState.NONE)
    customer: Customer = cart.customer
    wants_task = (
        reason is None
        and cart.pk not in facts.has_steps
        and customer.home_store_id is not None
        and subtotal >= high_value_threshold()
        and high_value_action() in ("task", "both")
    )
    if reason is None and consent != ConsentState.MARKETING and not wants_task:
        # One-to-one consent allows the store's own follow-up, never a campaign email.
        reason = StopReason.NO_CONSENT
    if reason is not None:
        Cart.objects.filter(pk=cart.pk).update(recovery_due_at=None)
        run.stopped[reason] += 1
        logger.info("abandoned cart %s: follow-up stopped (%s)", cart.pk, reason)
        return
    stage = index + 1
    try:
        with transaction.atomic():
            step = CartRecoveryStep.objects.create(
                cart=cart, stage=stage, currency=currency(), subtotal=subtotal, created_at=now
            )
    except IntegrityError:
        # Done before (the cart was abandoned, touched and abandoned again): move on.
        step = None
    task_only = False
    if step is not None:
        if wants_task:
            step.task = _task_for(cart, customer, lines, subtotal, now=now)
            run.tasks += 1
            task_only = high_value_action() == "task"
        if consent == ConsentState.MARKETING and not task_only:
            step.emailed = _email(cart, customer, lines, subtotal, stage=stage, facts=facts)
            run.emailed += int(step.emailed)
        step.save(update_fields=["task", "emailed"])
    following = index + 1
    next_due = (
        cart.last_activity_at + dt.timedelta(minutes=stages[following])
        if following < len(stages) and not task_only and consent == ConsentState.MARKETING
        else None
    )
    Cart.objects.filter(pk=cart.pk).update(recovery_stage=following, recovery_due_at=next_due)


def _task_for(
    cart: Cart, customer: Customer, lines: list[CartLine], subtotal: Decimal, *, now: dt.datetime
) -> FollowUpTask:
    store = customer.home_store
    items = ", ".join(variant_label(line.variant) for line in lines[:3])
    if len(lines) > 3:
        reason = stored_text.text(
            "task.cart_left_more", total=money_param(subtotal), items=items, count=len(lines) - 3
        )
    else:
        reason = stored_text.text("task.cart_left", total=money_param(subtotal), items=items)
    return task_create(
        customer=customer,
        location=store,
        reason=reason,
        due_on=timezone.localdate(now),
        created_by=None,
    )


def _email(
    cart: Cart,
    customer: Customer,
    lines: list[CartLine],
    subtotal: Decimal,
    *,
    stage: int,
    facts: _Facts,
) -> bool:
    restore_path = reverse(
        "orders:cart-restore", kwargs={"token": cart_restore_token(cart, stage=stage)}
    )
    unsubscribe_url = absolute_url(unsubscribe_path(customer_id=customer.pk))
    log = email_send_once(
        kind=RECOVERY_EMAIL_KIND,
        object_type="orders.cart",
        object_id=cart.pk,
        stage=str(stage),
        to=cart.email,
        context=(
            context := abandoned_cart_context(
                cart=cart,
                customer=customer,
                lines=lines,
                subtotal=subtotal,
                stage=stage,
                salable=facts.salable,
                here=facts.here,
                images=facts.images,
                restore_url=absolute_url(restore_path),
                unsubscribe_url=unsubscribe_url,
            )
        ),
        subject_params=subject_values(context, "all_here", "store_name", "stage"),
        customer_id=customer.pk,
        language=customer.language,
        headers=unsubscribe_headers(unsubscribe_url),
    )
    if log is None:
        return False
    interaction_record(
        customer=customer,
        kind=Interaction.Kind.EMAIL,
        channel=Channel.EMAIL,
        summary=email_sent_text(log),
        subject=cart,
        detail={"email_kind": RECOVERY_EMAIL_KIND, "email_log_id": log.pk, "stage": stage},
    )
    return True


def abandoned_cart_context(
    *,
    cart: Cart,
    customer: Customer,
    lines: list[CartLine],
    subtotal: Decimal,
    stage: int,
    salable: dict[int, int],
    here: dict[tuple[int, int], int],
    images: dict[int, ProductImage],
    restore_url: str,
    unsubscribe_url: str,
) -> dict[str, Any]:
    """What the abandoned-cart email shows, as true at send time: current prices, "only N
    left" when few can still be bought, "available today at <store>" when the shopper's
    store (home store, else the one they last shopped with) has the units."""
    threshold = low_stock_threshold()
    store = _store_of(cart)
    rows = []
    for line in lines:
        variant = line.variant
        left = salable.get(variant.pk, 0)
        at_store = here.get((variant.pk, store.pk), 0) if store else 0
        image = images.get(variant.product_id)
        rows.append(
            {
                "name": variant.product.name,
                "variant": " / ".join(b for b in (variant.colour, variant.size) if b),
                "quantity": line.quantity,
                "unit_price": format_money_lazy(line.price_amount),
                "line_total": format_money_lazy(to_money(line.price_amount) * line.quantity),
                "image_url": absolute_url(image.image.url) if image and image.image else "",
                "image_alt": (image.alt_text if image else "") or variant.product.name,
                "only_left": left if 0 < left <= threshold else None,
                "available_here": bool(store) and at_store >= line.quantity,
            }
        )
    return {
        **_code_still_works(cart, customer, lines),
        "first_name": customer.first_name,
        "stage": stage,
        "lines": rows,
        "subtotal": format_money_lazy(subtotal),
        "store_name": store.name if store else "",
        "all_here": bool(rows) and all(r["available_here"] for r in rows),
        "has_images": any(r["image_url"] for r in rows),
        "restore_url": restore_url,
        "unsubscribe_url": unsubscribe_url,
    }


def _code_still_works(cart: Cart, customer: Customer, lines: list[CartLine]) -> dict[str, Any]:
    """ "Your code SAVE10 still works": the cart's code, when the one pricing function
    still applies it to these lines today; what it takes off and the total after."""
    if not cart.voucher_code:
        return {}
    from orders.services.totals import TaxableLine, customer_facts, order_totals

    totals = order_totals(
        lines=[
            TaxableLine(
                unit_price=to_money(line.price_amount),
                quantity=line.quantity,
                key=line.variant_id,
                variant_id=line.variant_id,
                product_id=line.variant.product_id,
                category_id=line.variant.product.category_id,
            )
            for line in lines
            if line.price_amount is not None
        ],
        ships=False,
        channel=cart.channel,
        codes=(cart.voucher_code,),
        customer=customer_facts(customer),
    )
    if cart.voucher_code not in totals.accepted_codes:
        return {}
    return {
        "code": cart.voucher_code,
        "code_discount": format_money_lazy(totals.discount),
        "after_discount": format_money_lazy(totals.merchandise_after_discount),
    }
