"""The catalogues are complete: every string the sources mark for translation, and every
string Django, its admin, allauth and DRF leave untranslated for our languages, has a
translation in Thai, Persian, Filipino and Vietnamese: not empty, not fuzzy, with the
source's placeholders and HTML tags.

The sources are extracted afresh (``makemessages`` on a copy of the tree, so the
committed catalogues are not touched): a string marked today and not yet in the
catalogues fails here, not on a shopper's screen. Extraction needs GNU gettext's
``xgettext`` (Debian's ``gettext``); without it that part is skipped, unless
``OMNI_REQUIRE_GETTEXT`` is set, as ``.ci/run`` does.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

from omni.management.commands.catalogues_vendor_gaps import VENDOR_LOCALE, vendor_gaps

BASE = Path(settings.BASE_DIR)
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
DOMAINS = ("django", "djangojs")
# What makemessages reads (Makefile's `messages` target ignores the rest).
SOURCE_DIRS = [
    "catalog",
    "customers",
    "demo",
    "inventory",
    "omni",
    "orders",
    "project",
    "returns",
    "static",
    "stores",
    "templates",
]
PLACEHOLDER = re.compile(r"%\([a-zA-Z0-9_]+\)[sdfi]|%[sdfi]|\{[a-zA-Z0-9_]*\}")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _read(path: Path):
    with path.open("rb") as source:
        return read_po(source)


def _key(message) -> tuple:
    return (message.context, message.id if isinstance(message.id, str) else message.id[0])


def _forms(value) -> list[str]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def problems_of(catalogue) -> list[str]:
    """What is wrong with a catalogue's translations, one line each."""
    found = []
    for message in catalogue:
        if not message.id:
            continue
        sources = _forms(message.id)
        strings = _forms(message.string)
        label = f"{sources[0][:60]!r}"
        if message.fuzzy:
            found.append(f"fuzzy: {label}")
            continue
        if not all(s and s.strip() for s in strings):
            found.append(f"untranslated: {label}")
            continue
        wanted = set(PLACEHOLDER.findall(" ".join(sources)))
        tags = sorted(HTML_TAG.findall(sources[0]))
        for string in strings:
            placeholders = set(PLACEHOLDER.findall(string))
            # A plural form may leave the count out ("one item" has no %(count)d).
            plural_may_drop = len(sources) > 1 and placeholders <= wanted
            if placeholders != wanted and not plural_may_drop:
                found.append(f"placeholders {sorted(placeholders)} != {sorted(wanted)}: {label}")
                break
            if sorted(HTML_TAG.findall(string)) != tags:
                found.append(f"HTML tags differ: {label}")
                break
    return found


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_our_catalogue_is_complete(language, domain):
    catalogue = _read(BASE / "locale" / language / "LC_MESSAGES" / f"{domain}.po")
    problems = problems_of(catalogue)
    assert problems == [], f"{len(problems)} in {language}/{domain}.po: {problems[:15]}"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_packages_strings_are_complete(language, domain):
    """The packages' gaps for this language are all in locale_vendor, translated."""
    path = VENDOR_LOCALE / language / "LC_MESSAGES" / f"{domain}.po"
    catalogue = _read(path)
    ours = {_key(m) for m in catalogue if m.id}
    missing = [key for key in map(_key, vendor_gaps(language, domain)) if key not in ours]
    assert missing == [], f"run catalogues_vendor_gaps: {missing[:10]}"
    problems = problems_of(catalogue)
    assert problems == [], f"{len(problems)} in locale_vendor/{language}: {problems[:15]}"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[str, set]:
    """The msgids makemessages finds in today's sources, per domain."""
    if not shutil.which("xgettext"):
        if os.environ.get("OMNI_REQUIRE_GETTEXT"):
            pytest.fail("xgettext is missing: apt-get install gettext")
        pytest.skip("GNU gettext (xgettext) is not installed: apt-get install gettext")
    tree = tmp_path_factory.mktemp("sources")
    for name in SOURCE_DIRS:
        shutil.copytree(BASE / name, tree / name, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(BASE / "manage.py", tree / "manage.py")
    (tree / "locale").mkdir()
    found = {}
    for domain in DOMAINS:
        command = [sys.executable, "manage.py", "makemessages", "-l", "th", "-d", domain]
        command += ["--keep-pot", "--no-location", "--ignore=static/js/htmx.min.js"]
        env = {**os.environ, "PYTHONPATH": str(tree)}
        subprocess.run(command, cwd=tree, env=env, check=True, capture_output=True)
        pot = tree / "locale" / f"{domain}.pot"
        # A template's header names no plural rule ("nplurals=INTEGER"), which babel rejects.
        pot.write_text(re.sub(r'"Plural-Forms:.*\n', "", pot.read_text(encoding="utf-8")))
        found[domain] = {_key(m) for m in _read(pot) if m.id}
    return found


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_of_the_sources_is_in_the_catalogue(extracted, language, domain):
    catalogue = _read(BASE / "locale" / language / "LC_MESSAGES" / f"{domain}.po")
    translated = {_key(m) for m in catalogue if m.id and not m.fuzzy and all(_forms(m.string))}
    missing = sorted(str(key[1])[:60] for key in extracted[domain] - translated)
    assert missing == [], (
        f"{len(missing)} strings of the sources have no {language} translation "
        f"(make messages, then translate): {missing[:15]}"
    )


def test_the_checker_finds_what_is_wrong():
    from babel.messages.catalog import Catalog

    catalogue = Catalog(locale="th")
    catalogue.add("Hello %(name)s", "สวัสดี %(name)s")
    catalogue.add("Lost %(name)s", "หาย")
    catalogue.add("Empty", "")
    catalogue.add("Vague", "คลุมเครือ", flags=["fuzzy"])
    catalogue.add('<a href="%(url)s">Open</a>', '<a href="%(url)s">เปิด')
    kinds = [problem.split(" ")[0].rstrip(":") for problem in problems_of(catalogue)]
    assert kinds == ["placeholders", "untranslated", "fuzzy", "HTML"]
