"""Stored text that is read in the reader's language: a sentence kept as a stable *key*
and its *parameters*, rendered when it is shown, not when it is written.

A timeline entry written while a Thai shopper checked out must read in Persian for the
associate who opens the 360 tomorrow, so the row keeps ``("order.placed", {"number":
"W0001234", "count": 2, ...})`` rather than an English sentence. Each domain app declares
its own keys next to the code that writes them (this module imports no domain app)::

    TIMELINE = stored_text.register({
        "order.shipped": _("Order %(number)s shipped from %(location)s"),
        "consent.changed": stored_text.Template(
            _("%(channel)s consent: %(state)s"),
            channel=stored_text.choice(ContactChannel),
            state=stored_text.choice(ConsentState),
        ),
    })
    interaction_record(..., summary=stored_text.text("order.shipped", number=..., location=...))

Parameters are plain JSON: numbers, order numbers, names of products and locations,
codes, and free text a person typed (a note, a written reason), stored as typed. Anything
that is itself translatable (a status, a reason from choices, a fulfilment kind) is stored
as its *code* and translated at render time by the converter the template names for that
parameter (``choice(SomeChoices)``, ``nested``, or any callable).

``render(key, params, legacy)`` never fails: an unknown key, a missing parameter or a
converter that raises gives back ``legacy`` (the English text stored beside the key, or
the text of a row written before keys existed).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation

logger = logging.getLogger(__name__)

Converter = Callable[[Any], Any]


@dataclass(frozen=True, init=False)
class Template:
    """A translatable sentence (``gettext_lazy`` or ``ngettext_lazy(..., "count")``) with
    named placeholders, and how to turn stored parameters into display text."""

    text: Any
    converters: Mapping[str, Converter] = field(default_factory=dict)

    def __init__(self, text: Any, **converters: Converter) -> None:
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "converters", converters)


@dataclass(frozen=True)
class StoredText:
    """A key and its parameters, as written to a row (``summary_key``/``summary_params``)."""

    key: str
    params: dict[str, Any]

    def render(self, language: str | None = None) -> str:
        """The text in ``language`` (None: the active language)."""
        if language is None:
            return render(self.key, self.params)
        with translation.override(language):
            return render(self.key, self.params)

    def english(self) -> str:
        """The text in the shop's default language: the fallback kept in the legacy
        column (search, admin, and any reader when the key disappears)."""
        if translation.get_language() == settings.LANGUAGE_CODE:
            return render(self.key, self.params)
        return self.render(settings.LANGUAGE_CODE)

    def columns(self, field: str = "summary", max_length: int = 255) -> dict[str, Any]:
        """The three columns of a row that stores this text (``summary``, ``summary_key``,
        ``summary_params``): for code that writes rows in bulk (the demo data)."""
        return {
            field: self.english()[:max_length],
            f"{field}_key": self.key,
            f"{field}_params": self.params,
        }

    def __str__(self) -> str:
        return self.render()


_TEMPLATES: dict[str, Template] = {}


def register(templates: Mapping[str, Any]) -> Mapping[str, Template]:
    """Declare keys (``{"order.shipped": _("..."), ...}``; a value may be a ``Template``
    with converters). Keys are global: prefix them with the domain ("order.", "list.")."""
    made = {}
    for key, value in templates.items():
        _TEMPLATES[key] = made[key] = value if isinstance(value, Template) else Template(value)
    return made


def is_registered(key: str) -> bool:
    return key in _TEMPLATES


def text(key: str, **params: Any) -> StoredText:
    """What to store for ``key`` with ``params``; an unregistered key raises (a typo)."""
    if key not in _TEMPLATES:
        raise KeyError(f"unknown stored text key {key!r}")
    return StoredText(key=key, params=params)


def render(key: str, params: Mapping[str, Any] | None, legacy: str = "") -> str:
    """``key`` with ``params`` in the active language; ``legacy`` when the row has no key,
    the key is unknown or the parameters do not fit (never an error on a page)."""
    if not key:
        return legacy
    template = _TEMPLATES.get(key)
    if template is None:
        return legacy
    try:
        values = dict(params or {})
        for name, convert in template.converters.items():
            if name in values:
                values[name] = convert(values[name])
        return str(template.text % values)
    except Exception:  # a bad row must not break the page that shows it
        logger.warning("stored text %r could not be rendered with %r", key, params)
        return legacy


def choice(choices: Any, *, lower: bool = False) -> Converter:
    """Converter for a code of a ``TextChoices`` class: its label in the active language
    (``lower``: in lower case, inside a sentence); an unknown code is shown as stored."""

    def convert(code: Any) -> str:
        label = str(dict(choices.choices).get(code, code))
        return label.lower() if lower else label

    return convert


def nested(value: Any) -> str:
    """Converter for a parameter that is itself stored text: ``{"key": ..., "params": ...,
    "legacy": ...}`` (e.g. an email's subject inside "Email sent: …")."""
    if isinstance(value, Mapping):
        return render(
            str(value.get("key", "")), value.get("params") or {}, str(value.get("legacy", ""))
        )
    return str(value)


def date(value: Any) -> str:
    """Converter for an ISO date ("2026-12-03"): the active language's short date on the
    market's calendar (omni/calendars.py); any other value, e.g. text migrated from an old
    row, is shown as stored."""
    from omni.calendars import format_date

    try:
        return format_date(dt.date.fromisoformat(str(value)), "SHORT_DATE_FORMAT")
    except ValueError:
        return str(value)


def datetime(value: Any) -> str:
    """Converter for an ISO date and time: in the current time zone, the active
    language's short date and time (any other value is shown as stored)."""
    from omni.calendars import format_datetime

    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return format_datetime(moment, "SHORT_DATETIME_FORMAT")
