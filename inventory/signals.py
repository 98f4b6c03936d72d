"""Signals inventory sends to the apps above it, so that it never imports them.

``transfer_received`` (``transfer``, ``complete``): units of a transfer were counted in at
its destination (``inventory.services.transfer_receive``), inside its transaction.
``complete`` is True when nothing of it is in transit any more. The one receiver is
orders' (``orders.receivers.transfer_received``): a pickup that waited for the transfer
(its reference is the order) becomes "all items here" at the top of the store's queue —
or ready at once where the store says so (``Location.ready_on_transfer_receipt``).
"""

from django.dispatch import Signal

transfer_received = Signal()

availability_gained = Signal()
"""``availability_gained`` (``variant_id``, ``store_ids``, ``online``): the refresh of one
variant's nearest availability after a stock change
(``inventory.services.availability_refresh_variant``) found it newly salable — at the
stores ``store_ids`` (their own stock, which the product page shows as "N at <store>"),
and/or ``online`` (salable at a location that ships online orders) where it was not at
the previous refresh. Sent inside the refresh's transaction, after the rows are written.
The one receiver is campaigns' (``campaigns.receivers.availability_gained``): the open
back-in-stock requests for that size there get their one alert (recorded in the outbox).
"""
