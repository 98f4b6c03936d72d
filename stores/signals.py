"""Signals stores sends to the apps above it, so that stores never imports them. Each has
one receiver, connected in the receiving app's ``AppConfig.ready()``.

``location_moved`` (``location_id``): a location was added or its coordinates changed, and
its distances were just rewritten (``stores.services.location_distances_update``).
Receiver: ``inventory.receivers.location_moved``, which rebuilds nearest availability
after commit, since every store's "nearest that has it" may now be another one.

``hold_for_visit`` (``location_id``, ``lines`` of ``(variant_id, quantity)``,
``expires_at``, ``reference``): a command inside ``customers.services.list_hold_for_visit``'s
transaction, not a question a page asks: put the units aside at the location for a
shopper's visit, all or none, replacing the visit holds made earlier for ``reference`` (a
model instance). Customers sits beside inventory and may not import it, so it sends this.
Receiver: ``inventory.receivers.hold_for_visit``, which answers with the holds (each with
``quantity`` and ``expires_at``) or raises its ``InsufficientStock``; with no receiver
nothing is held and the sender refuses.
"""

from django.dispatch import Signal

hold_for_visit = Signal()
location_moved = Signal()
