"""The shopper's templates carry no English outside translation tags.

Each template's source is stripped of comments, translation blocks, template tags,
variables, scripts and markup (keeping the attributes a person reads or hears:
placeholder, aria-label, title, alt); whatever letters are left were typed in English and
would reach a Thai or Persian shopper untranslated.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import get_template

ROOT = Path(settings.BASE_DIR) / "templates"

# The shopper's surfaces. The layouts (storefront/base.html, the email layout and the
# allauth layout) belong to the language machinery and are checked with it.
DIRECTORIES = ["storefront", "account", "allauth/elements", "emails"]
SINGLE_FILES = ["400.html", "403.html", "404.html", "500.html", "_messages.html"]
NOT_HERE = {"storefront/base.html", "emails/base.html"}

COMMENTS = re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|\{#.*?#\}", re.S)
BLOCKTRANSLATE = re.compile(
    r"\{%\s*blocktrans(?:late)?\b.*?%\}.*?\{%\s*endblocktrans(?:late)?\s*%\}", re.S
)
TAG = re.compile(r"\{%.*?%\}", re.S)
VARIABLE = re.compile(r"\{\{.*?\}\}", re.S)
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
MARKUP = re.compile(r"<[^>]*>", re.S)
READ_ATTRIBUTES = re.compile(r"""\b(placeholder|aria-label|title|alt)\s*=\s*(["'])(.*?)\2""", re.S)
ENTITY = re.compile(r"&#?\w+;")
WORD = re.compile(r"[^\W\d_]+")

# Words that are the same in every language: the shop's brand.
ALLOWED = set(WORD.findall(settings.OMNI_SITE_NAME))


def shopper_templates() -> list[Path]:
    files = [ROOT / name for name in SINGLE_FILES]
    for directory in DIRECTORIES:
        files += sorted(p for p in (ROOT / directory).rglob("*") if p.is_file())
    return [p for p in files if p.relative_to(ROOT).as_posix() not in NOT_HERE]


def _readable_attributes(tag: re.Match) -> str:
    return " ".join(m.group(3) for m in READ_ATTRIBUTES.finditer(tag.group(0)))


def untranslated_words(source: str) -> list[str]:
    """The words a reader would see that no translation tag covers."""
    text = COMMENTS.sub(" ", source)
    text = BLOCKTRANSLATE.sub(" ", text)
    text = TAG.sub(" ", text)
    text = VARIABLE.sub(" ", text)
    text = SCRIPT_OR_STYLE.sub(" ", text)
    text = MARKUP.sub(_readable_attributes, text)
    text = ENTITY.sub(" ", text)
    return [w for w in WORD.findall(text) if w not in ALLOWED]


def test_the_checker_finds_english_where_a_reader_meets_it():
    assert untranslated_words('<p>{% translate "Cart" %} · {{ n }} ×</p>') == []
    assert untranslated_words("{% blocktranslate %}Hi {{ name }}{% endblocktranslate %}") == []
    assert untranslated_words("<p>Subtotal</p>") == ["Subtotal"]
    assert untranslated_words('<input class="x" placeholder="Search">') == ["Search"]
    assert untranslated_words('<b aria-label="{% if a %}Open{% endif %}">') == ["Open"]
    assert untranslated_words("{# Only a note for the next engineer #}<hr>") == []


@pytest.mark.parametrize("path", shopper_templates(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_english_outside_translation_tags(path):
    words = untranslated_words(path.read_text())
    assert not words, f"untranslated in {path.relative_to(ROOT)}: {' '.join(words[:20])}"


@pytest.mark.parametrize("path", shopper_templates(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_shopper_template_compiles(path):
    # A blocktranslate with a dotted variable or a filter inside fails only here.
    get_template(path.relative_to(ROOT).as_posix())
