"""Languages (docs/i18n.md): the URL, then the saved preference, then Accept-Language; the
switcher; hreflang alternates; <html lang dir> on every layout; the JavaScript catalogue;
the catalogues compiled in pure Python; and stylesheets that serve both directions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LANGUAGE_CODES = ["en", "th", "fa", "fil", "vi"]


def html_tag(response) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="([^"]+)"', response.content.decode())
    assert match, "the page has no <html lang dir>"
    return match.group(1), match.group(2)


@pytest.fixture
def associate(db):
    store = f.LocationFactory(name="Springfield", code="SPR")
    return f.AssociateFactory(home_location=store, display_name="Maya")


def test_the_five_languages_with_english_the_default():
    assert [code for code, _ in settings.LANGUAGES] == LANGUAGE_CODES
    assert settings.LANGUAGE_CODE == "en"


@pytest.mark.parametrize(
    ("path", "lang", "direction"),
    [("/", "en", "ltr"), ("/th/", "th", "ltr"), ("/fa/", "fa", "rtl"), ("/fil/", "fil", "ltr")],
)
def test_the_url_prefix_chooses_the_language_and_the_direction(client, path, lang, direction):
    response = client.get(path)
    assert response.status_code == 200
    assert html_tag(response) == (lang, direction)
    assert response["Content-Language"] == lang


def test_storefront_links_keep_the_language_of_the_page(client):
    body = client.get("/vi/").content.decode()
    assert 'href="/vi/stores/"' in body
    assert 'href="/vi/cart/"' in body


def test_every_storefront_page_has_an_alternate_per_language_and_x_default(client):
    body = client.get("/fa/stores/?next=/").content.decode()
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)"', body))
    assert alternates == {
        "en": "http://testserver/stores/?next=/",
        "th": "http://testserver/th/stores/?next=/",
        "fa": "http://testserver/fa/stores/?next=/",
        "fil": "http://testserver/fil/stores/?next=/",
        "vi": "http://testserver/vi/stores/?next=/",
        "x-default": "http://testserver/stores/?next=/",
    }


def test_the_switcher_is_in_the_header_and_the_footer(client):
    body = client.get("/").content.decode()
    header, _, footer = body.partition('<footer class="site-footer">')
    for part in (header, footer):
        assert f'action="{reverse("set_language")}"' in part
        for code in LANGUAGE_CODES:
            assert f'name="language" value="{code}"' in part
    assert 'lang="fa" class="link-button">فارسی</button>' in body


def test_switching_goes_to_the_same_page_in_the_new_language_and_is_remembered(client):
    response = client.post(reverse("set_language"), {"language": "fa", "next": "/cart/?x=1"})
    assert response.status_code == 302
    assert response["Location"] == "/fa/cart/?x=1"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fa"

    # Back on an unprefixed page: the saved choice wins over Accept-Language.
    again = client.get("/stores/", HTTP_ACCEPT_LANGUAGE="th")
    assert again.status_code == 302
    assert again["Location"] == "/fa/stores/"

    # Switching back to English from a Persian page.
    back = client.post(reverse("set_language"), {"language": "en", "next": "/fa/stores/"})
    assert back["Location"] == "/stores/"
    assert client.get("/stores/").status_code == 200


def test_an_unknown_language_or_a_foreign_next_changes_nothing(client):
    response = client.post(reverse("set_language"), {"language": "xx", "next": "/cart/"})
    assert response["Location"] == "/cart/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    foreign = client.post(
        reverse("set_language"), {"language": "th", "next": "https://evil.example/"}
    )
    assert foreign["Location"] == "/th/"


def test_accept_language_redirects_an_unprefixed_page_without_a_saved_choice(client):
    response = client.get("/stores/?q=1", HTTP_ACCEPT_LANGUAGE="vi-VN,vi;q=0.9,en;q=0.5")
    assert response.status_code == 302
    assert response["Location"] == "/vi/stores/?q=1"
    assert "Accept-Language" in response["Vary"]
    # English (or a language the shop does not speak) stays where it is.
    assert client.get("/stores/", HTTP_ACCEPT_LANGUAGE="de,en;q=0.5").status_code == 200


def test_an_anonymous_visit_in_another_language_writes_no_session(client):
    from django.contrib.sessions.models import Session

    client.get("/th/")
    client.get("/", HTTP_ACCEPT_LANGUAGE="th")
    assert Session.objects.count() == 0


def test_a_form_posted_to_an_unprefixed_url_is_answered_not_redirected(client):
    variant = f.VariantFactory()
    f.PriceFactory(variant=variant)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
    response = client.post("/cart/", {"variant_id": variant.pk, "quantity": "1"})
    # Answered by the cart page (its own method check), not a 404 nor a language redirect.
    assert response.status_code != 404
    assert not response.get("Location", "").startswith("/th/")


def test_a_members_saved_language_applies_from_login(client):
    customer = f.CustomerFactory(user=f.UserFactory(), language="vi")
    client.force_login(customer.user)
    response = client.get("/stores/")
    assert response.status_code == 302
    assert response["Location"] == "/vi/stores/"


def test_a_members_switch_is_saved_on_their_customer_record(client):
    customer = f.CustomerFactory(user=f.UserFactory(), language="en")
    client.force_login(customer.user)
    client.post(reverse("set_language"), {"language": "th", "next": "/"})
    customer.refresh_from_db()
    assert customer.language == "th"
    assert client.get("/").status_code == 302


def test_the_back_office_speaks_the_associates_saved_language(client, associate):
    associate.language = "fa"
    associate.save()
    client.force_login(associate.user)
    response = client.get(reverse("backoffice:today"))
    assert response.status_code == 200
    assert html_tag(response) == ("fa", "rtl")
    body = response.content.decode()
    # The picker in the back-office header.
    assert f'action="{reverse("set_language")}"' in body.partition("</header>")[0]


def test_the_back_office_picker_saves_the_associates_language(client, associate):
    client.force_login(associate.user)
    assert html_tag(client.get(reverse("backoffice:today"))) == ("en", "ltr")
    response = client.post(
        reverse("set_language"), {"language": "th", "next": reverse("backoffice:today")}
    )
    assert response["Location"] == reverse("backoffice:today")  # no prefix in the back-office
    associate.refresh_from_db()
    assert associate.language == "th"
    assert html_tag(client.get(reverse("backoffice:today"))) == ("th", "ltr")


def test_the_admin_follows_the_saved_language_with_djangos_own_translation(client, associate):
    associate.language = "vi"
    associate.save()
    associate.user.is_staff = True
    associate.user.is_superuser = True
    associate.user.save()
    client.force_login(associate.user)
    response = client.get(reverse("admin:index"))
    assert html_tag(response) == ("vi", "ltr")
    # Django's admin ships Vietnamese: "Welcome," is not English here.
    assert "Chào mừng bạn," in response.content.decode()


def test_the_accounts_pages_are_translated_by_allauth_under_a_prefix(client):
    response = client.get("/th/accounts/login/")
    assert response.status_code == 200
    assert html_tag(response) == ("th", "ltr")


def test_the_javascript_catalogue_follows_the_page(client):
    body = client.get("/fa/").content.decode()
    assert f'src="{reverse("javascript-catalog")}?lang=fa"' in body
    response = client.get(reverse("javascript-catalog"), {"lang": "fa"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert "django.gettext" in body
    # Persian's plural rule from its catalogue, not English's.
    assert "(n > 1)" in body


def test_persian_dates_use_the_locale_formats():
    import datetime as dt

    from django.utils import formats, translation

    day = dt.date(2026, 3, 5)
    with translation.override("en"):
        english = formats.date_format(day, "DATE_FORMAT")
    with translation.override("vi"):
        vietnamese = formats.date_format(day, "DATE_FORMAT")
    with translation.override("fil"):
        filipino = formats.date_format(day, "DATE_FORMAT")
    assert english != vietnamese
    assert "2026" in filipino


def test_the_catalogues_compile_in_pure_python_and_match_their_sources():
    for code in ("th", "fa", "fil", "vi"):
        for domain in ("django", "djangojs"):
            assert (ROOT / "locale" / code / "LC_MESSAGES" / f"{domain}.po").exists()
    call_command("catalogues_compile", verbosity=0)
    call_command("catalogues_compile", "--check", verbosity=0)


def test_filipino_is_a_language_django_accepts():
    from django.utils.translation import check_for_language

    assert all(check_for_language(code) for code in LANGUAGE_CODES)


# --- right to left ------------------------------------------------------------------------

PHYSICAL = re.compile(
    r"(?<![-\w])(margin|padding|border)-(left|right)\b"
    r"|(?<![-\w])(left|right)\s*:"
    r"|text-align\s*:\s*(left|right)"
    r"|float\s*:\s*(left|right)"
    r"|clear\s*:\s*(left|right)"
    r"|border-(top|bottom)-(left|right)-radius"
)
FOUR_VALUES = re.compile(r"(?<![-\w])(margin|padding)\s*:\s*([^;{}]+)")


def test_stylesheets_use_logical_properties_only():
    for path in sorted((ROOT / "static" / "css").glob("*.css")):
        text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
        assert not PHYSICAL.search(text), f"{path.name}: {PHYSICAL.search(text).group(0)}"
        for match in FOUR_VALUES.finditer(text):
            values = match.group(2).split()
            # Four values with different left and right sides read differently in RTL.
            assert len(values) < 4 or values[1] == values[3], f"{path.name}: {match.group(0)}"


def test_directional_icons_mirror_and_codes_stay_left_to_right():
    css = (ROOT / "static" / "css" / "omni.css").read_text()
    assert "[dir=rtl] .icon-dir { transform: scaleX(-1); }" in css
    from django.template import Context, Template

    rendered = Template("{% load omni_i18n %}{{ sku|ltr }}").render(Context({"sku": "<TS-01>"}))
    assert rendered == '<bdi dir="ltr" class="ltr">&lt;TS-01&gt;</bdi>'
