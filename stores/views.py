"""Storefront store finder: stores near a postcode, a city or a district (in English or the
market's own script) or the browser's location, with their
opening hours and services; choosing one makes it "my store" (session, and the member's
home store)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from customers.surface import store_choose as customer_store_choose
from omni.calendars import first_day_of_week, format_time
from omni.geo import looks_like_postcode
from omni.http import safe_next
from stores.models import WEEKDAYS, Location
from stores.selectors import (
    locations_active,
    locations_nearest_to_point,
    locations_nearest_to_text,
)

A_MONDAY = dt.date(2024, 1, 1)


def _weekday_name(index: int) -> str:
    """Monday (0) to Sunday (6), in the active language."""
    return date_format(A_MONDAY + dt.timedelta(days=index), "l")


def _time(text: str) -> str:
    """ "09:00" (as stored, the store's own clock) in the active language's 12- or 24-hour
    clock and digits; as stored if unreadable."""
    try:
        return format_time(dt.time.fromisoformat(text))
    except (TypeError, ValueError):
        return str(text)


@dataclass(frozen=True)
class StoreCard:
    location: Location
    distance_km: Decimal | None
    today: str  # "Open today 10 a.m.–8 p.m." / "Closed today" (the active language)
    week: tuple[tuple[str, str], ...]  # ("Monday", "10 a.m.–8 p.m."), ...
    services: tuple[str, ...]


def _week_order() -> list[int]:
    """Monday-based weekday indexes (0 Monday … 6 Sunday) starting on the market's first
    day of the week (Django's numbering: 0 Sunday … 6 Saturday)."""
    start = (first_day_of_week() - 1) % 7
    return [(start + offset) % 7 for offset in range(7)]


def _intervals(hours: dict, day: str) -> str:
    """The day's opening intervals ("10 a.m.–1 p.m., 2 p.m.–8 p.m."), "" when closed."""
    spans = hours.get(day) or []
    return ", ".join(
        _("%(opens)s–%(closes)s") % {"opens": _time(span[0]), "closes": _time(span[1])}
        for span in spans
        if len(span) == 2
    )


def _store_card(location: Location, distance_km: Decimal | None, now: dt.datetime) -> StoreCard:
    hours = location.opening_hours if isinstance(location.opening_hours, dict) else {}
    try:
        local = now.astimezone(ZoneInfo(location.timezone))
    except (KeyError, ValueError):
        local = now
    today = _intervals(hours, WEEKDAYS[local.weekday()])
    services = tuple(
        label
        for flag, label in (
            (location.offers_pickup, pgettext("noun", "Pickup")),
            (location.accepts_returns, pgettext("noun", "Returns")),
            (location.ships_online_orders, _("Ships online orders")),
        )
        if flag
    )
    return StoreCard(
        location=location,
        distance_km=distance_km,
        today=_("Open today %(hours)s") % {"hours": today} if today else _("Closed today"),
        week=tuple(
            (_weekday_name(index), _intervals(hours, WEEKDAYS[index]) or _("Closed"))
            for index in _week_order()
        )
        if hours
        else (),
        services=services,
    )


def _coordinate(value: str | None, limit: int) -> float | None:
    try:
        number = float(value or "")
    except ValueError:
        return None
    return number if -limit <= number <= limit else None


def store_list(request: HttpRequest) -> HttpResponse:
    """Stores nearest a postcode, a city or a district (``?postcode=``: "10110",
    "เชียงใหม่", "Đà Nẵng", "اصفهان", in the market's country) or a point (``?lat=&lng=``,
    sent by the "use my location" button), else all stores by name. One query."""
    postcode = " ".join((request.GET.get("postcode") or "").split())[:60]
    lat = _coordinate(request.GET.get("lat"), 90)
    lng = _coordinate(request.GET.get("lng"), 180)
    error = ""
    nearby = None
    if postcode:
        nearby = locations_nearest_to_text(text=postcode, kind=Location.Kind.STORE)
        if nearby is None and looks_like_postcode(postcode):
            error = _(
                "We don’t know the postcode “%(postcode)s”. Check it, or pick a store below."
            ) % {"postcode": postcode}
        elif nearby is None:
            error = _(
                "We don’t know a place called “%(place)s”. Check the spelling, try a "
                "postcode, or pick a store below."
            ) % {"place": postcode}
    elif lat is not None and lng is not None:
        nearby = locations_nearest_to_point(latitude=lat, longitude=lng, kind=Location.Kind.STORE)
    elif request.GET.get("lat") or request.GET.get("lng"):
        error = _("We could not read that location. Enter a postcode instead.")
    now = timezone.now()
    if nearby is not None:
        cards = [_store_card(n.location, n.distance_km, now) for n in nearby]
    else:
        cards = [_store_card(loc, None, now) for loc in locations_active(kind=Location.Kind.STORE)]
    next_url = safe_next(request, "")
    context = {
        "cards": cards,
        "postcode": postcode,
        "error": error,
        "sorted_by_distance": nearby is not None,
        "next": next_url,
    }
    return render(request, "storefront/stores/list.html", context, status=200)


@require_POST
def store_choose(request: HttpRequest) -> HttpResponse:
    """Make a store "my store": customers, who keeps the shopper's store, remembers it in
    the session and, for a member, as their home store (``customers.surface``). Back to
    ``next`` or the store list."""
    next_url = safe_next(request, reverse("stores:list"))
    location_id = request.POST.get("location", "")
    location = (
        locations_active(kind=Location.Kind.STORE).filter(pk=location_id).first()
        if location_id.isdigit()
        else None
    )
    if location is None:
        messages.error(request, _("Please choose one of our open stores."))
        return redirect(reverse("stores:list"))
    customer_store_choose(request, location)
    messages.success(request, _("Your store is now %(store)s.") % {"store": location.name})
    return redirect(next_url)
