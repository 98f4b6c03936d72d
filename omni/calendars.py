"""Dates and times as the reader's language and market write them: the one path every
date a shopper or an associate reads goes through (templates: ``{{ value|localdate }}``,
``{{ value|localdatetime }}``, ``{{ value|localtime_short }}`` from
``omni.templatetags.calendars``; Python: :func:`format_date`, :func:`format_datetime`,
:func:`format_time`). docs/i18n.md, "Dates, times and calendars".

- The **format** is the active language's: Django's format names (``DATE_FORMAT``,
  ``SHORT_DATE_FORMAT``, ``DATETIME_FORMAT``, ``TIME_FORMAT``, ...) read from
  ``omni/formats/<lang>/formats.py`` first, then Django's locale files; that is also where
  the 12- or 24-hour clock is chosen (English and Filipino 12-hour, Thai, Persian and
  Vietnamese 24-hour).
- The **calendar** is the market's for that language (``current_market().calendar_for``):
  Solar Hijri for Persian ("۱۲ آذر ۱۴۰۵", jdatetime does the arithmetic), Buddhist Era
  years for Thai in the Thai market ("3 ธ.ค. 2569"), Gregorian otherwise.
- **Digits**: Persian text gets Persian digits (۰-۹) in dates and times.
- The **time zone** is the current one (the template engine's, ``{% timezone %}`` or
  ``|timezone:store.timezone``); :func:`store_local` puts a moment on a store's clock.

Ground: imports no domain app.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import jdatetime
from django.utils import dateformat, formats, timezone, translation

from omni.markets import BUDDHIST, PERSIAN, current_market

# The Buddhist Era counts from 543 BC: 2026 is BE 2569.
BUDDHIST_ERA_OFFSET = 543

# Digits each language writes dates in (a language not listed: ASCII).
_NATIVE_DIGITS = {"fa": str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")}

# Solar Hijri months as Persian writes them; Persian has no abbreviations, so the short
# forms (M, b, N) are the names too.
_PERSIAN_MONTHS = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)


class _BuddhistFormat(dateformat.DateFormat):
    """Django's formatter with Buddhist Era years (months and days are the Gregorian
    ones, as Thai writes them)."""

    def y(self):
        return f"{(self.data.year + BUDDHIST_ERA_OFFSET) % 100:02d}"

    def Y(self):
        return f"{self.data.year + BUDDHIST_ERA_OFFSET:04d}"

    def o(self):
        return self.data.isocalendar().year + BUDDHIST_ERA_OFFSET


class _PersianFormat(dateformat.DateFormat):
    """Django's formatter on the Solar Hijri calendar: the year, month and day are the
    Jalali ones; the weekday and the time of day are the same in every calendar."""

    def __init__(self, obj):
        super().__init__(obj)
        day = obj.date() if isinstance(obj, dt.datetime) else obj
        self.jalali = jdatetime.date.fromgregorian(date=day)

    def b(self):
        return _PERSIAN_MONTHS[self.jalali.month - 1]

    def d(self):
        return f"{self.jalali.day:02d}"

    def E(self):
        return _PERSIAN_MONTHS[self.jalali.month - 1]

    def F(self):
        return _PERSIAN_MONTHS[self.jalali.month - 1]

    def j(self):
        return self.jalali.day

    def L(self):
        return self.jalali.isleap()

    def m(self):
        return f"{self.jalali.month:02d}"

    def M(self):
        return _PERSIAN_MONTHS[self.jalali.month - 1]

    def n(self):
        return self.jalali.month

    def N(self):
        return _PERSIAN_MONTHS[self.jalali.month - 1]

    def o(self):
        return self.jalali.year

    def S(self):
        return ""

    def t(self):
        return jdatetime.j_days_in_month[self.jalali.month - 1] + (
            1 if self.jalali.month == 12 and self.jalali.isleap() else 0
        )

    def y(self):
        return f"{self.jalali.year % 100:02d}"

    def Y(self):
        return f"{self.jalali.year:04d}"

    def z(self):
        return self.jalali.yday()


_FORMATTERS = {BUDDHIST: _BuddhistFormat, PERSIAN: _PersianFormat}


def calendar_for(language: str | None = None) -> str:
    """The calendar dates are shown in for ``language`` (the active one by default)."""
    return current_market().calendar_for(language or translation.get_language() or "en")


def first_day_of_week() -> int:
    """The market's first day of the week (0 Sunday … 6 Saturday): the market's, not the
    language's (Persian read in Bangkok still starts the week on Sunday)."""
    return current_market().first_day_of_week


def _native_digits(text: str, language: str) -> str:
    table = _NATIVE_DIGITS.get(language)
    return text.translate(table) if table else text


def _local(value: dt.date) -> dt.date:
    # An aware moment is read on the current clock, as the template engine does for the
    # filters; one already put on a store's clock (``|timezone:``) stays there.
    if (
        isinstance(value, dt.datetime)
        and timezone.is_aware(value)
        and getattr(value, "convert_to_local_time", True)
    ):
        return timezone.localtime(value)
    return value


def format_date(value: dt.date | None, format_name: str = "DATE_FORMAT") -> str:
    """``value`` (a date or a datetime) in the active language's ``format_name`` (a format
    name such as ``SHORT_DATE_FORMAT``, or a format string), on the market's calendar for
    that language; "" for None."""
    if value is None or value == "":
        return ""
    language = translation.get_language() or "en"
    value = _local(value)
    formatter = _FORMATTERS.get(calendar_for(language), dateformat.DateFormat)
    text = formatter(value).format(formats.get_format(format_name))
    return _native_digits(text, language)


def format_datetime(value: dt.datetime | None, format_name: str = "DATETIME_FORMAT") -> str:
    """A moment in the active language's ``DATETIME_FORMAT`` (or ``format_name``), on the
    current clock and the market's calendar."""
    return format_date(value, format_name)


def format_time(value: dt.time | dt.datetime | None, format_name: str = "TIME_FORMAT") -> str:
    """A time of day (or a moment's) in the active language's clock (12 or 24 hours)."""
    if value is None or value == "":
        return ""
    language = translation.get_language() or "en"
    value = _local(value)
    text = dateformat.time_format(value, formats.get_format(format_name))
    return _native_digits(text, language)


def store_local(value: dt.datetime | None, zone_name: str | None) -> dt.datetime | None:
    """``value`` on a store's clock (its ``Location.timezone``); the current zone when the
    store's is unknown."""
    if value is None or not isinstance(value, dt.datetime) or timezone.is_naive(value):
        return value
    try:
        zone = ZoneInfo(zone_name) if zone_name else None
    except (KeyError, ValueError):
        zone = None
    return timezone.localtime(value, zone)
