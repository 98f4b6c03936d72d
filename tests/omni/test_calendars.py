"""omni.calendars: the one date and time path. Solar Hijri with Persian digits for Persian,
Buddhist Era years for Thai where the market says so, Gregorian otherwise; the 12- or
24-hour clock of each language; a moment on a store's clock."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from omni import calendars
from omni.markets import build_market

UTC = dt.UTC
NOON = dt.datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # 12 Azar 1405; BE 2569


@pytest.fixture
def market(settings):
    def use(code: str) -> None:
        settings.OMNI_MARKET_CONFIG = build_market(code)

    return use


def in_language(language: str, function, *args):
    with translation.override(language):
        return function(*args)


def test_persian_dates_are_solar_hijri_with_persian_month_names_and_digits(market):
    market("IR")
    assert in_language("fa", calendars.format_date, dt.date(2026, 12, 3)) == "۱۲ آذر ۱۴۰۵"
    assert in_language("fa", calendars.format_date, dt.date(2026, 12, 3), "SHORT_DATE_FORMAT") == (
        "۱۴۰۵/۹/۱۲"
    )
    # Nowruz: the year turns on 21 March (1 Farvardin), not on 1 January.
    assert in_language("fa", calendars.format_date, dt.date(2025, 3, 20)) == "۳۰ اسفند ۱۴۰۳"
    assert in_language("fa", calendars.format_date, dt.date(2025, 3, 21)) == "۱ فروردین ۱۴۰۴"


def test_persian_is_solar_hijri_in_every_market_and_english_in_iran_is_gregorian(market):
    market("US")
    assert in_language("fa", calendars.format_date, dt.date(2026, 12, 3)) == "۱۲ آذر ۱۴۰۵"
    market("IR")
    assert in_language("en", calendars.format_date, dt.date(2026, 12, 3)) == "Dec. 3, 2026"


def test_thai_years_are_buddhist_era_in_the_thai_market_only(market):
    market("TH")
    assert in_language("th", calendars.format_date, NOON, "SHORT_DATE_FORMAT") == "3 ธ.ค. 2569"
    assert in_language("th", calendars.format_date, dt.date(2026, 12, 3)) == "3 ธันวาคม 2569"
    assert in_language("en", calendars.format_date, dt.date(2026, 12, 3)) == "Dec. 3, 2026"
    market("US")  # the market lists no Buddhist calendar for Thai
    assert in_language("th", calendars.format_date, NOON, "SHORT_DATE_FORMAT") == "3 ธ.ค. 2026"


def test_each_language_has_its_clock(market, settings):
    market("US")
    settings.TIME_ZONE = "UTC"
    afternoon = dt.time(15, 30)
    assert in_language("en", calendars.format_time, afternoon) == "3:30 p.m."
    fil = in_language("fil", calendars.format_time, afternoon)
    assert fil.startswith("3:30 ") and "15" not in fil  # 12-hour, with the day-half
    assert in_language("th", calendars.format_time, afternoon) == "15:30"
    assert in_language("vi", calendars.format_time, afternoon) == "15:30"
    assert in_language("fa", calendars.format_time, afternoon) == "۱۵:۳۰"


def test_a_moment_is_shown_on_the_current_clock(market, settings):
    market("US")
    settings.TIME_ZONE = "America/New_York"
    assert in_language("en", calendars.format_datetime, NOON) == "Dec. 3, 2026, 7 a.m."
    with timezone.override(ZoneInfo("Asia/Bangkok")):
        assert in_language("en", calendars.format_datetime, NOON) == "Dec. 3, 2026, 7 p.m."
    # A store's clock, whatever the current one.
    bangkok = calendars.store_local(NOON, "Asia/Bangkok")
    assert bangkok.hour == 19 and bangkok.utcoffset() == dt.timedelta(hours=7)
    assert calendars.store_local(NOON, "Not/AZone").hour == 7  # unknown: the current zone
    assert calendars.format_date(None) == ""


def test_the_template_filters_follow_the_calendar_and_the_stores_clock(market, settings):
    market("IR")
    settings.TIME_ZONE = "America/New_York"
    template = Template(
        "{{ when|localdate }}|{{ when|localdatetime:'SHORT_DATETIME_FORMAT' }}|"
        "{{ when|timezone:'Asia/Tehran'|localtime_short }}|{{ when|localtime_short }}|"
        "{{ nothing|localdate }}"
    )
    with translation.override("fa"):
        text = template.render(Context({"when": NOON, "nothing": None}))
    day, short, tehran, new_york, nothing = text.split("|")
    assert day == "۱۲ آذر ۱۴۰۵"
    assert short.startswith("۱۴۰۵/۹/۱۲") and short.endswith("۷:۰۰")
    assert tehran == "۱۵:۳۰" and new_york == "۷:۰۰"  # Tehran is UTC+3:30
    assert nothing == ""


def test_the_week_starts_on_the_markets_day(market):
    market("IR")
    assert calendars.first_day_of_week() == 6  # Saturday
    market("VN")
    assert calendars.first_day_of_week() == 1  # Monday


def test_scripts_get_the_markets_first_day_of_the_week(client, market):
    market("TH")
    # Persian's own formats start the week on Saturday; a Bangkok shop's week starts on Sunday.
    script = client.get("/i18n/js/?lang=fa").content.decode()
    assert '"FIRST_DAY_OF_WEEK": 0' in script
    market("IR")
    assert '"FIRST_DAY_OF_WEEK": 6' in client.get("/i18n/js/?lang=en").content.decode()
