"""Stores and warehouses in real towns, their opening hours, and the distance table that
sourcing and availability join on. US coordinates come from the offline ZIP dataset;
another market's locations are written out in its data (demo.markets), coordinates and
phone numbers included."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from demo.config import DEMO_EMAIL_DOMAIN, DemoScale
from demo.markets import DemoMarket, demo_market
from demo.names import STREETS
from demo.randomness import rng_for
from demo.world import DemoWorld, LocationRow
from omni.geo import haversine_km, place_for_postcode
from stores.models import Location, LocationDistance

# The small scale: one region (Massachusetts, Rhode Island, New Hampshire, Connecticut),
# every location within ~265 km of every other, so "nearest store" means something.
SMALL_STORES = (
    # code, name, ZIP, street address, ships online orders, opening-hours pattern
    ("BOS01", "Boston Back Bay", "02116", "328 Newbury Street", True, "city"),
    ("CAM01", "Cambridge Harvard Square", "02138", "48 Brattle Street", False, "city"),
    ("BRK01", "Brookline Village", "02445", "12 Harvard Street", False, "town"),
    ("SLM01", "Salem", "01970", "150 Essex Street", False, "town"),
    ("WOR01", "Worcester", "01608", "311 Main Street", True, "mall"),
    ("NOH01", "Northampton", "01060", "104 Main Street", False, "closed_monday"),
    ("PVD01", "Providence", "02903", "220 Westminster Street", True, "city"),
    ("NPT01", "Newport", "02840", "41 Thames Street", False, "town"),
    ("PSM01", "Portsmouth", "03801", "35 Market Street", False, "town"),
    ("NSH01", "Nashua", "03060", "180 Main Street", False, "mall"),
    ("WHF01", "West Hartford", "06107", "65 LaSalle Road", True, "mall"),
    ("NHV01", "New Haven", "06510", "1020 Chapel Street", False, "city"),
)
SMALL_WAREHOUSES = (
    ("WH01", "Marlborough Distribution Center", "01752", "500 Forest Avenue"),
    ("WH02", "Windsor Distribution Center", "06095", "100 International Drive"),
)

# The large scale draws towns from the lower 48 states and DC.
CONTIGUOUS_STATES = frozenset(
    "AL AZ AR CA CO CT DE DC FL GA ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "  # noqa: SIM905
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY".split()
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _hours(**by_day: str) -> dict[str, list[list[str]]]:
    """``mon="10:00-20:00"`` → ``{"mon": [["10:00", "20:00"]], ...}``; missing days closed."""
    return {day: [by_day[day].split("-")] if by_day.get(day) else [] for day in WEEKDAYS}


OPENING_HOURS = {
    "city": _hours(
        mon="10:00-20:00", tue="10:00-20:00", wed="10:00-20:00", thu="10:00-21:00",
        fri="10:00-21:00", sat="10:00-20:00", sun="11:00-18:00",
    ),
    "mall": _hours(
        mon="10:00-21:00", tue="10:00-21:00", wed="10:00-21:00", thu="10:00-21:00",
        fri="10:00-21:00", sat="10:00-21:00", sun="11:00-19:00",
    ),
    "town": _hours(
        mon="10:00-18:00", tue="10:00-18:00", wed="10:00-18:00", thu="10:00-19:00",
        fri="10:00-19:00", sat="10:00-18:00", sun="12:00-17:00",
    ),
    "closed_monday": _hours(
        tue="10:00-18:00", wed="10:00-18:00", thu="10:00-19:00", fri="10:00-19:00",
        sat="10:00-18:00", sun="12:00-17:00",
    ),
    "warehouse": _hours(
        mon="06:00-22:00", tue="06:00-22:00", wed="06:00-22:00", thu="06:00-22:00",
        fri="06:00-22:00", sat="08:00-16:00",
    ),
    # Malls in Bangkok, Manila and Cebu: every day until ten.
    "mall_late": _hours(
        mon="10:00-22:00", tue="10:00-22:00", wed="10:00-22:00", thu="10:00-22:00",
        fri="10:00-22:00", sat="10:00-22:00", sun="10:00-22:00",
    ),
    "vn_mall": _hours(
        mon="09:30-22:00", tue="09:30-22:00", wed="09:30-22:00", thu="09:30-22:00",
        fri="09:30-22:00", sat="09:30-22:00", sun="09:30-22:00",
    ),
    # Iran: the week starts on Saturday; Friday is the weekend, afternoons only.
    "ir_mall": _hours(
        sat="10:00-22:00", sun="10:00-22:00", mon="10:00-22:00", tue="10:00-22:00",
        wed="10:00-22:00", thu="10:00-22:00", fri="16:00-22:00",
    ),
    "ir_warehouse": _hours(
        sat="08:00-17:00", sun="08:00-17:00", mon="08:00-17:00", tue="08:00-17:00",
        wed="08:00-17:00", thu="08:00-13:00",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class LocationSpec:
    code: str
    name: str
    kind: str
    postcode: str
    address_line1: str
    ships_online_orders: bool
    safety_stock: int
    hours: str
    timezone: str
    area_code: str
    # Written in the market's data (not the US ZIP dataset): the whole address and place.
    address_line2: str = ""
    city: str = ""
    region: str = ""
    country: str = "US"
    latitude: float | None = None
    longitude: float | None = None
    phone: str = ""


@dataclass(frozen=True)
class PostcodeRow:
    postcode: str
    city: str
    region: str
    latitude: float
    longitude: float
    timezone: str
    area_code: str
    line2: str = ""  # the district, ward or barangay, where the country writes one


@lru_cache(maxsize=1)
def postcode_rows() -> tuple[PostcodeRow, ...]:
    """Street-address ZIP codes of the lower 48 with a time zone, in ZIP order."""
    import zipcodes

    rows = []
    for row in zipcodes.list_all():
        if row["zip_code_type"] != "STANDARD" or not row["timezone"]:
            continue
        if row["state"] not in CONTIGUOUS_STATES:
            continue
        rows.append(
            PostcodeRow(
                postcode=row["zip_code"],
                city=row["city"].title(),
                region=row["state"],
                latitude=float(row["lat"]),
                longitude=float(row["long"]),
                timezone=row["timezone"],
                area_code=(row["area_codes"] or ["555"])[0],
            )
        )
    return tuple(sorted(rows, key=lambda r: r.postcode))


def postcodes_around(postcode: str) -> list[PostcodeRow]:
    """Street-address ZIP codes sharing the first three digits (the same sectional centre:
    the town and its neighbours), for shoppers' addresses near a store."""
    import zipcodes

    rows = [
        PostcodeRow(
            postcode=row["zip_code"],
            city=row["city"].title(),
            region=row["state"],
            latitude=float(row["lat"]),
            longitude=float(row["long"]),
            timezone=row["timezone"],
            area_code=(row["area_codes"] or ["555"])[0],
        )
        for row in zipcodes.similar_to(postcode[:3])
        if row["zip_code_type"] == "STANDARD"
    ]
    return sorted(rows, key=lambda r: r.postcode) or [
        row for row in postcode_rows() if row.postcode == postcode
    ]


def _small_specs() -> list[LocationSpec]:
    specs = [
        LocationSpec(
            code=code,
            name=name,
            kind=Location.Kind.STORE,
            postcode=postcode,
            address_line1=street,
            ships_online_orders=ships,
            # Stores that ship online orders keep one of each SKU back for the shop floor.
            safety_stock=1 if ships else 0,
            hours=hours,
            timezone="America/New_York",
            area_code="",  # looked up with the neighbouring ZIP codes when created
        )
        for code, name, postcode, street, ships, hours in SMALL_STORES
    ]
    specs += [
        LocationSpec(
            code=code,
            name=name,
            kind=Location.Kind.WAREHOUSE,
            postcode=postcode,
            address_line1=street,
            ships_online_orders=True,
            safety_stock=0,
            hours="warehouse",
            timezone="America/New_York",
            area_code="",
        )
        for code, name, postcode, street in SMALL_WAREHOUSES
    ]
    return specs


def _large_specs(scale: DemoScale, seed: int) -> list[LocationSpec]:
    """Towns with at least three street ZIP codes (cities, not hamlets) drawn across the
    US, weighted by their number of ZIP codes (a proxy for size); warehouses one per band
    of longitude, west to east."""
    rng = rng_for(seed, "locations")
    towns: dict[tuple[str, str], list[PostcodeRow]] = {}
    for row in postcode_rows():
        towns.setdefault((row.region, row.city), []).append(row)
    towns = {town: rows for town, rows in towns.items() if len(rows) >= 3}
    # Weighted sampling without replacement (Efraimidis–Spirakis): the top keys win.
    keyed = sorted(
        ((rng.random() ** (1.0 / len(rows)), town) for town, rows in sorted(towns.items())),
        reverse=True,
    )
    wanted = scale.stores + scale.warehouses
    picked = sorted((towns[town][0] for _, town in keyed[:wanted]), key=lambda r: r.longitude)
    band = len(picked) // scale.warehouses
    warehouse_rows = {picked[b * band + rng.randrange(band)] for b in range(scale.warehouses)}

    specs: list[LocationSpec] = []
    for number, row in enumerate(r for r in picked if r in warehouse_rows):
        specs.append(
            LocationSpec(
                code=f"WH{number + 1:02d}",
                name=f"{row.city} Distribution Center",
                kind=Location.Kind.WAREHOUSE,
                postcode=row.postcode,
                address_line1=f"{rng.randint(100, 9999)} Commerce Drive",
                ships_online_orders=True,
                safety_stock=0,
                hours="warehouse",
                timezone=row.timezone,
                area_code=row.area_code,
            )
        )
    per_state: dict[str, int] = {}
    store_rows = sorted(
        (r for r in picked if r not in warehouse_rows), key=lambda r: (r.region, r.city)
    )
    for row in store_rows:
        per_state[row.region] = per_state.get(row.region, 0) + 1
        ships = rng.random() < 0.3
        specs.append(
            LocationSpec(
                code=f"{row.region}{per_state[row.region]:02d}",
                name=f"{row.city}, {row.region}",
                kind=Location.Kind.STORE,
                postcode=row.postcode,
                address_line1=f"{rng.randint(10, 1999)} {rng.choice(STREETS)}",
                ships_online_orders=ships,
                safety_stock=1 if ships else 0,
                hours=rng.choice(("city", "mall", "town", "town", "closed_monday")),
                timezone=row.timezone,
                area_code=row.area_code,
            )
        )
    return specs


def _market_specs(market: DemoMarket) -> list[LocationSpec]:
    return [
        LocationSpec(
            code=store.code,
            name=store.name,
            kind=store.kind,
            postcode=store.postcode,
            address_line1=store.address_line1,
            ships_online_orders=store.ships_online_orders,
            safety_stock=1 if store.ships_online_orders and store.kind == "store" else 0,
            hours=store.hours,
            timezone=market.time_zone,
            area_code="",
            address_line2=store.address_line2,
            city=store.city,
            region=store.region,
            country=market.code,
            latitude=store.latitude,
            longitude=store.longitude,
            phone=store.phone,
        )
        for store in market.stores
    ]


def location_specs(
    scale: DemoScale, seed: int, market: DemoMarket | None = None
) -> list[LocationSpec]:
    """Every location of the scale, stores first (pure: the state check uses the codes)."""
    market = market or demo_market("US")
    if market.stores:
        # In the data's order: the flagship first (its associate is the manager).
        specs = _market_specs(market)
        return sorted(specs, key=lambda s: s.kind != Location.Kind.STORE)
    specs = _small_specs() if scale.products == 0 else _large_specs(scale, seed)
    return sorted(specs, key=lambda s: (s.kind != Location.Kind.STORE, s.code))


def _neighbourhoods(market: DemoMarket, spec: LocationSpec) -> list[PostcodeRow]:
    """Where the shoppers of a market's store live (its data names the areas around it)."""
    store = next(store for store in market.stores if store.code == spec.code)
    return [
        PostcodeRow(
            postcode=area.postcode,
            city=area.city,
            region=area.region,
            latitude=store.latitude,
            longitude=store.longitude,
            timezone=spec.timezone,
            area_code="",
            line2=area.line2,
        )
        for area in store.neighbourhoods
    ] or [
        PostcodeRow(
            spec.postcode, spec.city, spec.region, store.latitude, store.longitude,
            spec.timezone, "", spec.address_line2,
        )
    ]  # fmt: skip


def _place(spec: LocationSpec) -> PostcodeRow:
    """Where a location is: from the market's data, else the bundled US ZIP dataset (the
    source of truth for US coordinates)."""
    if spec.latitude is not None and spec.longitude is not None:
        latitude, longitude = (Decimal(f"{v:.6f}") for v in (spec.latitude, spec.longitude))
        return PostcodeRow(
            spec.postcode, spec.city, spec.region, latitude, longitude, spec.timezone, "",
            spec.address_line2,
        )  # fmt: skip
    # The spec's own country, not the install's market: a US chain seeded on a Thai
    # install still reads US ZIP codes.
    place = place_for_postcode(spec.postcode, spec.country or "US")
    if place is None:
        raise ValueError(f"ZIP code {spec.postcode} is not in the offline dataset")
    return PostcodeRow(
        place.postcode, place.city, place.region, place.latitude, place.longitude,
        spec.timezone, "",
    )  # fmt: skip


def locations_create(world: DemoWorld) -> None:
    """Locations, then the distance for every ordered pair of locations, each location to
    itself at 0 km: the same table ``stores.services.location_distances_rebuild`` writes."""
    market = world.market
    specs = location_specs(world.scale, world.seed, market)
    world.postcodes_around = [
        _neighbourhoods(market, spec) if market.stores else postcodes_around(spec.postcode)
        for spec in specs
    ]
    area_codes = [
        spec.area_code or next((r.area_code for r in around if r.postcode == spec.postcode), "555")
        for spec, around in zip(specs, world.postcodes_around, strict=True)
    ]
    locations = []
    for index, (spec, area_code) in enumerate(zip(specs, area_codes, strict=True)):
        place = _place(spec)
        is_store = spec.kind == Location.Kind.STORE
        locations.append(
            dict(
                code=spec.code,
                name=spec.name,
                kind=spec.kind,
                address_line1=spec.address_line1,
                address_line2=spec.address_line2,
                city=place.city,
                region=place.region,
                postcode=place.postcode,
                country=spec.country,
                latitude=place.latitude,
                longitude=place.longitude,
                timezone=spec.timezone,
                # US: 555-0100 to 555-0199 are reserved for fiction.
                phone=spec.phone or f"+1{area_code}555{100 + index:04d}",
                email=f"{spec.code.lower()}@stores.{DEMO_EMAIL_DOMAIN}",
                opening_hours=OPENING_HOURS[spec.hours],
                ships_online_orders=spec.ships_online_orders,
                offers_pickup=is_store,
                accepts_returns=is_store,
                safety_stock=spec.safety_stock,
                created_at=world.now,
            )
        )
    world.insert(Location, locations, "locations", ids=True)
    world.locations = [
        LocationRow(
            index=index,
            id=loc["id"],
            code=loc["code"],
            name=loc["name"],
            kind=loc["kind"],
            region=loc["region"],
            latitude=float(loc["latitude"]),
            longitude=float(loc["longitude"]),
            ships_online_orders=loc["ships_online_orders"],
            offers_pickup=loc["offers_pickup"],
            accepts_returns=loc["accepts_returns"],
            area_code=area_code,
        )
        for index, (loc, area_code) in enumerate(zip(locations, area_codes, strict=True))
    ]
    world.distances = [
        [haversine_km(a.latitude, a.longitude, b.latitude, b.longitude) for b in world.locations]
        for a in world.locations
    ]
    distances = [
        dict(
            origin_id=a.id,
            destination_id=b.id,
            distance_km=Decimal(f"{world.distances[a.index][b.index]:.2f}"),
        )
        for a in world.locations
        for b in world.locations
    ]
    world.insert(LocationDistance, distances, "location distances")
