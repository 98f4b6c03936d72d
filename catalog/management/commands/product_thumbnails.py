"""python manage.py product_thumbnails — make the thumbnails of images that have none
(saved before thumbnails existed), or of every image with --all."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from catalog.models import ProductImage
from catalog.services import product_image_thumbnails_refresh


class Command(BaseCommand):
    help = "Make missing product image thumbnails (read each image once, in id order)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Remake every image's too.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, all: bool, no_progress: bool, **options):
        images = ProductImage.objects.order_by("pk")
        if not all:
            images = images.filter(width__isnull=True)
        made = skipped = 0
        with tqdm(
            total=images.count(),
            unit="image",
            desc="Thumbnails",
            disable=no_progress or options["verbosity"] == 0,
            file=self.stderr._out,
        ) as bar:
            for image in images.iterator(chunk_size=200):
                if product_image_thumbnails_refresh(image=image):
                    made += 1
                else:
                    skipped += 1
                bar.update(1)
        self.stdout.write(
            self.style.SUCCESS(f"Thumbnails made for {made} images; {skipped} skipped.")
        )
