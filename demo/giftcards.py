"""The demo's gift cards: the e-gift card the storefront sells (/gift-cards/buy/) and a
couple of cards a manager issued, through the real services. Their codes are not printed:
a card's code is shown once, and a second seed could not read them back (only a hash is
stored); issue one at /backoffice/gift-cards/ to see its code."""

from __future__ import annotations

from decimal import Decimal

from catalog.models import Category, Product, Variant
from demo.catalog import translated_columns
from demo.world import DemoWorld
from giftcards import services as gift_cards
from giftcards.models import GiftCard, GiftCardProduct
from omni.money import currency

GIFT_CARD_SKU = "GIFT-CARD-EMAIL"


def gift_cards_create(world: DemoWorld) -> None:
    category = Category.objects.create(
        **translated_columns(
            name="Gift cards", description="E-gift cards by email, for any amount."
        ),
        slug="gift-cards",
        position=99,
        tax_class="zero",  # a gift card is money: taxed when it is spent
        created_at=world.now,
    )
    product = Product.objects.create(
        **translated_columns(
            name="E-gift card",
            description="Choose the amount; the code is emailed to the recipient.",
        ),
        category=category,
        slug="e-gift-card",
        is_final_sale=True,
        # Sold on its own page (an amount, a recipient), not listed with the goods.
        is_active=False,
    )
    variant = Variant.objects.create(product=product, sku=GIFT_CARD_SKU)
    GiftCardProduct.objects.create(variant=variant, delivery=GiftCard.Delivery.EMAIL)
    world.created["categories"] += 1
    world.created["products"] += 1
    world.created["variants"] += 1
    low, high = gift_cards.amount_bounds(currency())
    for amount, reason in ((low * 5, "Goodwill: a late delivery"), (low * 10, "Staff prize")):
        gift_cards.gift_card_issue(
            amount=min(Decimal(amount), high), source=GiftCard.Source.ISSUED, reason=reason
        )
