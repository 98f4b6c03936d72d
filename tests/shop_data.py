"""A small shop for the storefront's view and browser tests, made through factories and the
real services: stores in real towns (distances from the real service), a category of
priced products in sizes and colours, stock received through inventory, nearest-store
availability recomputed. ``grow`` adds more of everything, for query-count budgets that
must not move with the data."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from catalog.models import Category, Product, Variant
from inventory import services as inventory
from stores.models import Location
from stores.services import location_distances_rebuild
from tests import factories as f
from tests.orders.helpers import at_town

SIZES = ("S", "M", "L")


@dataclass
class Shop:
    category: Category
    stores: dict[str, Location]
    warehouse: Location
    products: list[Product] = field(default_factory=list)

    @property
    def product(self) -> Product:
        return self.products[0]

    def variant(self, product: Product | None = None, size: str = "M") -> Variant:
        product = product or self.product
        return product.variants.get(size=size, colour="Navy")


def add_product(
    shop: Shop,
    name: str,
    *,
    price: str = "49.00",
    colours: tuple[str, ...] = ("Navy",),
    sizes: tuple[str, ...] = SIZES,
    stock: dict[str, int] | None = None,
    warehouse: int = 0,
) -> Product:
    """A product with a variant per colour and size, each priced and stocked: ``stock``
    units at each named store, ``warehouse`` at the warehouse."""
    index = len(shop.products)
    product = f.ProductFactory(
        name=name, slug=f"{name.lower().replace(' ', '-')}-{index}", category=shop.category
    )
    position = 0
    for colour in colours:
        for size in sizes:
            variant = f.VariantFactory(
                product=product, size=size, colour=colour, position=position, colour_hex="#223355"
            )
            position += 1
            f.PriceFactory(variant=variant, amount=Decimal(price))
            for store, quantity in (stock or {}).items():
                if quantity:
                    inventory.stock_receive(
                        variant_id=variant.pk,
                        location_id=shop.stores[store].pk,
                        quantity=quantity,
                    )
            if warehouse:
                inventory.stock_receive(
                    variant_id=variant.pk, location_id=shop.warehouse.pk, quantity=warehouse
                )
    shop.products.append(product)
    return product


def refresh(shop: Shop) -> None:
    inventory.availability_recompute_all()


def make_shop() -> Shop:
    """Springfield and Peoria pickup stores, a Chicago store, an Indianapolis warehouse;
    "Tops" with a linen shirt (3 of each size at Springfield) and a wool sweater (only
    at the warehouse)."""
    stores = {
        "springfield": at_town(f.LocationFactory, "springfield", code="SPR"),
        "peoria": at_town(f.LocationFactory, "peoria", code="PEO"),
        "chicago": at_town(f.LocationFactory, "chicago", code="CHI"),
    }
    warehouse = at_town(f.WarehouseFactory, "indianapolis", code="IND")
    location_distances_rebuild()
    category = f.CategoryFactory(name="Tops", slug="tops", size_group=Category.SizeGroup.TOPS)
    shop = Shop(category=category, stores=stores, warehouse=warehouse)
    add_product(shop, "Linen Shirt", price="49.00", stock={"springfield": 3}, warehouse=10)
    add_product(shop, "Wool Sweater", price="89.00", warehouse=5)
    refresh(shop)
    return shop


def grow(shop: Shop, *, products: int = 12, more_stores: int = 4) -> None:
    """More products (in two colours), more stores with stock, more of everything."""
    towns = ("springfield", "peoria", "chicago")
    for n in range(more_stores):
        code = f"X{n:02d}"
        shop.stores[code] = at_town(f.LocationFactory, towns[n % 3], code=code)
    location_distances_rebuild()
    for n in range(products):
        add_product(
            shop,
            f"Extra Tee {n}",
            price=f"{20 + n}.00",
            colours=("Navy", "Sand"),
            sizes=("XS", *SIZES, "XL"),
            stock={"springfield": 2, "peoria": 1, "X00": 1},
            warehouse=3,
        )
        f.ProductImageFactory(product=shop.products[-1])
    refresh(shop)
