"""Back-office clienteling, one module per subject:

- ``record``: find a customer, their record on one screen (the 360) and what an associate
  adds to it;
- ``lists``: a customer's list shared with the shopper, and the "sent to this store" queue;
- ``tasks``: follow-up tasks.

Every view is a ``backoffice_view`` (an active associate, working for ``request.location``)
and stays thin: it parses a form, calls one service, renders the page or — for HTMX — the
fragment of it that changed. Who may act where is checked again in the services.

Orders know things about a customer that customers may not import (order numbers, what
they bought, their carts): the search and the 360 ask for them through
``customers.signals.customer_lookup`` / ``customer_record``, which ``orders`` answers.
"""

from customers.backoffice.duplicates import customer_duplicate_merge, customer_duplicates
from customers.backoffice.lists import (
    customer_list,
    customer_list_add,
    list_hold,
    list_status,
    lists_queue,
)
from customers.backoffice.record import (
    customer_detail,
    customer_language_set,
    customer_list_create,
    customer_note_add,
    customer_note_pin,
    customer_outreach,
    customer_search,
    customer_size_set,
    customer_task_create,
    customer_timeline,
)
from customers.backoffice.tasks import task_cancel, task_complete, tasks

__all__ = [
    "customer_detail",
    "customer_duplicate_merge",
    "customer_duplicates",
    "customer_language_set",
    "customer_list",
    "customer_list_add",
    "customer_list_create",
    "customer_note_add",
    "customer_note_pin",
    "customer_outreach",
    "customer_search",
    "customer_size_set",
    "customer_task_create",
    "customer_timeline",
    "list_hold",
    "list_status",
    "lists_queue",
    "task_cancel",
    "task_complete",
    "tasks",
]
