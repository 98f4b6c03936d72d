"""Flat SVG product shots, one per product and colour: a tinted background, the garment's
silhouette in the colour, and the product name in the browser's own sans-serif (no font
files, no network). Written to MEDIA_ROOT through the default storage."""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.text import slugify

IMAGE_DIR = "products/demo"

# Silhouettes on a 300 × 375 canvas (4:5, the storefront's card ratio).
SILHOUETTES = {
    "tee": "M90 70 L130 55 Q150 75 170 55 L210 70 L255 120 L225 145 L205 125 L205 305 "
    "L95 305 L95 125 L75 145 L45 120 Z",
    "shirt": "M95 65 L128 52 L150 80 L172 52 L205 65 L248 250 L222 258 L205 140 L205 310 "
    "L95 310 L95 140 L78 258 L52 250 Z",
    "knit": "M95 65 L130 52 Q150 68 170 52 L205 65 L250 265 L225 273 L205 145 L205 305 "
    "L95 305 L95 145 L75 273 L50 265 Z",
    "dress": "M122 50 L136 44 Q150 62 164 44 L178 50 L186 122 L170 142 L238 322 L62 322 "
    "L130 142 L114 122 Z",
    "trousers": "M95 50 L205 50 L216 322 L166 322 L150 132 L134 322 L84 322 Z",
    "coat": "M95 55 L130 45 L150 112 L170 45 L205 55 L250 282 L225 288 L210 152 L213 332 "
    "L87 332 L90 152 L75 288 L50 282 Z",
    "sneaker": "M45 240 L58 186 Q110 192 142 155 L178 165 Q205 205 252 210 Q266 222 260 240 Z",
    "boot": "M108 80 L172 80 L174 200 Q232 206 250 232 L252 258 L104 258 L104 200 Z",
    "bag": "M68 150 L232 150 L248 312 L52 312 Z",
    "hat": "M78 236 Q78 112 150 106 Q222 112 222 236 Z",
    "scarf": "M112 55 L172 55 L172 250 L188 322 L152 322 L142 262 L130 322 L94 322 L112 250 Z",
    "gloves": "M100 320 L100 170 Q100 140 120 140 L120 100 Q120 85 133 85 Q146 85 146 100 "
    "L146 130 L160 92 Q166 80 178 84 Q190 90 186 104 L172 170 Q205 150 212 170 Q216 184 200 "
    "200 L190 320 Z",
}
# Shapes chosen by the product's name where its category's one would be wrong.
SILHOUETTES["cap"] = "M70 228 Q70 140 150 134 Q226 140 228 214 L272 232 Q276 246 258 248 L74 246 Z"
SILHOUETTES["duffel"] = "M38 178 Q38 150 66 150 L234 150 Q262 150 262 178 L262 296 L38 296 Z"
NAME_SHAPES = (("cap", "cap"), ("duffel", "duffel"), ("weekender", "duffel"))

DETAILS = {
    "shirt": '<path d="M150 80 L150 305" stroke="{ink}" stroke-width="2" fill="none"/>',
    "coat": '<path d="M150 112 L150 330" stroke="{ink}" stroke-width="2" fill="none"/>',
    "knit": '<path d="M95 292 L205 292" stroke="{ink}" stroke-width="3" fill="none"/>',
    "bag": '<path d="M110 150 Q110 88 150 88 Q190 88 190 150" stroke="{fill}" '
    'stroke-width="10" fill="none"/>',
    "hat": '<rect x="74" y="222" width="152" height="30" rx="6" fill="{fill}" '
    'stroke="{ink}" stroke-width="2"/><circle cx="150" cy="98" r="16" fill="{fill}"/>',
    "cap": '<path d="M150 134 L150 228" stroke="{ink}" stroke-width="2" fill="none"/>'
    '<circle cx="150" cy="132" r="6" fill="{ink}"/>',
    "duffel": '<path d="M100 150 Q100 112 150 112 Q200 112 200 150" stroke="{ink}" '
    'stroke-width="8" fill="none"/><path d="M38 200 L262 200" stroke="{ink}" stroke-width="2"/>',
    "sneaker": '<rect x="42" y="238" width="222" height="14" rx="5" fill="{ink}"/>',
    "boot": '<rect x="100" y="256" width="156" height="12" rx="4" fill="{ink}"/>',
}


def _mix(hex_value: str, towards: int, share: float) -> str:
    rgb = [int(hex_value[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (towards - c) * share):02x}" for c in rgb)


def _luminance(hex_value: str) -> float:
    r, g, b = (int(hex_value[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def illustration_shape(*, name: str, shape: str) -> str:
    """The silhouette that matches the product's name: a cap is drawn with a brim, not as
    its category's beanie; a duffel is wide. Else the category's ``shape``."""
    words = name.lower().replace("-", " ").split()
    return next((drawn for word, drawn in NAME_SHAPES if word in words), shape)


def product_svg(*, name: str, shape: str, colour_hex: str) -> str:
    shape = illustration_shape(name=name, shape=shape)
    light = _luminance(colour_hex) > 0.75
    background = "#e6e2da" if light else _mix(colour_hex, 255, 0.85)
    ink = "#3b3b3b" if light else _mix(colour_hex, 0, 0.45)
    detail = DETAILS.get(shape, "").format(ink=ink, fill=colour_hex)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 375" width="600" '
        f'height="750" role="img" aria-label="{escape(name)}">'
        f'<rect width="300" height="375" fill="{background}"/>'
        f'<path d="{SILHOUETTES[shape]}" fill="{colour_hex}" stroke="{ink}" '
        'stroke-width="2" stroke-linejoin="round"/>'
        f"{detail}"
        '<text x="150" y="360" text-anchor="middle" font-family="sans-serif" font-size="13" '
        f'fill="{ink}">{escape(name)}</text>'
        "</svg>\n"
    )


def product_images_write(
    *, slug: str, name: str, shape: str, colours: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Write one SVG per (colour, hex); returns (colour, storage path) pairs. Same content,
    same path on every run: an existing file is replaced, never saved beside with a suffix."""
    written = []
    for colour, colour_hex in colours:
        path = f"{IMAGE_DIR}/{slug}-{slugify(colour)}.svg"
        svg = product_svg(name=name, shape=shape, colour_hex=colour_hex)
        if default_storage.exists(path):
            default_storage.delete(path)
        written.append((colour, default_storage.save(path, ContentFile(svg.encode()))))
    return written


def product_images_delete() -> None:
    if not default_storage.exists(IMAGE_DIR):
        return
    for filename in default_storage.listdir(IMAGE_DIR)[1]:
        default_storage.delete(f"{IMAGE_DIR}/{filename}")
