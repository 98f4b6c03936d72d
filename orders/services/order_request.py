"""What a checkout is asked for: who (``Contact``), how it reaches them (``ShipTo``,
``PickupAt``, ``CarryOut``), and the checks made before anything is written."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from customers.models import Channel
from orders.errors import (
    CartEmpty,
    CheckoutInvalid,
    InvalidQuantity,
)
from orders.services.numbers import (
    ORDER_CHANNELS,
)
from orders.services.payments import (
    METHOD_PAY_IN_STORE,
    PaymentChoice,
    payment_choice_validate,
)
from stores.models import Location


@dataclass(frozen=True)
class Contact:
    """Who the order is for, as typed at checkout or told to an associate."""

    email: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""


@dataclass(frozen=True)
class ShipTo:
    """Deliver to an address: name, line1, line2, city, region, postcode, country."""

    address: Mapping[str, str]


@dataclass(frozen=True)
class PickupAt:
    """Collect at a store that offers pickup: ``PickupAt(store_id)``, or
    ``PickupAt(store=location)`` when the Location is at hand (saves a query)."""

    store_id: int | None = None
    store: Location | None = None

    def __post_init__(self) -> None:
        if isinstance(self.store_id, Location):  # PickupAt(location), positionally
            object.__setattr__(self, "store", self.store_id)
            object.__setattr__(self, "store_id", None)
        if self.store_id is None and self.store is not None:
            object.__setattr__(self, "store_id", self.store.pk)
        if self.store_id is None:
            raise CheckoutInvalid("Choose the store to pick up from.", field="store")


@dataclass(frozen=True)
class CarryOut:
    """Taken home now from the store the sale is made in (channel ``store``)."""


FulfilmentChoice = ShipTo | PickupAt | CarryOut

ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postcode", "country")
REQUIRED_ADDRESS_FIELDS = {"line1": "street", "city": "town or city", "postcode": "postcode"}


def _address_clean(address: Mapping[str, str]) -> dict[str, str]:
    clean = {key: str(address.get(key, "") or "").strip() for key in ADDRESS_FIELDS}
    clean["country"] = (clean["country"] or "US").upper()
    for key, label in REQUIRED_ADDRESS_FIELDS.items():
        if not clean[key]:
            raise CheckoutInvalid(f"Please enter the {label} of the delivery address.", field=key)
    return clean


def _lines_clean(lines: Sequence[tuple[int, int]]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for raw in lines:
        variant_id, quantity = raw
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise InvalidQuantity("Each quantity must be a whole number of at least 1.")
        merged[int(variant_id)] = merged.get(int(variant_id), 0) + quantity
    if not merged:
        raise CartEmpty("There is nothing to check out.")
    return merged


def _validate(
    *,
    channel: str,
    fulfilment: FulfilmentChoice,
    payment: PaymentChoice,
    location: Location | None,
    lines,
    cart,
    external_reference: str,
):
    if channel not in ORDER_CHANNELS:
        raise CheckoutInvalid("Orders cannot be placed in this channel.", field="channel")
    if (lines is None) == (cart is None):
        raise CheckoutInvalid("Check out either a cart or a list of lines.", field="lines")
    if channel == Channel.STORE and location is None:
        raise CheckoutInvalid("An in-store sale needs the store it is made in.", field="location")
    if isinstance(fulfilment, CarryOut):
        if channel != Channel.STORE or location is None or not location.is_store:
            raise CheckoutInvalid(
                "Only an in-store sale can be taken home now.", field="fulfilment"
            )
    elif not isinstance(fulfilment, ShipTo | PickupAt):
        raise CheckoutInvalid("Choose delivery or pickup.", field="fulfilment")
    if payment.method == METHOD_PAY_IN_STORE and isinstance(fulfilment, ShipTo):
        raise CheckoutInvalid("Pay in store is for pickups and in-store sales.", field="payment")
    if len(external_reference) > 80:
        raise CheckoutInvalid("The external reference is too long.", field="external_reference")
    return payment_choice_validate(payment)
