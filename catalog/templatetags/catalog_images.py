"""``{% product_image %}``: a product image with its thumbnails as a ``srcset``, so a phone
downloads an 80 px or 320 px WebP instead of the full picture. Built from the image row
alone (name and width): no query and no storage call per image."""

from __future__ import annotations

from django import template
from django.core.files.storage import default_storage
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from catalog.images import thumbnail_name, thumbnail_widths

register = template.Library()

# Where each kind of image is drawn: its box in CSS pixels and the ``sizes`` hint that
# lets the browser pick a thumbnail before layout.
PRESETS = {
    "gallery": (600, 750, "(min-width: 64em) 36rem, 100vw"),
    "card": (300, 375, "(min-width: 64em) 16rem, (min-width: 40em) 30vw, 46vw"),
    "thumb": (80, 100, "80px"),
    "mini": (56, 70, "56px"),
}


def _name_and_width(image, width):
    """A ProductImage, its ``image`` field file, or a stored name with its width."""
    if image is None or image == "":
        return None, None
    if hasattr(image, "image") and hasattr(image, "width"):  # a ProductImage row
        return image.image.name, image.width
    if hasattr(image, "name") and hasattr(image, "instance"):  # its field file
        return image.name, getattr(image.instance, "width", None)
    return str(image), width


@register.simple_tag
def product_image(image, width=None, *, alt="", size="card", lazy=True, css_class=""):
    """``{% product_image img size="gallery" lazy=False %}`` or, from a card's annotated
    columns, ``{% product_image p.image p.image_width alt="" %}``. Empty for no image."""
    name, image_width = _name_and_width(image, width)
    if not name:
        return ""
    box_width, box_height, sizes = PRESETS[size]
    url = default_storage.url
    widths = thumbnail_widths(image_width)
    candidates = [(url(thumbnail_name(name, w)), w) for w in widths]
    if image_width:
        candidates.append((url(name), image_width))
    # The fallback src: the first candidate at least as wide as the box, else the original.
    src = next((u for u, w in candidates if w >= box_width), url(name))
    srcset = ", ".join(f"{u} {w}w" for u, w in candidates)
    return format_html(
        '<img src="{}"{} alt="{}" width="{}" height="{}"{}{} decoding="async">',
        src,
        format_html(' srcset="{}" sizes="{}"', srcset, sizes) if len(candidates) > 1 else "",
        alt,
        box_width,
        box_height,
        format_html(' class="{}"', css_class) if css_class else "",
        mark_safe(' loading="lazy"' if lazy else ' fetchpriority="high"'),
    )
