"""Dates and times for templates, on the market's calendar and the language's clock
(omni/calendars.py). Loaded for every template (a builtin in settings), like ``money``:

- ``{{ order.placed_at|localdate }}`` / ``|localdate:"SHORT_DATE_FORMAT"``: a date;
- ``{{ entry.occurred_at|localdatetime }}`` / ``|localdatetime:"SHORT_DATETIME_FORMAT"``;
- ``{{ opens|localtime_short }}``: a time of day in the language's 12- or 24-hour clock;
- a store's deadline on the store's clock:
  ``{{ f.hold_until|timezone:f.location.timezone|localdatetime }}`` (Django's ``tz``
  library is a builtin too).

Use these instead of Django's ``date`` and ``time`` filters wherever a shopper or an
associate reads a date: those know only the Gregorian calendar and ASCII digits.
"""

from __future__ import annotations

from django import template

from omni import calendars

register = template.Library()


@register.filter(name="localdate", expects_localtime=True)
def localdate(value, format_name: str = "DATE_FORMAT") -> str:
    try:
        return calendars.format_date(value, format_name)
    except (AttributeError, TypeError, ValueError):
        return ""


@register.filter(name="localdatetime", expects_localtime=True)
def localdatetime(value, format_name: str = "DATETIME_FORMAT") -> str:
    try:
        return calendars.format_datetime(value, format_name)
    except (AttributeError, TypeError, ValueError):
        return ""


@register.filter(name="localtime_short", expects_localtime=True)
def localtime_short(value, format_name: str = "TIME_FORMAT") -> str:
    try:
        return calendars.format_time(value, format_name)
    except (AttributeError, TypeError, ValueError):
        return ""
