"""Read the texts Omni sent (and received) in development.

Every message is kept in the database (``messaging.Message``), whatever the backend, so
this lists the last ones: when, which way, to or from whom, the status and the body.
With the file backend (``SMS_URL=file://var/sms``) ``--file`` prints what the backend
wrote instead. ``--sign URL key=value …`` prints the X-Twilio-Signature the development
backends accept for a callback, to try the webhooks with curl.

    python manage.py sms_show --last 5
    python manage.py sms_show --file
    python manage.py sms_show --sign http://127.0.0.1:8000/webhooks/sms/inbound/ \\
        MessageSid=SM1 From=+12015550123 Body=STOP
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from messaging.models import Message


class Command(BaseCommand):
    help = "Show the last text messages sent and received (development)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--last", type=int, default=5, help="How many (default 5)")
        parser.add_argument(
            "--file", action="store_true", help="Read the file backend's sms.jsonl instead"
        )
        parser.add_argument(
            "--sign", nargs="+", metavar="ARG", help="URL then key=value pairs to sign"
        )

    def handle(self, *args, **options) -> None:
        last = max(1, options["last"])
        if options["sign"]:
            self._sign(options["sign"])
            return
        if options["file"]:
            self._file(last)
            return
        messages = list(
            Message.objects.filter(channel="sms").select_related("customer").order_by("-id")[:last]
        )
        if not messages:
            self.stdout.write("No text messages yet.")
            return
        for message in reversed(messages):
            arrow = "→" if message.is_outbound else "←"
            who = message.to if message.is_outbound else message.sender
            self.stdout.write(
                self.style.MIGRATE_HEADING(
                    f"--- {message.created_at:%Y-%m-%d %H:%M} {arrow} {who} [{message.status}]"
                    f" {message.purpose}{' ' + message.kind if message.kind else ''}"
                )
            )
            if message.customer:
                self.stdout.write(f"Customer: {message.customer} (#{message.customer_id})")
            if message.provider_id:
                self.stdout.write(f"Provider: {message.provider} {message.provider_id}")
            if message.send_after and message.status == Message.Status.QUEUED:
                self.stdout.write(f"Waits for quiet hours to end: {message.send_after:%H:%M}")
            self.stdout.write(message.body)
            self.stdout.write("")

    def _file(self, last: int) -> None:
        url = urllib.parse.urlsplit(settings.SMS_URL)
        if url.scheme != "file":
            raise CommandError("SMS_URL is not a file backend (file://var/sms).")
        path = Path((url.netloc + url.path) or "var/sms")
        path = (path if path.is_absolute() else Path(settings.BASE_DIR) / path) / "sms.jsonl"
        if not path.exists():
            self.stdout.write(f"No texts in {path} yet.")
            return
        for line in path.read_text(encoding="utf-8").splitlines()[-last:]:
            text = json.loads(line)
            self.stdout.write(self.style.MIGRATE_HEADING(f"--- {text['at']} → {text['to']}"))
            self.stdout.write(text["body"])
            self.stdout.write("")

    def _sign(self, parts: list[str]) -> None:
        from messaging.providers import sms_provider

        url, *pairs = parts
        params = dict(pair.split("=", 1) for pair in pairs)
        provider = sms_provider()
        token = getattr(provider, "auth_token", settings.SECRET_KEY)
        from messaging.providers import _twilio_signature

        self.stdout.write(_twilio_signature(token, url, params))
