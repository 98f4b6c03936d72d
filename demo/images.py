"""Flat product shots, one per product and colour: a tinted background, the garment's
silhouette in the colour, and the product name. Drawn as SVG (the shapes below), then
rendered to PNG with Pillow — product images are photos (JPEG, PNG, WebP), and the pages
show their WebP thumbnails, made here as an upload's would be. No font files, no network;
written to MEDIA_ROOT (or the bucket) through the default storage."""

from __future__ import annotations

import io
import re
from xml.sax.saxutils import escape

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.text import slugify

from catalog.images import thumbnails_make

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


# --- rendering the SVG above to a PNG (only what product_svg draws) --------------------

CANVAS = (300, 375)
OUTPUT_SCALE = 2  # 600 × 750 px, the gallery's size
_SUPERSAMPLE = 2  # drawn twice as large again, then scaled down: smooth edges
_ELEMENT = re.compile(r"<(rect|path|circle|text)\b([^>]*?)/?>(?:([^<]*)</text>)?")
_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
_PATH_TOKEN = re.compile(r"[MLHVQCZmlhvqcz]|-?(?:\d+\.?\d*|\.\d+)")


def _curve(points, steps=12):
    """Points along a quadratic (3 points) or cubic (4 points) Bézier curve."""
    out = []
    for i in range(1, steps + 1):
        t = i / steps
        if len(points) == 3:
            (x0, y0), (x1, y1), (x2, y2) = points
            out.append(
                (
                    (1 - t) ** 2 * x0 + 2 * (1 - t) * t * x1 + t**2 * x2,
                    (1 - t) ** 2 * y0 + 2 * (1 - t) * t * y1 + t**2 * y2,
                )
            )
        else:
            (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points
            a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
            out.append((a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3))
    return out


def _subpaths(d: str) -> list[tuple[list[tuple[float, float]], bool]]:
    """An SVG path's subpaths as polylines, each with whether it is closed (M L H V Q C Z,
    absolute or relative)."""
    tokens = _PATH_TOKEN.findall(d)
    shapes: list[tuple[list[tuple[float, float]], bool]] = []
    points: list[tuple[float, float]] = []
    x = y = 0.0
    command = "M"
    i = 0

    def numbers(n):
        nonlocal i
        values = [float(v) for v in tokens[i : i + n]]
        i += n
        return values

    while i < len(tokens):
        if tokens[i].isalpha():
            command = tokens[i]
            i += 1
        relative, op = command.islower(), command.upper()
        ox, oy = (x, y) if relative else (0.0, 0.0)
        if op == "Z":
            if points:
                shapes.append((points, True))
                x, y = points[0]
            points = []
            continue
        if op == "M":
            if points:
                shapes.append((points, False))
            px, py = numbers(2)
            x, y = ox + px, oy + py
            points = [(x, y)]
            command = "l" if relative else "L"
        elif op == "L":
            px, py = numbers(2)
            x, y = ox + px, oy + py
            points.append((x, y))
        elif op == "H":
            (px,) = numbers(1)
            x = ox + px
            points.append((x, y))
        elif op == "V":
            (py,) = numbers(1)
            y = oy + py
            points.append((x, y))
        elif op in "QC":
            values = numbers(4 if op == "Q" else 6)
            controls = [(ox + values[k], oy + values[k + 1]) for k in range(0, len(values), 2)]
            points.extend(_curve([(x, y), *controls]))
            x, y = controls[-1]
        else:  # an unknown command: stop rather than draw nonsense
            break
    if points:
        shapes.append((points, False))
    return shapes


def product_png(svg: str) -> bytes:
    """Render the SVG of ``product_svg`` to a PNG of 600 × 750 px."""
    from PIL import Image, ImageDraw, ImageFont

    k = OUTPUT_SCALE * _SUPERSAMPLE
    canvas = Image.new("RGB", (CANVAS[0] * k, CANVAS[1] * k), "#ffffff")
    draw = ImageDraw.Draw(canvas)
    for tag, raw, text in _ELEMENT.findall(svg):
        if tag == "svg":
            continue
        a = dict(_ATTRIBUTE.findall(raw))
        fill = a.get("fill") if a.get("fill") not in (None, "none") else None
        stroke = a.get("stroke") if a.get("stroke") not in (None, "none") else None
        width = max(1, round(float(a.get("stroke-width", "1")) * k)) if stroke else 0
        if tag == "rect":
            box = [
                float(a.get("x", 0)) * k,
                float(a.get("y", 0)) * k,
                (float(a.get("x", 0)) + float(a["width"])) * k,
                (float(a.get("y", 0)) + float(a["height"])) * k,
            ]
            draw.rounded_rectangle(
                box, radius=float(a.get("rx", 0)) * k, fill=fill, outline=stroke, width=width
            )
        elif tag == "circle":
            cx, cy, r = (float(a[n]) * k for n in ("cx", "cy", "r"))
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill, outline=stroke, width=width)
        elif tag == "path":
            for points, closed in _subpaths(a.get("d", "")):
                scaled = [(px * k, py * k) for px, py in points]
                if fill and closed and len(scaled) > 2:
                    draw.polygon(scaled, fill=fill)
                if stroke and len(scaled) > 1:
                    draw.line([*scaled, scaled[0]] if closed else scaled, fill=stroke, width=width)
        elif tag == "text" and text:
            font = ImageFont.load_default(size=float(a.get("font-size", 13)) * k)
            anchor = "ms" if a.get("text-anchor") == "middle" else "ls"
            position = (float(a.get("x", 0)) * k, float(a.get("y", 0)) * k)
            label = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
            draw.text(position, label, fill=fill or "#000000", font=font, anchor=anchor)
    buffer = io.BytesIO()
    # A box filter is all flat colours need, and several times faster than Lanczos.
    canvas.reduce(_SUPERSAMPLE).save(buffer, "PNG", compress_level=3)
    return buffer.getvalue()


def product_images_write(
    *, slug: str, name: str, shape: str, colours: list[tuple[str, str]]
) -> list[tuple[str, str, int, int]]:
    """Write one PNG per (colour, hex) with its thumbnails; returns (colour, storage path,
    width, height). Same content, same path on every run: an existing file is replaced,
    never saved beside with a suffix."""
    written = []
    width, height = CANVAS[0] * OUTPUT_SCALE, CANVAS[1] * OUTPUT_SCALE
    for colour, colour_hex in colours:
        path = f"{IMAGE_DIR}/{slug}-{slugify(colour)}.png"
        png = product_png(product_svg(name=name, shape=shape, colour_hex=colour_hex))
        if default_storage.exists(path):
            default_storage.delete(path)
        stored = default_storage.save(path, ContentFile(png))
        thumbnails_make(stored)
        written.append((colour, stored, width, height))
    return written


def product_images_delete() -> None:
    for folder in (f"{IMAGE_DIR}/thumbs", IMAGE_DIR):
        if not default_storage.exists(folder):
            continue
        for filename in default_storage.listdir(folder)[1]:
            default_storage.delete(f"{folder}/{filename}")
