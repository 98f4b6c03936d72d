"""Signals other apps listen to, so customers never imports an app above it.

``customer_merged`` is sent inside ``customer_merge``'s transaction with
``source_id`` and ``target_id``: the apps that own rows pointing at a customer (orders,
carts, returns) move them to the target in the same transaction, so a merge is all or
nothing. A receiver that raises rolls the whole merge back.
"""

from dataclasses import dataclass, field
from typing import Any

from django.dispatch import Signal

customer_merged = Signal()

# The back-office's customer screens are customers' own, but apps above it know more about
# a customer (orders and carts). They answer these two signals, sent by
# ``customers.backoffice``, instead of customers importing them:
# - ``customer_lookup`` (``query``): each receiver returns the ids of the customers its data
#   matches (orders: an order number or a scanned receipt code);
# - ``customer_record`` (``customer``, ``location``): each receiver returns a dict of extra
#   context for the customer 360 page (orders: ``purchases``, ``carts``).
customer_lookup = Signal()
customer_record = Signal()

# The storefront account home (``customers.views.account_home``) shows what apps above
# customers keep for the shopper (recent orders, returns). It sends ``account_sections``
# (``request``, ``customer``); each receiver returns an ``AccountPanel`` (or None to show
# nothing), and the page renders the panels by ``position`` — customers' own lists sit at
# 20. A receiver's queries must not grow with the customer's rows.
account_sections = Signal()


@dataclass(frozen=True)
class AccountPanel:
    position: int
    template_name: str
    context: dict[str, Any] = field(default_factory=dict)
