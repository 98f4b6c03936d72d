"""Language helpers for templates (``{% load omni_i18n %}``).

- ``{% language_alternates %}``: ``<link rel="alternate" hreflang>`` for every language the
  market offers of this storefront page, plus ``x-default`` (the unprefixed URL).
- ``{% language_switcher %}``: the switch (a form posting to ``set_language``, one button
  per language, no JavaScript needed): the market's languages on the storefront, every
  language in the back-office and the admin.
- ``{{ value|ltr }}``: numbers, SKUs, phone numbers, order numbers and codes stay left to
  right inside right-to-left text (``<bdi dir="ltr">``).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import translation
from django.utils.html import format_html, format_html_join

from omni.i18n import market_languages

register = template.Library()


def _language_url(request, code: str) -> str:
    url = translate_url(request.path, code)
    query = request.META.get("QUERY_STRING", "")
    return request.build_absolute_uri(url + (f"?{query}" if query else ""))


@register.simple_tag(takes_context=True)
def language_alternates(context: dict[str, Any]) -> str:
    """The page in every language the market offers, for search engines (Google's
    hreflang rules)."""
    request = context.get("request")
    if request is None:
        return ""
    links = [(code, _language_url(request, code)) for code in market_languages()]
    links.append(("x-default", _language_url(request, settings.LANGUAGE_CODE)))
    return format_html_join(
        "\n", '<link rel="alternate" hreflang="{}" href="{}">', ((c, u) for c, u in links)
    )


# Where the switcher offers every language (staff may speak any); elsewhere (the
# storefront's header and footer) it offers the market's.
STAFF_PLACES = ("backoffice", "admin")


@register.inclusion_tag("_language_switcher.html", takes_context=True)
def language_switcher(context: dict[str, Any], place: str = "header") -> dict[str, Any]:
    request = context.get("request")
    names = dict(settings.LANGUAGES)
    codes = list(names) if place in STAFF_PLACES else market_languages()
    return {
        "languages": [(code, names[code]) for code in codes],
        "current": translation.get_language(),
        "next": request.get_full_path() if request is not None else "/",
        "place": place,
        "csrf_token": context.get("csrf_token"),
    }


@register.filter(name="ltr", is_safe=True)
def ltr(value: Any) -> str:
    """``value`` isolated and left to right, whatever the page's direction."""
    if value is None or value == "":
        return ""
    return format_html('<bdi dir="ltr" class="ltr">{}</bdi>', value)
