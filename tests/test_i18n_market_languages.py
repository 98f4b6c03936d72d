"""The market's languages (omni.i18n, current_market().languages / default_language): a
Thai shop's visitor who has said nothing is served Thai; the storefront offers and links
only the market's languages; staff screens offer every language; the US market is as
before (English default, every language)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from omni.markets import build_market
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def thai_market(settings):
    settings.OMNI_MARKET_CONFIG = build_market("TH")


def switcher_languages(html: str, place: str) -> list[str]:
    match = re.search(rf'language-switcher--{place}".*?</details>', html, re.S)
    assert match, f"no {place} switcher"
    return re.findall(r'name="language" value="([^"]+)"', match.group(0))


def test_a_visitor_who_said_nothing_gets_the_markets_default_language(client, thai_market):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/th/"
    assert "Accept-Language" in response["Vary"]
    page = client.get("/th/").content.decode()
    assert '<html lang="th"' in page


def test_an_accepted_language_the_market_does_not_offer_falls_back_to_its_default(
    client, thai_market
):
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="fa")["Location"] == "/th/"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="fa, en;q=0.5").status_code == 200  # English
    client.cookies["django_language"] = "vi"  # a saved choice not offered here
    assert client.get("/cart/")["Location"] == "/th/cart/"
    client.cookies["django_language"] = "en"
    assert client.get("/cart/").status_code == 200


def test_the_storefront_switcher_and_hreflang_list_the_markets_languages(client, thai_market):
    page = client.get("/th/").content.decode()
    assert switcher_languages(page, "header") == ["th", "en"]
    assert switcher_languages(page, "footer") == ["th", "en"]
    assert ">ไทย<" in page and ">فارسی<" not in page
    hreflangs = re.findall(r'hreflang="([^"]+)"', page)
    assert hreflangs == ["th", "en", "x-default"]


def test_associates_may_use_any_language_in_the_back_office(client, thai_market):
    associate = f.AssociateFactory(language="")
    client.force_login(associate.user)
    page = client.get(reverse("backoffice:today"), HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    assert '<html lang="fa"' in page  # Persian is not the Thai storefront's, but staff's
    assert switcher_languages(page, "backoffice") == ["en", "th", "fa", "fil", "vi"]
    # No preference at all: the market's language.
    page = client.get(reverse("backoffice:today")).content.decode()
    assert '<html lang="th"' in page


def test_the_us_market_is_unchanged(client):
    assert client.get("/").status_code == 200  # English, unprefixed
    page = client.get("/").content.decode()
    assert '<html lang="en"' in page
    assert switcher_languages(page, "header") == ["en", "th", "fa", "fil", "vi"]
    assert re.findall(r'hreflang="([^"]+)"', page) == ["en", "th", "fa", "fil", "vi", "x-default"]
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="vi")["Location"] == "/vi/"


def test_the_profile_offers_the_markets_languages_for_emails(client, thai_market):
    user = f.UserFactory(email="somchai@example.com")
    f.CustomerFactory(user=user, email=user.email, language="fil")  # from before: kept
    client.force_login(user)
    page = client.get(reverse("customers:profile"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    select = re.search(r'name="details-language".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="([^"]+)"', select) == ["en", "th", "fil"]
    refused = client.post(
        reverse("customers:profile"), {"section": "details", "details-language": "vi"}
    )
    assert refused.status_code == 400
