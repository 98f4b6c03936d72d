"""Threads: a customer's conversation with one store."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from customers.models import Customer
from messaging.models import Message, Thread
from messaging.services.timeline import preview
from stores.models import Associate, Location


def thread_location_for(*, customer: Customer) -> Location | None:
    """Where a message from the customer lands: the store they last wrote with, else the
    store that last wrote to them, else their home store. 1–2 queries."""
    last = (
        Thread.objects.filter(customer=customer)
        .order_by("-last_message_at")
        .select_related("location")
        .first()
    )
    if last is not None:
        return last.location
    sent = (
        Message.objects.filter(customer=customer, location__isnull=False)
        .select_related("location")
        .order_by("-created_at")
        .first()
    )
    if sent is not None:
        return sent.location
    return customer.home_store


@transaction.atomic
def thread_touch(
    *,
    customer: Customer,
    location: Location,
    associate: Associate | None,
    message: Message,
) -> Thread:
    """The customer's thread at ``location``, moved to the top of the inbox with
    ``message`` as its last line. An outbound message from an associate makes them the
    one looking after it; an inbound one counts as unread. Locks the thread."""
    thread, _created = Thread.objects.get_or_create(
        customer=customer,
        location=location,
        defaults={"associate": associate or customer.primary_associate},
    )
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    thread.last_message_at = message.created_at
    thread.last_preview = preview(message.body, 160)
    thread.last_direction = message.direction
    fields = ["last_message_at", "last_preview", "last_direction"]
    if message.is_outbound:
        if associate is not None:
            thread.associate = associate
            fields.append("associate")
    else:
        thread.unread = F("unread") + 1
        fields.append("unread")
    thread.save(update_fields=fields)
    thread.refresh_from_db(fields=["unread"])
    return thread


def thread_mark_read(*, thread: Thread) -> None:
    """The associate opened the thread."""
    Thread.objects.filter(pk=thread.pk, unread__gt=0).update(unread=0)
    thread.unread = 0
