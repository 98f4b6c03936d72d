"""Open carts: members' and guests' carts with items, an email (mostly), and the last
activity somewhere in the past ten days: the abandoned-cart emails' raw material. The
converted carts are written with their orders."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from customers.models import Channel
from demo.randomness import token_for
from demo.rows import Row
from demo.shopping import Assortment
from demo.world import DemoWorld
from orders.models import Cart, CartLine

# When the first reminder is due after the shopper goes quiet.
FIRST_REMINDER_AFTER = dt.timedelta(hours=1)


def open_carts_create(world: DemoWorld) -> None:
    assortment = Assortment(world)
    total = world.scale.open_carts
    chunk = world.scale.order_chunk
    for start in world.progress(range(0, total, chunk), total=-(-total // chunk), desc="carts"):
        carts: list[Row] = []
        lines: list[list[Row]] = []
        for index in range(start, min(start + chunk, total)):
            rng = world.rng("open-cart", index)
            # Shoppers like anyone else; a quarter are guests known only by the email typed.
            customer = world.customers[int(len(world.customers) * rng.random() ** 1.3)]
            is_guest = rng.random() < 0.25
            if is_guest:
                email = "" if rng.random() < 0.4 else f"guest{index + 1}@example.org"
            else:
                email = customer.email
            last_activity = world.now - dt.timedelta(hours=rng.uniform(0.5, 240))
            carts.append(
                dict(
                    customer_id=None if is_guest else customer.id,
                    user_id=None if is_guest else customer.user_id,
                    session_key=token_for(rng, 24),
                    token=token_for(rng, 18),
                    email=email,
                    status=Cart.Status.OPEN,
                    channel=rng.choice((Channel.WEB, Channel.WEB, Channel.APP)),
                    store_id=world.locations[customer.area_index].id,
                    last_activity_at=last_activity,
                    recovery_stage=0,
                    recovery_due_at=last_activity + FIRST_REMINDER_AFTER if email else None,
                    created_at=last_activity - dt.timedelta(minutes=rng.uniform(1, 90)),
                )
            )
            # A guest's picks still follow someone's taste: borrow the drawn customer's.
            variants = assortment.variants_for(rng, customer, rng.randint(1, 3))
            lines.append(
                [
                    dict(
                        variant_id=variant.id,
                        quantity=2 if rng.random() < 0.1 else 1,
                        added_at=last_activity - dt.timedelta(minutes=5 * position),
                    )
                    for position, variant in enumerate(variants)
                ]
            )
        with transaction.atomic():
            world.insert(Cart, carts, "carts", ids=True)
            for cart, cart_lines in zip(carts, lines, strict=True):
                for line in cart_lines:
                    line["cart_id"] = cart["id"]
            world.insert(CartLine, [line for group in lines for line in group], "cart lines")
