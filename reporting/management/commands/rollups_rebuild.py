"""python manage.py rollups_rebuild --from 2026-01-01 --to 2026-03-31 — recompute the
numbers' daily rollups of a range of local days from the source rows (the same function
the workers run after each event, so the rows are the same)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from reporting.services import rollups_rebuild
from stores.models import Location


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(_("Not a date (YYYY-MM-DD): %(value)s") % {"value": value}) from exc


class Command(BaseCommand):
    help = "Rebuild the daily rollups of the numbers for a range of days (inclusive)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="start", help="First day, YYYY-MM-DD (default: 90 days ago)."
        )
        parser.add_argument("--to", dest="end", help="Last day, YYYY-MM-DD (default: today).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, start=None, end=None, no_progress=False, **options):
        today = timezone.localdate()
        end_day = _day(end) if end else today
        start_day = _day(start) if start else end_day - dt.timedelta(days=89)
        if end_day < start_day:
            raise CommandError(_("--to is before --from."))
        locations = [None, *Location.objects.order_by("pk").values_list("pk", flat=True)]
        days = (end_day - start_day).days + 1
        with tqdm(
            total=days * len(locations),
            unit="day",
            desc="Rollups",
            disable=no_progress or options["verbosity"] == 0,
            leave=False,
            file=self.stderr._out,
        ) as bar:
            done = rollups_rebuild(
                start=start_day, end=end_day, location_ids=locations, progress=bar.update
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("Rebuilt %(partitions)s store-days of numbers, %(start)s to %(end)s.")
                % {"partitions": done, "start": start_day.isoformat(), "end": end_day.isoformat()}
            )
        )
