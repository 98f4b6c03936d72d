"""The catalog: a category tree with size groups, products (curated for the small scale,
generated for the large one), variants in size order with EAN-13 barcodes, one current
price per variant, related products, and (small scale) an SVG image per colour."""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from catalog.models import Category, Price, Product, ProductImage, Variant
from demo.config import SCALES, DemoScale
from demo.images import product_images_write
from demo.markets import DemoMarket, demo_market
from demo.randomness import ean13, rng_for, weighted
from demo.world import DemoWorld, ProductRow, VariantRow
from omni.money import currency, to_money
from omni.search_text import search_normalised

# demo/translations/<lang>.json: {"English text": "its translation"} for the catalogue's
# names and descriptions (the texts are listed by ``demo_texts``); a language without a
# file, or a text missing from one, shows the English text.
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"

# name: (SKU code, swatch hex)
COLOURS = {
    "Navy": ("NAV", "#1f2a44"), "Black": ("BLK", "#16161a"), "Ivory": ("IVR", "#f4efe6"),
    "Oatmeal": ("OAT", "#d8ccb4"), "Heather Grey": ("GRY", "#9a9b9f"),
    "Charcoal": ("CHR", "#3a3b3f"), "Olive": ("OLV", "#5b6236"), "Rust": ("RST", "#a4462b"),
    "Camel": ("CML", "#c19a6b"), "Forest": ("FOR", "#2f4f3a"), "Burgundy": ("BUR", "#6d1f2f"),
    "Sky Blue": ("SKY", "#8fb8de"), "Indigo": ("IND", "#2e3a6e"), "White": ("WHT", "#fafafa"),
    "Tan": ("TAN", "#b98b5e"), "Brown": ("BRN", "#5a3b26"), "Red": ("RED", "#b22222"),
    "Blush": ("BLS", "#e8b4b8"), "Sage": ("SAG", "#9caf88"), "Mustard": ("MUS", "#d4a017"),
}  # fmt: skip

SIZE_RUNS = {
    "alpha_w": ("XS", "S", "M", "L", "XL"),
    "alpha_m": ("S", "M", "L", "XL", "XXL"),
    "waist_w": ("24", "26", "28", "30", "32"),
    "waist_m": ("28", "30", "32", "34", "36", "38"),
    "shoe": ("6", "7", "8", "9", "10", "11", "12"),
    "glove": ("S", "M", "L"),
    "one": ("One size",),
}
ONE_SIZE = "One size"


@dataclass(frozen=True)
class CategorySpec:
    slug: str
    name: str
    parent: str | None
    size_group: str
    department: str = "all"
    size_run: str = "one"
    # (noun, silhouette) pairs and a price range in dollars, for generated products.
    nouns: tuple[tuple[str, str], ...] = ()
    price_range: tuple[int, int] = (30, 100)
    complements: tuple[str, ...] = ()  # leaves whose products "complete the look"
    return_window_days: int | None = None


CATEGORIES = (
    CategorySpec("women", "Women", None, ""),
    CategorySpec(
        "women-tops", "Tops", "women", "tops", "women", "alpha_w",
        (("Tee", "tee"), ("Blouse", "shirt"), ("Henley", "tee"), ("Shirt", "shirt")),
        (25, 80), ("women-trousers", "accessories-bags"),
    ),
    CategorySpec(
        "women-knitwear", "Knitwear", "women", "tops", "women", "alpha_w",
        (("Sweater", "knit"), ("Cardigan", "knit"), ("Turtleneck", "knit")),
        (70, 180), ("women-trousers", "accessories-hats-scarves"),
    ),
    CategorySpec(
        "women-dresses", "Dresses", "women", "dresses", "women", "alpha_w",
        (("Midi Dress", "dress"), ("Shirt Dress", "dress"), ("Wrap Dress", "dress")),
        (70, 160), ("shoes-sneakers", "shoes-boots", "accessories-bags"),
    ),
    CategorySpec(
        "women-trousers", "Trousers & Jeans", "women", "bottoms", "women", "waist_w",
        (("Jeans", "trousers"), ("Trousers", "trousers"), ("Chinos", "trousers")),
        (60, 120), ("women-tops", "women-knitwear"),
    ),
    CategorySpec(
        "women-outerwear", "Outerwear", "women", "tops", "women", "alpha_w",
        (("Coat", "coat"), ("Jacket", "coat"), ("Parka", "coat"), ("Trench", "coat")),
        (120, 320), ("women-knitwear", "accessories-hats-scarves"),
    ),
    CategorySpec("men", "Men", None, ""),
    CategorySpec(
        "men-shirts", "Shirts & Tees", "men", "tops", "men", "alpha_m",
        (("Oxford Shirt", "shirt"), ("Tee", "tee"), ("Polo", "tee"), ("Overshirt", "shirt")),
        (25, 90), ("men-trousers", "shoes-sneakers"),
    ),
    CategorySpec(
        "men-knitwear", "Knitwear", "men", "tops", "men", "alpha_m",
        (("Crewneck", "knit"), ("Cardigan", "knit"), ("Quarter-Zip", "knit")),
        (70, 170), ("men-trousers", "accessories-hats-scarves"),
    ),
    CategorySpec(
        "men-trousers", "Trousers & Jeans", "men", "bottoms", "men", "waist_m",
        (("Jeans", "trousers"), ("Chinos", "trousers"), ("Cords", "trousers")),
        (60, 130), ("men-shirts", "men-knitwear"),
    ),
    CategorySpec(
        "men-outerwear", "Outerwear", "men", "tops", "men", "alpha_m",
        (("Parka", "coat"), ("Field Jacket", "coat"), ("Rain Shell", "coat"), ("Peacoat", "coat")),
        (120, 330), ("men-knitwear", "accessories-hats-scarves"),
    ),
    CategorySpec("shoes", "Shoes", None, "shoes", return_window_days=60),
    CategorySpec(
        "shoes-sneakers", "Sneakers", "shoes", "shoes", "all", "shoe",
        (("Sneaker", "sneaker"), ("Runner", "sneaker"), ("Low-Top", "sneaker")),
        (60, 160), ("women-trousers", "men-trousers"), 60,
    ),
    CategorySpec(
        "shoes-boots", "Boots", "shoes", "shoes", "all", "shoe",
        (("Chelsea Boot", "boot"), ("Chukka", "boot"), ("Duck Boot", "boot")),
        (110, 240), ("women-dresses", "men-trousers"), 60,
    ),
    CategorySpec("accessories", "Accessories", None, "accessories"),
    CategorySpec(
        "accessories-bags", "Bags", "accessories", "accessories", "all", "one",
        (("Tote", "bag"), ("Crossbody", "bag"), ("Backpack", "bag"), ("Duffel", "bag")),
        (40, 220), ("women-dresses", "women-tops"),
    ),
    CategorySpec(
        "accessories-hats-scarves", "Hats, Scarves & Gloves", "accessories", "accessories",
        "all", "one", (("Beanie", "hat"), ("Scarf", "scarf"), ("Cap", "hat")),
        (20, 90), ("women-outerwear", "men-outerwear"),
    ),
)  # fmt: skip
CATEGORY_BY_SLUG = {c.slug: c for c in CATEGORIES}
LEAVES = tuple(c for c in CATEGORIES if c.parent)

# The small scale's range: (leaf, name, price in dollars, colours, silhouette, final sale).
CURATED_PRODUCTS = (
    ("women-tops", "Everyday Crew Tee", 29, "White/Navy/Sage", "tee", False),
    ("women-tops", "Linen Camp Shirt", 59, "Ivory/Sky Blue/Rust", "shirt", False),
    ("women-tops", "Striped Breton Top", 45, "Navy/Red/Ivory", "tee", False),
    ("women-knitwear", "Merino Crewneck Sweater", 89, "Oatmeal/Navy/Burgundy", "knit", False),
    ("women-knitwear", "Cable-Knit Cardigan", 110, "Ivory/Forest", "knit", False),
    ("women-knitwear", "Cashmere Turtleneck", 165, "Camel/Black", "knit", True),
    ("women-dresses", "Wrap Midi Dress", 98, "Burgundy/Navy/Forest", "dress", False),
    ("women-dresses", "Linen Shirt Dress", 89, "Sage/White", "dress", False),
    ("women-dresses", "Knit Sweater Dress", 120, "Heather Grey", "dress", False),
    ("women-trousers", "High-Rise Straight Jeans", 79, "Indigo/Black/Ivory", "trousers", False),
    ("women-trousers", "Wide-Leg Trousers", 88, "Camel/Black", "trousers", False),
    ("women-trousers", "Pull-On Chinos", 69, "Olive/Tan", "trousers", False),
    ("women-outerwear", "Wool Car Coat", 240, "Camel/Charcoal", "coat", False),
    ("women-outerwear", "Quilted Liner Jacket", 128, "Olive/Navy", "coat", False),
    ("women-outerwear", "Waxed Field Jacket", 210, "Brown", "coat", False),
    ("men-shirts", "Oxford Button-Down", 65, "White/Sky Blue/Sage", "shirt", False),
    ("men-shirts", "Flannel Overshirt", 78, "Red/Forest", "shirt", False),
    ("men-shirts", "Pocket Tee", 28, "White/Heather Grey/Navy", "tee", False),
    ("men-knitwear", "Lambswool Crew", 85, "Charcoal/Burgundy/Navy", "knit", False),
    ("men-knitwear", "Shawl-Collar Cardigan", 130, "Oatmeal", "knit", False),
    ("men-knitwear", "Fisherman Rollneck", 140, "Ivory/Navy", "knit", True),
    ("men-trousers", "Slim Selvedge Jeans", 98, "Indigo/Black", "trousers", False),
    ("men-trousers", "Stretch Chinos", 72, "Tan/Navy/Olive", "trousers", False),
    ("men-trousers", "Five-Pocket Cords", 85, "Brown/Rust", "trousers", False),
    ("men-outerwear", "Harbor Rain Shell", 160, "Navy/Mustard", "coat", False),
    ("men-outerwear", "Down Puffer", 220, "Black/Forest", "coat", False),
    ("men-outerwear", "Canvas Chore Coat", 145, "Tan", "coat", False),
    ("shoes-sneakers", "Court Leather Sneaker", 110, "White/Black/Navy", "sneaker", False),
    ("shoes-sneakers", "Canvas Low-Top", 60, "Navy/Ivory", "sneaker", False),
    ("shoes-sneakers", "Trail Runner", 130, "Charcoal", "sneaker", False),
    ("shoes-boots", "Chelsea Boot", 190, "Brown/Black/Tan", "boot", False),
    ("shoes-boots", "Lace-Up Duck Boot", 150, "Tan", "boot", False),
    ("shoes-boots", "Suede Chukka", 140, "Camel", "boot", True),
    ("accessories-bags", "Canvas Tote", 48, "Oatmeal/Navy/Olive", "bag", False),
    ("accessories-bags", "Leather Crossbody", 135, "Tan/Black", "bag", False),
    ("accessories-bags", "Weekender Duffel", 175, "Brown", "bag", False),
    ("accessories-bags", "Rolltop Backpack", 95, "Charcoal/Forest", "bag", False),
    ("accessories-hats-scarves", "Ribbed Beanie", 28, "Rust/Navy/Heather Grey", "hat", False),
    ("accessories-hats-scarves", "Wool Scarf", 45, "Camel/Burgundy", "scarf", True),
    ("accessories-hats-scarves", "Cotton Baseball Cap", 30, "Navy/Sage", "hat", False),
    ("accessories-hats-scarves", "Cashmere Gloves", 65, "Charcoal/Camel", "gloves", False),
)  # fmt: skip

# Products whose sizes are not their category's.
CURATED_SIZE_RUNS = {"Cashmere Gloves": "glove"}

ADJECTIVES = (
    "Everyday", "Relaxed", "Slim", "Classic", "Heritage", "Coastal", "Harbor", "Summit",
    "Weekend", "Studio", "Trail", "City", "Cabin", "Essential", "Soft", "Cropped",
)  # fmt: skip
MATERIALS = {
    "tee": ("Cotton", "Jersey", "Slub Cotton", "Pima Cotton"),
    "shirt": ("Poplin", "Linen", "Oxford", "Flannel", "Chambray"),
    "knit": ("Merino", "Cashmere", "Lambswool", "Cotton", "Alpaca"),
    "dress": ("Linen", "Crepe", "Jersey", "Poplin", "Satin"),
    "trousers": ("Denim", "Twill", "Corduroy", "Wool", "Linen"),
    "coat": ("Wool", "Waxed Cotton", "Nylon", "Gabardine", "Down"),
    "sneaker": ("Leather", "Canvas", "Suede", "Knit"),
    "boot": ("Leather", "Suede", "Waterproof"),
    "bag": ("Canvas", "Leather", "Nylon", "Waxed Canvas"),
    "hat": ("Wool", "Cotton", "Cashmere"),
    "scarf": ("Wool", "Cashmere", "Silk"),
    "gloves": ("Leather", "Cashmere"),
}
BRANDS = ("Northwind", "Northwind", "Northwind", "Northwind Studio", "Harbor & Pine")


@dataclass(frozen=True)
class VariantSpec:
    sku: str
    barcode: str
    size: str
    colour: str
    colour_hex: str
    position: int


@dataclass(frozen=True)
class ProductSpec:
    index: int
    name: str
    slug: str
    category: CategorySpec
    brand: str
    shape: str
    price: Decimal
    promo_price: Decimal | None  # set: on promotion, ``price`` is the "was" price
    is_final_sale: bool
    colours: tuple[str, ...]
    sizes: tuple[str, ...]
    variants: tuple[VariantSpec, ...]
    # What its random draws (promotion, description) and SKU are keyed by: its place in
    # the whole curated range, so a product reads the same in every market's demo (and
    # its shipped translation matches) whatever that market leaves out.
    stream: int = -1

    @property
    def key(self) -> int:
        return self.index if self.stream < 0 else self.stream

    @property
    def selling_price(self) -> Decimal:
        return self.promo_price if self.promo_price is not None else self.price


def _promo(rng, price: Decimal, *, final_sale: bool, market: DemoMarket) -> Decimal | None:
    """Final-sale items are clearance (40–50 % off); about one product in six is on promotion."""
    if final_sale:
        off = rng.choice(("0.40", "0.50"))
    elif rng.random() < 0.17:
        off = rng.choice(("0.20", "0.25", "0.30"))
    else:
        return None
    # A tidy shelf price: whole dollars ($89 → $62, not $62.30), a local price point.
    return to_money(market.promotion_price(price, Decimal(off)))


def _variants(
    index: int, colours: tuple[str, ...], sizes: tuple[str, ...], first_number: int
) -> tuple[VariantSpec, ...]:
    variants = []
    number = first_number
    for colour in colours:
        code, hex_value = COLOURS[colour]
        for position, size in enumerate(sizes):
            size_code = "OS" if size == ONE_SIZE else size
            variants.append(
                VariantSpec(
                    sku=f"NW{index + 1:05d}-{code}-{size_code}",
                    # 20–29 prefixes are for in-store numbering: never a real product's code.
                    barcode=ean13(f"20{number:010d}"),
                    size=size,
                    colour=colour,
                    colour_hex=hex_value,
                    position=position,
                )
            )
            number += 1
    return tuple(variants)


# What a product page says about a piece: two of its kind's features, then its care.
FEATURES = {
    "tee": (
        "A soft crew neck that keeps its shape wash after wash.",
        "Cut a touch longer in the body, to tuck in or wear loose.",
        "Taped shoulder seams so it hangs straight all day.",
        "Garment-dyed for a lived-in colour from the first wear.",
    ),
    "shirt": (
        "A proper collar that stands up under a sweater.",
        "Cut with a curved hem that works tucked in or out.",
        "Mother-of-pearl buttons and a chest pocket.",
        "Pre-washed, so it is soft now and will not shrink later.",
    ),
    "knit": (
        "Knitted to a mid weight that layers under a coat.",
        "Ribbed cuffs and hem that hold their shape.",
        "A relaxed fit through the body with set-in sleeves.",
        "Spun from long fibres that resist pilling.",
    ),
    "dress": (
        "Falls to mid-calf with a gentle A-line.",
        "Side-seam pockets deep enough for a phone.",
        "Fully lined to the hip, unlined below for movement.",
        "A waist that ties, so you choose the fit.",
    ),
    "trousers": (
        "A mid-rise that sits at the natural waist.",
        "A straight leg with enough room through the thigh.",
        "Finished with a hem you can take up in store for free.",
        "A touch of stretch for ease when you sit.",
    ),
    "coat": (
        "Falls to the hip, long enough to cover a blazer.",
        "Deep hand-warmer pockets and an inside phone pocket.",
        "A storm flap and a collar that stands up to the wind.",
        "Lined for warmth without bulk.",
    ),
    "sneaker": (
        "A cushioned footbed for a full day on your feet.",
        "A grippy rubber sole that is stitched, not just glued.",
        "Padded collar and tongue so they are comfortable from day one.",
        "Laces in two lengths in the box.",
    ),
    "boot": (
        "A Goodyear-welted sole that can be resoled.",
        "Water-resistant upper with sealed seams.",
        "A padded collar and a pull tab to get them on fast.",
        "A lugged sole for wet pavements and gravel paths.",
    ),
    "bag": (
        "Sized for a laptop, a water bottle and a sweater.",
        "An inside zip pocket and a key clip.",
        "Reinforced handles that carry a full load.",
        "A water-resistant base that stands up on its own.",
    ),
    "hat": (
        "Knitted with a deep turn-up that covers the ears.",
        "An adjustable strap at the back, one size for most.",
        "Light enough to fold into a pocket.",
        "A soft lining that does not itch.",
    ),
    "scarf": (
        "Long enough to loop twice.",
        "Finished with a hand-knotted fringe.",
        "Woven for warmth without weight.",
        "Soft from the first wear, softer with every wash.",
    ),
    "gloves": (
        "Touchscreen-friendly thumb and fingertip.",
        "A snug knitted cuff that keeps the wind out.",
        "Lined for warmth with a slim fit.",
        "Stitched to follow the shape of the hand.",
    ),
}
CARE = {
    "tee": "Machine wash cold, tumble dry low.",
    "shirt": "Machine wash at 30°, hang to dry, warm iron.",
    "knit": "Hand wash cold and dry flat.",
    "dress": "Machine wash gentle at 30°, hang to dry.",
    "trousers": "Wash inside out at 30°.",
    "coat": "Dry clean only.",
    "sneaker": "Wipe clean with a damp cloth.",
    "boot": "Brush off dirt and condition the leather now and then.",
    "bag": "Spot clean with a damp cloth.",
    "hat": "Hand wash cold and dry flat.",
    "scarf": "Hand wash cold or dry clean.",
    "gloves": "Spot clean; leather gloves dry away from heat.",
}


def product_description(spec: ProductSpec, seed: int) -> str:
    """A product page's details, different for every product: its name and colours, two
    of its kind's features (chosen by the seed) and how to care for it."""
    rng = rng_for(seed, "description", spec.key)
    features = rng.sample(FEATURES[spec.shape], 2)
    colours = ", ".join(spec.colours[:-1]) + (" or " if len(spec.colours) > 1 else "")
    colours += spec.colours[-1]
    return (
        f"The {spec.name} from {spec.brand}, in {colours}. {features[0]} {features[1]}\n"
        f"Care: {CARE[spec.shape]}"
    )


@functools.cache
def demo_translations() -> dict[str, dict[str, str]]:
    """Each other language's shipped translations of the demo's texts (none: skipped)."""
    found: dict[str, dict[str, str]] = {}
    for code, _name in settings.LANGUAGES:
        path = TRANSLATIONS_DIR / f"{code}.json"
        if code != settings.LANGUAGE_CODE and path.is_file():
            found[code] = json.loads(path.read_text(encoding="utf-8"))
    return found


def translated_columns(**texts: str) -> dict[str, str | None]:
    """The per-language columns (catalog/translation.py) of English ``texts``
    (``name=...``, ``description=...``): English as given, the others from
    :func:`demo_translations` where they have one."""
    row: dict[str, str | None] = {}
    for field, text in texts.items():
        row[field] = text
        row[f"{field}_{settings.LANGUAGE_CODE}"] = text
        for code, mapping in demo_translations().items():
            row[f"{field}_{code}"] = mapping.get(text) or None
    return row


def _search_text(row: dict) -> str:
    # As Product.search_text_of: brand, then every language's name and description.
    texts = [row.get("brand") or ""]
    for field in ("name", "description"):
        texts += [row.get(f"{field}_{code}") or "" for code, _name in settings.LANGUAGES]
    return search_normalised(" ".join(dict.fromkeys(t for t in texts if t)))


def demo_texts(seed: int = 1) -> list[str]:
    """The distinct English texts the small demo shows shoppers as catalogue content
    (category and product names and descriptions), for translators."""
    texts: list[str] = []
    for spec in CATEGORIES:
        texts += [spec.name, _category_description(spec)]
    for spec in product_specs(SCALES["small"], seed):
        texts += [spec.name, product_description(spec, seed)]
    return list(dict.fromkeys(texts))


def _category_description(spec) -> str:
    return f"{spec.name} from Northwind Outfitters."


def product_specs(
    scale: DemoScale, seed: int, market: DemoMarket | None = None
) -> list[ProductSpec]:
    """The whole catalog, without touching the database (the state check uses its SKUs):
    the market's range (what its climate sells) at its price points."""
    market = market or demo_market("US")
    specs: list[ProductSpec] = []
    number = 1
    if scale.products == 0:
        curated = [
            (position, row)
            for position, row in enumerate(CURATED_PRODUCTS)
            if row[1] not in market.not_carried
        ]
        for index, (position, row) in enumerate(curated):
            leaf, name, dollars, colour_names, shape, final_sale = row
            category = CATEGORY_BY_SLUG[leaf]
            price = to_money(market.price(dollars))
            rng = rng_for(seed, "product", position)
            colours = tuple(colour_names.split("/"))
            sizes = SIZE_RUNS[CURATED_SIZE_RUNS.get(name, category.size_run)]
            specs.append(
                ProductSpec(
                    index=index,
                    name=name,
                    slug=slugify(name),
                    category=category,
                    brand="Northwind",
                    shape=shape,
                    price=price,
                    promo_price=_promo(rng, price, final_sale=final_sale, market=market),
                    is_final_sale=final_sale,
                    colours=colours,
                    sizes=sizes,
                    variants=_variants(position, colours, sizes, number),
                    stream=position,
                )
            )
            number += len(colours) * len(sizes)
        return specs

    palette = tuple(COLOURS)
    for index in range(scale.products):
        category = LEAVES[index % len(LEAVES)]
        rng = rng_for(seed, "product", index)
        noun, shape = rng.choice(category.nouns)
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(MATERIALS[shape])} {noun}"
        colours = tuple(rng.sample(palette, weighted(rng, ((1, 0.2), (2, 0.55), (3, 0.25)))))
        final_sale = rng.random() < 0.04
        price = to_money(market.price(rng.randrange(*category.price_range)))
        sizes = SIZE_RUNS[category.size_run]
        specs.append(
            ProductSpec(
                index=index,
                name=name,
                slug=f"{slugify(name)}-{index + 1:04d}",
                category=category,
                brand=rng.choice(BRANDS),
                shape=shape,
                price=price,
                promo_price=_promo(rng, price, final_sale=final_sale, market=market),
                is_final_sale=final_sale,
                colours=colours,
                sizes=sizes,
                variants=_variants(index, colours, sizes, number),
            )
        )
        number += len(colours) * len(sizes)
    return specs


def _tax_class_columns(world: DemoWorld, spec: CategorySpec) -> dict[str, str]:
    """A category's tax class, where the catalog has the field (set per market in one
    place: ``DemoMarket.category_tax_classes``). The US has none: sales tax by state."""
    if not hasattr(Category, "tax_class") or world.market.us_sales_tax:
        return {}
    return {"tax_class": world.market.tax_class(spec.slug)}


def _categories_create(world: DemoWorld) -> None:
    for depth in (0, 1):
        rows = [
            dict(
                **translated_columns(name=spec.name, description=_category_description(spec)),
                **_tax_class_columns(world, spec),
                slug=spec.slug,
                parent_id=world.categories[spec.parent] if spec.parent else None,
                position=position,
                size_group=spec.size_group,
                return_window_days=spec.return_window_days,
                created_at=world.now,
            )
            for position, spec in enumerate(CATEGORIES)
            if (spec.parent is not None) == bool(depth)
        ]
        world.insert(Category, rows, "categories", ids=True)
        world.categories.update({row["slug"]: row["id"] for row in rows})


def _related_links_create(world: DemoWorld, specs: list[ProductSpec]) -> None:
    """Two "complete the look" products each from complementary categories; the relation
    is symmetrical, so both directions are written (the ORM's add() would do the same)."""
    by_leaf: dict[str, list[int]] = {}
    for spec in specs:
        by_leaf.setdefault(spec.category.slug, []).append(spec.index)
    pairs: set[tuple[int, int]] = set()
    for spec in specs:
        rng = rng_for(world.seed, "related", spec.index)
        candidates = [i for leaf in spec.category.complements for i in by_leaf.get(leaf, [])]
        for other in rng.sample(candidates, min(2, len(candidates))):
            pairs.add((min(spec.index, other), max(spec.index, other)))
    through = Product.related_products.through
    ids = [p.id for p in world.products]
    rows = [
        dict(from_product_id=ids[a], to_product_id=ids[b])
        for x, y in sorted(pairs)
        for a, b in ((x, y), (y, x))
    ]
    world.insert(through, rows, "related product links")


def catalog_create(world: DemoWorld) -> None:
    specs = product_specs(world.scale, world.seed, world.market)
    valid_from = (world.now - dt.timedelta(days=180)).replace(hour=0)
    money_code = currency()
    with transaction.atomic():
        _categories_create(world)

    chunk = world.scale.variant_chunk
    for start in world.progress(
        range(0, len(specs), chunk), total=-(-len(specs) // chunk), desc="catalog"
    ):
        batch = specs[start : start + chunk]
        with transaction.atomic():
            rows = [
                dict(
                    **translated_columns(
                        name=spec.name, description=product_description(spec, world.seed)
                    ),
                    slug=spec.slug,
                    category_id=world.categories[spec.category.slug],
                    brand=spec.brand,
                    is_final_sale=spec.is_final_sale,
                    created_at=world.now - dt.timedelta(days=200 - spec.index % 150),
                )
                for spec in batch
            ]
            for row in rows:
                row["search_text"] = _search_text(row)
            products = world.insert(Product, rows, "products", ids=True)
            variants = world.insert(
                Variant,
                [
                    dict(
                        product_id=product["id"],
                        sku=v.sku,
                        barcode=v.barcode,
                        size=v.size,
                        colour=v.colour,
                        colour_hex=v.colour_hex,
                        position=v.position,
                        created_at=product["created_at"],
                    )
                    for spec, product in zip(batch, products, strict=True)
                    for v in spec.variants
                ],
                "variants",
                ids=True,
            )
            inserted = iter(variants)
            prices = []
            for spec, product in zip(batch, products, strict=True):
                row = ProductRow(
                    index=spec.index,
                    id=product["id"],
                    # What a receipt of the market printed: the name in its language.
                    name=product.get(f"name_{world.market.language}") or spec.name,
                    size_group=spec.category.size_group,
                    department=spec.category.department,
                    is_final_sale=spec.is_final_sale,
                    sizes=spec.sizes,
                    tax_class=world.market.tax_class(spec.category.slug),
                )
                world.products.append(row)
                for variant in (next(inserted) for _ in spec.variants):
                    row.variant_indexes.append(len(world.variants))
                    world.variants.append(
                        VariantRow(
                            index=len(world.variants),
                            id=variant["id"],
                            product_index=spec.index,
                            sku=variant["sku"],
                            size=variant["size"],
                            colour=variant["colour"],
                            price=spec.selling_price,
                        )
                    )
                    prices.append(
                        dict(
                            variant_id=variant["id"],
                            amount=spec.selling_price,
                            compare_at_amount=spec.price if spec.promo_price else None,
                            currency=money_code,
                            valid_from=valid_from,
                        )
                    )
            world.insert(Price, prices, "prices")

    with transaction.atomic():
        _related_links_create(world, specs)
        if world.scale.images:
            images = [
                dict(
                    product_id=world.products[spec.index].id,
                    image=path,
                    width=width,
                    height=height,
                    alt_text=f"{spec.name} in {colour}",
                    colour=colour,
                    position=position,
                )
                for spec in specs
                for position, (colour, path, width, height) in enumerate(
                    product_images_write(
                        slug=spec.slug,
                        name=spec.name,
                        shape=spec.shape,
                        colours=[(c, COLOURS[c][1]) for c in spec.colours],
                    )
                )
            ]
            world.insert(ProductImage, images, "product images")
