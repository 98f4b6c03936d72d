"""Readable slugs in any script: ``เสื้อยืด-คอกลม``, ``پیراهن-نخی``, ``áo-len-cổ-tròn``.

Django's ``slugify(allow_unicode=True)`` and ``validate_unicode_slug`` keep only ``\\w``,
which drops Thai vowel and tone marks (``เสื้อยืด`` would become ``เสอยด``); here letters,
digits and combining marks of every script are kept, everything else separates words.
Existing ASCII slugs are valid as they are."""

from __future__ import annotations

import unicodedata

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

SLUG_INVALID = _("Enter a slug of letters, numbers, marks, underscores or hyphens (in any script).")


def _slug_char(char: str) -> bool:
    return char in "-_" or unicodedata.category(char)[0] in "LNM"


def unicode_slugify(text: str) -> str:
    """``text`` as a slug: lower case, NFC, words joined by single hyphens."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    out: list[str] = []
    for char in text:
        out.append(char if _slug_char(char) and char != "-" else " ")
    return "-".join("".join(out).split())


def slug_validate(value: str) -> None:
    if not value or not all(_slug_char(char) for char in value):
        raise ValidationError(SLUG_INVALID, code="invalid")


_DJANGO_SLUG_VALIDATORS = (validators.validate_slug, validators.validate_unicode_slug)


class UnicodeSlugFormField(forms.SlugField):
    def __init__(self, **kwargs):
        kwargs["allow_unicode"] = True
        super().__init__(**kwargs)
        kept = [v for v in self.validators if v not in _DJANGO_SLUG_VALIDATORS]
        self.validators = [slug_validate, *kept]


class UnicodeSlugField(models.SlugField):
    """A SlugField that accepts :func:`unicode_slugify`'s slugs (Thai marks included)."""

    default_validators = [slug_validate]

    def __init__(self, *args, **kwargs):
        # SlugField would put Django's Unicode validator in place of ours.
        kwargs.pop("allow_unicode", None)
        super().__init__(*args, **kwargs)
        self.allow_unicode = True

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": UnicodeSlugFormField, **kwargs})


class UnicodeSlugConverter:
    """``<uslug:slug>`` in a URL: one path segment of a :func:`unicode_slugify` slug
    (Django's ``<slug:>`` is ASCII only). ``reverse()`` percent-encodes it."""

    regex = r"[-\w\u0300-\u036f\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u064b-\u065f\u0670]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
