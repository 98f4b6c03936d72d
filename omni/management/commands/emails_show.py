"""Read the emails Omni sent in development.

With the file backend (``EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend``,
written to ``EMAIL_FILE_PATH``, default ``var/mail/``) this prints the last messages: who,
subject, date, the plain-text body, and with ``--html DIR`` writes each HTML alternative
to a file you can open in a browser. With any other backend (console, SMTP) it lists the
email log instead (what was sent, to whom, when), since the bodies were not kept.

    python manage.py emails_show --last 5
    python manage.py emails_show --last 1 --html /tmp/omni-mail
    python manage.py emails_show --log --last 20
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from omni.models import EmailLog

SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def messages_in(directory: Path) -> list[EmailMessage]:
    """Every message the file backend wrote to ``directory``, oldest first."""
    found: list[tuple[float, int, EmailMessage]] = []
    for path in directory.glob("*.log"):
        stamp = path.stat().st_mtime
        for n, chunk in enumerate(path.read_bytes().split(SEPARATOR)):
            if chunk.strip():
                parsed = email.message_from_bytes(chunk.strip(), policy=email.policy.default)
                found.append((stamp, n, parsed))
    found.sort(key=lambda item: (item[0], item[1]))
    return [message for _stamp, _n, message in found]


def _part(message: EmailMessage, kind: str) -> str:
    body = message.get_body(preferencelist=(kind,))
    return body.get_content() if body is not None else ""


class Command(BaseCommand):
    help = "Show the last emails sent in development (file backend), or the email log."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--last", type=int, default=5, help="How many (default 5)")
        parser.add_argument(
            "--html", metavar="DIR", help="Also write each HTML part to DIR/<n>.html"
        )
        parser.add_argument(
            "--log", action="store_true", help="List the email log instead of the files"
        )

    def handle(self, *args, **options) -> None:
        last = max(1, options["last"])
        directory = Path(getattr(settings, "EMAIL_FILE_PATH", "") or "var/mail")
        uses_files = settings.EMAIL_BACKEND.endswith("filebased.EmailBackend")
        if options["log"] or not (uses_files or directory.is_dir()):
            self._log(last)
            return
        messages = messages_in(directory) if directory.is_dir() else []
        if not messages:
            self.stdout.write(f"No emails in {directory}/ yet.")
            return
        html_dir = Path(options["html"]) if options["html"] else None
        if html_dir:
            html_dir.mkdir(parents=True, exist_ok=True)
        for n, message in enumerate(messages[-last:], start=1):
            self.stdout.write(
                self.style.MIGRATE_HEADING(f"--- {n}. {str(message['Subject']).strip()}")
            )
            for header in ("Date", "From", "To", "List-Unsubscribe"):
                if message[header]:
                    self.stdout.write(f"{header}: {str(message[header]).strip()}")
            self.stdout.write("")
            self.stdout.write(_part(message, "plain").rstrip())
            html = _part(message, "html")
            if html_dir and html:
                target = html_dir / f"{n}.html"
                target.write_text(html, encoding="utf-8")
                self.stdout.write(f"(HTML: {target})")
            self.stdout.write("")

    def _log(self, last: int) -> None:
        rows = list(EmailLog.objects.order_by("-created_at", "-pk")[:last])
        if not rows:
            self.stdout.write("No emails sent yet.")
            return
        for row in reversed(rows):
            stage = f" stage {row.stage}" if row.stage else ""
            self.stdout.write(
                f"{row.created_at:%Y-%m-%d %H:%M} {row.kind}{stage} → {row.to}: {row.subject}"
            )
