"""Product images: what an upload must be (a JPEG, PNG or WebP of sensible size), and the
thumbnails the pages show, made once when the image is saved and stored beside it.

A thumbnail's name follows from its image's name and width
(``products/shirt.png`` → ``products/thumbs/shirt-320w.webp``), and only widths below the
image's own are made, so a page builds a ``srcset`` from the image row alone: no query
and no storage call per image, on the local disk or on S3 alike.
"""

from __future__ import annotations

import io
import posixpath
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.utils.translation import gettext_lazy as _

# Widths the pages draw images at, doubled for sharp screens: cart and order rows (80 px),
# listing cards (up to ~300 px), the product gallery (up to ~600 px).
THUMBNAIL_WIDTHS = (80, 160, 320, 640, 960)
ALLOWED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MIN_SIDE, MAX_SIDE = 200, 6000
THUMBNAIL_QUALITY = 82


def thumbnail_name(name: str, width: int) -> str:
    folder, filename = posixpath.split(name)
    stem = posixpath.splitext(filename)[0]
    return posixpath.join(folder, "thumbs", f"{stem}-{width}w.webp")


def thumbnail_widths(image_width: int | None) -> list[int]:
    """The thumbnail widths an image of ``image_width`` pixels has (none when unknown)."""
    if not image_width:
        return []
    return [width for width in THUMBNAIL_WIDTHS if width < image_width]


def image_validate(upload) -> tuple[int, int]:
    """Refuse what is not a product photo: not an image Pillow can read, a format other
    than JPEG, PNG or WebP (an SVG can carry scripts), over 8 MB, or smaller than 200 px
    or larger than 6000 px on a side. Returns its (width, height)."""
    from PIL import Image, UnidentifiedImageError

    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The image is %(mb).1f MB; the most is %(max)s MB."),
            code="image_too_large",
            params={"mb": size / (1024 * 1024), "max": MAX_UPLOAD_BYTES // (1024 * 1024)},
        )
    position = upload.tell() if hasattr(upload, "tell") else None
    try:
        with Image.open(upload) as image:
            image_format, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValidationError(
            _("This file is not an image that can be read (use JPEG, PNG or WebP)."),
            code="image_unreadable",
        ) from error
    finally:
        if position is not None:
            upload.seek(position)
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            _("%(format)s images are not accepted: use JPEG, PNG or WebP."),
            code="image_format",
            params={"format": image_format or _("This kind of")},
        )
    if min(width, height) < MIN_SIDE or max(width, height) > MAX_SIDE:
        raise ValidationError(
            _("The image is %(w)s × %(h)s px; each side must be %(min)s–%(max)s px."),
            code="image_dimensions",
            params={"w": width, "h": height, "min": MIN_SIDE, "max": MAX_SIDE},
        )
    return width, height


def thumbnails_make(
    name: str, *, storage: Storage | None = None, widths: Iterable[int] | None = None
) -> list[str]:
    """Make (or remake) the WebP thumbnails of the stored image ``name`` for every
    thumbnail width below its own; returns their names. An existing thumbnail of the same
    name is replaced, so a re-upload never leaves a stale one."""
    from PIL import Image, ImageOps

    storage = storage or default_storage
    with storage.open(name, "rb") as handle, Image.open(handle) as original:
        image = ImageOps.exif_transpose(original)
        image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
        made = []
        for width in widths if widths is not None else thumbnail_widths(image.width):
            if width >= image.width:
                continue
            height = round(image.height * width / image.width)
            small = image.resize((width, height), Image.Resampling.LANCZOS)
            buffer = io.BytesIO()
            small.save(buffer, "WEBP", quality=THUMBNAIL_QUALITY, method=4)
            target = thumbnail_name(name, width)
            if storage.exists(target):
                storage.delete(target)
            made.append(storage.save(target, ContentFile(buffer.getvalue())))
    return made


def thumbnails_delete(name: str, *, storage: Storage | None = None) -> None:
    storage = storage or default_storage
    for width in THUMBNAIL_WIDTHS:
        target = thumbnail_name(name, width)
        if storage.exists(target):
            storage.delete(target)
