"""The post-purchase follow-up: ``OMNI_POST_PURCHASE_DAYS`` days after an order in any
channel (web, app, in store...), a thank-you with products that go with what was bought
and whether the shopper's home store has them. Beat calls ``orders_follow_up`` hourly
(``orders.tasks.orders_follow_up``).

Sent once per order (EmailLog unique on (kind, object, stage)), only with marketing email
consent, never to a cancelled order, and not while a return is open on the order. Orders
sit above returns in the dependency order, so orders asks through the signal
``post_purchase_blocked``: receivers (returns) get ``order_ids`` and answer the ids to
skip. The scan reads the orders placed in a window of ``OMNI_POST_PURCHASE_CATCH_UP_DAYS``
days ending ``OMNI_POST_PURCHASE_DAYS`` ago (index ``order_placed_idx``), so a worker
that was down catches up; what was sent is excluded by the EmailLog.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.dispatch import Signal
from django.utils import timezone

from catalog.models import Product, ProductImage, Variant, price_in_force
from customers.models import (
    Channel,
    Consent,
    ConsentState,
    ContactChannel,
    Interaction,
)
from customers.services import interaction_record
from customers.unsubscribe import unsubscribe_headers, unsubscribe_path
from inventory.models import NearestAvailability
from omni.email import absolute_url, email_send_once, email_sent_text, subject_values
from omni.models import EmailLog
from omni.money import format_money_lazy
from orders.models import Order
from promotions.errors import NoCodeLeft
from promotions.services import voucher_issue

logger = logging.getLogger(__name__)

FOLLOW_UP_KIND = "post_purchase"
RECOMMENDATIONS = 4

# Sent with ``order_ids``; each receiver returns the set of those ids not to follow up.
# Receiver: ``returns.apps.orders_with_open_return`` (no thank-you while a return is open).
post_purchase_blocked = Signal()


@dataclass
class FollowUpRun:
    emailed: int = 0
    no_consent: int = 0
    blocked: int = 0


def follow_up_window(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    days = int(getattr(settings, "OMNI_POST_PURCHASE_DAYS", 3))
    catch_up = int(getattr(settings, "OMNI_POST_PURCHASE_CATCH_UP_DAYS", 4))
    end = now - dt.timedelta(days=days)
    return end - dt.timedelta(days=catch_up), end


def orders_follow_up_due(*, now: dt.datetime) -> QuerySet[Order]:
    """Orders old enough for the thank-you, not too old, not cancelled, with an email,
    not thanked yet."""
    start, end = follow_up_window(now)
    sent = EmailLog.objects.filter(
        kind=FOLLOW_UP_KIND,
        object_type="orders.order",
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
    )
    return (
        Order.objects.filter(placed_at__gt=start, placed_at__lte=end)
        .exclude(status=Order.Status.CANCELLED)
        .filter(~Q(email="") | ~Q(customer__email=""))
        .exclude(Exists(sent))
        .order_by("placed_at", "pk")
    )


def orders_follow_up(*, now: dt.datetime | None = None, batch_size: int = 200) -> FollowUpRun:
    """Send the post-purchase thank-you for every due order, a batch at a time. Safe to
    run twice at once: the EmailLog row makes the second send of an order a no-op."""
    now = now or timezone.now()
    run = FollowUpRun()
    after: tuple[dt.datetime, int] | None = None
    while True:
        due = orders_follow_up_due(now=now)
        if after is not None:
            due = due.filter(Q(placed_at__gt=after[0]) | Q(placed_at=after[0], pk__gt=after[1]))
        batch = list(
            due.select_related("customer__home_store").prefetch_related("lines__variant")[
                :batch_size
            ]
        )
        if not batch:
            break
        after = (batch[-1].placed_at, batch[-1].pk)
        _follow_up_batch(batch, run=run)
        if len(batch) < batch_size:
            break
    return run


def _follow_up_batch(orders: list[Order], *, run: FollowUpRun) -> None:
    customer_ids = {o.customer_id for o in orders}
    consent = dict(
        Consent.objects.filter(
            customer_id__in=customer_ids, channel=ContactChannel.EMAIL
        ).values_list("customer_id", "state")
    )
    blocked: set[int] = set()
    for _receiver, answer in post_purchase_blocked.send(
        sender=Order, order_ids=[o.pk for o in orders]
    ):
        blocked |= set(answer or ())
    for order in orders:
        if order.pk in blocked:
            run.blocked += 1
            continue
        if consent.get(order.customer_id) != ConsentState.MARKETING:
            run.no_consent += 1
            continue
        try:
            run.emailed += int(_send(order))
        except Exception:
            logger.exception("post-purchase follow-up of order %s failed", order.pk)


def recommendations_for(*, order: Order, limit: int = RECOMMENDATIONS) -> list[Product]:
    """Products that go with what was bought: the merchandisers' related products first,
    then others of the same categories; active, with an active priced variant, not one of
    those bought. Each carries ``from_price``. One query."""
    bought = {line.variant.product_id for line in order.lines.all()}
    categories = Product.objects.filter(pk__in=bought).values("category_id")
    related = Product.related_products.through.objects.filter(
        from_product_id=OuterRef("pk"), to_product_id__in=bought
    )
    from_price = (
        Variant.objects.filter(product_id=OuterRef("pk"), is_active=True)
        .annotate(amount=price_in_force("amount"))
        .filter(amount__isnull=False)
        .order_by("amount")
        .values("amount")[:1]
    )
    return list(
        Product.objects.filter(is_active=True)
        .filter(Q(category_id__in=categories) | Exists(related))
        .exclude(pk__in=bought)
        .annotate(from_price=Subquery(from_price), is_related=Exists(related))
        .filter(from_price__isnull=False)
        .order_by("-is_related", "-created_at", "pk")[:limit]
    )


def post_purchase_context(*, order: Order, products: list[Product]) -> dict[str, Any]:
    """The thank-you's content: what goes with the order and whether the home store has
    it now (from the nearest-availability read)."""
    store = order.customer.home_store
    ids = [p.pk for p in products]
    at_store = (
        set(
            NearestAvailability.objects.filter(
                product_id__in=ids, store_id=store.pk, source_location_id=store.pk
            ).values_list("product_id", flat=True)
        )
        if store and ids
        else set()
    )
    images: dict[int, ProductImage] = {}
    for image in ProductImage.objects.filter(product_id__in=ids).order_by(
        "product_id", "position", "pk"
    ):
        images.setdefault(image.product_id, image)
    unsubscribe_url = absolute_url(unsubscribe_path(customer_id=order.customer_id))
    return {
        "order": order,
        "number": order.number,
        "first_name": order.customer.first_name,
        "in_store": order.channel == Channel.STORE,
        "bought": [line.product_name for line in order.lines.all()],
        "store_name": store.name if store else "",
        "products": [
            {
                "name": p.name,
                "url": absolute_url(f"/p/{p.slug}/"),
                "from_price": format_money_lazy(p.from_price, order.currency),
                "image_url": absolute_url(images[p.pk].image.url) if p.pk in images else "",
                "image_alt": (images[p.pk].alt_text if p.pk in images else "") or p.name,
                "at_store": p.pk in at_store,
            }
            for p in products
        ],
        "has_images": bool(images),
        "unsubscribe_url": unsubscribe_url,
    }


def post_purchase_campaign() -> str:
    """The campaign whose batch of one-time codes the thank-you hands out (blank: none)."""
    return getattr(settings, "OMNI_POST_PURCHASE_CAMPAIGN", "post-purchase")


def next_visit_code(order: Order) -> dict[str, Any]:
    """One one-time code of the post-purchase campaign for the order's customer (the
    same code on a later email: one per customer), with what it gives; {} when the
    campaign has no batch, no code left, or the customer's code was used."""
    campaign = post_purchase_campaign()
    if not campaign:
        return {}
    try:
        voucher = voucher_issue(campaign=campaign, customer=order.customer)
    except NoCodeLeft:
        logger.warning("post-purchase campaign %r has no code left", campaign)
        return {}
    if voucher.usage_limit is not None and voucher.used_count >= voucher.usage_limit:
        return {}
    return {
        "next_visit_code": voucher.code,
        "next_visit_offer": voucher.promotion.public_label,
        "next_visit_ends": voucher.promotion.ends_on,
    }


def _send(order: Order) -> bool:
    products = recommendations_for(order=order)
    if not products:
        # A thank-you with nothing to suggest is not worth an email.
        return False
    context = post_purchase_context(order=order, products=products)
    context.update(next_visit_code(order))
    log = email_send_once(
        kind=FOLLOW_UP_KIND,
        object_type="orders.order",
        object_id=order.pk,
        to=order.email or order.customer.email,
        context=context,
        subject_params=subject_values(context, "first_name", "number"),
        customer_id=order.customer_id,
        language=order.customer.language,
        headers=unsubscribe_headers(context["unsubscribe_url"]),
    )
    if log is None:
        return False
    interaction_record(
        customer=order.customer,
        kind=Interaction.Kind.EMAIL,
        channel=Channel.EMAIL,
        summary=email_sent_text(log),
        subject=order,
        detail={"email_kind": FOLLOW_UP_KIND, "email_log_id": log.pk, "number": order.number},
    )
    return True
