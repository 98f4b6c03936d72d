"""Who may call what: scopes per action, and location binding.

Every viewset names the scope each of its actions needs (``required_scopes``); an action
without one is refused, so a new endpoint cannot be open by accident. An API key needs the
scope; a staff member's session may do everything (the browsable API, the docs); anybody
else gets 401 (no credentials) or 403.

A key bound to locations (``ApiKey.location_codes``) may only act for those locations:
move their stock, sell from them, take returns there, update their fulfilments
(403 ``location_not_allowed``). Reads are not narrowed: a POS may look up stock nearby.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import exceptions, permissions

from omni.models import ApiKey


def required_scope(view) -> str | None:
    scopes = getattr(view, "required_scopes", None) or {}
    action = getattr(view, "action", None)
    return scopes.get(action)


def api_key_of(request) -> ApiKey | None:
    return request.auth if isinstance(request.auth, ApiKey) else None


def _is_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_staff and user.is_active)


class ScopedPermission(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        key = api_key_of(request)
        user = getattr(request, "user", None)
        if key is None and not (user and user.is_authenticated):
            return False  # DRF answers 401 with WWW-Authenticate: Bearer
        if getattr(view, "action", "") is None:
            return True  # a method the route does not offer: the view answers 405
        scope = required_scope(view)
        if scope is None:
            raise exceptions.PermissionDenied(
                _("This operation is not available."), code="permission_denied"
            )
        if key is not None:
            if not key.has_scope(scope):
                raise exceptions.PermissionDenied(
                    _("This API key does not have the “%(scope)s” scope.") % {"scope": scope},
                    code="insufficient_scope",
                )
            return True
        if _is_staff(user):
            return True
        raise exceptions.PermissionDenied(
            _("Only staff may use the API with a session; integrations use an API key."),
            code="staff_only",
        )


def allowed_location_codes(request) -> frozenset[str] | None:
    """The location codes the caller may act for; None means every location."""
    key = api_key_of(request)
    if key is None or not key.location_codes:
        return None
    return frozenset(key.location_codes)


def ensure_locations_allowed(request, codes: Iterable[str]) -> None:
    """Raise 403 ``location_not_allowed`` unless the caller may act for every one of
    ``codes``."""
    allowed = allowed_location_codes(request)
    if allowed is None:
        return
    refused = sorted({code for code in codes if code not in allowed})
    if refused:
        raise exceptions.PermissionDenied(
            ngettext(
                "This API key may not act for location %(codes)s.",
                "This API key may not act for locations %(codes)s.",
                len(refused),
            )
            % {"codes": ", ".join(refused)},
            code="location_not_allowed",
        )
