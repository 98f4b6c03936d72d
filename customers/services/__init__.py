"""Writes about customers: who someone is (identities), what they allow (consent), and
what happened with them (the timeline, ledgers). Every change to a customer goes through
these functions (storefront, back-office, API, workers). Split by subdomain:

- ``identities``: ``customer_resolve`` — the one customer for an email or a phone, so a
  guest checkout, a store sale and a POS order attach to the same person; normalising
  emails and phone numbers; joining a login to its customer
- ``consent``: consent per contact channel, with its history
- ``ledgers``: loyalty points and store credit (append-only)
- ``lists``: wishlists and shopping lists, sharing, sending to a store, the steps of
  holding for a visit (``orders.services.list_hold_for_visit`` makes the holds between them)
- ``clienteling``: an associate's notes, follow-up tasks, one-to-one outreach, access log
- ``profile``: names, phone, preferences, home store, birthday; sizes learned or set
- ``merge``: folding a duplicate customer into another
- ``recently_viewed``: "continue where you left off"
- ``base``: what they share — the timeline entry (``interaction_record``), typed
  references, who acts where

Import from here (``from customers import services``; ``services.customer_resolve``):
the modules are the rooms, this is the door.
"""

from customers.errors import (
    ConsentRequired,
    CustomerNotFound,
    IdentityConflict,
    InvalidContact,
    InvalidList,
    InvalidProfile,
    InvalidTransition,
    LocationNotAvailable,
    MergeNotAllowed,
    SizeNotChosen,
)
from customers.services.base import customers_for_ids, interaction_record, reference_of
from customers.services.clienteling import (
    customer_access_record,
    note_add,
    note_pin,
    outreach_record,
    task_cancel,
    task_complete,
    task_create,
)
from customers.services.consent import consent_set, service_channel_set
from customers.services.identities import (
    customer_link_login,
    customer_resolve,
    normalise_email,
    normalise_phone,
)
from customers.services.ledgers import loyalty_add, store_credit_add
from customers.services.lists import (
    HOLD_HOURS_MAX,
    ListHold,
    list_add_item,
    list_create,
    list_delete,
    list_hold_plan,
    list_hold_record,
    list_hold_short,
    list_remove_item,
    list_rename,
    list_send_to_store,
    list_set_store_status,
    list_share,
    list_unshare,
)
from customers.services.merge import customer_merge
from customers.services.profile import (
    UNSET,
    customer_set_phone,
    customer_update_profile,
    size_clear,
    size_set,
    sizes_learn_from_purchase,
)
from customers.services.recently_viewed import recent_view_record

__all__ = [
    "HOLD_HOURS_MAX",
    "UNSET",
    "ConsentRequired",
    "CustomerNotFound",
    "IdentityConflict",
    "InvalidContact",
    "InvalidList",
    "InvalidProfile",
    "InvalidTransition",
    "ListHold",
    "LocationNotAvailable",
    "MergeNotAllowed",
    "SizeNotChosen",
    "consent_set",
    "customer_access_record",
    "customer_link_login",
    "customer_merge",
    "customer_resolve",
    "customer_set_phone",
    "customer_update_profile",
    "customers_for_ids",
    "interaction_record",
    "list_add_item",
    "list_create",
    "list_delete",
    "list_hold_plan",
    "list_hold_record",
    "list_hold_short",
    "list_remove_item",
    "list_rename",
    "list_send_to_store",
    "list_set_store_status",
    "list_share",
    "list_unshare",
    "loyalty_add",
    "normalise_email",
    "normalise_phone",
    "note_add",
    "note_pin",
    "outreach_record",
    "recent_view_record",
    "reference_of",
    "service_channel_set",
    "size_clear",
    "size_set",
    "sizes_learn_from_purchase",
    "store_credit_add",
    "task_cancel",
    "task_complete",
    "task_create",
]
