"""The till's write path: registers and shifts (``shifts``), sales and their tenders
(``sales``, ``tendering``), X and Z reports (``reports``)."""

from till.services.reports import ShiftReport, shift_report
from till.services.sales import (
    Quote,
    manager_may_oversell,
    sale_complete,
    sale_flagged_place,
    sale_flagged_resolve,
    sale_park,
    sale_quote,
    sale_unpark,
)
from till.services.shifts import (
    register_create,
    shift_cash_move,
    shift_close,
    shift_current,
    shift_open,
    shift_reopen,
    variance_limit,
)
from till.services.tendering import (
    CARD,
    CASH,
    GIFT_CARD,
    LOYALTY_POINTS,
    QR,
    STORE_CREDIT,
    Tender,
    qr_tender_reference,
    qr_tender_svg,
    tender_kind_register,
    tender_kinds,
    tender_kinds_offered,
)

__all__ = [
    "CARD",
    "CASH",
    "GIFT_CARD",
    "LOYALTY_POINTS",
    "QR",
    "STORE_CREDIT",
    "Quote",
    "ShiftReport",
    "Tender",
    "manager_may_oversell",
    "qr_tender_reference",
    "qr_tender_svg",
    "register_create",
    "sale_complete",
    "sale_flagged_place",
    "sale_flagged_resolve",
    "sale_park",
    "sale_quote",
    "sale_unpark",
    "shift_cash_move",
    "shift_close",
    "shift_current",
    "shift_open",
    "shift_reopen",
    "shift_report",
    "tender_kind_register",
    "tender_kinds",
    "tender_kinds_offered",
    "variance_limit",
]
