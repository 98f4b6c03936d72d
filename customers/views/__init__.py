"""The shopper's account on the storefront, one module per subject:

- ``account``: the account home (balances, then the panels of orders, lists and returns);
- ``lists``: lists shared with the store, saving a product to a list, the public page of a
  list shared by link;
- ``profile``: name, phone and home store, sizes, preferences, consent.

The account's order pages are orders' (``orders.views.account``).

Every page finds objects through the logged-in shopper's own customer, so another
person's order, list or return is simply "not found" (404). Views stay thin: reads come
from selectors (or the small page-only reads beside them), writes go through services, and
a ``DomainError`` becomes a message next to the field it is about (``form_error_from``).
"""

from customers.views.account import account_home
from customers.views.lists import (
    account_list_delete,
    account_list_detail,
    account_list_item_remove,
    account_list_rename,
    account_list_send,
    account_list_share,
    account_lists,
    list_add,
    list_shared_view,
)
from customers.views.profile import account_profile

__all__ = [
    "account_home",
    "account_list_delete",
    "account_list_detail",
    "account_list_item_remove",
    "account_list_rename",
    "account_list_send",
    "account_list_share",
    "account_lists",
    "account_profile",
    "list_add",
    "list_shared_view",
]
