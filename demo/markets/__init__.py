"""The demo retailer of each market: who it is, where its stores are, what its people are
called and how they write addresses and phone numbers, what it charges and what its
associates type into notes. One ``DemoMarket`` per market (``demo/markets/<code>.py``);
the phases (stores, catalog, staff, customers, orders, returns, transfers) read
``world.market`` instead of constants, so one set of builders makes every market's demo.

The US market is today's Northwind Outfitters unchanged: its stores come from the bundled
ZIP dataset (``demo.stores``), its words from ``demo.names``. The other markets write
everything in their data: coordinates, postcodes and phone numbers (E.164) too, so the
demo depends on no gazetteer.

``seed_demo --market`` must be the install's market (``OMNI_MARKET``): the running shop
reads its currency, tax and languages from there.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from demo import names


@dataclass(frozen=True)
class Name:
    """A name as its owner writes it, and the ASCII spelling email addresses use."""

    local: str
    latin: str


def latin_of(text: str) -> str:
    """ASCII letters of a Latin-script name (Vietnamese, Filipino): diacritics dropped, đ
    as d. Thai and Persian names carry their spelling in their ``Name``."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isascii())


def latin_names(*texts: str) -> tuple[Name, ...]:
    return tuple(Name(text, latin_of(text)) for text in texts)


@dataclass(frozen=True)
class Neighbourhood:
    """Where shoppers near a store live: one postcode area (``line2`` holds the
    district, ward or barangay the country writes in an address)."""

    postcode: str
    line2: str
    city: str
    region: str


@dataclass(frozen=True)
class StoreData:
    code: str
    name: str
    kind: str  # "store" or "warehouse"
    address_line1: str
    address_line2: str
    city: str
    region: str
    postcode: str
    latitude: float
    longitude: float
    phone: str  # E.164
    ships_online_orders: bool
    hours: str  # a key of demo.stores.OPENING_HOURS
    neighbourhoods: tuple[Neighbourhood, ...] = ()


@dataclass(frozen=True)
class DemoMarket:
    code: str
    retailer_name: str
    # The language customers and associates are set to ("" keeps the models' defaults).
    language: str
    time_zone: str
    # Empty for the US: its locations come from the ZIP dataset (demo.stores).
    stores: tuple[StoreData, ...]
    first_names: tuple[Name, ...]
    last_names: tuple[Name, ...]
    # Customers 0 and 1, with shopper logins: (first, last, department).
    shoppers: tuple[tuple[Name, Name, str], ...]
    associate_names: tuple[Name, ...]
    associate_last_names: tuple[Name, ...]
    merchandiser: tuple[Name, Name]
    streets: tuple[str, ...]
    # How a street address line is written: {number} and {street}.
    street_line: str
    # Vietnamese write the family name first.
    family_name_first: bool
    # Mobile numbers: prefix + 7 digits (the customer's index) in E.164; US: None (its
    # own fictional 555 numbers).
    mobile_prefix: str | None
    # What associates type and shoppers name their lists (data, not interface text).
    note_bodies: tuple[str, ...]
    list_names: tuple[str, ...]
    shopping_list_name: str  # the list name that is a shopping list, not a wishlist
    list_item_note: str
    task_reasons: tuple[str, ...]  # {first}, {store}
    welcome_note: str
    goodwill_note: str
    goodwill_amounts: tuple[int, ...]
    reward_note: str
    override_reason: str
    transfer_notes: tuple[str, ...]  # 8 notes, in demo.transfers' order
    cancel_reason: str
    carrier: str  # a key of OMNI_CARRIERS
    # (ships online orders, an associate's store, a third store): the transfers' stores.
    transfer_stores: tuple[str, str, str]
    # A shopper's address next door to the first transfer store, for its parcels.
    parcel_address: dict[str, str]
    # Prices: a US price in dollars times ``price_factor``, taken to the nearest of the
    # local shelf price points; promotions down to the point below (empty: whole dollars).
    price_factor: Decimal = Decimal("1")
    price_points: tuple[Decimal, ...] = ()
    # One loyalty point per this much spent (1 dollar in the US).
    point_value: Decimal = Decimal("1")
    # Sales tax from the US state table (False: VAT included in the shelf price).
    us_sales_tax: bool = False
    # Products of the small catalogue a shop in this climate does not carry (by name).
    not_carried: frozenset[str] = frozenset()
    # THE place a category's tax class is set (Category.tax_class: "standard",
    # "reduced", "zero"): slug → class; categories not named are "standard".
    category_tax_classes: dict[str, str] = field(default_factory=dict)
    # The digits house numbers are written in ("": ASCII).
    digits: str = ""

    def price(self, dollars: int) -> Decimal:
        """The local shelf price of a piece the US sells at ``dollars``."""
        if not self.price_points:
            return Decimal(dollars)
        target = Decimal(dollars) * self.price_factor
        return min(self.price_points, key=lambda point: (abs(point - target), point))

    def promotion_price(self, price: Decimal, off: Decimal) -> Decimal:
        """``price`` less ``off`` (a share), on a tidy price: whole dollars in the US, a
        local price point elsewhere (never the price itself)."""
        reduced = price * (1 - off)
        if not self.price_points:
            return reduced.to_integral_value()
        below = [point for point in self.price_points if point <= reduced]
        return below[-1] if below else reduced.to_integral_value(rounding=ROUND_FLOOR)

    def street_address(self, number: int, street: str) -> str:
        line = self.street_line.format(number=number, street=street)
        return line.translate(str.maketrans("0123456789", self.digits)) if self.digits else line

    def points_for(self, amount: Decimal) -> int:
        return int(amount / self.point_value)

    def full_name(self, first: str, last: str) -> str:
        return f"{last} {first}" if self.family_name_first else f"{first} {last}"

    def tax_class(self, category_slug: str) -> str:
        return self.category_tax_classes.get(category_slug, "standard")


# What a shop in the tropics does not carry: down, wool coats, winter gloves and boots.
WINTER_WEAR = frozenset(
    {
        "Wool Car Coat", "Down Puffer", "Cashmere Gloves", "Lace-Up Duck Boot",
        "Fisherman Rollneck", "Cashmere Turtleneck",
    }
)  # fmt: skip


def price_ladder(*points: int) -> tuple[Decimal, ...]:
    return tuple(sorted(Decimal(point) for point in points))


def _us() -> DemoMarket:
    from demo.config import RETAILER_NAME

    return DemoMarket(
        code="US",
        retailer_name=RETAILER_NAME,
        language="",
        time_zone="America/New_York",
        stores=(),
        first_names=tuple(Name(n, n) for n in names.FIRST_NAMES),
        last_names=tuple(Name(n, n) for n in names.LAST_NAMES),
        shoppers=(
            (Name("Olivia", "Olivia"), Name("Bennett", "Bennett"), "women"),
            (Name("James", "James"), Name("Carter", "Carter"), "men"),
        ),
        associate_names=tuple(Name(n, n) for n in names.ASSOCIATE_NAMES),
        associate_last_names=tuple(
            Name(n, n) for n in ("Brooks", "Alvarez", "Shah", "Reed", "Kim")
        ),
        merchandiser=(Name("Morgan", "Morgan"), Name("Reyes", "Reyes")),
        streets=names.STREETS,
        street_line="{number} {street}",
        family_name_first=False,
        mobile_prefix=None,
        note_bodies=names.NOTE_BODIES,
        list_names=names.LIST_NAMES,
        shopping_list_name="Try on Saturday",
        list_item_note="Would love this for the trip",
        task_reasons=(
            "Call {first} when the new outerwear arrives",
            "Check in with {first} after the visit to {store}",
            "Send {first} photos of the new knitwear",
            "Thank-you note to {first} for the recent purchase",
            "Remind {first} that the alterations are ready",
        ),
        welcome_note=f"Welcome to {RETAILER_NAME} Rewards",
        goodwill_note="Sorry for the delayed delivery",
        goodwill_amounts=(10, 15, 25),
        reward_note="$25 reward",
        override_reason="Gift receipt; the customer was travelling",
        transfer_notes=(
            "Size run for the Back Bay window",
            "Cambridge asked for these",
            "Replenishment",
            "Weekend top-up",
            "Student promo",
            "Display refresh",
            "Rebalancing",
            "Event stock",
        ),
        cancel_reason="Event postponed",
        carrier="ups",
        transfer_stores=("BOS01", "BRK01", "CAM01"),
        parcel_address={
            "line1": "300 Boylston Street",
            "city": "Boston",
            "region": "MA",
            "country": "US",
        },
        us_sales_tax=True,
    )


def demo_market(code: str) -> DemoMarket:
    """The demo data of market ``code`` (TH, VN, PH, IR, US; any case)."""
    code = code.strip().upper()
    if code == "US":
        return _us()
    if code not in MARKET_CODES:
        raise ValueError(f"no demo for market {code!r}: expected one of {', '.join(MARKET_CODES)}")
    from importlib import import_module

    return import_module(f"demo.markets.{code.lower()}").MARKET


MARKET_CODES = ("US", "TH", "VN", "PH", "IR")
