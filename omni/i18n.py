"""Which language a request is answered in, and the switch that changes it (docs/i18n.md).

The order, for every page:

1. the URL: a language prefix (``/th/p/shirt/``) wins; the storefront's unprefixed URLs are
   English's (``settings.LANGUAGE_CODE``, the data model's base language);
2. the saved preference: the shopper's or the associate's language (kept in the session at
   login and when they switch), else the language cookie a guest's switch set;
3. ``Accept-Language``;
4. the market's default language (``current_market().default_language``: Thai in Bangkok).

The storefront offers the market's languages only (``current_market().languages``): a
saved or accepted language it does not offer is passed over. The back-office and the admin
offer every language (staff may speak any). The API (``/api/``) listens to
``Accept-Language`` only, else English: an integration sends what it wants per request.

A storefront page asked for without a prefix by someone whose choice (2 to 4) is another
language than English is redirected (GET and HEAD only) to the prefixed URL, because the
storefront's URLs carry the language (i18n_patterns).

This module is ground: it imports no domain app. Saving the preference on the customer or
the associate is their apps' job, told through ``language_chosen``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import django.dispatch
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware
from django.urls import get_script_prefix, is_valid_path, translate_url
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import JavaScriptCatalog

from omni.markets import current_market

LANGUAGE_SESSION_KEY = "omni_language"
# Paths that are not the storefront's: they never carry a language prefix.
UNPREFIXED_SURFACES = ("/api/", "/backoffice/", "/admin/", "/healthz/", "/metrics", "/i18n/")
# Staff surfaces: every language is offered there, whatever the market's.
STAFF_SURFACES = ("/backoffice/", "/admin/")

# Sent when a person picks a language with the switcher (``request``, ``language``): the
# customers app saves it on the shopper's customer record and the associate's profile
# (customers.receivers.language_remember), the one receiver.
language_chosen = django.dispatch.Signal()


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def language_supported(code: str | None) -> str | None:
    """``code`` as one of LANGUAGES (``th-TH`` → ``th``), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def market_languages() -> list[str]:
    """The languages the storefront offers: the market's (default first), those of
    LANGUAGES only."""
    codes = language_codes()
    return [code for code in current_market().languages if code in codes]


def market_default_language() -> str:
    """The storefront's language for a visitor who has said nothing we offer."""
    default = language_supported(current_market().default_language)
    return default or settings.LANGUAGE_CODE


def _offered(code: str | None, offered: list[str] | None) -> str | None:
    return code if code and (offered is None or code in offered) else None


def language_from_accept(request: HttpRequest, offered: list[str] | None = None) -> str | None:
    """The first supported language of the request's Accept-Language header (of
    ``offered`` only, when given)."""
    from django.utils.translation.trans_real import parse_accept_lang_header

    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in parse_accept_lang_header(header):
        if code == "*":
            break
        found = _offered(language_supported(code), offered)
        if found:
            return found
    return None


def language_saved(request: HttpRequest, offered: list[str] | None = None) -> str | None:
    """The person's saved preference: the session's (a member or an associate), else the
    cookie a guest's switch set (of ``offered`` only, when given)."""
    session = getattr(request, "session", None)
    # A visitor without a session cookie has no saved language: reading would not query,
    # but say so plainly.
    if session is not None and session.session_key:
        found = _offered(language_supported(session.get(LANGUAGE_SESSION_KEY)), offered)
        if found:
            return found
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return _offered(language_supported(cookie), offered)


def language_for_request(request: HttpRequest) -> str:
    """The language of an unprefixed request (see the module's order)."""
    path = request.path_info
    if path.startswith("/api/"):
        return language_from_accept(request) or settings.LANGUAGE_CODE
    offered = None if path.startswith(STAFF_SURFACES) else market_languages()
    return (
        language_saved(request, offered)
        or language_from_accept(request, offered)
        or market_default_language()
    )


def language_remember(request: HttpRequest, language: str) -> None:
    """Keep a member's or an associate's language in their session (at login, on a
    switch), so no page needs a query to know it."""
    if getattr(request, "session", None) is not None:
        request.session[LANGUAGE_SESSION_KEY] = language


class LanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware with the preference order above (its own treats every
    unprefixed URL as the default language once the default is unprefixed)."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        from_path = translation.get_language_from_path(request.path_info)
        language = from_path or language_for_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        if from_path or language == settings.LANGUAGE_CODE:
            return None
        if is_valid_path(request.path_info):
            return None  # not a storefront URL (back-office, admin, API): no prefix there
        prefixed = f"/{language}{request.path_info}"
        if request.method in ("GET", "HEAD") and is_valid_path(prefixed):
            query = request.META.get("QUERY_STRING", "")
            target = get_script_prefix().rstrip("/") + prefixed + (f"?{query}" if query else "")
            redirect = HttpResponseRedirect(target)
            patch_vary_headers(redirect, ("Accept-Language", "Cookie"))
            return redirect
        # A form posted to an unprefixed storefront URL: answer in the URL's language.
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return None


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if not url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    return wanted


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The language switcher (storefront header and footer, back-office header): remembers
    the choice (cookie; session and profile for a member or an associate) and goes back to
    the page it came from, in the new language's URL."""
    language = language_supported(request.POST.get("language"))
    next_url = _next_url(request)
    if language is None or language != request.POST.get("language"):
        return HttpResponseRedirect(next_url)
    parts = urlsplit(next_url)
    # The page it came from is resolved in its own language, then reversed in the new one.
    translation.activate(translation.get_language_from_path(parts.path) or settings.LANGUAGE_CODE)
    translated = translate_url(parts.path, language)
    if parts.query:
        translated = f"{translated}?{parts.query}"
    translation.activate(language)
    response = HttpResponseRedirect(translated)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    if request.user.is_authenticated:
        language_remember(request, language)
        language_chosen.send(sender=language_set, request=request, language=language)
    return response


class _MarketJavaScriptCatalog(JavaScriptCatalog):
    """Django's catalogue, with the market's first day of the week in ``get_format``
    (a language's format module has its own: Persian's Saturday in a Bangkok shop)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        week_start = current_market().first_day_of_week
        context["formats"] = {**context["formats"], "FIRST_DAY_OF_WEEK": week_start}
        return context


_javascript_catalog = _MarketJavaScriptCatalog.as_view()


@require_GET
def javascript_catalog(request: HttpRequest) -> HttpResponse:
    """``gettext()`` for static/js/*.js in the page's language (``?lang=``, which the
    layouts pass: the catalogue's own URL carries no prefix)."""
    language = language_supported(request.GET.get("lang")) or translation.get_language()
    with translation.override(language):
        response = _javascript_catalog(request)
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response
