"""Opening stock: every warehouse holds every variant; each store carries a share of the
products (all of them at the small scale). Quantities are deterministic: some zeros, some
1–3 (so "only N left" is true somewhere), warehouses deep. Each non-zero row gets one
opening movement, so the ledger sums to on-hand from the first row."""

from __future__ import annotations

from array import array

from django.db import transaction

from demo.rows import Row
from demo.world import NOT_STOCKED, DemoWorld
from inventory.models import Stock, StockMovement


def stock_plan(world: DemoWorld) -> None:
    """Fill ``world.on_hand`` (two bytes per variant and location): later phases read it to
    sell only what a store carries and to reserve only what is there."""
    variants = len(world.variants)
    world.on_hand = [array("H", [NOT_STOCKED]) * variants for _ in world.locations]
    stores = world.stores
    warehouses = [loc for loc in world.locations if not loc.is_store]
    for product in world.products:
        rng = world.rng("assortment", product.index)
        carried_by = [s for s in stores if rng.random() < world.scale.store_assortment]
        for variant_index in product.variant_indexes:
            rng = world.rng("stock", variant_index)
            for warehouse in warehouses:
                quantity = 0 if rng.random() < 0.03 else rng.randint(15, 120)
                world.on_hand[warehouse.index][variant_index] = quantity
            for store in carried_by:
                roll = rng.random()
                if roll < 0.15:
                    quantity = 0
                elif roll < 0.4:
                    quantity = rng.randint(1, 3)
                else:
                    quantity = rng.randint(4, 14)
                world.on_hand[store.index][variant_index] = quantity


def stock_create(world: DemoWorld) -> None:
    stock_plan(world)
    chunk = world.scale.variant_chunk
    for start in world.progress(
        range(0, len(world.variants), chunk),
        total=-(-len(world.variants) // chunk),
        desc="stock",
    ):
        rows: list[Row] = []
        movements: list[Row] = []
        for variant in world.variants[start : start + chunk]:
            rng = world.rng("display", variant.index)
            for location in world.locations:
                on_hand = world.on_hand[location.index][variant.index]
                if on_hand == NOT_STOCKED:
                    continue
                rows.append(
                    dict(
                        variant_id=variant.id,
                        location_id=location.id,
                        on_hand=on_hand,
                        reserved=0,
                        # The odd display piece kept back from online sale in a store.
                        safety_stock=2 if location.is_store and rng.random() < 0.02 else None,
                    )
                )
                if on_hand:
                    movements.append(
                        dict(
                            variant_id=variant.id,
                            location_id=location.id,
                            delta=on_hand,
                            on_hand_after=on_hand,
                            reason=StockMovement.Reason.INITIAL,
                            note="Opening balance",
                            actor="seed_demo",
                            created_at=world.now,
                        )
                    )
        with transaction.atomic():
            world.insert(Stock, rows, "stock rows")
            world.insert(StockMovement, movements, "stock movements")
