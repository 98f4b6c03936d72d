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
