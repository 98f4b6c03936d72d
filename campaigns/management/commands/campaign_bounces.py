"""Record bounces reported by the mail server: one address per argument or per line of
stdin (``-``), counted on the latest newsletter sent to it."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from campaigns.services import campaign_bounce_record


class Command(BaseCommand):
    help = "Record newsletter bounces for these email addresses ('-' reads them from stdin)."

    def add_arguments(self, parser):
        parser.add_argument("emails", nargs="+", help="bounced addresses, or - for stdin")
        parser.add_argument("--campaign", type=int, default=None, help="only this campaign's sends")

    def handle(self, *args, emails: list[str], campaign: int | None, **options):
        addresses = []
        for item in emails:
            if item == "-":
                addresses += [line.strip() for line in sys.stdin if line.strip()]
            else:
                addresses.append(item)
        marked = sum(campaign_bounce_record(email=a, campaign_id=campaign) for a in addresses)
        self.stdout.write(f"{marked} of {len(addresses)} bounce(s) recorded")
