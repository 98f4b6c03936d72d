"""Campaigns' writes, split by subdomain:

- ``back_in_stock``: a shopper's request, the one alert when the size is salable there,
  expiry
- ``newsletters``: sending a campaign to a segment in throttled batches, bounces and
  unsubscribes counted per campaign

Segment rules compile to one queryset in ``campaigns.segments``.
"""

from campaigns.services.back_in_stock import (
    back_in_stock_alert_send,
    back_in_stock_alerts_due,
    back_in_stock_expire,
    back_in_stock_request,
)
from campaigns.services.newsletters import (
    campaign_batch_send,
    campaign_bounce_record,
    campaign_send_start,
    campaign_unsubscribe_record,
    campaigns_scheduled_start,
)
from campaigns.services.segments import segment_save

__all__ = [
    "back_in_stock_alert_send",
    "back_in_stock_alerts_due",
    "back_in_stock_expire",
    "back_in_stock_request",
    "campaign_batch_send",
    "campaign_bounce_record",
    "campaign_send_start",
    "campaign_unsubscribe_record",
    "campaigns_scheduled_start",
    "segment_save",
]
