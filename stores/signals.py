"""Signals about a location that apps above stores answer, so that stores (and apps on
the level above it) never import them.

``store_chosen`` (``request``, ``location``): the shopper picked ``location`` as their
store (``stores.views.store_choose``). Customers, who keeps the shopper's store, remembers
it for the session and makes it a member's home store (``customers.receivers``).

``salable_at_location`` (``location_id``, ``variant_ids``): each receiver returns
``{variant_id: units}`` the location can still sell of those variants (absent: none).
Inventory answers it (``inventory.receivers``); with no receiver, nobody knows, and the
sender shows no stock.

``hold_for_visit`` (``location_id``, ``lines`` of ``(variant_id, quantity)``,
``expires_at``, ``reference``): put the units aside at the location for a shopper's visit,
all or none, replacing the visit holds made earlier for ``reference`` (a model instance).
Inventory answers with the holds (each with ``quantity`` and ``expires_at``) or raises its
``InsufficientStock``; with no receiver nothing is held and the sender refuses
(``customers.services.list_hold_for_visit``).

``location_moved`` (``location_id``): a location was added or its coordinates changed, and
its distances were just rewritten (``stores.services.location_distances_update``).
Inventory answers by rebuilding nearest availability after commit, since every store's
"nearest that has it" may now be another one.
"""

from django.dispatch import Signal

hold_for_visit = Signal()
location_moved = Signal()
salable_at_location = Signal()
store_chosen = Signal()
