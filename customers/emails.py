"""Customers' emails, sent by the outbox after commit (handlers registered in
``CustomersConfig.ready``). Each re-reads what it needs and checks consent again: the
shopper may have changed their mind between the change and the send."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from customers.models import Channel, ContactChannel, Interaction, ListItem
from customers.selectors import outreach_allowed
from customers.services import interaction_record
from omni.email import absolute_url, email_send_once, email_sent_text, subject_values


def list_item_added_email_send(payload: dict[str, Any]) -> None:
    """ "Maya added the linen blazer to your list": to the shopper, once per item, only
    while their email consent allows one-to-one contact from an associate."""
    item = (
        ListItem.objects.select_related(
            "list__customer", "product", "variant", "added_by_associate__home_location"
        )
        .filter(pk=payload["list_item_id"])
        .first()
    )
    if item is None:  # removed before we got to it: nothing to tell
        return
    customer = item.list.customer
    if not customer.email or not outreach_allowed(
        customer=customer, channel=ContactChannel.EMAIL, by_associate=True
    ):
        return
    associate = item.added_by_associate
    context = {
        "customer": customer,
        "item": item,
        "list": item.list,
        "associate_name": item.added_by_name or gettext_lazy("Your stylist"),
        "store": associate.home_location if associate else None,
        "list_url": absolute_url("/account/lists/"),
    }
    log = email_send_once(
        kind="list_item_added",
        object_type="customers.listitem",
        object_id=item.pk,
        to=customer.email,
        customer_id=customer.pk,
        language=customer.language,
        context=context,
        subject_params=subject_values(context, "associate_name", "list.name"),
    )
    if log is not None:
        interaction_record(
            customer=customer,
            kind=Interaction.Kind.EMAIL,
            channel=Channel.EMAIL,
            summary=email_sent_text(log),
            subject=item.list,
            associate=associate,
        )
