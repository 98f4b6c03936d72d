"""The inventory engine's write path: every change of stock in every channel goes
through these functions (storefront, back-office, API, workers). Split by subdomain:

- ``stock``: receive, adjust, cycle count, floor sale, restock from a return
- ``reservations``: hold / release / commit / convert / expire
- ``transfers``: request → ship → receive (or cancel)
- ``sourcing``: which location ships an order, how a pickup reaches its store (read-only)
- ``availability``: nearest-store availability, incremental and full
"""

from inventory.errors import (
    CountRejected,
    InsufficientStock,
    InvalidDestination,
    InvalidQuantity,
    InvalidTransition,
    InventoryError,
    ReservationNotFound,
    TransferNotFound,
    UnknownLocation,
    UnknownVariant,
)
from inventory.services.availability import (
    AvailabilityRecompute,
    availability_recompute_all,
    availability_refresh_later,
    availability_refresh_scheduled,
    availability_refresh_variant,
    availability_refresh_variants,
)
from inventory.services.reservations import (
    reservation_commit,
    reservation_convert,
    reservation_create,
    reservation_default_expiry,
    reservation_release,
    reservations_commit,
    reservations_create,
    reservations_expire,
    reservations_hold_for_visit,
    reservations_rehold,
    reservations_release,
    stock_collect,
    stock_ship,
)
from inventory.services.sourcing import (
    PickupPlan,
    PlannedTransfer,
    Shipment,
    ShipmentPlan,
    sourcing_for_pickup,
    sourcing_for_shipment,
)
from inventory.services.stock import (
    ADJUST_REASONS,
    CountLine,
    Line,
    Reference,
    StockLine,
    stock_adjust,
    stock_cycle_count,
    stock_cycle_count_many,
    stock_receive,
    stock_restock_return,
    stock_sell,
)
from inventory.services.transfers import (
    transfer_cancel,
    transfer_number_parse,
    transfer_receive,
    transfer_request,
    transfer_ship,
    transfer_transit_time,
)

__all__ = [
    "ADJUST_REASONS",
    "AvailabilityRecompute",
    "CountLine",
    "CountRejected",
    "InsufficientStock",
    "InvalidDestination",
    "InvalidQuantity",
    "InvalidTransition",
    "InventoryError",
    "Line",
    "PickupPlan",
    "PlannedTransfer",
    "Reference",
    "ReservationNotFound",
    "Shipment",
    "ShipmentPlan",
    "StockLine",
    "TransferNotFound",
    "UnknownLocation",
    "UnknownVariant",
    "availability_recompute_all",
    "availability_refresh_later",
    "availability_refresh_scheduled",
    "availability_refresh_variant",
    "availability_refresh_variants",
    "reservation_commit",
    "reservation_convert",
    "reservation_create",
    "reservation_default_expiry",
    "reservation_release",
    "reservations_commit",
    "reservations_create",
    "reservations_expire",
    "reservations_hold_for_visit",
    "reservations_rehold",
    "reservations_release",
    "sourcing_for_pickup",
    "sourcing_for_shipment",
    "stock_adjust",
    "stock_collect",
    "stock_cycle_count",
    "stock_cycle_count_many",
    "stock_receive",
    "stock_restock_return",
    "stock_sell",
    "stock_ship",
    "transfer_cancel",
    "transfer_number_parse",
    "transfer_receive",
    "transfer_request",
    "transfer_ship",
    "transfer_transit_time",
]
