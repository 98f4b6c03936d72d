"""What stores lends to every app's back-office screens (only surface modules import it,
tests/test_layering.py). Back-office access: who may enter ``/backoffice/`` and for which
store they act.

Every associate screen is wrapped in :func:`backoffice_view`. It lets in only users with an
active Associate record, resolves the location they are working for (kept in the session,
switchable among the locations they are assigned to) and puts both on the request as
``request.associate`` and ``request.location``. Selectors and services then take that
location explicitly, so permissions hold in the data layer, not only in templates.
"""

from __future__ import annotations

from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation

from stores.models import Associate, Location
from stores.selectors import associate_for_user, locations_for_associate

SESSION_LOCATION_KEY = "backoffice_location_id"


def backoffice_view(view=None, *, manager_only: bool = False):
    """Decorate an associate view: anonymous users go to the login page; logged-in users
    without an active Associate record (shoppers, merchandisers) get 403; ``manager_only``
    views refuse associates who are not managers (403)."""

    def decorate(func):
        @wraps(func)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            associate = associate_for_user(user=request.user)
            if associate is None:
                raise PermissionDenied("The back-office is for store associates.")
            if manager_only and not associate.is_manager:
                raise PermissionDenied("Only a store manager can do this.")
            allowed = locations_for_associate(associate=associate)
            if not allowed:
                raise PermissionDenied("You are not assigned to any open location.")
            current = _current_location(request, allowed)
            if associate.language:  # their saved language, even before the session knows it
                translation.activate(associate.language)
                request.LANGUAGE_CODE = associate.language
            request.associate = associate
            request.location = current
            request.allowed_locations = allowed
            # The store's clock: its opening hours, pickup deadlines and timeline are read
            # on the store's own time, whatever the install's TIME_ZONE.
            with timezone.override(_location_zone(current)):
                return func(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def _location_zone(location: Location) -> ZoneInfo | None:
    try:
        return ZoneInfo(location.timezone) if location.timezone else None
    except (KeyError, ValueError):
        return None  # timezone.override(None): the install's own zone


def _current_location(request: HttpRequest, allowed: list[Location]) -> Location:
    wanted = request.session.get(SESSION_LOCATION_KEY)
    for location in allowed:
        if location.pk == wanted:
            return location
    # No choice yet, or the associate lost access to the one in the session: home store.
    request.session[SESSION_LOCATION_KEY] = allowed[0].pk
    return allowed[0]


def associate_may_act_for(*, associate: Associate, location: Location) -> bool:
    """True when the associate is assigned to the location (home or extra)."""
    return any(loc.pk == location.pk for loc in locations_for_associate(associate=associate))


# --- how back-office screens answer -------------------------------------------------


def backoffice_render(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    fragment: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The full page, or for an HTMX request the fragment of it (a template beside the
    page, named after the element it replaces) with the messages swapped in out of band."""
    if fragment and getattr(request, "htmx", False):
        return render(request, fragment, {**context, "oob_messages": True}, status=status)
    return render(request, template, context, status=status)


def backoffice_done(
    request: HttpRequest,
    *,
    redirect_to: str,
    fragment: str | None = None,
    context: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """After a POST: HTMX gets the changed fragment back (with the messages out of band);
    a plain form post is redirected (post/redirect/get) so a reload never posts twice."""
    if fragment and getattr(request, "htmx", False):
        return render(request, fragment, {**(context or {}), "oob_messages": True}, status=status)
    return redirect(redirect_to)
