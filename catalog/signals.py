"""Questions the storefront's catalog pages ask the apps above catalog, so that catalog
(the lowest app) never imports them (DESIGN.md "Layout"). Each is sent by
``catalog.views``; ``answer`` takes the first receiver's answer that is not None.

Who is shopping — customers answers (``customers.receivers``), each with ``request``:
- ``shopper_store``: the shopper's store, an object with ``id`` and ``name``, or None.
- ``shopper_size`` (``size_group``): the shopper's size in that group, "" when unknown.
- ``recently_viewed`` (``limit``): ``(product ids, category ids)``, newest first.
- ``product_viewed`` (``product``, ``category``, one of them None): remember the view.

What can be sold — inventory answers (``inventory.receivers``):
- ``product_stock`` (``product_id``, ``variant_ids``, ``store_id`` or None): a
  ``ProductStock``; at most two queries, however many variants and stores.
- ``listing_in_stock`` (``store_id``): a subquery of the ids of products with units at
  that store, so the listing's "in stock at my store" filter adds no query.

With no receiver the pages still render: no store, no size, nothing recent, and stock
unknown (every size "Out of stock", the filter off).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from django.dispatch import Signal

shopper_store = Signal()
shopper_size = Signal()
recently_viewed = Signal()
product_viewed = Signal()
product_stock = Signal()
listing_in_stock = Signal()


class ShopperStore(Protocol):
    """``shopper_store``'s answer (customers' ``ChosenStore``)."""

    id: int
    name: str


class NearbySource(Protocol):
    location: Any  # has ``name``
    quantity: int
    distance_km: Any


class VariantStock(Protocol):
    """One variant at the shopper's store (inventory's ``VariantAvailability``)."""

    here: int

    @property
    def in_stock_here(self) -> bool: ...

    @property
    def low_stock(self) -> bool: ...

    @property
    def nearest_elsewhere(self) -> NearbySource | None: ...


class StoreStock(Protocol):
    """A product's variants at the shopper's store (inventory's ``ProductAvailability``)."""

    def for_variant(self, variant_id: int) -> VariantStock: ...


@dataclass(frozen=True)
class ProductStock:
    """``product_stock``'s answer: units that can ship online per variant id (absent:
    none), and the variants at the shopper's store and nearby (None without a store)."""

    online: dict[int, int] = field(default_factory=dict)
    at_store: StoreStock | None = None


def answer(signal: Signal, default: Any = None, **kwargs: Any) -> Any:
    """The first receiver's answer that is not None, else ``default``."""
    for _receiver, response in signal.send(sender=None, **kwargs):
        if response is not None:
            return response
    return default
