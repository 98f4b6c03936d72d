"""Helpers for the orders tests: priced variants, stock received through inventory's
services, and checkout through ``order_place`` the way the storefront does."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from inventory import services as inventory
from orders import services
from stores.models import Location
from tests import factories as f

GOOD_CARD = "4242 4242 4242 4242"
# The storefront checkout's card fields, filled as a shopper would.
CARD_FIELDS = {
    "card_number": GOOD_CARD,
    "card_name": "Ana Shopper",
    "card_expiry": "12/40",
    "card_cvc": "123",
}
ADDRESS = {
    "name": "Ana Shopper",
    "line1": "1 Capitol Ave",
    "city": "Springfield",
    "region": "IL",
    "postcode": "62701",
    "country": "US",
}

# Real towns, so the haversine distances between them are what a shopper would expect.
TOWNS = {
    "springfield": (Decimal("39.781700"), Decimal("-89.650100"), "62701"),
    "peoria": (Decimal("40.693600"), Decimal("-89.589000"), "61602"),
    "chicago": (Decimal("41.878100"), Decimal("-87.629800"), "60601"),
    "indianapolis": (Decimal("39.768400"), Decimal("-86.158100"), "46204"),
}


def at_town(factory, town, **kwargs) -> Location:
    lat, lon, postcode = TOWNS[town]
    return factory(
        name=town.title(),
        city=town.title(),
        latitude=lat,
        longitude=lon,
        postcode=postcode,
        **kwargs,
    )


def make_variant(price: str = "49.00", **kwargs):
    """An active variant with a current price in the one price book."""
    variant = f.VariantFactory(**kwargs)
    f.PriceFactory(variant=variant, amount=Decimal(price))
    return variant


def receive(variant, location, quantity: int) -> None:
    inventory.stock_receive(variant_id=variant.pk, location_id=location.pk, quantity=quantity)


def place(
    lines=None,
    *,
    cart=None,
    fulfilment=None,
    payment=None,
    contact=None,
    **kwargs,
):
    """Check out like the storefront: ship to Springfield, pay by the good test card."""
    return services.order_place(
        services.OrderRequest(
            lines=lines,
            cart=cart,
            fulfilment=fulfilment or services.ShipTo(ADDRESS),
            payment=payment or services.PaymentChoice.card(GOOD_CARD),
            contact=contact
            if contact is not None or kwargs.get("customer")
            else services.Contact(email="ana@example.com", first_name="Ana", last_name="Shopper"),
            **kwargs,
        )
    ).order


def later(**delta) -> dt.datetime:
    return timezone.now() + dt.timedelta(**delta)
