"""The back-office's own screen in stores: switching the store an associate works for.
The door every back-office screen goes through is ``stores.surface``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omni.http import safe_next
from stores.surface import SESSION_LOCATION_KEY, backoffice_view


@require_POST
@backoffice_view
def location_switch(request: HttpRequest) -> HttpResponse:
    """Switch the store the associate works for; only to a location they are assigned to."""
    try:
        location_id = int(request.POST.get("location", ""))
    except ValueError:
        location_id = None
    if location_id not in {loc.pk for loc in request.allowed_locations}:
        raise PermissionDenied("You are not assigned to that location.")
    request.session[SESSION_LOCATION_KEY] = location_id
    chosen = next(loc for loc in request.allowed_locations if loc.pk == location_id)
    messages.success(request, _("You are now working at %(store)s.") % {"store": chosen.name})
    # A screen about one store's objects (a list, a task) may not exist at the new one.
    return redirect(safe_next(request, reverse("backoffice:today")))
