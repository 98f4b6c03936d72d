"""The ready-made words an associate can start from on the 360 (and service texts), kept
as translatable sentences and rendered in the customer's language, not the associate's.

Placeholders: ``%(name)s`` (the customer's first name), ``%(associate)s``, ``%(store)s``
and, for service texts, what the event names (``%(number)s``, ``%(until)s``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Wording:
    key: str
    label: Any  # lazy: shown to the associate
    subject: Any  # lazy: the email subject
    body: Any  # lazy, with %(…)s placeholders


OUTREACH = {
    w.key: w
    for w in (
        Wording(
            "size_back",
            pgettext_lazy("message template", "Your size is back"),
            _("Your size is back at %(store)s"),
            _(
                "Hi %(name)s, good news: your size is back in stock at %(store)s. "
                "Shall I put it aside for you? %(associate)s"
            ),
        ),
        Wording(
            "order_ready",
            pgettext_lazy("message template", "Your order is ready"),
            _("Your order is ready at %(store)s"),
            _(
                "Hi %(name)s, your order is ready to collect at %(store)s. "
                "See you soon! %(associate)s"
            ),
        ),
        Wording(
            "thank_you",
            pgettext_lazy("message template", "Thank you for visiting"),
            _("Thank you for visiting %(store)s"),
            _(
                "Hi %(name)s, thank you for visiting %(store)s today. If there is anything "
                "else I can help with, just reply to this message. %(associate)s"
            ),
        ),
    )
}

# Service texts: short, one per event the shopper follows (``orders`` and ``returns``
# send them through ``messaging.services.send_message``).
SERVICE = {
    "pickup_ready": _(
        "%(shop)s: your order %(number)s is ready to collect at %(store)s until %(until)s."
    ),
    "pickup_reminder": _(
        "%(shop)s: a reminder, your order %(number)s is waiting at %(store)s until %(until)s."
    ),
    "pickup_all_here": _(
        "%(shop)s: every item of your order %(number)s is now at %(store)s; "
        "we will text you when it is ready."
    ),
    "return_received": _(
        "%(shop)s: we received your return %(number)s. Your refund is on its way."
    ),
}


def wording_render(*, key: str, language: str, params: dict[str, Any], part: str = "body") -> str:
    """The ``part`` (body or subject) of the outreach template ``key``, or a service
    text, in ``language``. Raises KeyError for an unknown key."""
    text = getattr(OUTREACH[key], part) if key in OUTREACH else SERVICE[key]
    with translation.override(language or None):
        return str(text) % params


def outreach_choices() -> list[tuple[str, Any]]:
    return [(w.key, w.label) for w in OUTREACH.values()]
