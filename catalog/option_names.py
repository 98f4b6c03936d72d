"""The names of common colours and sizes in the shopper's language.

A variant's colour and size are data typed by a merchandiser ("Navy", "One size") and are
also its identity (SKUs, filters and size preferences compare them as typed), so they are
not translated in the database. At display time a value that is one of the common names
below is shown from the catalogue ("Navy" reads กรมท่า in Thai); any other value is shown
as typed. Add a name here and to the catalogues (make messages) to have it translated.
"""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

COLOUR_NAMES = {
    name.casefold(): label
    for name, label in (
        ("Beige", pgettext_lazy("colour", "Beige")),
        ("Black", pgettext_lazy("colour", "Black")),
        ("Blue", pgettext_lazy("colour", "Blue")),
        ("Blush", pgettext_lazy("colour", "Blush")),
        ("Brown", pgettext_lazy("colour", "Brown")),
        ("Burgundy", pgettext_lazy("colour", "Burgundy")),
        ("Camel", pgettext_lazy("colour", "Camel")),
        ("Charcoal", pgettext_lazy("colour", "Charcoal")),
        ("Cream", pgettext_lazy("colour", "Cream")),
        ("Forest", pgettext_lazy("colour", "Forest")),
        ("Gold", pgettext_lazy("colour", "Gold")),
        ("Green", pgettext_lazy("colour", "Green")),
        ("Grey", pgettext_lazy("colour", "Grey")),
        ("Heather Grey", pgettext_lazy("colour", "Heather Grey")),
        ("Indigo", pgettext_lazy("colour", "Indigo")),
        ("Ivory", pgettext_lazy("colour", "Ivory")),
        ("Khaki", pgettext_lazy("colour", "Khaki")),
        ("Mustard", pgettext_lazy("colour", "Mustard")),
        ("Navy", pgettext_lazy("colour", "Navy")),
        ("Oatmeal", pgettext_lazy("colour", "Oatmeal")),
        ("Olive", pgettext_lazy("colour", "Olive")),
        ("Orange", pgettext_lazy("colour", "Orange")),
        ("Pink", pgettext_lazy("colour", "Pink")),
        ("Purple", pgettext_lazy("colour", "Purple")),
        ("Red", pgettext_lazy("colour", "Red")),
        ("Rust", pgettext_lazy("colour", "Rust")),
        ("Sage", pgettext_lazy("colour", "Sage")),
        ("Sand", pgettext_lazy("colour", "Sand")),
        ("Silver", pgettext_lazy("colour", "Silver")),
        ("Sky Blue", pgettext_lazy("colour", "Sky Blue")),
        ("Tan", pgettext_lazy("colour", "Tan")),
        ("White", pgettext_lazy("colour", "White")),
        ("Yellow", pgettext_lazy("colour", "Yellow")),
    )
}

SIZE_NAMES = {
    name.casefold(): label
    for name, label in (
        ("One size", pgettext_lazy("size", "One size")),
        ("Free size", pgettext_lazy("size", "Free size")),
    )
}


def colour_name(value: str) -> str:
    """The colour in the active language when it is a common name, else as typed."""
    return str(COLOUR_NAMES.get((value or "").strip().casefold(), value or ""))


def size_name(value: str) -> str:
    """The size in the active language when it is a worded one ("One size"), else as
    typed (S, M, 32 and 10.5 read the same in every language)."""
    return str(SIZE_NAMES.get((value or "").strip().casefold(), value or ""))
