"""python manage.py recompute_availability — the full nearest-store recompute."""

from django.core.management.base import BaseCommand
from django.utils.formats import number_format
from django.utils.translation import ngettext
from tqdm import tqdm

from catalog.models import Variant
from inventory.services import availability_recompute_all


class Command(BaseCommand):
    help = "Recompute nearest-store availability for every variant (set-based, in batches)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="Variants per transaction (1000)."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=2,
            help="Batches at once, each on its own connection (PostgreSQL; default 2).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, batch_size: int, workers: int, no_progress: bool, **options):
        with tqdm(
            total=Variant.objects.count(),
            unit="variant",
            desc="Nearest availability",
            disable=no_progress or options["verbosity"] == 0,
            # Cleared when done (the summary line stays): one bar at a time in the demo.
            leave=False,
            file=self.stderr._out,
        ) as bar:
            result = availability_recompute_all(
                batch_size=batch_size, workers=workers, progress=bar.update
            )
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Recomputed %(variants)s variant: %(rows)s rows written in %(seconds)s s.",
                    "Recomputed %(variants)s variants: %(rows)s rows written in %(seconds)s s.",
                    result.variants,
                )
                % {
                    "variants": result.variants,
                    "rows": result.rows,
                    "seconds": number_format(result.seconds, 1),
                }
            )
        )
