"""What the seed has built so far: ids by index for every entity later phases point at,
the on-hand plan, and the counts to print. Bounded by the number of locations, variants
and customers, never by orders."""

from __future__ import annotations

import datetime as dt
import random
import sys
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db import models
from tqdm import tqdm

from demo.config import DemoScale
from demo.markets import DemoMarket, demo_market
from demo.randomness import rng_for
from demo.rows import Row, copy_insert

# A (variant, location) pair the location does not stock: no Stock row at all.
NOT_STOCKED = 0xFFFF


@dataclass(slots=True)
class LocationRow:
    index: int
    id: int
    code: str
    name: str
    kind: str
    region: str
    latitude: float
    longitude: float
    ships_online_orders: bool
    offers_pickup: bool
    accepts_returns: bool
    area_code: str

    @property
    def is_store(self) -> bool:
        return self.kind == "store"


@dataclass(slots=True)
class ProductRow:
    index: int
    id: int
    name: str
    size_group: str
    department: str  # "women", "men" or "all": who shops it
    is_final_sale: bool
    sizes: tuple[str, ...]  # in size order; variants are colour by colour, each in this order
    variant_indexes: list[int] = field(default_factory=list)
    tax_class: str = "standard"  # its category's (demo.markets: VAT per tax class)


@dataclass(slots=True)
class VariantRow:
    index: int
    id: int
    product_index: int
    sku: str
    size: str
    colour: str
    price: Decimal


@dataclass(slots=True)
class AssociateRow:
    index: int
    id: int
    user_id: int
    display_name: str
    location_index: int
    is_manager: bool


@dataclass(slots=True)
class CustomerRow:
    index: int
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    is_member: bool
    home_index: int | None  # home store (a location index), if any
    area_index: int  # the store they live near, home store or not
    department: str
    sizes: dict[str, str]
    address: dict[str, str]
    user_id: int | None
    created_at: dt.datetime

    # The name as the market writes it (Vietnamese: family name first).
    full_name: str = ""


@dataclass
class DemoWorld:
    scale: DemoScale
    seed: int
    now: dt.datetime
    password_hash: str
    # PostgreSQL: COPY rows in (the fast path); elsewhere bulk_create (see demo.rows).
    use_copy: bool = False
    # Whose demo it is: stores, names, prices (demo.markets; the install's market).
    market: DemoMarket = field(default_factory=lambda: demo_market("US"))
    created: Counter = field(default_factory=Counter)
    locations: list[LocationRow] = field(default_factory=list)
    distances: list[list[float]] = field(default_factory=list)
    categories: dict[str, int] = field(default_factory=dict)
    products: list[ProductRow] = field(default_factory=list)
    variants: list[VariantRow] = field(default_factory=list)
    associates: list[AssociateRow] = field(default_factory=list)
    associates_by_location: dict[int, list[AssociateRow]] = field(default_factory=dict)
    customers: list[CustomerRow] = field(default_factory=list)
    customer_index_by_id: dict[int, int] = field(default_factory=dict)
    # Street-address ZIP codes around each location (by location index), for addresses.
    postcodes_around: list[list] = field(default_factory=list)
    # on_hand[location index][variant index]: the opening balance, NOT_STOCKED for no row.
    on_hand: list[array] = field(default_factory=list)
    # Units held by active pickup reservations, per (variant index, location index).
    reserved: Counter = field(default_factory=Counter)

    def rng(self, *key: object) -> random.Random:
        return rng_for(self.seed, *key)

    def insert(
        self, model: type[models.Model], rows: list[Row], label: str, *, ids: bool = False
    ) -> list[Row]:
        """Insert rows (dicts of field attname → value; omitted fields take their model
        default), counted under ``label``. ``ids=True`` when later rows point at these:
        each row then gets its "id"."""
        if rows:
            if self.use_copy:
                copy_insert(model, rows, now=self.now, ids=ids)
            else:
                objects = [model(**row) for row in rows]
                model.objects.bulk_create(objects, batch_size=self.scale.batch_size)
                for row, obj in zip(rows, objects, strict=True):
                    row["id"] = obj.pk
        self.created[label] += len(rows)
        return rows

    def progress(self, iterable: Iterable | None, *, total: int, desc: str) -> tqdm:
        """A progress bar per phase; disable=None shows it on a terminal only."""
        return tqdm(iterable, total=total, desc=desc, leave=False, disable=None, file=sys.stderr)

    @cached_property
    def stores(self) -> list[LocationRow]:
        return [loc for loc in self.locations if loc.is_store]

    def associates_at(self, location_index: int) -> list[AssociateRow]:
        return self.associates_by_location.get(location_index, [])

    def nearest(self, origin: int, candidates: Iterable[LocationRow]) -> LocationRow:
        return min(candidates, key=lambda loc: (self.distances[origin][loc.index], loc.index))
