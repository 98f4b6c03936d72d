"""The abandoned-cart stage delays, read in one place.

A module of its own because both ``orders.selectors`` and ``orders.services.carts`` need
it and carts already imports the selectors (importing carts from the selectors would close
the cycle).
"""

from __future__ import annotations

from django.conf import settings

DEFAULT_RECOVERY_STAGES = (60, 1440, 4320)  # minutes: 1 hour, 1 day, 3 days


def cart_recovery_stages() -> list[int]:
    """Minutes of idleness before each abandoned-cart email (``OMNI_ABANDONED_CART_STAGES``,
    default 60, 1440, 4320). Stage n is due that many minutes after the last change."""
    return [
        int(m) for m in getattr(settings, "OMNI_ABANDONED_CART_STAGES", DEFAULT_RECOVERY_STAGES)
    ]
