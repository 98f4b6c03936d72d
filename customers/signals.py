"""Signals customers sends to the apps above it, so that customers never imports them.

``customer_merged`` (``source_id``, ``target_id``): sent inside ``customer_merge``'s
transaction. The apps that own rows pointing at a customer (orders, carts, returns) move
them to the target in the same transaction, so a merge is all or nothing; a receiver that
raises rolls the whole merge back. Receiver: ``returns.apps.move_rows_to_surviving_customer``
(returns sits above orders, so it moves orders' and carts' rows as well as its own).
"""

from django.dispatch import Signal

customer_merged = Signal()
