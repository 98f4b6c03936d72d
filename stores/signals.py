"""Signals about a location that apps above stores answer, so that stores (and apps on
the level above it) never import them.

``store_chosen`` (``request``, ``location``): the shopper picked ``location`` as their
store (``stores.views.store_choose``). Customers, who keeps the shopper's store, remembers
it for the session and makes it a member's home store (``customers.receivers``).

``salable_at_location`` (``location_id``, ``variant_ids``): each receiver returns
``{variant_id: units}`` the location can still sell of those variants (absent: none).
Inventory answers it (``inventory.receivers``); with no receiver, nobody knows, and the
sender shows no stock.
"""

from django.dispatch import Signal

salable_at_location = Signal()
store_chosen = Signal()
