"""What a customer picks: products weighted by popularity within the departments they
shop, in their own size most of the time. Shared by lists, orders and carts."""

from __future__ import annotations

import random

from demo.randomness import WeightedPicker
from demo.world import CustomerRow, DemoWorld, ProductRow, VariantRow

SIZE_LOYALTY = 0.8  # how often a shopper picks their usual size when the product has it


class Assortment:
    def __init__(self, world: DemoWorld) -> None:
        self.world = world
        order = list(range(len(world.products)))
        world.rng("popularity").shuffle(order)
        # A long tail: the favourite sells about ten times as often as the hundredth.
        weight = {p: 1.0 / (1 + rank / 10) for rank, p in enumerate(order)}
        self.pickers = {}
        for department in ("women", "men", "all"):
            products = [
                p
                for p in world.products
                if department == "all" or p.department in (department, "all")
            ]
            self.pickers[department] = WeightedPicker(products, [weight[p.index] for p in products])

    def product_for(self, rng: random.Random, customer: CustomerRow) -> ProductRow:
        # One purchase in ten is for someone else (a gift), from the whole range.
        department = "all" if rng.random() < 0.1 else customer.department
        return self.pickers[department].pick(rng)

    def variant_for(
        self, rng: random.Random, customer: CustomerRow, product: ProductRow
    ) -> VariantRow:
        sizes = product.sizes
        usual = customer.sizes.get(product.size_group)
        if usual in sizes and rng.random() < SIZE_LOYALTY:
            size_index = sizes.index(usual)
        else:
            size_index = rng.randrange(len(sizes))
        colours = len(product.variant_indexes) // len(sizes)
        colour_index = rng.randrange(colours)
        return self.world.variants[product.variant_indexes[colour_index * len(sizes) + size_index]]

    def variants_for(
        self, rng: random.Random, customer: CustomerRow, count: int
    ) -> list[VariantRow]:
        """``count`` distinct variants (fewer if the draws keep colliding)."""
        chosen: dict[int, VariantRow] = {}
        for _ in range(count * 3):
            if len(chosen) == count:
                break
            variant = self.variant_for(rng, customer, self.product_for(rng, customer))
            chosen.setdefault(variant.index, variant)
        return list(chosen.values())
