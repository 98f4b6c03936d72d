"""Small HTTP helpers every surface shares (ground floor: imports no domain app)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


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
