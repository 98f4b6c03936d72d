"""A test-only catalogue: a few translations put into a language's loaded catalogue for
one test, so a test can show that a marked string is read in the reader's language
before the translators have filled the real ``locale/<lang>/LC_MESSAGES/django.po``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from django.utils.translation import trans_real


@contextmanager
def translated(language: str, messages: Mapping[str, str]) -> Iterator[None]:
    """``{msgid: msgstr}`` readable in ``language`` inside the block, gone after it (a
    msgid the real catalogue already translates gets its own translation back)."""
    catalogue = trans_real.translation(language)._catalog
    before = {msgid: catalogue.get(msgid) for msgid in messages}
    for msgid, msgstr in messages.items():
        catalogue[msgid] = msgstr
    try:
        yield
    finally:
        for msgid, old in before.items():
            if old is None:
                catalogue._catalogs[0].pop(msgid, None)
            else:
                catalogue[msgid] = old
