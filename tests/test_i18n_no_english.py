"""No English left on the screens: every storefront, back-office and admin page rendered
in Thai, Persian, Filipino and Vietnamese shows none of the English UI strings (ours, and
Django's, allauth's and DRF's), and its ``<html>`` names the language and its direction.

An English UI string is a msgid of our catalogues or of the packages' English catalogues;
a piece of the page's visible text (or of a label a person reads: placeholder, title,
alt, aria-label, a button's value) that equals one is English left — unless the
language's own translation is that same text (a code like "SKU" written the same way).
The pages and their data are the ones the page tests already use."""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from catalog.models import Variant
from omni.management.commands.catalogues_vendor_gaps import (
    VENDOR_CATALOGUES,
    _package_dir,
)
from tests.test_i18n_backoffice_templates import backoffice_pages, floor  # noqa: F401
from tests.test_i18n_pages import shopper_pages

pytestmark = pytest.mark.django_db

BASE = Path(settings.BASE_DIR)
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
SPOKEN_ATTRIBUTES = {"placeholder", "title", "alt", "aria-label"}
LETTER = re.compile(r"[A-Za-z]{2}")
# A string no catalogue knows (never marked for translation) still gives itself away: an
# English sentence has English function words. Two of them in a piece is English left.
FUNCTION_WORDS = frozenset(
    [
        "the",
        "your",
        "you",
        "and",
        "for",
        "with",
        "this",
        "that",
        "what",
        "about",
        "from",
        "not",
        "are",
        "is",
        "to",
        "of",
        "in",
        "on",
        "at",
        "by",
        "or",
        "it",
        "an",
        "be",
        "has",
        "have",
        "was",
        "will",
        "can",
        "no",
        "yet",
        "all",
        "any",
        "here",
        "there",
        "when",
        "which",
        "who",
    ]
)
WORD = re.compile(r"[A-Za-z]+")


def _messages(path: Path):
    if not path.exists():
        return []
    with path.open("rb") as source:
        return [m for m in read_po(source) if m.id]


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


@cache
def english_ui_strings() -> frozenset[str]:
    """Every English UI string a page could show as it stands (no placeholders)."""
    found = set()
    sources = [BASE / "locale" / "th" / "LC_MESSAGES" / "django.po"]
    for package, folder, domains in VENDOR_CATALOGUES:
        locale = _package_dir(package) / folder / "locale" / "en" / "LC_MESSAGES"
        sources += [locale / f"{domain}.po" for domain in domains]
    for path in sources:
        for message in _messages(path):
            for text in _ids(message):
                if "%" not in text and "{" not in text and LETTER.search(text):
                    found.add(" ".join(text.split()))
    return frozenset(found)


@cache
def same_in(language: str) -> frozenset[str]:
    """The strings the language's catalogues deliberately write as in English, each
    language's name in itself (the switcher says "English" in every language), and the
    loanwords its translations use (Filipino writes "order" and "cart")."""
    same = {str(name) for _code, name in settings.LANGUAGES}
    for folder in ("locale", "locale_vendor"):
        for domain in ("django", "djangojs"):
            for message in _messages(BASE / folder / language / "LC_MESSAGES" / f"{domain}.po"):
                strings = message.string
                strings = list(strings) if isinstance(strings, (list, tuple)) else [strings]
                same |= {text for text in _ids(message) if text in strings}
                for string in strings:
                    same |= set(WORD.findall(string or ""))
    return frozenset(same)


class _Spoken(HTMLParser):
    """The text a person sees or hears, piece by piece (tags split the pieces)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.html_attrs: dict[str, str] = {}
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_attrs = {k: v or "" for k, v in attrs.items()}
        if tag in {"script", "style", "code", "template"}:
            self._skip += 1
        for name in SPOKEN_ATTRIBUTES:
            if attrs.get(name):
                self.pieces.append(attrs[name])
        if tag == "input" and attrs.get("type") in {"submit", "button"} and attrs.get("value"):
            self.pieces.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in {"script", "style", "code", "template"} and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.pieces.append(data)


def english_left(
    html: str, language: str, typed: frozenset[str] = frozenset()
) -> tuple[list[str], dict[str, str]]:
    """The English UI strings left in ``html``; ``typed``: what people typed into the
    data (a note, a task's reason), shown as typed in every language."""
    parser = _Spoken()
    parser.feed(html)
    parser.close()
    english, same = english_ui_strings(), same_in(language)
    left = []
    for piece in parser.pieces:
        text = " ".join(piece.split())
        if text in same or text in left or text in typed:
            continue
        function_words = {w.lower() for w in WORD.findall(text)} & FUNCTION_WORDS
        if text in english or len(function_words) >= 2:
            left.append(text)
    return left, parser.html_attrs


def check_page(response, language: str, typed: frozenset[str] = frozenset()) -> str | None:
    """What is wrong with a page in ``language``: None when nothing is."""
    if response.status_code not in {200, 404}:
        return f"status {response.status_code}"
    left, html_attrs = english_left(response.content.decode(), language, typed)
    direction = "rtl" if translation.get_language_bidi() else "ltr"
    if html_attrs.get("lang") != language or html_attrs.get("dir") != direction:
        return f"<html lang={html_attrs.get('lang')!r} dir={html_attrs.get('dir')!r}>"
    if left:
        return f"English left: {left[:12]}"
    return None


def test_the_scanner_finds_english_and_ignores_data_and_code():
    page = (
        '<html lang="th" dir="ltr"><body><h1>Your cart</h1><p>Linen shirt</p>'
        '<input type="submit" value="Save"><script>var x = "Your cart";</script>'
        '<input placeholder="ค้นหา"></body></html>'
    )
    left, attrs = english_left(page, "th")
    assert left == ["Your cart", "Save"]
    # A sentence no catalogue has: English by its words.
    assert english_left("<p>What about the rest (optional)</p>", "th")[0] == [
        "What about the rest (optional)"
    ]
    assert attrs == {"lang": "th", "dir": "ltr"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_english_on_the_storefront(client, language):
    client, urls = shopper_pages(client, language)
    wrong = {}
    with translation.override(language):
        for page, url in urls.items():
            response = client.get(url, follow=True, HTTP_ACCEPT_LANGUAGE=language)
            if problem := check_page(response, language):
                wrong[page] = problem
    assert wrong == {}


@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_english_on_the_account_pages(client, language, name):
    with translation.override(language):
        response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE=language)
        assert check_page(response, language) is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_english_in_the_backoffice(client, floor, language):  # noqa: F811
    associate = floor["associate"]
    associate.language = language
    associate.save(update_fields=["language"])
    # The customer speaks it too: the return receipt is printed in the customer's language.
    customer = floor["customer"]
    customer.language = language
    customer.save(update_fields=["language"])
    typed = frozenset(
        [note.body for note in customer.notes.all()] + [t.reason for t in customer.tasks.all()]
    )
    client.force_login(associate.user)
    wrong = {}
    for name, (url_name, args, query) in backoffice_pages(floor).items():
        with translation.override(language):
            response = client.get(reverse(url_name, args=args), query)
            if problem := check_page(response, language, typed):
                wrong[name] = problem
    assert wrong == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_english_in_the_admin(client, floor, language):  # noqa: F811
    associate = floor["associate"]
    associate.language = language
    associate.save(update_fields=["language"])
    user = associate.user
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(user)
    product = floor["variant"].product
    pages = {
        "index": reverse("admin:index"),
        "orders": reverse("admin:orders_order_changelist"),
        "order": reverse("admin:orders_order_change", args=[floor["order"].pk]),
        "products": reverse("admin:catalog_product_changelist"),
        "product": reverse("admin:catalog_product_change", args=[product.pk]),
        "add product": reverse("admin:catalog_product_add"),
        "customers": reverse("admin:customers_customer_changelist"),
    }
    # The admin edits the data as stored: a variant's colour is the merchandiser's word
    # ("Navy"), translated on the shop's pages only (catalog.option_names).
    typed = frozenset(Variant.objects.values_list("colour", flat=True)) | frozenset(
        Variant.objects.values_list("size", flat=True)
    )
    wrong = {}
    for name, url in pages.items():
        with translation.override(language):
            if problem := check_page(client.get(url), language, typed):
                wrong[name] = problem
    assert wrong == {}
