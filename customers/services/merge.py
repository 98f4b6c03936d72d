"""Merging duplicates: one customer folded into another, with everything it owns."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.errors import (
    MergeNotAllowed,
)
from customers.models import (
    Channel,
    Consent,
    ConsentChange,
    Customer,
    CustomerAccessLog,
    CustomerIdentity,
    CustomerNote,
    FollowUpTask,
    Interaction,
    List,
    LoyaltyEntry,
    SizePreference,
    StoreCreditEntry,
)
from customers.services.base import interaction_record
from customers.signals import customer_merged
from omni import stored_text
from omni.models import EmailLog
from stores.models import Associate

# Timeline entries of this module, read in the reader's language (omni.stored_text).
TIMELINE = stored_text.register(
    {
        "customer.merged": gettext_lazy(
            "Merged the duplicate record #%(source_id)s (%(source)s) into this one"
        )
    }
)


def _merge_consents(*, source: Customer, target: Customer) -> None:
    """Per contact channel keep the target's consent unless the source's was changed
    more recently (the latest thing the person told us wins); the history moves whole."""
    theirs = {c.channel: c for c in Consent.objects.filter(customer=source)}
    ours = {c.channel: c for c in Consent.objects.filter(customer=target)}
    for channel, consent in theirs.items():
        kept = ours.get(channel)
        if kept is None:
            Consent.objects.filter(pk=consent.pk).update(customer=target)
        elif consent.changed_at > kept.changed_at:
            for field in ("state", "source", "changed_at", "changed_by_id"):
                setattr(kept, field, getattr(consent, field))
            kept.save(update_fields=["state", "source", "changed_at", "changed_by"])
    Consent.objects.filter(customer=source).delete()
    ConsentChange.objects.filter(customer=source).update(customer=target)


def _merge_sizes(*, source: Customer, target: Customer) -> None:
    """Per size group an edited size beats a learned one, then the more recent wins."""
    theirs = {p.size_group: p for p in SizePreference.objects.filter(customer=source)}
    ours = {p.size_group: p for p in SizePreference.objects.filter(customer=target)}

    def rank(pref: SizePreference) -> tuple[bool, dt.datetime]:
        return (pref.source == SizePreference.Source.EDITED, pref.updated_at)

    for group, pref in theirs.items():
        kept = ours.get(group)
        if kept is None:
            SizePreference.objects.filter(pk=pref.pk).update(customer=target)
        elif rank(pref) > rank(kept):
            kept.size, kept.source, kept.updated_at = pref.size, pref.source, pref.updated_at
            kept.save(update_fields=["size", "source", "updated_at"])
    SizePreference.objects.filter(customer=source).delete()


_FILLED_FROM_SOURCE = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "birthday",
    "home_store_id",
    "primary_associate_id",
)


@transaction.atomic
def customer_merge(*, source: Customer, target: Customer, associate: Associate | None) -> Customer:
    """Fold a duplicate (``source``) into ``target``: identities, lists, notes, tasks,
    the timeline, the access log, consents (the more recent per channel wins), sizes
    (edited beats learned, then the more recent), both ledgers, the login when the target
    has none, and the target's blanks filled from the source. Apps above customers
    (orders, carts, returns) move their rows in receivers of ``customer_merged``, sent in
    this transaction. The source is kept, inactive, with ``merged_into`` = target (and
    records merged into it earlier now point at the target), so old links resolve.

    ``associate`` is None when the shopper's own verified email joins their login to the
    record they had as a guest (``customer_link_login``).

    Locks both customer rows in primary-key order. Raises MergeNotAllowed (the same
    customer, or either one already merged or inactive)."""
    if source.pk == target.pk:
        raise MergeNotAllowed(_("A customer cannot be merged into itself."))
    locked = {
        c.pk: c
        for c in Customer.objects.select_for_update(no_key=True)
        .filter(pk__in=[source.pk, target.pk])
        .order_by("pk")
    }
    source, target = locked[source.pk], locked[target.pk]
    for who in (source, target):
        if who.merged_into_id is not None or not who.is_active:
            raise MergeNotAllowed(
                _("%(customer)s was already merged or closed; merge into the surviving record.")
                % {"customer": who},
                customer_id=who.pk,
            )

    moved = {"customer": target}
    CustomerIdentity.objects.filter(customer=source).update(**moved)
    for model in (List, CustomerNote, FollowUpTask, Interaction, CustomerAccessLog):
        model.objects.filter(customer=source).update(**moved)
    # Ledgers are append-only row by row; moving them whole to the surviving customer is
    # the one bulk move allowed (QuerySet.update bypasses their save()).
    LoyaltyEntry.objects.filter(customer=source).update(**moved)
    StoreCreditEntry.objects.filter(customer=source).update(**moved)
    _merge_consents(source=source, target=target)
    _merge_sizes(source=source, target=target)
    EmailLog.objects.filter(customer_id_ref=source.pk).update(customer_id_ref=target.pk)
    Customer.objects.filter(merged_into=source).update(merged_into=target)

    changed = [f for f in _FILLED_FROM_SOURCE if not getattr(target, f) and getattr(source, f)]
    for field in changed:
        setattr(target, field, getattr(source, field))
    if source.preferences:
        target.preferences = {**source.preferences, **target.preferences}
        changed.append("preferences")
    # Unique columns move in two steps: free them on the source first.
    loyalty_number = source.loyalty_number if not target.loyalty_number else None
    user_id = source.user_id if target.user_id is None else None
    source.merged_into = target
    source.is_active = False
    source_fields = ["merged_into", "is_active", "updated_at"]
    if loyalty_number:
        source.loyalty_number = None
        source_fields.append("loyalty_number")
    if user_id:
        source.user = None
        source_fields.append("user")
    source.save(update_fields=source_fields)
    if loyalty_number:
        target.loyalty_number = loyalty_number
        changed.append("loyalty_number")
    if user_id:
        target.user_id = user_id
        changed.append("user_id")
    target.save(update_fields=[*{f.removesuffix("_id") for f in changed}, "updated_at"])

    customer_merged.send(sender=Customer, source_id=source.pk, target_id=target.pk)
    interaction_record(
        customer=target,
        kind=Interaction.Kind.ACCOUNT,
        # No associate: the shopper's own verified email joined the two records.
        channel=Channel.STORE if associate is not None else Channel.WEB,
        summary=stored_text.text("customer.merged", source_id=source.pk, source=str(source)),
        location=associate.home_location if associate is not None else None,
        associate=associate,
        detail={"source_id": source.pk, "filled": sorted(changed)},
    )
    return target
