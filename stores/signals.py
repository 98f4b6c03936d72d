"""Signals stores sends to the apps above it, so that stores never imports them. Each has
one receiver, connected in the receiving app's ``AppConfig.ready()``.

``location_moved`` (``location_id``): a location was added or its coordinates changed, and
its distances were just rewritten (``stores.services.location_distances_update``).
Receiver: ``inventory.receivers.location_moved``, which rebuilds nearest availability
after commit, since every store's "nearest that has it" may now be another one.
"""

from django.dispatch import Signal

location_moved = Signal()
