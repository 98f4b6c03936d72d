"""The promotions domain's services: the pure engine (``engine``) and the writes
(``vouchers``: codes, batches, hand-outs, redemptions)."""

from promotions.services.engine import (
    AppliedOffer,
    BasketDiscounts,
    CodeRejection,
    LineDiscount,
    OfferRule,
    PricedLine,
    PricingContext,
    VoucherInfo,
    basket_discounts,
)
from promotions.services.vouchers import (
    code_new,
    redemptions_record,
    voucher_batch_generate,
    voucher_create,
    voucher_issue,
    vouchers_csv,
)

__all__ = [
    "AppliedOffer",
    "BasketDiscounts",
    "CodeRejection",
    "LineDiscount",
    "OfferRule",
    "PricedLine",
    "PricingContext",
    "VoucherInfo",
    "basket_discounts",
    "code_new",
    "redemptions_record",
    "voucher_batch_generate",
    "voucher_create",
    "voucher_issue",
    "vouchers_csv",
]
