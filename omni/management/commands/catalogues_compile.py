"""Compile the translation catalogues: every ``locale/<lang>/LC_MESSAGES/*.po`` into its
``.mo``, with babel (pure Python: Django's own ``compilemessages`` needs GNU gettext's
``msgfmt``, which a fresh machine may not have). ``make demo`` and ``make test`` run it;
``--check`` only says whether every ``.mo`` matches its ``.po`` (exit status 1 if not).
Fuzzy entries are left out, as ``msgfmt`` does. See docs/i18n.md."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def catalogue_sources() -> list[Path]:
    """Every .po file under LOCALE_PATHS, in a stable order."""
    roots = [Path(root) for root in settings.LOCALE_PATHS]
    return sorted(p for root in roots for p in root.glob("*/LC_MESSAGES/*.po"))


def compiled(po_path: Path) -> bytes:
    """The .mo bytes babel makes from ``po_path``."""
    with po_path.open("rb") as source:
        catalogue = read_po(source, locale=po_path.parent.parent.name, abort_invalid=True)
    out = io.BytesIO()
    write_mo(out, catalogue, use_fuzzy=False)
    return out.getvalue()


def stale_catalogues() -> list[Path]:
    """The .po files whose .mo is missing or differs from what they compile to."""
    stale = []
    for po_path in catalogue_sources():
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.read_bytes() != compiled(po_path):
            stale.append(po_path)
    return stale


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po into .mo files (pure Python, with babel)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check that every .mo matches its .po; exit 1 if one does not.",
        )

    def handle(self, *args, check: bool = False, **options) -> None:
        stale = stale_catalogues()
        if check:
            if stale:
                names = ", ".join(str(p.relative_to(settings.BASE_DIR)) for p in stale)
                raise CommandError(f"Catalogues not compiled (run catalogues_compile): {names}")
            self.stdout.write("Every catalogue is compiled.")
            return
        for po_path in stale:
            po_path.with_suffix(".mo").write_bytes(compiled(po_path))
            self.stdout.write(f"Compiled {po_path.relative_to(settings.BASE_DIR)}")
        total = len(catalogue_sources())
        self.stdout.write(f"{total} catalogues, {len(stale)} compiled now.")
