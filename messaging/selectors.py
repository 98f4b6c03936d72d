"""Reads of messages and threads used by more than one screen (the inbox, the 360, the
shared list)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from customers.models import Customer, List
from messaging.models import Message, Thread
from stores.models import Associate, Location

INBOX_PAGE = 50
THREAD_PAGE = 50


def threads_visible(*, associate: Associate, locations: list[Location]) -> QuerySet[Thread]:
    """The threads ``associate`` may read among ``locations`` (the stores they are
    assigned to): a manager, every conversation of those stores; an associate, their own
    clients' (they look after the thread, or are the customer's primary associate) and
    the unassigned ones."""
    threads = Thread.objects.filter(location__in=locations)
    if associate.is_manager:
        return threads
    return threads.filter(
        Q(associate=associate)
        | Q(customer__primary_associate=associate)
        | Q(associate__isnull=True, customer__primary_associate__isnull=True)
    )


def inbox_threads(
    *, associate: Associate, location: Location, locations: list[Location], limit: int = INBOX_PAGE
) -> list[Thread]:
    """The inbox of ``associate`` at ``location`` (one of ``locations``, their stores):
    newest conversation first. One query, whatever the number of threads or messages."""
    if all(place.pk != location.pk for place in locations):
        return []
    return list(
        threads_visible(associate=associate, locations=[location])
        .select_related("customer", "associate", "location")
        .order_by("-last_message_at", "-id")[:limit]
    )


def thread_for_reader(
    *, thread_id: int, associate: Associate, locations: list[Location]
) -> Thread | None:
    """The thread, when ``associate`` may read it; else None. One query."""
    return (
        threads_visible(associate=associate, locations=locations)
        .select_related("customer", "associate", "location")
        .filter(pk=thread_id)
        .first()
    )


def thread_messages(*, thread: Thread, limit: int = THREAD_PAGE) -> list[Message]:
    """The thread's last ``limit`` messages, oldest first. One query."""
    newest = list(
        Message.objects.filter(thread=thread)
        .select_related("associate")
        .order_by("-created_at", "-id")[:limit]
    )
    return newest[::-1]


def customer_messages(*, customer: Customer, limit: int = 10) -> list[Message]:
    """The customer's last ``limit`` messages in any thread or channel (the 360's card),
    oldest first. One query."""
    newest = list(
        Message.objects.filter(customer=customer)
        .select_related("associate", "location")
        .order_by("-created_at", "-id")[:limit]
    )
    return newest[::-1]


@dataclass(frozen=True)
class ListContact:
    """Someone in a store who added items to a shared list, and the store."""

    associate: Associate
    location: Location


def list_contacts(*, shopping_list: List) -> list[ListContact]:
    """The associates who added items to the list (with their store), first added
    first. No query when the items were read with ``customers.selectors.list_shared``."""
    seen: dict[int, ListContact] = {}
    for item in sorted(shopping_list.items.all(), key=lambda i: (i.added_at, i.pk)):
        associate = item.added_by_associate
        if associate is None or associate.pk in seen or not associate.is_active:
            continue
        seen[associate.pk] = ListContact(associate, associate.home_location)
    return list(seen.values())
