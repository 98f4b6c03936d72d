"""Campaigns' errors: one type per rule that says no, each with a stable ``code``."""

from django.utils.translation import gettext_lazy as _

from omni.errors import DomainError


class BackInStockInvalid(DomainError):
    """A back-in-stock request that cannot be taken (no contact, a size on sale there)."""

    code = "back_in_stock_invalid"
    http_status = 400
    default_message = _("This alert cannot be set up.")

    def __init__(self, message: str = "", *, field: str = "", **details) -> None:
        super().__init__(message, field=field, **details)
        self.field = field


class SegmentRulesInvalid(DomainError):
    """Segment rules that do not compile (an unknown rule, a bad value)."""

    code = "segment_rules_invalid"
    http_status = 400
    default_message = _("These segment rules are not valid.")

    def __init__(self, message: str = "", *, field: str = "", **details) -> None:
        super().__init__(message, field=field, **details)
        self.field = field


class CampaignNotSendable(DomainError):
    """A campaign that cannot be sent (already sent, no version in the default language)."""

    code = "campaign_not_sendable"
    default_message = _("This campaign cannot be sent.")
