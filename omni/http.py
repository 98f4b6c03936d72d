"""Small HTTP helpers every surface shares (ground floor: imports no domain app)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from omni.errors import DomainError


def is_local_path(request: HttpRequest, url: str) -> bool:
    """True when ``url`` (a ``next`` a form or a link carried) is a path on this site.

    Django's ``redirect()`` treats a string without "/" or "." as a URL name to reverse,
    so a ``next`` such as "shirts" was a NoReverseMatch (a 500); only an absolute path
    ("/cart/", never "//elsewhere") is accepted."""
    return bool(
        url
        and url.startswith("/")
        and not url.startswith("//")
        and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    )


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go back to: the ``next`` the form (POST) or the link (GET) carried, when
    it is a path on this site (``is_local_path``); else ``fallback``. The one
    safe-redirect helper of every surface."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    return wanted if is_local_path(request, wanted) else fallback


# --- the one place a surface turns a business refusal into words ------------------------


def domain_error_message(request: HttpRequest, error: DomainError) -> str:
    """A ``DomainError`` as the message a person reads at the top of the next page (the
    storefront's and the back-office's messages), returned too for a fragment that says
    it in place. Never a 500."""
    messages.error(request, error.message)
    return error.message


def domain_error_on_form(form: forms.Form, error: DomainError) -> None:
    """A service's refusal next to the form field it names (``details["field"]``), or at
    the top of the form when it names none the form has."""
    name = error.details.get("field")
    form.add_error(name if name in form.fields else None, error.message)
