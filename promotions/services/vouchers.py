"""Writes of the promotions domain: promotions and codes made, batches of one-time codes
generated and exported, one code handed to one customer, and redemptions counted.

Counting a code's use is one conditional UPDATE (``used_count < usage_limit``): of 40
checkouts racing for the last use exactly one row is updated, the 39 others get
``VoucherExhausted`` and their transaction rolls back (tests/integration)."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Sequence
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from promotions.errors import NoCodeLeft, VoucherExhausted
from promotions.models import Promotion, Redemption, Voucher, VoucherBatch, normalise_code
from promotions.services.engine import AppliedOffer

# No 0/O, 1/I/L: a code read aloud at a till or typed from a receipt.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def code_new(*, prefix: str = "", length: int = 8) -> str:
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
    return f"{normalise_code(prefix)}{body}"


@transaction.atomic
def voucher_create(*, promotion: Promotion, code: str, usage_limit: int | None = None) -> Voucher:
    """One code for ``promotion`` (case-insensitive unique: IntegrityError on a clash)."""
    return Voucher.objects.create(promotion=promotion, code=code, usage_limit=usage_limit)


def voucher_batch_generate(
    *,
    promotion: Promotion,
    name: str,
    count: int,
    campaign: str = "",
    prefix: str = "",
    usage_limit: int = 1,
) -> VoucherBatch:
    """``count`` unique one-time codes (``usage_limit`` uses each) in a new batch.
    Inserted in chunks; a chunk whose random code collides with an existing one is drawn
    again (in a savepoint), so the batch always has ``count`` codes."""
    if count < 1 or count > 100_000:
        raise ValueError("count must be between 1 and 100000")
    with transaction.atomic():
        batch = VoucherBatch.objects.create(
            promotion=promotion, name=name, campaign=campaign, prefix=normalise_code(prefix)
        )
        made = 0
        while made < count:
            size = min(1000, count - made)
            codes = {code_new(prefix=prefix) for _ in range(size)}
            try:
                with transaction.atomic():
                    Voucher.objects.bulk_create(
                        Voucher(promotion=promotion, batch=batch, code=c, usage_limit=usage_limit)
                        for c in codes
                    )
            except IntegrityError:
                continue
            made += len(codes)
    return batch


def vouchers_csv(*, batch: VoucherBatch) -> str:
    """The batch's codes as CSV (code, uses left, issued to, issued at) for a mailing
    tool or a printer."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "usage_limit", "used", "issued_to_email", "issued_at"])
    rows = batch.vouchers.select_related("issued_to").order_by("pk")
    for v in rows:
        writer.writerow(
            [
                v.code,
                "" if v.usage_limit is None else v.usage_limit,
                v.used_count,
                v.issued_to.email if v.issued_to else "",
                v.issued_at.isoformat() if v.issued_at else "",
            ]
        )
    return out.getvalue()


@transaction.atomic
def voucher_issue(*, campaign: str, customer: Customer) -> Voucher:
    """One unused code of the ``campaign``'s batches for ``customer``; the same code again
    if one was already handed to them (safe to run twice). Locks the code it takes
    (``skip_locked``: two emails at once take two codes). Raises NoCodeLeft."""
    mine = (
        Voucher.objects.filter(batch__campaign=campaign, issued_to=customer)
        .select_related("promotion")
        .first()
    )
    if mine is not None:
        return mine
    free = (
        Voucher.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            batch__campaign=campaign,
            issued_to__isnull=True,
            promotion__is_active=True,
            used_count=0,
        )
        .filter(
            Q(promotion__ends_on__isnull=True) | Q(promotion__ends_on__gte=timezone.localdate())
        )
        .order_by("pk")
        .first()
    )
    if free is None:
        raise NoCodeLeft(_("No code is left for this campaign."), campaign=campaign)
    free.issued_to = customer
    free.issued_at = timezone.now()
    free.save(update_fields=["issued_to", "issued_at", "updated_at"])
    return free


def redemptions_record(
    *,
    applied: Sequence[AppliedOffer],
    order_id: int,
    order_number: str,
    customer: Customer | None,
    order_total: Decimal,
    currency: str,
) -> list[Redemption]:
    """Count the offers an order got: each code's use by a conditional UPDATE (raises
    VoucherExhausted when none is left), each promotion's use by this customer against
    its per-customer limit (the checkout holds the customer's row locked), one Redemption
    row per promotion. Call inside the order's transaction."""
    made = []
    seen = set()
    for offer in applied:
        if offer.promotion_id in seen:
            continue
        seen.add(offer.promotion_id)
        if offer.voucher_id is not None:
            taken = Voucher.objects.filter(
                Q(usage_limit__isnull=True) | Q(used_count__lt=F("usage_limit")),
                pk=offer.voucher_id,
            ).update(used_count=F("used_count") + 1, updated_at=timezone.now())
            if not taken:
                raise VoucherExhausted(
                    _("The code %(code)s has just been used up.") % {"code": offer.code},
                    voucher_id=offer.voucher_id,
                )
        if customer is not None:
            limit = (
                Promotion.objects.filter(pk=offer.promotion_id)
                .values_list("limit_per_customer", flat=True)
                .first()
            )
            if limit is not None:
                used = Redemption.objects.filter(
                    promotion_id=offer.promotion_id, customer=customer
                ).count()
                if used >= limit:
                    raise VoucherExhausted(
                        _("You have already used this offer."), promotion_id=offer.promotion_id
                    )
        made.append(
            Redemption(
                promotion_id=offer.promotion_id,
                voucher_id=offer.voucher_id,
                customer=customer,
                order_id=order_id,
                order_number=order_number,
                discount=sum(
                    (a.amount for a in applied if a.promotion_id == offer.promotion_id),
                    Decimal(0),
                ),
                order_total=order_total,
                currency=currency,
            )
        )
    Redemption.objects.bulk_create(made)
    return made
