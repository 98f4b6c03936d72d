"""One spelling for search: what is stored to be searched and what a shopper types are
both passed through :func:`search_normalised`, so the two meet whichever way the text was
written (docs/i18n.md, "Catalogue content").

- case: ``Áo`` and ``áo`` are one word (``casefold``);
- Vietnamese with or without tone marks: Latin letters lose their diacritics (NFKD, then
  the combining marks dropped) and ``đ`` is ``d``, so ``áo len`` and ``ao len`` both find
  ``Áo len cổ tròn``;
- Persian typed on an Arabic keyboard: ``ي`` is ``ی`` and ``ك`` is ``ک``; the zero-width
  non-joiner (``می‌خواهم`` / ``میخواهم``), tatweel and short-vowel marks are dropped;
- Persian, Arabic-Indic and Thai digits are ASCII digits;
- Thai keeps its vowel and tone marks (they are letters of the word, not accents); Thai
  is written without spaces, so callers match substrings, not words.

Ground: imports no domain app.
"""

from __future__ import annotations

import unicodedata

from omni.digits import ascii_digits

# Arabic letter forms a Persian reader takes for the Persian ones.
_LETTERS = str.maketrans(
    {
        "\u064a": "\u06cc",  # ي Arabic yeh → ی Farsi yeh
        "\u0649": "\u06cc",  # ى alef maksura → ی
        "\u0643": "\u06a9",  # ك Arabic kaf → ک keheh
        "\u0111": "d",  # đ
        "\u0110": "d",  # Đ
        "\u200c": None,  # zero-width non-joiner
        "\u200d": None,  # zero-width joiner
        "\u200b": None,  # zero-width space
        "\u0640": None,  # tatweel (kashida)
    }
)


def _is_dropped_mark(char: str) -> bool:
    # Latin combining diacritics (Vietnamese tones and vowel marks) and the Arabic short
    # vowels; Thai's marks (U+0E31, U+0E34–U+0E3A, U+0E47–U+0E4E) are kept.
    code = ord(char)
    return 0x0300 <= code <= 0x036F or 0x064B <= code <= 0x065F or code == 0x0670


def search_normalised(text: str | None) -> str:
    """``text`` in the one spelling search compares: lower case, no Latin diacritics, one
    form of each Persian letter, ASCII digits, single spaces."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", ascii_digits(text)).translate(_LETTERS)
    text = "".join(char for char in text if not _is_dropped_mark(char))
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())
