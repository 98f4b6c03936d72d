"""Signals returns sends to the apps above it, so that it never imports them.

``return_changed`` (``return_id``): a return was received (and refunded) or one of its
lines was inspected, inside the service's transaction. The one receiver is reporting's
(``reporting.receivers.return_changed``): the day's numbers of where it was received are
recomputed by a worker after commit.
"""

from django.dispatch import Signal

return_changed = Signal()
