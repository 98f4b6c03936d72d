"""Fill what the packages we run do not translate for our languages.

Django, its admin, allauth and DRF ship catalogues for Thai, Persian and Vietnamese, but
not every string is translated (Django's Thai core misses about a quarter), allauth has no
Vietnamese, and none of them has Filipino. Those strings are on our screens all the same:
the admin's buttons, a form's "This field is required.", the sign-in page's messages, an
API's "Authentication credentials were not provided.".

This command writes each such gap to ``locale_vendor/<lang>/LC_MESSAGES/<domain>.po``: the
package's English msgids that its own catalogue for ``<lang>`` lacks (missing, empty or
fuzzy), keeping the translations already written there and dropping strings a package no
longer has. ``locale_vendor`` is the last entry of ``LOCALE_PATHS``; it holds only gaps, so
it never overrides a package's own translation. Run it after upgrading one of these
packages, then translate the new entries (docs/i18n.md). The catalogue test checks these
files are complete like our own.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from django.conf import settings
from django.core.management.base import BaseCommand

# (package, folder with locale/ inside it, domains). The apps whose strings reach a
# person here: the admin and its widgets, auth and content types (admin labels, password
# rules), humanize, Django's core (form errors, month and day names), allauth's account
# pages and emails, DRF's error details.
VENDOR_CATALOGUES = [
    ("django", "conf", ("django",)),
    ("django", "contrib/admin", ("django", "djangojs")),
    ("django", "contrib/auth", ("django",)),
    ("django", "contrib/contenttypes", ("django",)),
    ("django", "contrib/humanize", ("django",)),
    ("allauth", "", ("django",)),
    ("rest_framework", "", ("django",)),
]

VENDOR_LOCALE = Path(settings.BASE_DIR) / "locale_vendor"


def _package_dir(package: str) -> Path:
    return Path(importlib.util.find_spec(package).origin).parent


def _read(path: Path, locale: str | None = None) -> Catalog | None:
    if not path.exists():
        return None
    with path.open("rb") as source:
        return read_po(source, locale=locale)


def _translated(message) -> bool:
    if message.fuzzy:
        return False
    if isinstance(message.string, (list, tuple)):
        return all(message.string)
    return bool(message.string)


def _key(message) -> tuple:
    return (message.context, message.id if isinstance(message.id, str) else message.id[0])


def _language_name(message) -> bool:
    """Django's names of the world's languages (``global_settings.LANGUAGES``): no screen
    here shows them (the switcher names each language in itself)."""
    return any(path.endswith("global_settings.py") for path, _line in message.locations)


def vendor_gaps(language: str, domain: str) -> list:
    """The English messages of every vendor catalogue of ``domain`` that the vendor does
    not translate into ``language``, each once (the first package that has it wins)."""
    gaps, seen = [], set()
    django_locale = language.replace("-", "_")
    for package, folder, domains in VENDOR_CATALOGUES:
        if domain not in domains:
            continue
        locale_dir = _package_dir(package) / folder / "locale"
        english = _read(locale_dir / "en" / "LC_MESSAGES" / f"{domain}.po")
        if english is None:
            continue
        theirs = _read(locale_dir / django_locale / "LC_MESSAGES" / f"{domain}.po")
        done = {_key(m) for m in theirs if m.id and _translated(m)} if theirs else set()
        for message in english:
            key = _key(message)
            if not message.id or key in done or key in seen or _language_name(message):
                continue
            seen.add(key)
            message.locations = [(f"{package}/{folder}".rstrip("/"), 0)]
            gaps.append(message)
    return gaps


def write_gaps(language: str, domain: str) -> tuple[int, int]:
    """Rewrite one supplement file; returns (entries, of which already translated)."""
    ours_path = Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"
    header = _read(ours_path, locale=None)
    path = VENDOR_LOCALE / language / "LC_MESSAGES" / f"{domain}.po"
    existing = _read(path, locale=None)
    kept = {_key(m): m.string for m in existing if m.id and _translated(m)} if existing else {}
    catalogue = Catalog(
        locale=None,
        domain=domain,
        header_comment=(
            f"# The strings of Django, its admin, allauth and DRF that they ship no {language}\n"
            "# translation of. Written by catalogues_vendor_gaps (docs/i18n.md): translate\n"
            "# the msgstr; the command keeps it when it rewrites this file."
        ),
        project="Omni",
        version="1",
        # Kept from the file it rewrites, so an unchanged gap list is an unchanged file.
        creation_date=existing.creation_date if existing else None,
        language_team=header.language_team if header else "",
        fuzzy=False,
    )
    # The plural rule of our own catalogue for this language (babel's would differ for
    # Persian and Filipino from what Django and the translators use).
    catalogue.mime_headers = [
        (name, value) for name, value in header.mime_headers if name in {"Plural-Forms", "Language"}
    ]
    translated = 0
    for message in vendor_gaps(language, domain):
        string = kept.get(_key(message))
        if string:
            translated += 1
        elif isinstance(message.id, (list, tuple)):
            string = ("",) * catalogue.num_plurals
        else:
            string = ""
        catalogue.add(
            message.id,
            string,
            locations=message.locations,
            flags=[f for f in message.flags if f != "fuzzy"],
            context=message.context,
            auto_comments=message.auto_comments,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_po(out, catalogue, width=79, omit_header=False, sort_output=False)
    return len(catalogue), translated


class Command(BaseCommand):
    help = (
        "Write locale_vendor/<lang>/LC_MESSAGES/*.po: the strings of Django, its admin, "
        "allauth and DRF that they ship no translation of for our languages."
    )

    def handle(self, *args, **options) -> None:
        for language, _name in settings.LANGUAGES:
            if language == settings.LANGUAGE_CODE:
                continue
            for domain in ("django", "djangojs"):
                entries, translated = write_gaps(language, domain)
                self.stdout.write(
                    f"{language} {domain}: {entries} strings, {translated} translated"
                )
