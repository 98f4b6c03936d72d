"""The associate's and the merchandiser's side is translatable: no English left outside the
translation tags of the back-office and admin templates, no fixed date formats or English
plurals there, and every model label (field names, choices) a lazy translation."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils.functional import Promise

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# The layouts belong to the i18n machinery (and its own tests).
NOT_HERE = {"backoffice/base.html", "backoffice/error_base.html", "admin/base_site.html"}
FILES = sorted(
    str(p.relative_to(TEMPLATES))
    for folder in ("backoffice", "admin")
    for p in (TEMPLATES / folder).rglob("*.html")
    if str(p.relative_to(TEMPLATES)) not in NOT_HERE
)

# Attributes a person reads or hears; the rest (class, id, href, hx-*) are machinery.
SPOKEN_ATTRIBUTES = {"placeholder", "title", "alt", "aria-label", "aria-description"}
# What may stay outside the tags: symbols and units every language writes the same way.
NOT_WORDS = {"km", "×", "·", "—", "←", "→", "…", "%", "+", "@", "/", "(", ")", ":", ","}

TRANSLATION_BLOCK = re.compile(
    r"{%\s*blocktrans(?:late)?\b.*?%}.*?{%\s*endblocktrans(?:late)?\s*%}", re.S
)
COMMENT = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S)
CODE = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
TAG_OR_VARIABLE = re.compile(r"{%.*?%}|{{.*?}}", re.S)
LETTERS = re.compile(r"[^\W\d_]+")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_data(self, data):
        self.found.append(data)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name in SPOKEN_ATTRIBUTES and value:
                self.found.append(value)
        if tag == "input" and attrs.get("type") in {"submit", "button", "reset"}:
            self.found.append(attrs.get("value") or "")


def english_left(source: str) -> list[str]:
    """The words of a template a person would see that no translation tag covers."""
    for pattern in (COMMENT, TRANSLATION_BLOCK, CODE, TAG_OR_VARIABLE):
        source = pattern.sub(" ", source)
    parser = _Text()
    parser.feed(source)
    parser.close()
    words = []
    for text in parser.found:
        words += [w for w in LETTERS.findall(text) if w not in NOT_WORDS]
    return words


def source_of(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def test_the_scanner_finds_english_and_ignores_what_is_translated():
    assert english_left('<p title="Open it">Hello <b>{{ name }}</b></p>') == [
        "Open",
        "it",
        "Hello",
    ]
    assert (
        english_left(
            '{% load i18n %}<p>{% translate "Hello" %} {{ name }} × 2 · 3 km</p>'
            "{% blocktranslate with n=name %}Hi {{ n }}{% endblocktranslate %}"
            '{# a note #}<input type="submit" value="{% translate \'Go\' %}">'
        )
        == []
    )
    assert english_left('<input type="submit" value="Go">') == ["Go"]


def test_every_template_here_is_checked():
    assert "backoffice/pickups/_row.html" in FILES
    assert "admin/orders/cartrecoverystep/change_list.html" in FILES
    assert not NOT_HERE & set(FILES)


@pytest.mark.parametrize("name", FILES)
def test_no_english_outside_translation_tags(name):
    assert english_left(source_of(name)) == [], f"{name} shows untranslated words"


@pytest.mark.parametrize("name", FILES)
def test_dates_plurals_and_fallbacks_are_the_locales(name):
    source = source_of(name)
    assert "|pluralize" not in source, "English plural: use {% blocktranslate count %}"
    fixed = [
        fmt
        for fmt in re.findall(r"\|date:[\"']([^\"']*)[\"']", source)
        if not re.fullmatch(r"[A-Z_]+_FORMAT", fmt) and fmt != "Y-m-d"  # Y-m-d: <input type=date>
    ]
    assert fixed == [], f"fixed date formats {fixed}: use DATE_FORMAT, SHORT_DATETIME_FORMAT..."
    fallbacks = [
        text
        for text in re.findall(r"\|default(?:_if_none)?:[\"']([^\"']*)[\"']", source)
        if LETTERS.search(text)
    ]
    assert fallbacks == [], f'English fallbacks {fallbacks}: use default:_("...")'


# --- the model layer ---------------------------------------------------------------------

PROJECT_APPS = ("catalog", "stores", "customers", "inventory", "orders", "returns", "omni")


def project_models():
    return [m for m in apps.get_models() if m._meta.app_label in PROJECT_APPS]


def test_every_model_name_is_a_lazy_translation():
    plain = [
        f"{m._meta.label}.{attr}"
        for m in project_models()
        for attr in ("verbose_name", "verbose_name_plural")
        # Django's own M2M join tables name themselves.
        if not m._meta.auto_created and not isinstance(getattr(m._meta, attr), Promise)
    ]
    assert plain == []


def test_every_field_label_help_text_and_choice_is_a_lazy_translation():
    plain = []
    for model in project_models():
        if model._meta.auto_created:
            continue
        for field in model._meta.get_fields(include_parents=False):
            if field.auto_created or not field.concrete:
                continue
            where = f"{model._meta.label}.{field.name}"
            if not isinstance(field.verbose_name, Promise):
                plain.append(f"{where} verbose_name {field.verbose_name!r}")
            if field.help_text and not isinstance(field.help_text, Promise):
                plain.append(f"{where} help_text {field.help_text!r}")
            for _value, label in field.flatchoices:
                if not isinstance(label, Promise):
                    plain.append(f"{where} choice {label!r}")
    assert plain == []


def test_every_choices_class_label_is_a_lazy_translation():
    from django.db.models import Choices

    seen, plain = set(), []
    for model in project_models():
        module = __import__(model.__module__, fromlist=["*"])
        for holder in (module, model):
            for obj in vars(holder).values():
                if isinstance(obj, type) and issubclass(obj, Choices) and obj not in seen:
                    seen.add(obj)
                    for member in obj:
                        if not isinstance(member.label, Promise):
                            plain.append(f"{obj.__qualname__}.{member.name} {member.label!r}")
    assert seen
    assert plain == []
