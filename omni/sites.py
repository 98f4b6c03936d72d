"""The shop's identity for the Sites framework (allauth's emails name ``current_site``):
the name from ``OMNI_SITE_NAME``, the domain from ``SITE_URL``. Set by a data migration and
again by ``seed_demo`` (which runs after ``make demo`` picked its HOST/PORT), so no email
says "example.com"; and the one way an account is named on a page or in an email."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def site_domain() -> str:
    """``shop.example.com`` (with the port when there is one) from SITE_URL."""
    return urlsplit(settings.SITE_URL).netloc or "localhost"


def site_sync(site_model=None) -> None:
    """Give the current Site the configured name and domain. ``site_model``: the
    historical model inside a migration; the real one otherwise."""
    if site_model is None:
        from django.contrib.sites.models import Site as site_model
    site_model.objects.update_or_create(
        pk=settings.SITE_ID,
        defaults={"name": settings.OMNI_SITE_NAME, "domain": site_domain()},
    )
    if hasattr(site_model.objects, "clear_cache"):
        site_model.objects.clear_cache()


def user_display(user) -> str:
    """How allauth names an account: its email (logins are by email; the generated
    username is an internal key nobody should see)."""
    return getattr(user, "email", "") or ""


def site_context(request) -> dict[str, str]:
    """``site_name`` for every template (from settings: no query)."""
    return {"site_name": settings.OMNI_SITE_NAME}
