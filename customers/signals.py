"""Signals other apps listen to, so customers never imports an app above it.

``customer_merged`` is sent inside ``customer_merge``'s transaction with
``source_id`` and ``target_id``: the apps that own rows pointing at a customer (orders,
carts, returns) move them to the target in the same transaction, so a merge is all or
nothing. A receiver that raises rolls the whole merge back.
"""

from django.dispatch import Signal

customer_merged = Signal()
